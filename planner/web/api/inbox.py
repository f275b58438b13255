"""API v1 routes for the replies inbox: list, look now, answer, mark done."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app, jsonify, request

from planner.connectors_app import get_connectors
from planner.db import get_session
from planner.inbox_models import InboxItem, InboxStatus
from planner.publishing import context, inbox_poll
from planner.services import inbox
from planner.services.errors import BadRequest, NotFound
from planner.services.workspaces import Access
from planner.timeutils import iso_utc, utcnow
from planner.web.api.base import access, bp, member_access
from planner.web.api.schemas import InboxAnswerCreate, parse


def _listing(wid: int, status: str | None):
    items = inbox.items(session=get_session(), workspace_id=wid, status=status)
    return jsonify(replies=[inbox.item_json(i) for i in items])


@bp.get("/workspaces/<id:wid>/inbox")
def list_inbox(wid: int):
    access(wid)
    status = request.args.get("status") or None
    if status not in (None, InboxStatus.OPEN.value, InboxStatus.DONE.value):
        raise BadRequest("status is open or done.", fields={"status": "Use open or done."})
    return _listing(wid, status)


@bp.post("/workspaces/<id:wid>/inbox/refresh")
def refresh_inbox(wid: int):
    """Look for replies now (a person asked), then answer the open inbox."""
    access(wid)
    now = utcnow()
    app = current_app._get_current_object()
    looks = inbox_poll.refresh_workspace(
        context.build(app, now=now),
        workspace_id=wid,
        now=now,
        interval=timedelta(seconds=float(app.config["INBOX_POLL_SECONDS"])),
    )
    items = inbox.items(session=get_session(), workspace_id=wid, status=InboxStatus.OPEN.value)
    channels = [
        {
            "channel_id": look.channel_id,
            "looked": look.looked,
            "new": look.stored,
            "deferred_until": iso_utc(look.deferred_until),
            "error": look.error,
        }
        for look in looks
    ]
    return jsonify(replies=[inbox.item_json(i) for i in items], channels=channels)


@bp.post("/inbox/<id:item_id>/reply")
def answer_item(item_id: int):
    acc = _item_access(item_id)
    data = parse(InboxAnswerCreate)
    db = get_session()
    sent = inbox.answer(
        session=db,
        acc=acc,
        item_id=item_id,
        body=data.body or "",
        connectors=get_connectors(),
        now=utcnow(),
    )
    db.commit()
    return jsonify(inbox.answer_json(sent)), 202


@bp.post("/inbox/<id:item_id>/done")
def mark_item_done(item_id: int):
    acc = _item_access(item_id)
    db = get_session()
    item = inbox.mark_done(session=db, acc=acc, item_id=item_id, now=utcnow())
    db.commit()
    return jsonify(inbox.item_json(item))


def _item_access(item_id: int) -> Access:
    """The caller's access to the item's workspace; others' items are 404, never 403."""
    item = get_session().get(InboxItem, item_id)
    if item is None:
        raise NotFound("No such reply.")
    return member_access(item.workspace_id, "reply")
