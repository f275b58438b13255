"""Builders for the rows tests act on (channels, posts) and the access a member acts with.

Two ways to add a post: ``make_post`` goes through the posts service as a member would, so the
post gets what the service gives it (its audit event, its checks); ``add_post`` writes the row
directly, for set-ups the service would refuse or need not see (any status, any time, many rows
in one transaction).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from flask import Flask
from sqlmodel import Session

from planner.connectors.base import Engagement
from planner.connectors_app import get_connectors
from planner.engagement_models import EngagementReading
from planner.inbox_models import InboxItem
from planner.media_models import PostMedia
from planner.models import (
    Channel,
    Delivery,
    DeliveryStatus,
    Post,
    PostChannel,
    PostStatus,
    Workspace,
)
from planner.services import channels as channel_service
from planner.services import posts as post_service
from planner.services.engagement import record_reading
from planner.services.posts import PostInput
from planner.services.workspaces import Access
from planner.timeutils import utcnow
from tests.conftest import NOW, Member

# Credentials of the right shape: the Bluesky connector accepts them without a network call.
BLUESKY_CONFIG = {
    "service_url": "https://bsky.social",
    "handle": "shop.bsky.social",
    "app_password": "abcd-efgh-ijkl-mnop",
}


def ahead(days: int = 10) -> datetime:
    """A whole minute comfortably after the real clock, which the web layer reads."""
    return utcnow().replace(second=0, microsecond=0) + timedelta(days=days)


def access_of(member: Member) -> Access:
    """The access a member acts with, as a request would load it."""
    return Access(user=member.user, workspace=member.workspace, role=member.role)


def make_channel(
    session: Session, workspace: Workspace, name: str = "Feed", platform: str = "outbox"
) -> Channel:
    """Add a channel row without credentials, so nothing needs checking or sealing."""
    channel = Channel(workspace_id=workspace.id, name=name, platform=platform, created_at=NOW)
    session.add(channel)
    session.commit()
    return channel


def attach_media(
    session: Session, post: Post, media_ids: Iterable[int], *, fit: str | None = None
) -> None:
    """Give *post* these stored images in this order (each with Instagram *fit*), without
    sending it back to review."""
    session.add_all(
        PostMedia(post_id=post.id, media_id=media_id, position=position, fit=fit)
        for position, media_id in enumerate(media_ids)
    )
    session.commit()


def make_import_channels(app: Flask, session: Session, member: Member) -> tuple[Channel, Channel]:
    """Add the two channels the files in tests/data/csv name: an outbox channel called Mastodon
    and a Bluesky one, both through the channels service (which seals the app password)."""
    connectors = get_connectors(app)
    acc = access_of(member)
    made = [
        channel_service.create_channel(
            session=session,
            acc=acc,
            name=name,
            platform=platform,
            config=config,
            connectors=connectors,
            now=NOW,
        )
        for name, platform, config in (
            ("Mastodon", "outbox", {}),
            ("Bluesky", "bluesky", BLUESKY_CONFIG),
        )
    ]
    session.commit()
    return made[0], made[1]


def make_post(
    session: Session,
    member: Member,
    *,
    at: datetime | None,
    channels: Iterable[int] = (),
    status: PostStatus = PostStatus.DRAFT,
    body: str = "Spring hours start Monday",
    category: str = "educational",
    link: str | None = None,
    now: datetime = NOW,
) -> Post:
    """Create a post through the service, then put it in *status* directly (test set-up only)."""
    post = post_service.create_post(
        session=session,
        acc=access_of(member),
        data=PostInput(
            body=body,
            category=category,
            scheduled_at=at,
            channel_ids=tuple(channels),
            link=link,
        ),
        now=now,
    )
    if post.status != status:
        post.status = status
        session.add(post)
    session.commit()
    return post


def add_post(
    session: Session,
    member: Member,
    *,
    at: datetime | None,
    category: str = "educational",
    body: str | None = None,
    status: str = PostStatus.DRAFT,
    channels: Iterable[int] = (),
    link: str | None = None,
    created_at: datetime = NOW,
    commit: bool = True,
) -> Post:
    """Write a post row and its channel links directly, skipping the service's checks.

    Without *body* the text names the category and time. With ``commit=False`` the row is only
    flushed, so that many can be added in one transaction.
    """
    if body is None:
        body = f"{category} at {at:%d %b %H:%M}" if at else f"A {category} idea"
    post = Post(
        workspace_id=member.workspace.id,
        author_id=member.user.id,
        body=body,
        category=category,
        scheduled_at=at,
        status=status,
        link=link,
        created_at=created_at,
        updated_at=created_at,
    )
    session.add(post)
    session.flush()
    session.add_all(PostChannel(post_id=post.id, channel_id=cid) for cid in channels)
    if commit:
        session.commit()
    else:
        session.flush()
    return post


def add_inbox_item(
    session: Session,
    channel: Channel,
    *,
    text: str = "Is it gluten free?",
    received_at: datetime = NOW,
    post_id: int | None = None,
    external_id: str | None = None,
    answered_at: datetime | None = None,
    author_handle: str = "@alice@elsewhere.example",
    kind: str | None = None,
) -> InboxItem:
    """Write an inbox item row directly, as the worker would have stored it."""
    item = InboxItem(
        workspace_id=channel.workspace_id,
        channel_id=channel.id,
        post_id=post_id,
        external_id=external_id or f"ext-{received_at.timestamp()}-{text[:8]}",
        kind=kind or ("reply" if post_id else "mention"),
        author_name="Alice",
        author_handle=author_handle,
        text=text,
        received_at=received_at,
        fetched_at=received_at,
        answered_at=answered_at,
    )
    session.add(item)
    session.commit()
    return item


def make_oauth_channel(
    app: Flask,
    session: Session,
    member: Member,
    *,
    platform: str,
    config: dict,
    expires_at: datetime | None,
    name: str = "Page",
) -> Channel:
    """Add a channel as a finished OAuth connection leaves it: validated, sealed, with expiry."""
    connectors = get_connectors(app)
    connector = connectors.platform(platform)
    channel = channel_service.add_channel(
        session=session,
        acc=access_of(member),
        name=name,
        connector=connector,
        cleaned=connector.validate_config(config),
        connectors=connectors,
        now=NOW,
        token_expires_at=expires_at,
    )
    session.commit()
    return channel


def add_reading(
    session: Session,
    post: Post,
    channel: Channel,
    figures: tuple[int, int, int, int],
    *,
    at: datetime = NOW,
    commit: bool = True,
) -> EngagementReading:
    """Store one reading of a post on a channel, (replies, reposts, quotes, likes) at *at*,
    through the service, so it becomes the pair's latest as a real reading does."""
    replies, reposts, quotes, likes = figures
    reading = record_reading(
        session=session,
        workspace_id=post.workspace_id,
        post_id=post.id,
        channel_id=channel.id,
        delivery_id=None,
        figures=Engagement(replies=replies, reposts=reposts, quotes=quotes, likes=likes),
        now=at,
    )
    if commit:
        session.commit()
    else:
        session.flush()
    return reading


def add_published(
    session: Session,
    member: Member,
    channel: Channel,
    *,
    external_id: str,
    published_at: datetime,
    commit: bool = True,
) -> Delivery:
    """Write a post and its delivery as the worker leaves them once published as *external_id*."""
    post = add_post(
        session,
        member,
        at=published_at,
        status=PostStatus.PUBLISHED,
        channels=[channel.id],
        created_at=published_at,
        commit=False,
    )
    delivery = Delivery(
        workspace_id=post.workspace_id,
        post_id=post.id,
        channel_id=channel.id,
        status=DeliveryStatus.PUBLISHED,
        due_at=published_at,
        idempotency_key=f"key-{external_id}",
        external_id=external_id,
        published_at=published_at,
        created_at=published_at,
        updated_at=published_at,
    )
    session.add(delivery)
    if commit:
        session.commit()
    else:
        session.flush()
    return delivery
