"""Guardrails in the UI: the live what-if for the composer and calendar, and the policy page."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for

from planner.db import get_session
from planner.guardrails import PRESETS, ChannelPolicy, Policy, PolicyError
from planner.models import Category
from planner.services import guardrail_checks, guardrail_policies
from planner.services.errors import NotFound, ServiceError, ValidationError
from planner.services.workspaces import Access
from planner.timeutils import get_zone, month_window, to_local, utcnow
from planner.web import guardrail_support
from planner.web.api.schemas import ChangePreview, parse
from planner.web.boundary import read_json
from planner.web.context import owner_only, with_access
from planner.web.forms import PolicyForm
from planner.web.forms_support import apply_field_errors
from planner.web.guardrail_forms import RULE_LABELS, ChannelPolicyForm

bp = Blueprint("guardrails", __name__)
RULES = ("max_share", "min_share", "streak", "quiet_gap")


@bp.post("/guardrails/preview")
@with_access
def preview(acc: Access):
    """What saving a draft, or dropping a post on another day, would change (JSON, CSRF-checked)."""
    try:
        change = parse(ChangePreview, read_json(), tz=get_zone(acc.workspace.timezone))
        diff = guardrail_checks.preview_change(
            session=get_session(), workspace=acc.workspace, change=change.to_change(), now=utcnow()
        )
    except ServiceError as exc:
        return jsonify(exc.to_dict()), exc.status
    except LookupError:
        raise NotFound("No such post.") from None
    return jsonify(guardrail_support.comparison_json(diff))


def _fill(form: PolicyForm, policy: Policy) -> None:
    form.preset.data = policy.preset
    form.quiet_gap_days.data = policy.quiet_gap_days or 0
    for cat in Category:
        mx, mn, st = (
            policy.max_share.get(cat.value),
            policy.min_share.get(cat.value),
            policy.streak.get(cat.value),
        )
        getattr(form, f"max_{cat.value}").data = (
            None if mx is None else Decimal(str(round(float(mx) * 100, 2)))
        )
        getattr(form, f"min_{cat.value}").data = (
            None if mn is None else Decimal(str(round(float(mn) * 100, 2)))
        )
        getattr(form, f"streak_{cat.value}").data = st
    for rule in RULES:
        getattr(form, f"severity_{rule}").data = policy.severity.get(rule, "warn")


def policy_from_form(form: PolicyForm) -> Policy:
    """Build a Policy from the form: a named preset's numbers, or the custom ones typed in."""
    data: dict[str, Any] = {
        "preset": form.preset.data,
        "severity": {r: getattr(form, f"severity_{r}").data for r in RULES},
    }
    if form.preset.data == "custom":
        data["max_share"] = {
            c.value: f"{getattr(form, f'max_{c.value}').data}%"
            for c in Category
            if getattr(form, f"max_{c.value}").data is not None
        }
        data["min_share"] = {
            c.value: f"{getattr(form, f'min_{c.value}').data}%"
            for c in Category
            if getattr(form, f"min_{c.value}").data is not None
        }
        data["streak"] = {
            c.value: getattr(form, f"streak_{c.value}").data
            for c in Category
            if getattr(form, f"streak_{c.value}").data is not None
        }
        data["quiet_gap_days"] = form.quiet_gap_days.data or None
    else:
        data["quiet_gap_days"] = (
            form.quiet_gap_days.data if form.quiet_gap_days.data is not None else 7
        )
    try:
        return Policy.from_dict(data)
    except PolicyError as exc:
        field = (
            exc.field.replace(".", "_").replace("max_share_", "max_").replace("min_share_", "min_")
        )
        raise ValidationError(exc.message, fields={field: exc.message}) from None


@bp.route("/settings/guardrails", methods=["GET", "POST"])
@with_access
def policy(acc: Access):
    db = get_session()
    current = guardrail_checks.workspace_policy(acc.workspace)
    form = PolicyForm()
    if request.method == "GET":
        _fill(form, current)
    tz = get_zone(acc.workspace.timezone)
    start, end = month_window(to_local(utcnow(), tz).date(), tz)
    now = utcnow()
    now_warnings = guardrail_checks.evaluate_range(
        session=db, workspace=acc.workspace, start=start, end=end, now=now
    ).warnings
    proposed_warnings = None
    if form.validate_on_submit():
        owner_only(acc)
        try:
            proposed = policy_from_form(form)
        except ValidationError as exc:
            apply_field_errors(form, exc, {})
        else:
            if request.form.get("action") == "save":
                guardrail_checks.save_policy(session=db, acc=acc, policy=proposed, now=now)
                db.commit()
                flash("Guardrails saved.", "success")
                return redirect(url_for("guardrails.policy"))
            proposed_warnings = guardrail_checks.evaluate_range(
                session=db, workspace=acc.workspace, start=start, end=end, now=now, policy=proposed
            ).warnings
    presets = {name: p.to_dict() for name, p in PRESETS.items()}
    return render_template(
        "guardrails/policy.html",
        form=form,
        acc=acc,
        current=current,
        overrides=guardrail_policies.overrides(db, acc.workspace.id),
        rule_labels=RULE_LABELS,
        now_warnings=now_warnings,
        proposed_warnings=proposed_warnings,
        month_start=start,
        presets=presets,
        categories_list=[c.value for c in Category],
        rules=RULES,
    ), (422 if form.errors else 200)


@bp.route("/channels/<int:channel_id>/guardrails", methods=["GET", "POST"])
@with_access
def channel_policy(acc: Access, channel_id: int):
    """A channel's own guardrails: follow the workspace, or its own numbers, minus rules off."""
    db = get_session()
    channel = guardrail_policies.get_channel(db, acc, channel_id)
    current = guardrail_policies.channel_policy(channel)
    workspace = guardrail_checks.workspace_policy(acc.workspace)
    form = ChannelPolicyForm()
    if request.method == "GET":
        _fill(form, current.policy or workspace)
        form.inherit.data = "inherit" if current.inherit else "own"
        for rule in RULES:
            getattr(form, f"off_{rule}").data = rule in current.off
    if form.validate_on_submit():
        owner_only(acc)
        try:
            value = _channel_policy_from_form(form)
        except ValidationError as exc:
            apply_field_errors(form, exc, {})
        else:
            guardrail_policies.save_channel_policy(
                session=db, acc=acc, channel_id=channel.id, value=value, now=utcnow()
            )
            db.commit()
            flash(f"Guardrails for {channel.name} saved.", "success")
            return redirect(url_for("guardrails.channel_policy", channel_id=channel.id))
    return render_template(
        "guardrails/channel.html",
        form=form,
        acc=acc,
        channel=channel,
        current=current,
        workspace=workspace,
        presets={name: p.to_dict() for name, p in PRESETS.items()},
        categories_list=[c.value for c in Category],
        rules=RULES,
        rule_labels=RULE_LABELS,
    ), (422 if form.errors else 200)


def _channel_policy_from_form(form: ChannelPolicyForm) -> ChannelPolicy:
    """Build the channel's settings from the form; its numbers count only with "own"."""
    off = tuple(rule for rule in RULES if getattr(form, f"off_{rule}").data)
    if form.inherit.data != "own":
        return ChannelPolicy(inherit=True, off=off)
    return ChannelPolicy(inherit=False, policy=policy_from_form(form), off=off)
