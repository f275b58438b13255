"""What the web layer accepts from outside: ids in URLs and queries, JSON bodies and text.

Each class of bad input is refused here, once, with a 4xx that names the field, so no view
or service ever sees an id the database cannot hold, a NUL byte or a half-encoded character.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Flask, request
from werkzeug.routing import BaseConverter
from werkzeug.routing import ValidationError as NoMatch

from planner.services.errors import BadRequest, ValidationError

# Ids are INTEGER columns: 32-bit signed on PostgreSQL, so a larger number can name no row
# (and PostgreSQL would refuse to compare it with one).
MAX_ID = 2**31 - 1
# No request planner understands nests deeper than this.
MAX_JSON_DEPTH = 32


class IdConverter(BaseConverter):
    """``<id:name>``: a row id in ASCII digits; one the database cannot hold is simply not found."""

    regex = r"[0-9]{1,20}"  # longer runs of digits are no id either: the URL does not match
    weight = 50

    def to_python(self, value: str) -> int:
        number = int(value)
        if not 1 <= number <= MAX_ID:
            raise NoMatch()
        return number

    def to_url(self, value: Any) -> str:
        return str(int(value))


def as_id(raw: object, *, minimum: int = 1) -> int | None:
    """Return *raw* (text or a JSON number) as a row id (or, with *minimum* 0, an index), or None
    when it cannot be one: ``'²'`` passes ``isdigit()`` but is no number, and 2**31 fits no row."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        number = raw
    elif isinstance(raw, str) and raw.strip().isascii() and raw.strip().isdigit():
        number = int(raw.strip())
    else:
        return None
    return number if minimum <= number <= MAX_ID else None


def query_id(name: str, source: Any = None) -> int | None:
    """Read an optional id from the query string (or *source*), refusing anything else with 400."""
    raw = ((source if source is not None else request.args).get(name) or "").strip()
    if not raw:
        return None
    number = as_id(raw)
    if number is None:
        message = f"{name} must be a number."
        raise BadRequest("Check the fields listed.", fields={name: message})
    return number


def text_fault(value: str) -> str | None:
    """Say what makes *value* unstorable (a NUL byte, a lone surrogate), or None when it is fine."""
    if "\x00" in value:
        return "Remove the NUL character."
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "Remove the broken character (a lone UTF-16 surrogate)."
    return None


def check_text(name: str, value: str) -> str:
    """Return *value*, or raise a ValidationError on *name* when no database could store it."""
    fault = text_fault(value)
    if fault is not None:
        raise ValidationError("Check the fields listed.", fields={name: fault})
    return value


def _check_tree(name: str, value: Any, depth: int) -> None:
    """Walk a parsed JSON value: refuse deep nesting (400) and unstorable text (422 on *name*)."""
    if depth > MAX_JSON_DEPTH:
        raise BadRequest(f"The JSON nests deeper than {MAX_JSON_DEPTH} levels.")
    if isinstance(value, str):
        check_text(name, value)
    elif isinstance(value, list):
        for item in value:
            _check_tree(name, item, depth + 1)
    elif isinstance(value, dict):
        for key, item in value.items():
            check_text(name, key)
            _check_tree(name, item, depth + 1)


def read_json(*, optional: bool = False) -> dict[str, Any]:
    """Return the request's JSON object; *optional* lets an empty body stand for ``{}``.

    Invalid JSON, another type than an object, or nesting beyond reason is a 400; text that
    no database can store is a 422 naming the top-level field that holds it.
    """
    raw = request.get_data(cache=True)
    if optional and not raw.strip():
        return {}
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        data = None
    if not isinstance(data, dict):
        raise BadRequest("Send a JSON object with Content-Type: application/json.")
    for key, value in data.items():
        check_text(str(key), key)
        _check_tree(str(key), value, 1)
    return data


def _refuse_bad_text() -> None:
    """Refuse query strings, form fields and file names that hold unstorable text."""
    sources = [request.args]
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        sources.append(request.form)
    for source in sources:
        for name, value in source.items(multi=True):
            check_text(name, name)
            check_text(name, value)
    if request.mimetype == "multipart/form-data":
        for name, upload in request.files.items(multi=True):
            check_text(name, upload.filename or "")


def init_app(app: Flask) -> None:
    """Register the id converter and the text check every request passes."""
    app.url_map.converters["id"] = IdConverter
    app.before_request(_refuse_bad_text)
