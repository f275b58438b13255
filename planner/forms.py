"""WTForms classes for the UI; they turn requests into plain values for the services."""

from __future__ import annotations

from collections.abc import Iterable

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    EmailField,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
    URLField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    EqualTo,
    InputRequired,
    Length,
    NumberRange,
    Optional,
)
from wtforms.widgets import CheckboxInput, ListWidget

from planner.models import Category, Role


def choices(pairs: Iterable[tuple[object, str]]) -> list[SelectChoice]:
    """Build select options (WTForms 3.3 deprecates plain tuples)."""
    return [SelectChoice(value, label) for value, label in pairs]


CATEGORY_CHOICES = choices((c.value, c.value.capitalize()) for c in Category)
ROLE_CHOICES = choices((r.value, r.value.capitalize()) for r in Role)


class MultiCheckboxField(SelectMultipleField):
    """Channels as a list of checkboxes, easier on a phone than a multi-select."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired()])


class RegisterForm(FlaskForm):
    name = StringField("Your name", validators=[Optional(), Length(max=120)])
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    password = PasswordField(
        "Password", validators=[DataRequired(), Length(min=8, message="Use at least 8 characters.")]
    )
    workspace = StringField("Business name", validators=[DataRequired(), Length(max=120)])
    timezone = SelectField("Time zone", validators=[DataRequired()])


class InviteAcceptForm(FlaskForm):
    name = StringField("Your name", validators=[Optional(), Length(max=120)])
    email = EmailField("Email", validators=[DataRequired()])
    password = PasswordField(
        "Password", validators=[DataRequired(), Length(min=8, message="Use at least 8 characters.")]
    )


class PostForm(FlaskForm):
    body = TextAreaField(
        "Text", validators=[DataRequired(message="Write something to post."), Length(max=10_000)]
    )
    category = SelectField("Category", choices=CATEGORY_CHOICES, validators=[DataRequired()])
    channels = MultiCheckboxField("Channels", coerce=int, validate_choice=False)
    date = DateField("Date", validators=[Optional()])
    time = TimeField("Time", validators=[Optional()])
    link = URLField("Link (optional)", validators=[Optional(), Length(max=2000)])

    def validate(self, extra_validators=None) -> bool:  # noqa: ANN001
        ok = super().validate(extra_validators)
        if self.date.data and not self.time.data and not self.time.errors:
            self.time.errors = [
                *self.time.errors,
                "Choose a time, or clear the date to keep it as an idea.",
            ]
            ok = False
        if self.time.data and not self.date.data and not self.date.errors:
            self.date.errors = [*self.date.errors, "Choose a date for this time."]
            ok = False
        return ok


class ChannelForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=80)])
    platform = SelectField("Platform", validators=[DataRequired()])
    instance_url = StringField("Mastodon server URL", validators=[Optional()])
    access_token = PasswordField("Access token", validators=[Optional()])
    url = PasswordField("Webhook URL", validators=[Optional()])
    format = SelectField(
        "Webhook format",
        choices=choices([("generic", "Generic JSON"), ("slack", "Slack"), ("discord", "Discord")]),
        validators=[Optional()],
    )
    service_url = StringField(
        "Bluesky server", default="https://bsky.social", validators=[Optional()]
    )
    handle = StringField("Bluesky handle", validators=[Optional()])
    app_password = PasswordField("Bluesky app password", validators=[Optional()])


class WorkspaceForm(FlaskForm):
    name = StringField("Business name", validators=[DataRequired(), Length(max=120)])
    timezone = SelectField("Time zone", validators=[DataRequired()])
    second_pair_of_eyes = BooleanField("Second pair of eyes: nobody approves their own post")


class RejectForm(FlaskForm):
    comment = TextAreaField(
        "Comment", validators=[DataRequired(message="Say what should change."), Length(max=5000)]
    )


class ApproveForm(FlaskForm):
    override_reason = TextAreaField(
        "Reason for overriding the guardrail (owners only)",
        validators=[Optional(), Length(max=2000)],
    )


class NoteForm(FlaskForm):
    body = TextAreaField(
        "Note or reply", validators=[DataRequired(message="Write something."), Length(max=5000)]
    )


class InviteForm(FlaskForm):
    email = EmailField(
        "Email (optional, for your records)",
        validators=[Optional()],
    )
    role = SelectField(
        "Role", choices=ROLE_CHOICES, default="contributor", validators=[InputRequired()]
    )


class RoleForm(FlaskForm):
    role = SelectField("Role", choices=ROLE_CHOICES, validators=[InputRequired()])


class TokenForm(FlaskForm):
    name = StringField("Token name", validators=[DataRequired(), Length(max=80)])


class PasswordForm(FlaskForm):
    current_password = PasswordField("Current password", validators=[DataRequired()])
    new_password = PasswordField(
        "New password",
        validators=[DataRequired(), Length(min=8, message="Use at least 8 characters.")],
    )
    confirm = PasswordField(
        "Repeat new password",
        validators=[DataRequired(), EqualTo("new_password", message="The passwords differ.")],
    )


class EmptyForm(FlaskForm):
    """A form with only the CSRF token, for buttons that change state."""


class PolicyForm(FlaskForm):
    """The guardrail policy: a preset, or custom numbers per category, and each rule's severity."""

    preset = SelectField(
        "Preset",
        choices=choices(
            [
                ("80-20", "80/20: at most 1 post in 5 sells"),
                ("thirds", "Rule of thirds: a third promotion, at least a quarter conversation"),
                ("custom", "Custom numbers"),
            ]
        ),
    )
    quiet_gap_days = IntegerField(
        "Warn when a channel goes quiet for more than (days)",
        validators=[Optional(), NumberRange(min=0, max=365)],
    )


for _cat in Category:
    setattr(
        PolicyForm,
        f"max_{_cat.value}",
        DecimalField(
            f"{_cat.value.capitalize()}: at most (%)",
            places=None,
            validators=[Optional(), NumberRange(min=0, max=100)],
        ),
    )
    setattr(
        PolicyForm,
        f"min_{_cat.value}",
        DecimalField(
            f"{_cat.value.capitalize()}: at least (%)",
            places=None,
            validators=[Optional(), NumberRange(min=0, max=100)],
        ),
    )
    setattr(
        PolicyForm,
        f"streak_{_cat.value}",
        IntegerField(
            f"{_cat.value.capitalize()}: at most in a row",
            validators=[Optional(), NumberRange(min=1, max=100)],
        ),
    )
for _rule, _label in (
    ("max_share", "Too large a share"),
    ("min_share", "Too small a share"),
    ("streak", "Too many in a row"),
    ("quiet_gap", "Channel goes quiet"),
):
    setattr(
        PolicyForm,
        f"severity_{_rule}",
        SelectField(
            _label, choices=choices([("warn", "Warn"), ("block", "Block approval")]), default="warn"
        ),
    )
