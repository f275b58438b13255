"""API v1 routes for CSV import (preview, then commit) and CSV export."""

from __future__ import annotations

from flask import jsonify, request

from planner.connectors_app import get_connectors
from planner.csvformats import MAX_BYTES
from planner.db import get_session
from planner.services import exports, imports
from planner.services.imports import ImportOptions
from planner.timeutils import get_zone, utcnow
from planner.web.api.base import ApiError, _access, bp
from planner.web.api.guardrails import _range
from planner.web.exports import csv_response


def _int_or_none(name: str, fields: dict[str, str]) -> int | None:
    raw = (request.form.get(name) or "").strip()
    if not raw:
        return None
    if not raw.isdigit():
        fields[name] = f"{name} must be a number."
        return None
    return int(raw)


@bp.post("/workspaces/<int:wid>/imports")
def create_import(wid: int):
    """Read a CSV (multipart ``file``) and return every row's result; nothing is saved yet."""
    acc = _access(wid)
    fields: dict[str, str] = {}
    upload = request.files.get("file")
    if upload is None:
        fields["file"] = "Send the CSV as a multipart form field named file."
    channel_id = _int_or_none("channel_id", fields)
    if fields:
        raise ApiError(400, "bad_request", "Check the fields listed.", fields)
    options = ImportOptions(
        format=(request.form.get("format") or "template").strip(),
        channel_id=channel_id,
        date_format=(request.form.get("date_format") or "").strip() or None,
        default_category=(request.form.get("default_category") or "").strip() or None,
        filename=upload.filename or "",
    )
    db = get_session()
    batch = imports.preview_import(
        session=db,
        acc=acc,
        data=upload.read(MAX_BYTES + 1),
        options=options,
        connectors=get_connectors(),
        now=utcnow(),
    )
    db.commit()
    return jsonify(imports.batch_json(batch)), 201


@bp.get("/workspaces/<int:wid>/imports/<int:import_id>")
def get_import(wid: int, import_id: int):
    acc = _access(wid)
    batch = imports.get_batch(session=get_session(), acc=acc, batch_id=import_id)
    return jsonify(imports.batch_json(batch))


@bp.post("/workspaces/<int:wid>/imports/<int:import_id>/commit")
def commit_import(wid: int, import_id: int):
    """Save the ready rows (all, or ``{"lines": [...]}``) as drafts, in one transaction."""
    acc = _access(wid)
    data = request.get_json(silent=True) if request.data else {}
    if not isinstance(data, dict):
        raise ApiError(400, "bad_request", "Send a JSON object, or nothing to import every row.")
    lines = data.get("lines")
    if lines is not None and (
        not isinstance(lines, list)
        or not all(isinstance(n, int) and not isinstance(n, bool) for n in lines)
    ):
        raise ApiError(
            400,
            "bad_request",
            "lines must be a list of line numbers.",
            {"lines": "A list of numbers."},
        )
    db = get_session()
    posts = imports.commit_import(
        session=db, acc=acc, batch_id=import_id, lines=lines, now=utcnow()
    )
    db.commit()
    return jsonify(created=len(posts), post_ids=[p.id for p in posts])


@bp.get("/workspaces/<int:wid>/export.csv")
def export_csv(wid: int):
    """Posts scheduled in [start, end) (ISO 8601; local without an offset; default this month)."""
    acc = _access(wid)
    start, end = _range(get_zone(acc.workspace.timezone))
    data = exports.export_csv(session=get_session(), workspace=acc.workspace, start=start, end=end)
    return csv_response(data, f"posts-{start:%Y-%m-%d}-to-{end:%Y-%m-%d}.csv")
