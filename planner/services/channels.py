"""Channels: where posts go. Credentials are sealed with the connectors' box, never returned."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, select, update

from planner.connectors.base import (
    AuthError,
    ConfigError,
    Connector,
    ConnectorError,
    PermanentError,
    TransientError,
    UnknownOutcomeError,
)
from planner.connectors.bundle import UNUSABLE, Connectors
from planner.connectors.registry import CONNECTORS, UnknownPlatform
from planner.models import Channel, ChannelStatus
from planner.services import audit
from planner.services.errors import Forbidden, NotFound, ValidationError, error_body
from planner.services.text import as_sentence, single_line
from planner.services.workspaces import Access, require_owner
from planner.timeutils import iso_utc


def platforms(*, manual: bool = False) -> list[tuple[str, str]]:
    """Return (platform, label) pairs for pickers; *manual*: only those set up by typing."""
    return [
        (name, cls.label) for name, cls in CONNECTORS.items() if not (manual and cls.oauth_only)
    ]


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
    connectors: Connectors,
    now: datetime,
) -> Channel:
    """Validate the platform's config, seal its secret fields and add the channel (owners only)."""
    require_owner(acc)
    fields: dict[str, str] = {}
    name = single_line(name or "", "name")
    if not name:
        fields["name"] = "Give the channel a name."
    elif len(name) > 80:
        fields["name"] = "Keep the name under 80 characters."
    try:
        connector = connectors.platform(platform)
    except UnknownPlatform:
        fields["platform"] = f"Unknown platform; choose one of: {', '.join(CONNECTORS)}."
        raise ValidationError("Check the highlighted fields.", fields=fields) from None
    if not isinstance(config, dict):
        fields["config"] = "config must be an object."
        raise ValidationError("Check the highlighted fields.", fields=fields)
    if connector.oauth_only:
        message = (
            f"{connector.label} channels are connected with the Connect button on the Channels "
            "page (or the API's channels/oauth/<platform>/start), not with typed settings."
        )
        raise ValidationError(message, fields={"platform": message})
    try:
        cleaned = connector.validate_config(config)
    except ConfigError as exc:
        fields.update({f"config.{k}": v for k, v in exc.fields.items()})
        cleaned = {}
    if fields:
        raise ValidationError("Check the highlighted fields.", fields=fields)
    return add_channel(
        session=session,
        acc=acc,
        name=name,
        connector=connector,
        cleaned=cleaned,
        connectors=connectors,
        now=now,
    )


def add_channel(
    *,
    session: Session,
    acc: Access,
    name: str,
    connector: type[Connector],
    cleaned: dict[str, Any],
    connectors: Connectors,
    now: datetime,
    token_expires_at: datetime | None = None,
) -> Channel:
    """Add a channel from settings its connector has validated, sealing the secret fields."""
    public = {k: v for k, v in cleaned.items() if k not in connector.secret_fields}
    secret = {k: v for k, v in cleaned.items() if k in connector.secret_fields}
    channel = Channel(
        workspace_id=acc.workspace.id,
        name=name,
        platform=connector.platform,
        config=public,
        secrets=connectors.box.seal(secret),
        status=ChannelStatus.OK,
        created_at=now,
        token_expires_at=token_expires_at,
    )
    session.add(channel)
    session.flush()
    audit.record(
        session=session,
        workspace_id=acc.workspace.id,
        actor_id=acc.user.id,
        action="channel_created",
        detail={"channel_id": channel.id, "name": name, "platform": connector.platform},
        now=now,
    )
    return channel


def rename_channel(
    *, session: Session, acc: Access, channel_id: int, name: str, now: datetime
) -> Channel:
    require_owner(acc)
    channel = get_channel(session=session, workspace_id=acc.workspace.id, channel_id=channel_id)
    name = single_line(name or "", "name")
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


def reconnect_channel(
    *,
    session: Session,
    acc: Access,
    channel_id: int,
    config: dict[str, Any],
    connectors: Connectors,
    now: datetime,
) -> Channel:
    """Replace the channel's credentials (owners only) and mark it usable again.

    Unsent fields keep their saved public value; secrets must be entered again. Deliveries that
    waited for the channel go out on the worker's next tick, if still within their lateness.
    """
    require_owner(acc)
    channel = get_channel(session=session, workspace_id=acc.workspace.id, channel_id=channel_id)
    connector = connectors.platform(channel.platform)
    if connector.oauth_only:
        raise ValidationError(
            f"Reconnect {channel.name} with the Connect button for {connector.label}.",
            fields={"config": "This platform connects with OAuth only."},
        )
    given = {k: v for k, v in (config or {}).items() if v not in (None, "")}
    try:
        cleaned = connector.validate_config({**channel.config, **given})
    except ConfigError as exc:
        raise ValidationError(
            "Check the highlighted fields.",
            fields={f"config.{k}": v for k, v in exc.fields.items()},
        ) from None
    channel.config = {k: v for k, v in cleaned.items() if k not in connector.secret_fields}
    secret = {k: v for k, v in cleaned.items() if k in connector.secret_fields}
    channel.secrets = connectors.box.seal(secret)
    channel.state = ""  # sessions and cached limits belonged to the old credentials
    channel.status = ChannelStatus.OK
    channel.status_detail = ""
    session.add(channel)
    audit.record(
        session=session,
        workspace_id=acc.workspace.id,
        actor_id=acc.user.id,
        action="channel_reconnected",
        detail={"channel_id": channel.id, "name": channel.name},
        now=now,
    )
    return channel


def mark_needs_reauth(*, session: Session, channel_id: int, message: str, now: datetime) -> bool:
    """Flag the channel for its owner with the platform's refusal; False if it was already."""
    result = session.exec(
        update(Channel)
        .where(Channel.id == channel_id, Channel.status != ChannelStatus.NEEDS_REAUTH)
        .values(status=ChannelStatus.NEEDS_REAUTH, status_detail=message[:500])
    )
    if result.rowcount != 1:
        return False
    channel = session.get(Channel, channel_id)
    audit.record(
        session=session,
        workspace_id=channel.workspace_id,
        action="channel_needs_reauth",
        detail={"channel_id": channel_id, "name": channel.name, "error": message},
        now=now,
    )
    return True


def needing_reauth(*, session: Session, workspace_id: int) -> list[Channel]:
    """The workspace's channels whose credentials the platform refused."""
    return list(
        session.exec(
            select(Channel)
            .where(
                Channel.workspace_id == workspace_id,
                Channel.status == ChannelStatus.NEEDS_REAUTH,
            )
            .order_by(Channel.name, Channel.id)
        )
    )


@dataclass(frozen=True)
class CheckResult:
    """What testing a channel found: ``detail`` describes the account, ``error`` the failure."""

    ok: bool
    detail: str = ""
    error: dict[str, Any] | None = None


CHECK_ERROR_CODES = (
    (AuthError, "auth_error"),
    (TransientError, "transient_error"),
    (UnknownOutcomeError, "unknown_outcome"),
    (PermanentError, "permanent_error"),
)


def check_channel(
    *,
    session: Session,
    acc: Access,
    channel_id: int,
    connectors: Connectors,
    now: datetime,
) -> CheckResult:
    """Ask the platform whether the channel's credentials work (owners and editors).

    The result is kept on the channel: refused credentials mark it ``needs_reauth``, any other
    failure ``error`` with the platform's words (approval waits for it), and a pass clears both.
    """
    if not acc.can_review:
        raise Forbidden("Only owners and editors can test channels.")
    channel = get_channel(session=session, workspace_id=acc.workspace.id, channel_id=channel_id)
    try:
        connector = connectors.for_channel(channel)
        detail = connector.check()
    except UNUSABLE as exc:
        _mark_error(session, acc, channel, str(exc), now)
        return CheckResult(False, error=_error("config_error", str(exc)))
    except ConnectorError as exc:
        if isinstance(exc, AuthError):
            mark_needs_reauth(session=session, channel_id=channel.id, message=exc.message, now=now)
        else:
            _mark_error(session, acc, channel, exc.message, now)
        return CheckResult(False, error=_error(_error_code(exc), exc.message))
    if connector.state_changed:
        channel.state = connectors.box.seal(connector.state)
    if channel.status != ChannelStatus.OK:
        cleared = {ChannelStatus.NEEDS_REAUTH: "channel_reconnected"}
        audit.record(
            session=session,
            workspace_id=channel.workspace_id,
            actor_id=acc.user.id,
            action=cleared.get(ChannelStatus(channel.status), "channel_test_passed"),
            detail={"channel_id": channel.id, "name": channel.name, "by": "test"},
            now=now,
        )
        channel.status, channel.status_detail = ChannelStatus.OK, ""
    session.add(channel)
    return CheckResult(True, detail=detail)


def _mark_error(
    session: Session, acc: Access, channel: Channel, message: str, now: datetime
) -> None:
    """Keep a failed test's words on the channel; refused credentials (``needs_reauth``) win."""
    if channel.status == ChannelStatus.NEEDS_REAUTH:
        return
    if channel.status != ChannelStatus.ERROR:
        audit.record(
            session=session,
            workspace_id=channel.workspace_id,
            actor_id=acc.user.id,
            action="channel_test_failed",
            detail={"channel_id": channel.id, "name": channel.name, "error": message},
            now=now,
        )
    channel.status, channel.status_detail = ChannelStatus.ERROR, message[:500]
    session.add(channel)


def require_working(channels: Iterable[Channel]) -> None:
    """Refuse to approve posts to a channel whose last connection test failed, naming it."""
    failing = [c for c in channels if c.status == ChannelStatus.ERROR]
    if not failing:
        return
    said = " ".join(
        f"{c.name} failed its last connection test: {as_sentence(c.status_detail or 'unknown')}"
        for c in failing
    )
    them = "it" if len(failing) == 1 else "them"
    names = " and ".join(c.name for c in failing)
    raise ValidationError(
        f"{said} Approve posts for {them} once a test passes on the Channels page.",
        fields={"channel_ids": f"The last connection test of {names} failed."},
    )


def _error_code(exc: ConnectorError) -> str:
    for cls, code in CHECK_ERROR_CODES:
        if isinstance(exc, cls):
            return code
    return "error"


def _error(code: str, message: str) -> dict[str, Any]:
    return error_body(code, message)["error"]


def channel_json(channel: Channel) -> dict[str, Any]:
    """The API shape of a channel: never any credential."""
    return {
        "id": channel.id,
        "name": channel.name,
        "platform": channel.platform,
        "status": channel.status,
        "config": dict(channel.config),
        "expires_at": iso_utc(channel.token_expires_at),
    }


def counter_platform(channel: Channel) -> str:
    """The name the composer's counter uses: Discord webhooks count differently from others."""
    if channel.platform == "webhook" and channel.config.get("format") == "discord":
        return "webhook-discord"
    return channel.platform
