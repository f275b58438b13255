"""API v1 routes for workspaces, channels and posts."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request

from planner.connectors_app import get_connectors
from planner.db import get_session
from planner.media_app import get_media_storage
from planner.services import channel_settings, link_cards, recurrence, workspaces
from planner.services import channels as channel_service
from planner.services import media as media_service
from planner.services import posts as post_service
from planner.services.errors import BadRequest
from planner.services.posts import PostFilters, PostInput
from planner.services.workspaces import Access
from planner.timeutils import get_zone, utcnow
from planner.web.api.base import access, api_user, bp, post_access
from planner.web.api.queries import query_range
from planner.web.api.schemas import (
    ChannelCreate,
    ChannelPatch,
    PostCreate,
    PostPatch,
    WorkspaceCreate,
    parse,
)
from planner.web.boundary import query_id
from planner.web.cards import card_json, read_before_save
from planner.web.guardrail_support import warnings_by_post
from planner.web.media import media_json


@bp.get("/workspaces")
def list_workspaces():
    mine = workspaces.memberships(session=get_session(), user=api_user())
    return jsonify(
        workspaces=[
            {"id": ws.id, "name": ws.name, "timezone": ws.timezone, "role": role.value}
            for ws, role in mine
        ]
    )


@bp.post("/workspaces")
def create_workspace():
    data = parse(WorkspaceCreate)
    db = get_session()
    ws = workspaces.create_workspace(
        session=db, owner=api_user(), name=data.name, timezone=data.timezone, now=utcnow()
    )
    db.commit()
    return jsonify({"id": ws.id, "name": ws.name, "timezone": ws.timezone, "role": "owner"}), 201


@bp.get("/workspaces/<id:wid>/channels")
def list_channels(wid: int):
    acc = access(wid)
    chans = channel_service.list_channels(session=get_session(), workspace_id=acc.workspace.id)
    return jsonify(channels=[channel_service.channel_json(c) for c in chans])


@bp.post("/workspaces/<id:wid>/channels")
def create_channel(wid: int):
    acc = access(wid)
    data = parse(ChannelCreate)
    db = get_session()
    channel = channel_service.create_channel(
        session=db,
        acc=acc,
        name=data.name,
        platform=data.platform,
        config=data.config,
        connectors=get_connectors(),
        now=utcnow(),
    )
    db.commit()
    return jsonify(channel_service.channel_json(channel)), 201


@bp.patch("/workspaces/<id:wid>/channels/<id:cid>")
def patch_channel(wid: int, cid: int):
    """Rename a channel or change its settings (owners only)."""
    acc = access(wid)
    data = parse(ChannelPatch)
    db = get_session()
    now = utcnow()
    if data.name is not None:
        channel_service.rename_channel(session=db, acc=acc, channel_id=cid, name=data.name, now=now)
    channel = channel_settings.change_settings(
        session=db,
        acc=acc,
        channel_id=cid,
        call_to_action=data.call_to_action,
        promotions_as_offers=data.promotions_as_offers,
        now=now,
    )
    db.commit()
    return jsonify(channel_service.channel_json(channel))


LIST_LIMIT = 5000  # posts one list answer holds at most
MAX_LIST_DAYS = 400  # the widest start..end one list answer covers


def posts_json(acc: Access, posts: list[Any], *, suggestions: bool = True) -> list[dict[str, Any]]:
    """The API shape of *posts*, with their channels, warnings and repeat rules, in few queries."""
    tz = get_zone(acc.workspace.timezone)
    targets = post_service.channel_ids_for(session=get_session(), post_ids=[p.id for p in posts])
    warnings = warnings_by_post(acc, posts, suggestions=suggestions)
    rules = recurrence.rrules_for(session=get_session(), post_ids=[p.id for p in posts])
    images = media_service.images_for_posts(session=get_session(), post_ids=[p.id for p in posts])
    storage = get_media_storage()
    cards = link_cards.cards_for(session=get_session(), posts=posts)
    return [
        post_service.post_json(
            p, targets.get(p.id, []), tz, warnings.get(p.id, ()), rrule=rules.get(p.id)
        )
        | {
            "media": [
                media_json(i.media, storage=storage) | {"fit": i.fit} for i in images.get(p.id, [])
            ]
        }
        | {"link_card": card_json(cards.get(p.id))}
        for p in posts
    ]


def _set_media(acc: Access, post: Any, refs: list[Any] | None) -> None:
    """Give *post* the images the request listed (absent: leave them as they are)."""
    if refs is not None:
        items = [(ref.id, ref.alt) for ref in refs]
        fits = {ref.id: ref.fit for ref in refs if "fit" in ref.model_fields_set}
        media_service.set_post_media(
            session=get_session(), acc=acc, post=post, items=items, fits=fits, now=utcnow()
        )


@bp.get("/workspaces/<id:wid>/posts")
def list_posts(wid: int):
    """Posts scheduled in [start, end) (at most MAX_LIST_DAYS apart), filtered, by time."""
    acc = access(wid)
    tz = get_zone(acc.workspace.timezone)
    args = request.args
    fields: dict[str, str] = {}
    try:
        start, end = query_range(tz, required=False, max_days=MAX_LIST_DAYS)
    except BadRequest as exc:
        fields.update(exc.fields)
        start = end = None
    status = args.get("status") or None
    if status and status not in post_service.STATUSES:
        fields["status"] = f"Unknown status; one of {', '.join(post_service.STATUSES)}."
    category = args.get("category") or None
    if category and category not in post_service.CATEGORIES:
        fields["category"] = f"Unknown category; one of {', '.join(post_service.CATEGORIES)}."
    channel_id = None
    try:
        channel_id = query_id("channel_id")
    except BadRequest as exc:
        fields.update(exc.fields)
    if fields:
        raise BadRequest("Check the query parameters listed.", fields=fields)
    posts = post_service.list_posts(
        session=get_session(),
        workspace_id=acc.workspace.id,
        filters=PostFilters(
            start=start,
            end=end,
            status=status,
            category=category,
            channel_id=channel_id,
            limit=LIST_LIMIT + 1,
        ),
    )
    # A range holding more than LIST_LIMIT posts is cut, and says so: ask for a narrower one.
    truncated = len(posts) > LIST_LIMIT
    # Each warning's suggestions only when asked: checking them all doubles the list's time.
    fixes = args.get("suggestions") in ("1", "true")
    return jsonify(
        posts=posts_json(acc, posts[:LIST_LIMIT], suggestions=fixes), truncated=truncated
    )


@bp.post("/workspaces/<id:wid>/posts")
def create_post(wid: int):
    acc = access(wid)
    data = parse(PostCreate, tz=get_zone(acc.workspace.timezone))
    card = read_before_save(acc, data.link, data.channel_ids)
    db = get_session()
    post = post_service.create_post(session=db, acc=acc, data=data.to_input(), now=utcnow())
    link_cards.keep(session=db, post=post, card=card)
    _set_media(acc, post, data.media)
    if data.rrule is not None:  # the post starts a series; the rest are materialised
        recurrence.start_series(session=db, acc=acc, post=post, rrule=data.rrule, now=utcnow())
    answer = posts_json(acc, [post])[0]
    db.commit()
    return jsonify(answer), 201


@bp.get("/posts/<id:pid>")
def get_post(pid: int):
    acc, post = post_access(pid)
    return jsonify(posts_json(acc, [post])[0])


@bp.patch("/posts/<id:pid>")
def patch_post(pid: int):
    acc, post = post_access(pid)
    patch = parse(PostPatch, tz=get_zone(acc.workspace.timezone))
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
    merged = patch.merged(current)
    post_service.require_edit(acc, post)  # a refused edit reads no page
    card = read_before_save(acc, merged.link, merged.channel_ids, post.link_card)
    # The images first: the rest of a series, when it follows, copies them.
    _set_media(acc, post, patch.media)
    updated = recurrence.save_edit(
        session=db,
        acc=acc,
        post_id=post.id,
        data=merged,
        # A new rule (null ends the series here) changes the series from this occurrence on.
        following=patch.apply_to == "following" or patch.sent("rrule"),
        rrule=patch.rrule if patch.sent("rrule") else recurrence.KEEP_RULE,
        now=utcnow(),
    )
    link_cards.keep(session=db, post=updated, card=card)
    answer = posts_json(acc, [updated])[0]
    db.commit()
    return jsonify(answer)


@bp.delete("/posts/<id:pid>")
def delete_post(pid: int):
    acc, post = post_access(pid)
    db = get_session()
    post_service.delete_post(session=db, acc=acc, post_id=post.id, now=utcnow())
    db.commit()
    return "", 204
