"""WTForms classes for the UI; they turn requests into plain values for the services."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    IntegerField,
    PasswordField,
    SelectField,
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

from planner.models import Category
from planner.web.boundary import MAX_ID
from planner.web.forms_support import (
    CATEGORY_CHOICES,
    ROLE_CHOICES,
    WEEKDAY_CHOICES,
    EachBetween,
    InSpan,
    MultiCheckboxField,
    SingleLine,
    choices,
)
from planner.web.policy_form import PolicyForm as PolicyForm


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


class GoogleSettingsForm(FlaskForm):
    """A Google Business Profile channel's button and offers (services/channel_settings.py)."""

    call_to_action = SelectField("Button on posts with a link", validators=[DataRequired()])
    promotions_as_offers = BooleanField("Send promotional posts as offers")


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
        "Email (optional: we send the link there)",
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


class SlotForm(FlaskForm):
    """A weekly posting time for one channel, on one or several days at once."""

    channel_id = SelectField("Channel", coerce=int, validators=[InputRequired()])
    weekday = MultiCheckboxField(
        "Days",
        choices=WEEKDAY_CHOICES,
        coerce=int,
        validate_choice=False,
        validators=[InputRequired(message="Tick at least one day."), EachBetween(0, 6)],
    )
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
