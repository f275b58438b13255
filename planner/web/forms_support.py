"""What the UI's forms share: bridges from service errors to fields, validators, field kinds.

A failed form says what is wrong beside the field; the validators and choices here are used by
the forms in ``planner.web.forms``, which re-exports them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

import wtforms
from flask import flash
from flask_wtf import FlaskForm
from sqlmodel import Session
from wtforms import DateField, SelectMultipleField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import StopValidation
from wtforms.widgets import CheckboxInput, ListWidget

from planner.db import get_session
from planner.models import Category, Role
from planner.services.errors import Conflict, ServiceError, ValidationError
from planner.services.text import single_line
from planner.timeutils import day_in_span

T = TypeVar("T")


def apply_field_errors(form: FlaskForm, exc: ServiceError, aliases: dict[str, str]) -> None:
    """Attach each service field error to the form field of that name (or its alias); flash the rest."""
    unplaced = []
    for name, message in (exc.fields or {}).items():
        field = getattr(form, aliases.get(name, name), None)
        if field is not None and hasattr(field, "errors"):
            field.errors = [*field.errors, message]
        else:
            unplaced.append(message)
    if unplaced or not exc.fields:
        flash(" ".join(unplaced) or exc.message, "error")


def commit_or_show(
    form: FlaskForm, run: Callable[[Session], T], aliases: dict[str, str] | None = None
) -> tuple[bool, T | None]:
    """Run a valid form's service call and commit; on a ValidationError roll back and put its
    messages on the form's fields (so the page shows them beside what was typed)."""
    db = get_session()
    try:
        result = run(db)
    except ValidationError as exc:
        db.rollback()
        apply_field_errors(form, exc, aliases or {})
        return False, None
    db.commit()
    return True, result


class SingleLine:
    """WTForms validator: the field holds one line of text, as ``services.text.single_line`` says."""

    def __call__(self, form: FlaskForm, field: wtforms.Field) -> None:
        if not field.data:
            return
        try:
            single_line(field.data, field.name)
        except ValidationError as exc:
            raise wtforms.validators.ValidationError(exc.message) from None


def act(
    run: Callable[[Session], T],
    *,
    done: str | Callable[[T], str],
    refused: tuple[type[ServiceError], ...] = (ValidationError, Conflict),
) -> tuple[bool, T | None]:
    """Run one action, commit and flash *done*; a refusal of a kind in *refused* is rolled back and
    flashed instead. The view then redirects (POST/redirect/GET) wherever suits it."""
    db = get_session()
    try:
        result = run(db)
    except refused as exc:
        db.rollback()
        flash(exc.message, "error")
        return False, None
    db.commit()
    flash(done(result) if callable(done) else done, "success")
    return True, result


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


def choices(pairs: Iterable[tuple[object, str]]) -> list[SelectChoice]:
    """Build select options (WTForms 3.3 deprecates plain tuples)."""
    return [SelectChoice(value, label) for value, label in pairs]


CATEGORY_CHOICES = choices((c.value, c.value.capitalize()) for c in Category)
ROLE_CHOICES = choices((r.value, r.value.capitalize()) for r in Role)


class MultiCheckboxField(SelectMultipleField):
    """Channels as a list of checkboxes, easier on a phone than a multi-select."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


WEEKDAY_CHOICES = choices(
    enumerate(("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"))
)
