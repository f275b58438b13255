"""API v1 routes for deliveries and channel checks."""

from __future__ import annotations

from flask import jsonify

from planner.connectors_app import get_connectors
from planner.db import get_session
from planner.models import Delivery
from planner.services import channels as channel_service
from planner.services import deliveries
from planner.services.errors import NotFound
from planner.services.workspaces import Access
from planner.timeutils import utcnow
from planner.web.api.base import access, bp, member_access, post_access


@bp.get("/posts/<id:pid>/deliveries")
def post_deliveries(pid: int):
    _acc, post = post_access(pid)
    rows = deliveries.for_post(session=get_session(), post_id=post.id)
    return jsonify(deliveries=[deliveries.delivery_json(d) for d in rows])


@bp.post("/deliveries/<id:delivery_id>/retry")
def retry_delivery(delivery_id: int):
    db = get_session()
    delivery = deliveries.retry(
        session=db, acc=_delivery_access(delivery_id), delivery_id=delivery_id, now=utcnow()
    )
    db.commit()
    return jsonify(deliveries.delivery_json(delivery))


@bp.post("/workspaces/<id:wid>/channels/<id:cid>/test")
def test_channel(wid: int, cid: int):
    db = get_session()
    result = channel_service.check_channel(
        session=db,
        acc=access(wid),
        channel_id=cid,
        connectors=get_connectors(),
        now=utcnow(),
    )
    db.commit()
    if result.ok:
        return jsonify(ok=True, detail=result.detail)
    return jsonify(ok=False, error=result.error)


def _delivery_access(delivery_id: int) -> Access:
    """The caller's access to the delivery's workspace; others' deliveries are 404, never 403."""
    delivery = get_session().get(Delivery, delivery_id)
    if delivery is None:
        raise NotFound("No such delivery.")
    return member_access(delivery.workspace_id, "delivery")
