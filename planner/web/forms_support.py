"""Bridges between service errors and WTForms fields, so a failed form says what is wrong where."""

from __future__ import annotations

from flask import flash
from flask_wtf import FlaskForm

from planner.services.errors import ServiceError


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
