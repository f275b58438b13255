"""Calendar feeds: a member's secret address that calendar apps subscribe to, and its iCalendar.

The address carries a random token; only its SHA-256 is stored, so the address is shown once
when made. A feed belongs to one member in one workspace and stops working when they leave it.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from icalendar import Calendar, Event
from sqlmodel import Session, select

from planner.models import CalendarFeed, Membership, Post, Workspace
from planner.services import audit
from planner.services import channels as channel_service
from planner.services.errors import NotFound
from planner.services.posts import PostFilters, channel_ids_for, list_posts
from planner.services.workspaces import Access

PAST = timedelta(days=60)
AHEAD = timedelta(days=366)
EVENT_LENGTH = timedelta(minutes=15)
SUMMARY_WORDS = 8
# Writing last_used_at on every poll would turn each calendar refresh into a write.
USE_RESOLUTION = timedelta(hours=1)
PRODID = "-//planner//content calendar//EN"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def feed_for(*, session: Session, acc: Access) -> CalendarFeed | None:
    """The member's feed for the workspace, if they made one."""
    return session.exec(
        select(CalendarFeed).where(
            CalendarFeed.user_id == acc.user.id, CalendarFeed.workspace_id == acc.workspace.id
        )
    ).first()


def create_feed(*, session: Session, acc: Access, now: datetime) -> tuple[CalendarFeed, str]:
    """Make the member's feed address, replacing any earlier one; returns it with the token."""
    token = secrets.token_urlsafe(32)
    feed = feed_for(session=session, acc=acc)
    replaced = feed is not None
    if feed is None:
        feed = CalendarFeed(user_id=acc.user.id, workspace_id=acc.workspace.id, token_hash="")
    feed.token_hash, feed.created_at, feed.last_used_at = _hash(token), now, None
    session.add(feed)
    session.flush()
    audit.record(
        session=session,
        workspace_id=acc.workspace.id,
        actor_id=acc.user.id,
        action="calendar_feed_replaced" if replaced else "calendar_feed_created",
        now=now,
    )
    return feed, token


def revoke_feed(*, session: Session, acc: Access, now: datetime) -> bool:
    """Stop the member's feed address from working; False when there was none."""
    feed = feed_for(session=session, acc=acc)
    if feed is None:
        return False
    session.delete(feed)
    audit.record(
        session=session,
        workspace_id=acc.workspace.id,
        actor_id=acc.user.id,
        action="calendar_feed_revoked",
        now=now,
    )
    return True


def find_feed(*, session: Session, token: str, now: datetime) -> tuple[CalendarFeed, Workspace]:
    """Return the feed of *token* and its workspace; NotFound when unknown or no longer a member."""
    feed = session.exec(select(CalendarFeed).where(CalendarFeed.token_hash == _hash(token))).first()
    if feed is None:
        raise NotFound("No such calendar feed.")
    member = session.exec(
        select(Membership.id).where(
            Membership.user_id == feed.user_id, Membership.workspace_id == feed.workspace_id
        )
    ).first()
    if member is None:
        raise NotFound("No such calendar feed.")
    if feed.last_used_at is None or now - feed.last_used_at >= USE_RESOLUTION:
        feed.last_used_at = now
        session.add(feed)
    return feed, session.get(Workspace, feed.workspace_id)


@dataclass(frozen=True)
class FeedItem:
    """One scheduled post as the feed shows it."""

    post: Post
    channel_names: tuple[str, ...]


def summary(category: str, body: str, words: int = SUMMARY_WORDS) -> str:
    """``[Category] first words…`` on one line."""
    parts = body.split()
    text = " ".join(parts[:words]) + ("…" if len(parts) > words else "")
    return f"[{category.capitalize()}] {text}".strip()


def render_calendar(
    *,
    name: str,
    timezone: str,
    items: Sequence[FeedItem],
    post_url: str,
    now: datetime,
) -> bytes:
    """Return an RFC 5545 calendar with one 15-minute event per post, times in UTC.

    *post_url* holds ``{id}``, replaced by each post's id for the event's link back.
    """
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", timezone)
    cal.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", "PT1H")
    for item in items:
        post = item.post
        url = post_url.replace("{id}", str(post.id))
        lines = [post.body, ""]
        if post.link:
            lines.append(f"Link: {post.link}")
        lines.append(f"Channels: {', '.join(item.channel_names) or 'none yet'}")
        lines.append(f"Status: {post.status.replace('_', ' ')}")
        lines.append(f"Open in planner: {url}")
        event = Event()
        event.add("uid", f"post-{post.id}@planner")
        event.add("dtstamp", now)
        event.add("last-modified", post.updated_at)
        event.add("dtstart", post.scheduled_at)
        event.add("dtend", post.scheduled_at + EVENT_LENGTH)
        event.add("summary", summary(post.category, post.body))
        event.add("description", "\n".join(lines))
        event.add("categories", [post.category.capitalize()])
        event.add("url", url)
        event.add("transp", "TRANSPARENT")  # a plan, not a meeting: never shown as busy
        cal.add_component(event)
    return cal.to_ical()


def feed_items(*, session: Session, workspace: Workspace, now: datetime) -> list[FeedItem]:
    """The workspace's scheduled posts from 60 days back to a year ahead, with channel names."""
    posts = list_posts(
        session=session,
        workspace_id=workspace.id,
        filters=PostFilters(start=now - PAST, end=now + AHEAD, scheduled=True, limit=20_000),
    )
    names: Mapping[int, str] = {
        c.id: c.name
        for c in channel_service.list_channels(session=session, workspace_id=workspace.id)
    }
    targets = channel_ids_for(session=session, post_ids=[p.id for p in posts])
    return [
        FeedItem(post=p, channel_names=tuple(names[c] for c in targets.get(p.id, []) if c in names))
        for p in posts
    ]
