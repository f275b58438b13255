"""The inbox page's forms: an answer, an assignment, and the digest switch."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length

from planner.services.inbox import MAX_ANSWER


class AnswerForm(FlaskForm):
    body = TextAreaField(
        "Your answer",
        validators=[DataRequired(message="Write an answer."), Length(max=MAX_ANSWER)],
    )


class AssignForm(FlaskForm):
    # "" is nobody; the service checks the id belongs to a member of the workspace.
    assignee_id = SelectField("Assigned to", coerce=str, validate_choice=False)


class DigestForm(FlaskForm):
    wanted = BooleanField("Email me a digest of unanswered replies every morning")
