"""API v1 routes for engagement figures and insights."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import jsonify, request
from sqlmodel import Session

from planner.connectors_app import get_connectors
from planner.db import get_session
from planner.models import Channel, Post
from planner.services import engagement, insights
from planner.services.errors import ValidationError
from planner.services.inbox import response_time_median_minutes
from planner.services.workspaces import Access
from planner.timeutils import get_zone, iso_utc, month_window, to_local, utcnow
from planner.web.api.base import access, bp, post_access
from planner.web.api.schemas import EngagementWeights, InsightsQuery, parse

MAX_INSIGHTS_DAYS = 403  # 13 months: a year's comparison, like the guardrail ranges


@bp.get("/posts/<id:pid>/engagement")
def post_engagement(pid: int):
    _acc, post = post_access(pid)
    return jsonify(_engagement_body(get_session(), post))


@bp.post("/posts/<id:pid>/engagement/refresh")
def refresh_engagement(pid: int):
    _acc, post = post_access(pid)
    db = get_session()
    errors = engagement.refresh_post(
        session=db, post=post, connectors=get_connectors(), now=utcnow()
    )
    db.commit()
    body = _engagement_body(db, post)
    for channel in body["channels"]:
        if channel["channel_id"] in errors:
            channel["error"] = errors[channel["channel_id"]]
    return jsonify(body)


def _engagement_body(db: Session, post: Post) -> dict[str, Any]:
    rows = engagement.for_post(session=db, post=post, connectors=get_connectors())
    return engagement.engagement_json(rows)


@bp.get("/workspaces/<id:wid>/insights")
def workspace_insights(wid: int):
    acc = access(wid)
    start, end, channel_id = insights_query(acc)
    found = insights.insights(
        session=get_session(),
        workspace_id=acc.workspace.id,
        settings=acc.workspace.settings,
        timezone=acc.workspace.timezone,
        start=start,
        end=end,
        channel_id=channel_id,
        response_times=response_time_median_minutes,
    )
    return jsonify(insights_json(found))


@bp.put("/workspaces/<id:wid>/insights/weights")
def insights_weights(wid: int):
    acc = access(wid)
    data = parse(EngagementWeights)
    db = get_session()
    saved = insights.set_weights(session=db, acc=acc, weights=data.model_dump())
    db.commit()
    return jsonify(weights=saved)


def insights_query(acc: Access) -> tuple[datetime, datetime, int | None]:
    """Read start, end and channel_id from the query string; faults are 422 naming the field."""
    tz = get_zone(acc.workspace.timezone)
    query = parse(InsightsQuery, dict(request.args), tz=tz)
    start, end = query.start, query.end
    if start is None and end is None:
        start, end = month_window(to_local(utcnow(), tz).date(), tz)
    elif start is None or end is None:
        missing = "start" if start is None else "end"
        raise ValidationError(
            "Give both start and end, or neither.", fields={missing: "Required with the other."}
        )
    assert start is not None and end is not None
    if end <= start:
        raise ValidationError("end must be after start.", fields={"end": "Must be after start."})
    if end - start > timedelta(days=MAX_INSIGHTS_DAYS):
        message = f"Ask for at most {MAX_INSIGHTS_DAYS} days at a time."
        raise ValidationError(message, fields={"end": message})
    if query.channel_id is not None:
        channel = get_session().get(Channel, query.channel_id)
        if channel is None or channel.workspace_id != acc.workspace.id:
            raise ValidationError(
                "No such channel in this workspace.", fields={"channel_id": "No such channel."}
            )
    return start, end, query.channel_id


def insights_json(found: insights.Insights) -> dict[str, Any]:
    """The API's body: the period, figures by category overall and per channel, weeks."""
    return {
        "start": iso_utc(found.start),
        "end": iso_utc(found.end),
        "channel_id": found.channel_id,
        "weights": found.weights,
        "by_category": [f.as_json() for f in found.by_category],
        "by_channel": [
            {
                "channel_id": c.channel_id,
                "name": c.name,
                "by_category": [f.as_json() for f in c.by_category],
            }
            for c in found.by_channel
        ],
        "weeks": [
            {"start": w.start.isoformat(), "posts": w.posts, "score": round(w.score, 2)}
            for w in found.weeks
        ],
        "planned": found.planned,
        "response_time_median_minutes": found.response_time_median_minutes,
        "summary": list(found.summary),
    }
