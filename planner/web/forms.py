"""WTForms classes for the UI; they turn requests into plain values for the services."""

from __future__ import annotations

from collections.abc import Iterable

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
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
    StopValidation,
)
from wtforms.widgets import CheckboxInput, ListWidget

from planner.models import Category, Role
from planner.timeutils import day_in_span
from planner.web.boundary import MAX_ID
from planner.web.forms_support import SingleLine


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
    name = StringField("Your name", validators=[Optional(), Length(max=120), SingleLine()])
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    password = PasswordField(
        "Password", validators=[DataRequired(), Length(min=8, message="Use at least 8 characters.")]
    )
    workspace = StringField(
        "Business name", validators=[DataRequired(), Length(max=120), SingleLine()]
    )
    timezone = SelectField("Time zone", validators=[DataRequired()])


class InviteAcceptForm(FlaskForm):
    name = StringField("Your name", validators=[Optional(), Length(max=120), SingleLine()])
    email = EmailField("Email", validators=[DataRequired()])
    password = PasswordField(
        "Password", validators=[DataRequired(), Length(min=8, message="Use at least 8 characters.")]
    )


class InSpan:
    """A date planner can store and turn into an instant in any zone: 1970 to 2199."""

    def __call__(self, form: FlaskForm, field: DateField) -> None:
        if field.data is not None and not day_in_span(field.data):
            raise StopValidation("Choose a date between 1970 and 2200.")


class EachBetween:
    """Every number a multiple choice sent lies in [low, high] (the choices are not checked)."""

    def __init__(self, low: int, high: int) -> None:
        self.low, self.high = low, high

    def __call__(self, form: FlaskForm, field: SelectMultipleField) -> None:
        if any(not self.low <= value <= self.high for value in field.data or ()):
            raise StopValidation("Choose from the list.")


class PostForm(FlaskForm):
    body = TextAreaField(
        "Text", validators=[DataRequired(message="Write something to post."), Length(max=10_000)]
    )
    # No default: a guessed category would skew the mix the guardrails count.
    category = SelectField(
        "Category",
        choices=[SelectChoice("", "Choose a category"), *CATEGORY_CHOICES],
        validators=[DataRequired(message="Choose a category: the guardrails count posts by it.")],
    )
    channels = MultiCheckboxField(
        "Channels", coerce=int, validate_choice=False, validators=[EachBetween(1, MAX_ID)]
    )
    date = DateField("Date", validators=[Optional(), InSpan()])
    time = TimeField("Time", validators=[Optional()])
    link = URLField("Link (optional)", validators=[Optional(), Length(max=2000), SingleLine()])
    utm_campaign = StringField(
        "Campaign tag (optional)", validators=[Optional(), Length(max=100), SingleLine()]
    )

    def validate(self, extra_validators=None) -> bool:
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
    name = StringField("Name", validators=[DataRequired(), Length(max=80), SingleLine()])
    platform = SelectField("Platform", validators=[DataRequired()])
    instance_url = StringField("Mastodon server URL", validators=[Optional(), SingleLine()])
    access_token = PasswordField("Access token", validators=[Optional()])
    url = PasswordField("Webhook URL", validators=[Optional()])
    format = SelectField(
        "Webhook format",
        choices=choices([("generic", "Generic JSON"), ("slack", "Slack"), ("discord", "Discord")]),
        validators=[Optional()],
    )
    service_url = StringField(
        "Bluesky server", default="https://bsky.social", validators=[Optional(), SingleLine()]
    )
    handle = StringField("Bluesky handle", validators=[Optional(), SingleLine()])
    app_password = PasswordField("Bluesky app password", validators=[Optional()])


class ReconnectForm(ChannelForm):
    """New credentials for a channel; its name and platform stay (WTForms drops None fields)."""

    name = None
    platform = None


class WorkspaceForm(FlaskForm):
    name = StringField("Business name", validators=[DataRequired(), Length(max=120), SingleLine()])
    timezone = SelectField("Time zone", validators=[DataRequired()])
    second_pair_of_eyes = BooleanField("Second pair of eyes: nobody approves their own post")
    allowed_lateness_minutes = IntegerField(
        "Publish late by at most (minutes)",
        validators=[Optional(), NumberRange(0, 1440)],
    )
    recurrence_horizon_days = IntegerField(
        "Create repeating posts this many days ahead",
        validators=[Optional(), NumberRange(1, 366)],
    )


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
    name = StringField("Token name", validators=[DataRequired(), Length(max=80), SingleLine()])


class ImportForm(FlaskForm):
    """A CSV upload; the channel and category choices fill what the file does not say."""

    file = FileField(
        "CSV file",
        validators=[FileRequired(message="Choose a CSV file.")],
        render_kw={"accept": ".csv,.txt,text/csv"},
    )
    format = SelectField(
        "What kind of file is it?",
        choices=choices(
            [
                ("template", "Planner's template (date, time, body, category, channels, link)"),
                ("buffer", "Buffer (Text, Image URL, Tags, Posting Time)"),
                ("hootsuite", "Hootsuite bulk file (date and time, message, link)"),
            ]
        ),
        default="template",
    )
    channel_id = SelectField("Channel for rows that name none", validate_choice=False)
    date_format = SelectField(
        "How dates are written (Hootsuite files)",
        choices=choices(
            [
                ("mm/dd/yyyy hh:mm", "mm/dd/yyyy hh:mm (03/25/2026 14:30)"),
                ("dd/mm/yyyy hh:mm", "dd/mm/yyyy hh:mm (25/03/2026 14:30)"),
                ("yyyy-mm-dd hh:mm", "yyyy-mm-dd hh:mm (2026-03-25 14:30)"),
            ]
        ),
        default="mm/dd/yyyy hh:mm",
    )
    default_category = SelectField(
        "Category for rows that have none",
        choices=choices(
            [("", "None: every row needs its own")]
            + [(c.value, c.value.capitalize()) for c in Category]
        ),
        default="",
    )


class LinkTagsForm(FlaskForm):
    enabled = BooleanField("Tag links to my website when posts go out")
    domains = TextAreaField(
        "My website addresses", validators=[Length(max=2000)], render_kw={"rows": 3}
    )
    medium = StringField("utm_medium", default="social", validators=[Length(max=100), SingleLine()])
    campaign = StringField(
        "utm_campaign", default="{month}", validators=[Length(max=100), SingleLine()]
    )


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
    revoke_tokens = BooleanField("Also revoke my API tokens")


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


WEEKDAY_CHOICES = choices(
    enumerate(("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"))
)


class SlotForm(FlaskForm):
    """A weekly posting time for one channel."""

    channel_id = SelectField("Channel", coerce=int, validators=[InputRequired()])
    weekday = SelectField("Day", choices=WEEKDAY_CHOICES, coerce=int, validators=[InputRequired()])
    local_time = TimeField("Time", validators=[InputRequired(message="Choose a time.")])
    category = SelectField(
        "Preferred category (optional)",
        choices=[SelectChoice("", "Any category"), *CATEGORY_CHOICES],
        validators=[Optional()],
    )


class RepeatForm(FlaskForm):
    """The composer's "Repeat" section; it rides on the post form, which checks CSRF."""

    class Meta:
        csrf = False

    kind = SelectField(
        "How often",
        choices=choices(
            [
                ("none", "Does not repeat"),
                ("weekly", "Every week on the days chosen"),
                ("weeks", "Every few weeks on the days chosen"),
                ("monthly", "Every month on a chosen weekday"),
            ]
        ),
        default="none",
    )
    weekdays = MultiCheckboxField(
        "On",
        choices=WEEKDAY_CHOICES,
        coerce=int,
        validate_choice=False,
        validators=[EachBetween(0, 6)],
    )
    interval = IntegerField(
        "Every how many weeks", default=2, validators=[Optional(), NumberRange(min=2, max=52)]
    )
    nth = SelectField(
        "Which one",
        choices=choices([(1, "First"), (2, "Second"), (3, "Third"), (4, "Fourth"), (-1, "Last")]),
        coerce=int,
        default=1,
    )
    nth_weekday = SelectField("Weekday", choices=WEEKDAY_CHOICES, coerce=int, default=0)
    ends = SelectField(
        "Stops",
        choices=choices(
            [("never", "Keeps going"), ("count", "After a number of posts"), ("until", "On a date")]
        ),
        default="never",
    )
    count = IntegerField(
        "How many posts in all",
        validators=[Optional(), NumberRange(min=1, max=500)],
    )
    until = DateField("Last day", validators=[Optional(), InSpan()])
    apply_to = SelectField(
        "Save changes to",
        choices=choices(
            [("this", "This post only"), ("following", "This post and the ones after it")]
        ),
        default="this",
    )

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if self.kind.data == "none":
            return ok
        if self.ends.data == "count" and self.count.data is None and not self.count.errors:
            self.count.errors = [*self.count.errors, "Say how many posts, this one included."]
            ok = False
        if self.ends.data == "until" and self.until.data is None and not self.until.errors:
            self.until.errors = [*self.until.errors, "Choose the last day."]
            ok = False
        return ok


class EvergreenForm(FlaskForm):
    min_gap_days = IntegerField(
        "Wait at least (days) between uses",
        default=30,
        validators=[InputRequired(), NumberRange(min=1, max=730)],
    )
    max_uses = IntegerField(
        "Reuse at most (times)", default=3, validators=[InputRequired(), NumberRange(min=1, max=50)]
    )
