"""Channels from a finished OAuth flow: one per chosen pick, or renewed when already there."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, delete

from planner.connectors.base import ConfigError, Connector
from planner.connectors.bundle import Connectors
from planner.connectors.registry import UnknownPlatform
from planner.models import Channel, ChannelStatus
from planner.oauth.base import Pick
from planner.oauth_models import OAuthFlow
from planner.services import audit
from planner.services import channels as channel_service
from planner.services.errors import NotFound, ValidationError
from planner.services.workspaces import Access, require_owner


def connect(
    *,
    session: Session,
    acc: Access,
    flow: OAuthFlow,
    picks: list[Pick],
    chosen: Iterable[str],
    connectors: Connectors,
    now: datetime,
) -> list[Channel]:
    """Create one channel per chosen pick (owners only); an account connected before is renewed.

    The flow is deleted: its picks can be used once.
    """
    require_owner(acc)
    if acc.workspace.id != flow.workspace_id or acc.user.id != flow.user_id:
        raise NotFound("There is nothing waiting to be connected here.")
    wanted = set(chosen)
    selected = [p for p in picks if p.key in wanted]
    if not selected:
        raise ValidationError(
            "Choose at least one account to connect.", fields={"picks": "Choose one or more."}
        )
    existing = channel_service.list_channels(session=session, workspace_id=acc.workspace.id)
    names = {c.name for c in existing}
    made = []
    for pick in selected:
        try:
            connector = connectors.platform(pick.platform)
            cleaned = connector.validate_config({**pick.config, **pick.secrets})
        except UnknownPlatform:
            raise ValidationError(
                f"{pick.name} is on a platform this planner cannot publish to yet.",
                fields={"picks": "This account cannot be connected."},
            ) from None
        except ConfigError as exc:
            raise ValidationError(
                f"{pick.name} cannot be connected: {'; '.join(exc.fields.values())}",
                fields={"picks": "This account cannot be connected."},
            ) from None
        public = {k: v for k, v in cleaned.items() if k not in connector.secret_fields}
        same = next(
            (c for c in existing if c.platform == pick.platform and c.config == public), None
        )
        if same is not None:
            made.append(_renew(session, acc, same, connector, cleaned, pick, connectors, now))
            continue
        name = _unique_name(pick.name, names)
        names.add(name)
        made.append(
            channel_service.add_channel(
                session=session,
                acc=acc,
                name=name,
                connector=connector,
                cleaned=cleaned,
                connectors=connectors,
                now=now,
                token_expires_at=pick.expires_at,
            )
        )
    session.exec(delete(OAuthFlow).where(col(OAuthFlow.id) == flow.id))
    return made


def _renew(
    session: Session,
    acc: Access,
    channel: Channel,
    connector: type[Connector],
    cleaned: dict[str, Any],
    pick: Pick,
    connectors: Connectors,
    now: datetime,
) -> Channel:
    """Give a channel connected before its new tokens (the way OAuth channels reconnect)."""
    secret = {k: v for k, v in cleaned.items() if k in connector.secret_fields}
    channel.secrets = connectors.box.seal(secret)
    channel.state = ""
    channel.status, channel.status_detail = ChannelStatus.OK, ""
    channel.token_expires_at = pick.expires_at
    channel.expiry_notified_at = None
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


def _unique_name(wanted: str, taken: set[str]) -> str:
    """The pick's name, cut to 80 characters, with " (2)" and so on when already used."""
    base = " ".join((wanted or "Account").split())[:80] or "Account"
    name, n = base, 1
    while name in taken:
        n += 1
        suffix = f" ({n})"
        name = base[: 80 - len(suffix)] + suffix
    return name
