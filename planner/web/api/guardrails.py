"""API v1 routes for guardrails: warnings and mix of a range, what-if previews, the policy."""

from __future__ import annotations

from flask import jsonify

from planner.db import get_session
from planner.guardrails import Policy, PolicyError
from planner.services import guardrail_checks, guardrail_policies
from planner.services.errors import NotFound, ValidationError
from planner.services.workspaces import require_owner
from planner.timeutils import get_zone, utcnow
from planner.web import guardrail_support
from planner.web.api.base import access, bp
from planner.web.api.queries import MAX_GUARDRAIL_DAYS, query_range
from planner.web.api.schemas import ChangePreview, parse
from planner.web.boundary import read_json


@bp.get("/workspaces/<id:wid>/guardrails")
def guardrails(wid: int):
    acc = access(wid)
    tz = get_zone(acc.workspace.timezone)
    start, end = query_range(tz, max_days=MAX_GUARDRAIL_DAYS)
    result = guardrail_checks.evaluate_range(
        session=get_session(),
        workspace=acc.workspace,
        start=start,
        end=end,
        now=utcnow(),
        with_mix=True,
    )
    return jsonify(warnings=[w.to_dict() for w in result.warnings], mix=result.mix)


@bp.post("/workspaces/<id:wid>/guardrails/preview")
def preview(wid: int):
    acc = access(wid)
    change = parse(ChangePreview, tz=get_zone(acc.workspace.timezone)).to_change()
    try:
        diff = guardrail_checks.preview_change(
            session=get_session(), workspace=acc.workspace, change=change, now=utcnow()
        )
    except LookupError:
        raise NotFound("No such post.", fields={"post_id": "Not in this workspace."}) from None
    return jsonify(guardrail_support.comparison_json(diff))


@bp.get("/workspaces/<id:wid>/guardrails/policy")
def get_policy(wid: int):
    acc = access(wid)
    return jsonify(guardrail_checks.workspace_policy(acc.workspace).to_dict())


@bp.put("/workspaces/<id:wid>/guardrails/policy")
def put_policy(wid: int):
    acc = access(wid)
    require_owner(acc)
    data = read_json()
    try:
        policy = Policy.from_dict(data)
    except PolicyError as exc:
        raise ValidationError(exc.message, fields={exc.field: exc.message}) from None
    db = get_session()
    guardrail_checks.save_policy(session=db, acc=acc, policy=policy, now=utcnow())
    db.commit()
    return jsonify(policy.to_dict())


@bp.get("/workspaces/<id:wid>/channels/<id:cid>/guardrails/policy")
def get_channel_policy(wid: int, cid: int):
    acc = access(wid)
    channel = guardrail_policies.get_channel(get_session(), acc, cid)
    return jsonify(guardrail_policies.channel_policy(channel).to_dict())


@bp.put("/workspaces/<id:wid>/channels/<id:cid>/guardrails/policy")
def put_channel_policy(wid: int, cid: int):
    acc = access(wid)
    require_owner(acc)
    value = guardrail_policies.parse_channel_policy(read_json())
    db = get_session()
    guardrail_policies.save_channel_policy(
        session=db, acc=acc, channel_id=cid, value=value, now=utcnow()
    )
    db.commit()
    return jsonify(value.to_dict())
