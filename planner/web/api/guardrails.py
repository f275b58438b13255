"""API v1 routes for guardrails: warnings and mix of a range, what-if previews, the policy."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request

from planner.db import get_session
from planner.guardrails import Policy, PolicyError
from planner.services import guardrail_checks, guardrail_suggestions
from planner.services.errors import NotFound, ValidationError
from planner.services.guardrail_checks import Change
from planner.services.posts import CATEGORIES
from planner.services.workspaces import require_owner
from planner.timeutils import get_zone, month_window, parse_iso_instant, to_local, utcnow
from planner.web.api.base import ApiError, _access, _body, bp


def _range(tz) -> tuple[Any, Any]:
    """start/end from the query (ISO 8601; local when no offset), defaulting to this month."""
    fields: dict[str, str] = {}
    values = {}
    for name in ("start", "end"):
        raw = request.args.get(name)
        if raw:
            try:
                values[name] = parse_iso_instant(raw, tz)
            except ValueError as exc:
                fields[name] = str(exc)
    if fields:
        raise ApiError(400, "bad_request", "Check the query parameters listed.", fields)
    if "start" not in values and "end" not in values:
        lo, hi = month_window(to_local(utcnow(), tz).date(), tz)
        return lo, hi
    if "start" not in values or "end" not in values:
        missing = "start" if "start" not in values else "end"
        raise ApiError(
            400,
            "bad_request",
            "Give both start and end, or neither.",
            {missing: "Required with the other."},
        )
    if values["end"] <= values["start"]:
        raise ApiError(
            400, "bad_request", "end must be after start.", {"end": "Must be after start."}
        )
    return values["start"], values["end"]


@bp.get("/workspaces/<int:wid>/guardrails")
def guardrails(wid: int):
    acc = _access(wid)
    tz = get_zone(acc.workspace.timezone)
    start, end = _range(tz)
    db, now = get_session(), utcnow()
    result = guardrail_checks.evaluate_range(
        session=db, workspace=acc.workspace, start=start, end=end, now=now, with_mix=True
    )
    warnings = guardrail_suggestions.warnings_json(
        session=db, workspace=acc.workspace, warnings=result.warnings, now=now
    )
    return jsonify(warnings=warnings, mix=result.mix)


def parse_change(data: dict[str, Any], tz) -> Change:
    """Read a what-if from JSON, naming every field at fault."""
    fields: dict[str, str] = {}
    category = data.get("category")
    if category not in CATEGORIES:
        fields["category"] = f"One of {', '.join(CATEGORIES)}."
    scheduled_at = None
    raw = data.get("scheduled_at")
    if raw not in (None, ""):
        try:
            scheduled_at = parse_iso_instant(str(raw), tz)
        except ValueError as exc:
            fields["scheduled_at"] = str(exc)
    channel_ids = data.get("channel_ids", [])
    if not isinstance(channel_ids, list) or not all(
        isinstance(c, int) and not isinstance(c, bool) for c in channel_ids
    ):
        fields["channel_ids"] = "A list of channel ids."
        channel_ids = []
    post_id = data.get("post_id")
    if post_id is not None and (not isinstance(post_id, int) or isinstance(post_id, bool)):
        fields["post_id"] = "A post id or null."
    if fields:
        raise ValidationError("Check the fields listed.", fields=fields)
    return Change(
        category=category,
        scheduled_at=scheduled_at,
        channel_ids=tuple(channel_ids),
        post_id=post_id,
    )


@bp.post("/workspaces/<int:wid>/guardrails/preview")
def preview(wid: int):
    acc = _access(wid)
    change = parse_change(_body(), get_zone(acc.workspace.timezone))
    try:
        added, removed = guardrail_checks.preview_change(
            session=get_session(), workspace=acc.workspace, change=change, now=utcnow()
        )
    except LookupError:
        raise NotFound("No such post.", fields={"post_id": "Not in this workspace."}) from None
    return jsonify(added=[w.to_dict() for w in added], removed=[w.to_dict() for w in removed])


@bp.get("/workspaces/<int:wid>/guardrails/policy")
def get_policy(wid: int):
    acc = _access(wid)
    return jsonify(guardrail_checks.workspace_policy(acc.workspace).to_dict())


@bp.put("/workspaces/<int:wid>/guardrails/policy")
def put_policy(wid: int):
    acc = _access(wid)
    require_owner(acc)
    data = _body()
    try:
        policy = Policy.from_dict(data)
    except PolicyError as exc:
        raise ValidationError(exc.message, fields={exc.field: exc.message}) from None
    db = get_session()
    guardrail_checks.save_policy(session=db, acc=acc, policy=policy, now=utcnow())
    db.commit()
    return jsonify(policy.to_dict())
