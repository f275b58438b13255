"""API v1 routes for workspaces, channels and posts."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request

from planner.connectors_app import get_connectors
from planner.db import get_session
from planner.services import channels as channel_service
from planner.services import posts as post_service
from planner.services import recurrence, workspaces
from planner.services.errors import ValidationError
from planner.services.posts import PostFilters, PostInput
from planner.services.workspaces import Access
from planner.timeutils import get_zone, parse_iso_instant, utcnow
from planner.web.api.base import ApiError, _access, _body, _post_access, _user, bp
from planner.web.guardrail_support import warnings_by_post


@bp.get("/workspaces")
def list_workspaces():
    mine = workspaces.memberships(session=get_session(), user=_user())
    return jsonify(
        workspaces=[
            {"id": ws.id, "name": ws.name, "timezone": ws.timezone, "role": role.value}
            for ws, role in mine
        ]
    )


@bp.post("/workspaces")
def create_workspace():
    data = _body()
    db = get_session()
    ws = workspaces.create_workspace(
        session=db,
        owner=_user(),
        name=str(data.get("name") or ""),
        timezone=str(data.get("timezone") or "UTC"),
        now=utcnow(),
    )
    db.commit()
    return jsonify({"id": ws.id, "name": ws.name, "timezone": ws.timezone, "role": "owner"}), 201


@bp.get("/workspaces/<int:wid>/channels")
def list_channels(wid: int):
    acc = _access(wid)
    chans = channel_service.list_channels(session=get_session(), workspace_id=acc.workspace.id)
    return jsonify(channels=[channel_service.channel_json(c) for c in chans])


@bp.post("/workspaces/<int:wid>/channels")
def create_channel(wid: int):
    acc = _access(wid)
    data = _body()
    db = get_session()
    config = data.get("config", {})
    channel = channel_service.create_channel(
        session=db,
        acc=acc,
        name=str(data.get("name") or ""),
        platform=str(data.get("platform") or ""),
        config=config if isinstance(config, dict) else None,
        connectors=get_connectors(),
        now=utcnow(),
    )
    db.commit()
    return jsonify(channel_service.channel_json(channel)), 201


LIST_LIMIT = 5000  # posts one list answer holds at most


def _parse_post_fields(data: dict[str, Any], tz, partial: Any = None) -> PostInput:
    """Turn JSON into PostInput, collecting every field fault; *partial* supplies unsent fields."""
    fields: dict[str, str] = {}
    base = partial

    def pick(name: str, default: Any) -> Any:
        return data[name] if name in data else default

    body = pick("body", base.body if base else None)
    if not isinstance(body, str):
        fields["body"] = "body is required and must be a string."
    category = pick("category", base.category if base else None)
    if not isinstance(category, str):
        fields["category"] = (
            "category is required: promotional, educational, conversational or curated."
        )
    scheduled_at = base.scheduled_at if base else None
    if "scheduled_at" in data:
        raw = data["scheduled_at"]
        if raw in (None, ""):
            scheduled_at = None
        elif not isinstance(raw, str):
            fields["scheduled_at"] = "scheduled_at must be an ISO 8601 string or null."
        else:
            try:
                scheduled_at = parse_iso_instant(raw, tz)
            except ValueError as exc:
                fields["scheduled_at"] = str(exc)
    channel_ids = pick("channel_ids", list(base.channel_ids) if base else [])
    if not isinstance(channel_ids, list) or not all(
        isinstance(c, int) and not isinstance(c, bool) for c in channel_ids
    ):
        fields["channel_ids"] = "channel_ids must be a list of channel ids."
        channel_ids = []
    link = pick("link", base.link if base else None)
    if link is not None and not isinstance(link, str):
        fields["link"] = "link must be a string or null."
    # Absent keeps the saved campaign (None); null clears it ("").
    utm_campaign = data.get("utm_campaign")
    if "utm_campaign" in data and utm_campaign is None:
        utm_campaign = ""
    elif not isinstance(utm_campaign, str | None):
        fields["utm_campaign"] = "utm_campaign must be a string or null."
    if fields:
        raise ValidationError("Check the fields listed.", fields=fields)
    return PostInput(
        body=body,
        category=category,
        scheduled_at=scheduled_at,
        channel_ids=tuple(channel_ids),
        link=link,
        utm_campaign=utm_campaign,
    )


def _posts_json(acc: Access, posts: list[Any]) -> list[dict[str, Any]]:
    tz = get_zone(acc.workspace.timezone)
    targets = post_service.channel_ids_for(session=get_session(), post_ids=[p.id for p in posts])
    warnings = warnings_by_post(acc, posts)
    rules = recurrence.rrules_for(session=get_session(), post_ids=[p.id for p in posts])
    return [
        post_service.post_json(
            p, targets.get(p.id, []), tz, warnings.get(p.id, ()), rrule=rules.get(p.id)
        )
        for p in posts
    ]


@bp.get("/workspaces/<int:wid>/posts")
def list_posts(wid: int):
    acc = _access(wid)
    tz = get_zone(acc.workspace.timezone)
    args = request.args
    fields: dict[str, str] = {}
    bounds = {}
    for name in ("start", "end"):
        if args.get(name):
            try:
                bounds[name] = parse_iso_instant(args[name], tz)
            except ValueError as exc:
                fields[name] = str(exc)
    status = args.get("status") or None
    if status and status not in post_service.STATUSES:
        fields["status"] = f"Unknown status; one of {', '.join(post_service.STATUSES)}."
    category = args.get("category") or None
    if category and category not in post_service.CATEGORIES:
        fields["category"] = f"Unknown category; one of {', '.join(post_service.CATEGORIES)}."
    channel_id = None
    if args.get("channel_id"):
        if not args["channel_id"].isdigit():
            fields["channel_id"] = "channel_id must be a number."
        else:
            channel_id = int(args["channel_id"])
    if fields:
        raise ApiError(400, "bad_request", "Check the query parameters listed.", fields)
    posts = post_service.list_posts(
        session=get_session(),
        workspace_id=acc.workspace.id,
        filters=PostFilters(
            start=bounds.get("start"),
            end=bounds.get("end"),
            status=status,
            category=category,
            channel_id=channel_id,
            limit=LIST_LIMIT + 1,
        ),
    )
    # A range holding more than LIST_LIMIT posts is cut, and says so: ask for a narrower one.
    truncated = len(posts) > LIST_LIMIT
    return jsonify(posts=_posts_json(acc, posts[:LIST_LIMIT]), truncated=truncated)


@bp.post("/workspaces/<int:wid>/posts")
def create_post(wid: int):
    acc = _access(wid)
    data = _body()
    tz = get_zone(acc.workspace.timezone)
    db = get_session()
    post = post_service.create_post(
        session=db, acc=acc, data=_parse_post_fields(data, tz), now=utcnow()
    )
    if data.get("rrule") is not None:  # the post starts a series; the rest are materialised
        recurrence.start_series(session=db, acc=acc, post=post, rrule=data["rrule"], now=utcnow())
    db.commit()
    return jsonify(_posts_json(acc, [post])[0]), 201


@bp.get("/posts/<int:pid>")
def get_post(pid: int):
    acc, post = _post_access(pid)
    return jsonify(_posts_json(acc, [post])[0])


@bp.patch("/posts/<int:pid>")
def patch_post(pid: int):
    acc, post = _post_access(pid)
    data = _body()
    tz = get_zone(acc.workspace.timezone)
    db = get_session()
    current = PostInput(
        body=post.body,
        category=post.category,
        scheduled_at=post.scheduled_at,
        channel_ids=tuple(
            post_service.channel_ids_for(session=db, post_ids=[post.id]).get(post.id, [])
        ),
        link=post.link,
    )
    fields = _parse_post_fields(data, tz, current)
    apply_to = data.get("apply_to", "this")
    if apply_to not in ("this", "following"):
        message = "Use this (only this post) or following (it and the rest of its series)."
        raise ApiError(422, "validation_error", message, {"apply_to": message})
    series = recurrence.series_of(session=db, post_ids=[post.id]).get(post.id)
    if series is not None and (apply_to == "following" or "rrule" in data):
        # The series changes from this occurrence on; rrule null ends it here.
        if "rrule" in data:
            rule = data["rrule"]
        else:
            rule = recurrence.rule_from_here(session=db, acc=acc, post=post)
        updated = recurrence.edit_following(
            session=db, acc=acc, post_id=post.id, data=fields, rrule=rule, now=utcnow()
        )
    else:
        updated = post_service.update_post(
            session=db, acc=acc, post_id=post.id, data=fields, now=utcnow()
        )
        if series is None and data.get("rrule") is not None:
            recurrence.start_series(
                session=db, acc=acc, post=updated, rrule=data["rrule"], now=utcnow()
            )
    db.commit()
    return jsonify(_posts_json(acc, [updated])[0])


@bp.delete("/posts/<int:pid>")
def delete_post(pid: int):
    acc, post = _post_access(pid)
    db = get_session()
    post_service.delete_post(session=db, acc=acc, post_id=post.id, now=utcnow())
    db.commit()
    return "", 204
