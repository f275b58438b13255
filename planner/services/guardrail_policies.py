"""Guardrail policies as stored: the workspace's, and each channel's own override."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from planner.guardrails import DEFAULT_POLICY, INHERIT, ChannelPolicy, Policy, PolicyError
from planner.models import Channel, Workspace
from planner.services import audit
from planner.services.errors import NotFound, ValidationError
from planner.services.workspaces import Access, require_owner


def workspace_policy(workspace: Workspace) -> Policy:
    """The workspace's policy, or the 80/20 default when it never chose one."""
    return Policy.from_dict(workspace.policy) if workspace.policy else DEFAULT_POLICY


def channel_policy(channel: Channel) -> ChannelPolicy:
    """The channel's own guardrails, or ``INHERIT`` when it has none."""
    return (
        ChannelPolicy.from_dict(channel.guardrail_policy) if channel.guardrail_policy else INHERIT
    )


def channel_settings(
    session: Session, workspace_id: int
) -> tuple[dict[int, str], dict[int, ChannelPolicy]]:
    """Every channel's name, and the own policies of those that have one, in one query."""
    names: dict[int, str] = {}
    own: dict[int, ChannelPolicy] = {}
    rows = session.exec(
        select(Channel.id, Channel.name, Channel.guardrail_policy).where(
            Channel.workspace_id == workspace_id
        )
    )
    for channel_id, name, stored in rows:
        names[channel_id] = name
        if stored:
            own[channel_id] = ChannelPolicy.from_dict(stored)
    return names, own


def resolved(own: dict[int, ChannelPolicy], workspace: Policy) -> dict[int, Policy]:
    """The policy judging each channel with its own settings, given the workspace's."""
    return {channel_id: cp.resolve(workspace) for channel_id, cp in own.items()}


def overrides(session: Session, workspace_id: int) -> list[tuple[Channel, ChannelPolicy]]:
    """The channels that do not simply follow the workspace, by name, for the settings page."""
    channels = session.exec(
        select(Channel).where(Channel.workspace_id == workspace_id).order_by(Channel.name)
    )
    return [(c, channel_policy(c)) for c in channels if c.guardrail_policy]


def get_channel(session: Session, acc: Access, channel_id: int) -> Channel:
    """The workspace's channel *channel_id*, or ``NotFound``."""
    channel = session.get(Channel, channel_id)
    if channel is None or channel.workspace_id != acc.workspace.id:
        raise NotFound("No such channel.")
    return channel


def parse_channel_policy(data: object) -> ChannelPolicy:
    """Read a channel policy from JSON or form values, naming the field at fault."""
    try:
        return ChannelPolicy.from_dict(data)
    except PolicyError as exc:
        raise ValidationError(exc.message, fields={exc.field: exc.message}) from None


def save_channel_policy(
    *, session: Session, acc: Access, channel_id: int, value: ChannelPolicy, now: datetime
) -> Channel:
    """Store a channel's own guardrails (owners only), recording the change."""
    require_owner(acc)
    channel = get_channel(session, acc, channel_id)
    before = channel_policy(channel)
    channel.guardrail_policy = None if value.is_default else value.to_dict()
    session.add(channel)
    audit.record(
        session=session,
        workspace_id=acc.workspace.id,
        actor_id=acc.user.id,
        action="channel_policy_changed",
        detail={
            "channel_id": channel.id,
            "from": "inherit" if before.inherit else "own",
            "to": "inherit" if value.inherit else "own",
            "off": list(value.off),
        },
        now=now,
    )
    return channel


def save_policy(*, session: Session, acc: Access, policy: Policy, now: datetime) -> Workspace:
    """Store a new policy for the workspace (owners only), recording the change."""
    require_owner(acc)
    ws = acc.workspace
    old = workspace_policy(ws).to_dict()
    ws.policy = policy.to_dict()
    session.add(ws)
    audit.record(
        session=session,
        workspace_id=ws.id,
        actor_id=acc.user.id,
        action="policy_changed",
        detail={"from": old.get("preset"), "to": policy.preset},
        now=now,
    )
    return ws
