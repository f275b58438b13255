"""Channels: where posts go. Credentials are sealed with the SecretBox and never returned."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session, select

from planner.connectors.base import ConfigError, Connector, ConnectorOptions
from planner.connectors.registry import CONNECTORS, UnknownPlatform, get_connector
from planner.models import Channel, ChannelStatus
from planner.secretbox import SecretBox, SecretBoxError
from planner.services import audit
from planner.services.errors import NotFound, ValidationError
from planner.services.workspaces import Access, require_owner


def platforms() -> list[tuple[str, str]]:
    """Return (platform, label) pairs for pickers."""
    return [(name, cls.label) for name, cls in CONNECTORS.items()]


def list_channels(*, session: Session, workspace_id: int) -> list[Channel]:
    return list(
        session.exec(
            select(Channel)
            .where(Channel.workspace_id == workspace_id)
            .order_by(Channel.name, Channel.id)
        )
    )


def get_channel(*, session: Session, workspace_id: int, channel_id: int) -> Channel:
    channel = session.get(Channel, channel_id)
    if channel is None or channel.workspace_id != workspace_id:
        raise NotFound("No such channel.")
    return channel


def create_channel(
    *,
    session: Session,
    acc: Access,
    name: str,
    platform: str,
    config: dict[str, Any],
    box: SecretBox,
    now: datetime,
) -> Channel:
    """Validate the platform's config, seal its secret fields and add the channel (owners only)."""
    require_owner(acc)
    fields: dict[str, str] = {}
    name = (name or "").strip()
    if not name:
        fields["name"] = "Give the channel a name."
    elif len(name) > 80:
        fields["name"] = "Keep the name under 80 characters."
    try:
        connector = get_connector(platform)
    except UnknownPlatform:
        fields["platform"] = f"Unknown platform; choose one of: {', '.join(CONNECTORS)}."
        raise ValidationError("Check the highlighted fields.", fields=fields) from None
    if not isinstance(config, dict):
        fields["config"] = "config must be an object."
        raise ValidationError("Check the highlighted fields.", fields=fields)
    try:
        cleaned = connector.validate_config(config)
    except ConfigError as exc:
        fields.update({f"config.{k}": v for k, v in exc.fields.items()})
        cleaned = {}
    if fields:
        raise ValidationError("Check the highlighted fields.", fields=fields)
    public = {k: v for k, v in cleaned.items() if k not in connector.secret_fields}
    secret = {k: v for k, v in cleaned.items() if k in connector.secret_fields}
    channel = Channel(
        workspace_id=acc.workspace.id,
        name=name,
        platform=platform,
        config=public,
        secrets=box.seal(secret),
        status=ChannelStatus.OK,
        created_at=now,
    )
    session.add(channel)
    session.flush()
    audit.record(
        session=session,
        workspace_id=acc.workspace.id,
        actor_id=acc.user.id,
        action="channel_created",
        detail={"channel_id": channel.id, "name": name, "platform": platform},
        now=now,
    )
    return channel


def rename_channel(
    *, session: Session, acc: Access, channel_id: int, name: str, now: datetime
) -> Channel:
    require_owner(acc)
    channel = get_channel(session=session, workspace_id=acc.workspace.id, channel_id=channel_id)
    name = (name or "").strip()
    if not name:
        raise ValidationError(
            "Give the channel a name.", fields={"name": "Give the channel a name."}
        )
    channel.name = name[:80]
    session.add(channel)
    audit.record(
        session=session,
        workspace_id=acc.workspace.id,
        actor_id=acc.user.id,
        action="channel_renamed",
        detail={"channel_id": channel.id, "name": channel.name},
        now=now,
    )
    return channel


def delete_channel(*, session: Session, acc: Access, channel_id: int, now: datetime) -> None:
    require_owner(acc)
    channel = get_channel(session=session, workspace_id=acc.workspace.id, channel_id=channel_id)
    session.delete(channel)
    audit.record(
        session=session,
        workspace_id=acc.workspace.id,
        actor_id=acc.user.id,
        action="channel_deleted",
        detail={"channel_id": channel_id, "name": channel.name},
        now=now,
    )


def channel_json(channel: Channel) -> dict[str, Any]:
    """The API shape of a channel: never any credential."""
    return {
        "id": channel.id,
        "name": channel.name,
        "platform": channel.platform,
        "status": channel.status,
        "config": dict(channel.config),
    }


def connector_for(channel: Channel, *, box: SecretBox, options: ConnectorOptions) -> Connector:
    """Build the channel's connector with its decrypted config and saved state."""
    cls = get_connector(channel.platform)
    config = {**channel.config, **box.open(channel.secrets)}
    return cls(config, state=box.open(channel.state), options=options)


def character_limits(
    channels: list[Channel], *, box: SecretBox, options: ConnectorOptions
) -> dict[int, int | None]:
    """Each channel's exact post length limit (a Mastodon server's own, once it is known)."""
    limits: dict[int, int | None] = {}
    for channel in channels:
        try:
            limits[channel.id] = connector_for(channel, box=box, options=options).limit()
        except (UnknownPlatform, SecretBoxError):
            limits[channel.id] = None
    return limits


def counter_platform(channel: Channel) -> str:
    """The name the composer's counter uses: Discord webhooks count differently from others."""
    if channel.platform == "webhook" and channel.config.get("format") == "discord":
        return "webhook-discord"
    return channel.platform
