"""API v1 routes for planning: posting slots and "fill the month" proposals."""

from __future__ import annotations

from typing import Any

from flask import jsonify

from planner.db import get_session
from planner.models import EvergreenMark, PostingSlot
from planner.services import evergreen, planning, slots
from planner.services.errors import NotFound, ValidationError
from planner.timeutils import iso_utc, utcnow
from planner.web.api.base import access, bp, member_access, post_access
from planner.web.api.core import posts_json
from planner.web.api.schemas import Evergreen, PlanAccept, PlanCreate, SlotCreate, parse
from planner.web.boundary import read_json


@bp.get("/workspaces/<id:wid>/slots")
def list_slots(wid: int):
    acc = access(wid)
    found = slots.list_slots(session=get_session(), workspace_id=acc.workspace.id)
    return jsonify(slots=[slots.slot_json(s) for s in found])


@bp.post("/workspaces/<id:wid>/slots")
def create_slot(wid: int):
    acc = access(wid)
    form = parse(SlotCreate)
    data = slots.SlotInput(
        channel_id=form.channel_id,
        weekday=form.weekday,
        local_time=form.time,
        category=form.category,
    )
    db = get_session()
    try:
        slot = slots.add_slot(session=db, acc=acc, data=data, now=utcnow())
    except ValidationError as exc:
        # The service names the time field as the form does.
        fields = {("time" if k == "local_time" else k): v for k, v in exc.fields.items()}
        raise ValidationError(exc.message, fields=fields) from None
    db.commit()
    return jsonify(slots.slot_json(slot)), 201


@bp.delete("/slots/<id:slot_id>")
def delete_slot(slot_id: int):
    db = get_session()
    slot = db.get(PostingSlot, slot_id)
    if slot is None:
        raise NotFound("No such posting time.")
    acc = member_access(slot.workspace_id, "posting time")
    slots.delete_slot(session=db, acc=acc, slot_id=slot.id, now=utcnow())
    db.commit()
    return "", 204


@bp.post("/workspaces/<id:wid>/plan")
def create_plan(wid: int):
    acc = access(wid)
    first = planning.parse_month(parse(PlanCreate).month)
    db = get_session()
    now = utcnow()
    proposal = planning.propose(session=db, acc=acc, first=first, now=now)
    db.commit()
    result = planning.review(session=db, acc=acc, proposal=proposal, now=now)
    return jsonify(planning.review_json(result, acc.workspace.timezone)), 201


@bp.get("/workspaces/<id:wid>/plan/<id:proposal_id>")
def get_plan(wid: int, proposal_id: int):
    acc = access(wid)
    db = get_session()
    proposal = planning.get_proposal(session=db, acc=acc, proposal_id=proposal_id)
    result = planning.review(session=db, acc=acc, proposal=proposal, now=utcnow())
    return jsonify(planning.review_json(result, acc.workspace.timezone))


@bp.post("/workspaces/<id:wid>/plan/<id:proposal_id>/accept")
def accept_plan(wid: int, proposal_id: int):
    acc = access(wid)
    # The body is optional: without placements, keep everything.
    keep = parse(PlanAccept, read_json(optional=True)).placements
    db = get_session()
    posts = planning.accept(session=db, acc=acc, proposal_id=proposal_id, keep=keep, now=utcnow())
    db.commit()
    return jsonify(scheduled=len(posts), post_ids=[p.id for p in posts])


@bp.post("/posts/<id:pid>/queue")
def queue_post(pid: int):
    """Schedule a draft in the next free posting time of its channels (it stays a draft)."""
    acc, post = post_access(pid)
    db = get_session()
    queued = slots.add_to_queue(session=db, acc=acc, post_id=post.id, now=utcnow())
    db.commit()
    return jsonify(posts_json(acc, [queued])[0])


def _mark_json(mark: EvergreenMark) -> dict[str, Any]:
    return {
        "post_id": mark.post_id,
        "min_gap_days": mark.min_gap_days,
        "max_uses": mark.max_uses,
        "uses": mark.uses,
        "next_use_at": iso_utc(evergreen.next_use(mark)),
    }


@bp.put("/posts/<id:pid>/evergreen")
def mark_evergreen(pid: int):
    """Offer a published post for reuse: ``{min_gap_days?, max_uses?}`` (owners and editors)."""
    acc, post = post_access(pid)
    data = parse(Evergreen, read_json(optional=True))
    db = get_session()
    mark = evergreen.mark_evergreen(
        session=db,
        acc=acc,
        post_id=post.id,
        now=utcnow(),
        min_gap_days=data.min_gap_days,
        max_uses=data.max_uses,
    )
    db.commit()
    return jsonify(_mark_json(mark))


@bp.delete("/posts/<id:pid>/evergreen")
def unmark_evergreen(pid: int):
    acc, post = post_access(pid)
    db = get_session()
    evergreen.unmark_evergreen(session=db, acc=acc, post_id=post.id, now=utcnow())
    db.commit()
    return "", 204
