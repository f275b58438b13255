"""Token lifetimes: renew OAuth tokens before they expire, and warn when they cannot be.

The worker's housekeeping calls ``keep_alive`` for each channel whose token expires within
``WARN_BEFORE``, in a transaction of its own. The connector decides when to try
(``refresh_margin``: hourly tokens late, long-lived ones a week ahead) and how. A token that
cannot be renewed is announced to the owners once (banner and email) while there is time to
connect the account again; one that is refused, or has expired, marks the channel
``needs_reauth`` as a refused publish does.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from planner.connectors.base import AuthError, ConnectorError
from planner.connectors.bundle import UNUSABLE, Connectors
from planner.models import Channel, ChannelStatus, Notification, Role, User, Workspace
from planner.services.channels import mark_needs_reauth
from planner.services.notifications import Notice, member_ids

logger = logging.getLogger(__name__)

WARN_BEFORE = timedelta(days=7)
KIND = "token_expiring"


def expiring_ids(*, session: Session, now: datetime) -> list[int]:
    """The channels whose saved token expires within ``WARN_BEFORE`` (soonest first)."""
    return list(
        session.exec(
            select(Channel.id)
            .where(
                col(Channel.token_expires_at).is_not(None),
                Channel.token_expires_at <= now + WARN_BEFORE,
                Channel.status != ChannelStatus.NEEDS_REAUTH,
            )
            .order_by(Channel.token_expires_at, Channel.id)
        )
    )


def keep_alive(
    *, session: Session, channel_id: int, connectors: Connectors, now: datetime
) -> list[Notice] | None:
    """Renew one channel's token if due; return the notices to email (None: try next time)."""
    channel = session.exec(
        select(Channel).where(Channel.id == channel_id).with_for_update()
    ).first()
    if channel is None or channel.status == ChannelStatus.NEEDS_REAUTH:
        return None
    try:
        connector = connectors.for_channel(channel)
    except UNUSABLE as exc:
        logger.warning("Channel %s cannot be opened to renew its token: %s", channel_id, exc)
        return None
    expires = connector.credentials_expire_at() or channel.token_expires_at
    if expires is None:
        channel.token_expires_at = None
        session.add(channel)
        return []
    tried = renewed = False
    if expires - now <= connector.refresh_margin:
        tried = True
        try:
            renewed = connector.refresh_credentials(now=now)
        except AuthError as exc:
            mark_needs_reauth(
                session=session,
                channel_id=channel.id,
                message=f"The platform refused to renew the access: {exc.message}",
                now=now,
            )
            return []
        except ConnectorError as exc:
            logger.warning("Renewing channel %s's token failed, tried again: %s", channel_id, exc)
            return None
    if connector.state_changed:
        channel.state = connectors.box.seal(connector.state)
    if renewed:
        channel.token_expires_at = connector.credentials_expire_at()
        channel.expiry_notified_at = None
        session.add(channel)
        logger.info("Channel %s: token renewed until %s", channel_id, channel.token_expires_at)
        return []
    channel.token_expires_at = expires
    session.add(channel)
    if expires <= now:
        mark_needs_reauth(
            session=session,
            channel_id=channel.id,
            message="The access expired and the platform does not renew it; connect again.",
            now=now,
        )
        return []
    if tried and channel.expiry_notified_at is None:
        channel.expiry_notified_at = now
        return _tell_owners(session, channel, expires, now)
    return []


def expiring_soon(*, session: Session, workspace_id: int, now: datetime) -> list[Channel]:
    """The workspace's channels announced as expiring without renewal, for the banner."""
    return list(
        session.exec(
            select(Channel)
            .where(
                Channel.workspace_id == workspace_id,
                col(Channel.expiry_notified_at).is_not(None),
                Channel.status == ChannelStatus.OK,
                Channel.token_expires_at > now,
            )
            .order_by(Channel.token_expires_at, Channel.id)
        )
    )


def _tell_owners(
    session: Session, channel: Channel, expires: datetime, now: datetime
) -> list[Notice]:
    """One notification per owner, and the notices to email them."""
    workspace = session.get(Workspace, channel.workspace_id)
    days = max(1, round((expires - now) / timedelta(days=1)))
    message = (
        f"{channel.name} loses its access in about {days} day{'s' if days != 1 else ''} "
        f"({expires:%d %b %Y, %H:%M} UTC) and the platform does not renew it: connect the "
        "account again on the Channels page so its posts keep going out."
    )
    notices = []
    for user_id in member_ids(
        session=session, workspace_id=channel.workspace_id, roles=[Role.OWNER]
    ):
        user = session.get(User, user_id)
        session.add(
            Notification(
                workspace_id=channel.workspace_id,
                user_id=user_id,
                kind=KIND,
                message=message,
                created_at=now,
            )
        )
        notices.append(
            Notice(
                kind=KIND,
                email=user.email,
                name=user.display_name,
                workspace_name=workspace.name,
                post_id=None,
                post_excerpt=channel.name,
                message=message,
                link="/channels/",
            )
        )
    return notices
