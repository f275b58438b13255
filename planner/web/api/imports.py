"""API v1 routes for CSV import (preview, then commit) and CSV export."""

from __future__ import annotations

from flask import jsonify, request

from planner.connectors_app import get_connectors
from planner.csvformats import MAX_BYTES
from planner.db import get_session
from planner.media_app import get_media_limits, get_media_storage
from planner.services import exports, imports
from planner.services.errors import BadRequest
from planner.services.import_media import ImageImport
from planner.services.imports import ImportOptions
from planner.timeutils import get_zone, utcnow
from planner.web import cards
from planner.web.api.base import access, bp
from planner.web.api.queries import MAX_EXPORT_DAYS, query_range
from planner.web.api.schemas import ImportCommit, parse
from planner.web.boundary import query_id, read_json
from planner.web.exports import csv_response


@bp.post("/workspaces/<id:wid>/imports")
def create_import(wid: int):
    """Read a CSV (multipart ``file``) and return every row's result; nothing is saved yet."""
    acc = access(wid)
    fields: dict[str, str] = {}
    upload = request.files.get("file")
    if upload is None:
        fields["file"] = "Send the CSV as a multipart form field named file."
    channel_id = None
    try:
        channel_id = query_id("channel_id", request.form)
    except BadRequest as exc:
        fields.update(exc.fields)
    if fields or upload is None:
        raise BadRequest("Check the fields listed.", fields=fields)
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
        images=ImageImport(storage=get_media_storage(), limits=get_media_limits()),
        cards=cards.reader(),
    )
    db.commit()
    return jsonify(imports.batch_json(batch)), 201


@bp.get("/workspaces/<id:wid>/imports/<id:import_id>")
def get_import(wid: int, import_id: int):
    acc = access(wid)
    batch = imports.get_batch(session=get_session(), acc=acc, batch_id=import_id)
    return jsonify(imports.batch_json(batch))


@bp.post("/workspaces/<id:wid>/imports/<id:import_id>/commit")
def commit_import(wid: int, import_id: int):
    """Save the ready rows (all, or ``{"lines": [...]}``) as drafts, in one transaction."""
    acc = access(wid)
    lines = parse(ImportCommit, read_json(optional=True), error=BadRequest).lines
    db = get_session()
    posts = imports.commit_import(
        session=db, acc=acc, batch_id=import_id, lines=lines, now=utcnow()
    )
    db.commit()
    return jsonify(created=len(posts), post_ids=[p.id for p in posts])


@bp.get("/workspaces/<id:wid>/export.csv")
def export_csv(wid: int):
    """Posts scheduled in [start, end) (ISO 8601; local without an offset; default this month)."""
    acc = access(wid)
    start, end = query_range(get_zone(acc.workspace.timezone), max_days=MAX_EXPORT_DAYS)
    data = exports.export_csv(session=get_session(), workspace=acc.workspace, start=start, end=end)
    return csv_response(data, f"posts-{start:%Y-%m-%d}-to-{end:%Y-%m-%d}.csv")
