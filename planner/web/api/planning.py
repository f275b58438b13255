"""API v1 routes for planning: posting slots and "fill the month" proposals."""

from __future__ import annotations

from datetime import time
from typing import Any

from flask import jsonify, request

from planner.db import get_session
from planner.models import EvergreenMark, PostingSlot
from planner.services import evergreen, planning, slots
from planner.services.errors import ServiceError, ValidationError
from planner.timeutils import iso_utc, utcnow
from planner.web.api.base import ApiError, _access, _body, _post_access, bp
from planner.web.api.core import _posts_json


@bp.get("/workspaces/<int:wid>/slots")
def list_slots(wid: int):
    acc = _access(wid)
    found = slots.list_slots(session=get_session(), workspace_id=acc.workspace.id)
    return jsonify(slots=[slots.slot_json(s) for s in found])


def _slot_input(data: dict[str, Any]) -> slots.SlotInput:
    """Read a slot from JSON, naming every field at fault."""
    fields: dict[str, str] = {}
    channel_id, weekday = data.get("channel_id"), data.get("weekday")
    if not isinstance(channel_id, int) or isinstance(channel_id, bool):
        fields["channel_id"] = "A channel id."
    if not isinstance(weekday, int) or isinstance(weekday, bool) or not 0 <= weekday <= 6:
        fields["weekday"] = "A weekday from 0 (Monday) to 6 (Sunday)."
    at = None
    raw = data.get("time")
    try:
        at = time.fromisoformat(raw) if isinstance(raw, str) else None
    except ValueError:
        at = None
    if at is None:
        fields["time"] = "A local time such as 10:00."
    category = data.get("category")
    if category is not None and not isinstance(category, str):
        fields["category"] = "A category or null."
    if fields:
        raise ValidationError("Check the fields listed.", fields=fields)
    return slots.SlotInput(channel_id=channel_id, weekday=weekday, local_time=at, category=category)


@bp.post("/workspaces/<int:wid>/slots")
def create_slot(wid: int):
    acc = _access(wid)
    data = _slot_input(_body())
    db = get_session()
    try:
        slot = slots.add_slot(session=db, acc=acc, data=data, now=utcnow())
    except ValidationError as exc:
        # The service names the time field as the form does.
        fields = {("time" if k == "local_time" else k): v for k, v in exc.fields.items()}
        raise ValidationError(exc.message, fields=fields) from None
    db.commit()
    return jsonify(slots.slot_json(slot)), 201


@bp.delete("/slots/<int:slot_id>")
def delete_slot(slot_id: int):
    db = get_session()
    slot = db.get(PostingSlot, slot_id)
    if slot is None:
        raise ApiError(404, "not_found", "No such posting time.")
    try:
        acc = _access(slot.workspace_id)
    except ServiceError:
        raise ApiError(404, "not_found", "No such posting time.") from None
    slots.delete_slot(session=db, acc=acc, slot_id=slot.id, now=utcnow())
    db.commit()
    return "", 204


@bp.post("/workspaces/<int:wid>/plan")
def create_plan(wid: int):
    acc = _access(wid)
    first = planning.parse_month(_body().get("month"))
    db = get_session()
    now = utcnow()
    proposal = planning.propose(session=db, acc=acc, first=first, now=now)
    db.commit()
    result = planning.review(session=db, acc=acc, proposal=proposal, now=now)
    return jsonify(planning.review_json(result, acc.workspace.timezone)), 201


@bp.get("/workspaces/<int:wid>/plan/<int:proposal_id>")
def get_plan(wid: int, proposal_id: int):
    acc = _access(wid)
    db = get_session()
    proposal = planning.get_proposal(session=db, acc=acc, proposal_id=proposal_id)
    result = planning.review(session=db, acc=acc, proposal=proposal, now=utcnow())
    return jsonify(planning.review_json(result, acc.workspace.timezone))


@bp.post("/workspaces/<int:wid>/plan/<int:proposal_id>/accept")
def accept_plan(wid: int, proposal_id: int):
    acc = _access(wid)
    data = _body() if request.get_data() else {}  # the body is optional: keep everything
    keep = data.get("placements")
    if keep is not None and not isinstance(keep, list):
        message = "placements must be a list of the indexes to keep."
        raise ValidationError(message, fields={"placements": message})
    db = get_session()
    posts = planning.accept(session=db, acc=acc, proposal_id=proposal_id, keep=keep, now=utcnow())
    db.commit()
    return jsonify(scheduled=len(posts), post_ids=[p.id for p in posts])


@bp.post("/posts/<int:pid>/queue")
def queue_post(pid: int):
    """Schedule a draft in the next free posting time of its channels (it stays a draft)."""
    acc, post = _post_access(pid)
    db = get_session()
    queued = slots.add_to_queue(session=db, acc=acc, post_id=post.id, now=utcnow())
    db.commit()
    return jsonify(_posts_json(acc, [queued])[0])


def _whole(data: dict[str, Any], name: str, default: int, fields: dict[str, str]) -> int:
    value = data.get(name, default)
    if not isinstance(value, int) or isinstance(value, bool):
        fields[name] = f"{name} must be a whole number."
        return default
    return value


def _mark_json(mark: EvergreenMark) -> dict[str, Any]:
    return {
        "post_id": mark.post_id,
        "min_gap_days": mark.min_gap_days,
        "max_uses": mark.max_uses,
        "uses": mark.uses,
        "next_use_at": iso_utc(evergreen.next_use(mark)),
    }


@bp.put("/posts/<int:pid>/evergreen")
def mark_evergreen(pid: int):
    """Offer a published post for reuse: ``{min_gap_days?, max_uses?}`` (owners and editors)."""
    acc, post = _post_access(pid)
    data = _body() if request.get_data() else {}
    fields: dict[str, str] = {}
    gap = _whole(data, "min_gap_days", evergreen.DEFAULT_GAP_DAYS, fields)
    uses = _whole(data, "max_uses", evergreen.DEFAULT_MAX_USES, fields)
    if fields:
        raise ValidationError("Check the fields listed.", fields=fields)
    db = get_session()
    mark = evergreen.mark_evergreen(
        session=db, acc=acc, post_id=post.id, now=utcnow(), min_gap_days=gap, max_uses=uses
    )
    db.commit()
    return jsonify(_mark_json(mark))


@bp.delete("/posts/<int:pid>/evergreen")
def unmark_evergreen(pid: int):
    acc, post = _post_access(pid)
    db = get_session()
    evergreen.unmark_evergreen(session=db, acc=acc, post_id=post.id, now=utcnow())
    db.commit()
    return "", 204
