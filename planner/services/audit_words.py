"""Audit events in words for people: "Moved from Tue 5 Jan 10:00 to Wed 6 Jan 10:00".

The post history and the workspace activity page both word each event with ``describe``; the
names an event refers to by id (channels, people, posts, series) are looked up once per page
by ``vocabulary``. An action without words of its own reads as its name, never as raw JSON.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from planner.models import CATEGORY_LABELS, AuditEvent, Channel, Post, RecurringSeries, User
from planner.planning.rrules import WEEKDAY_NAMES
from planner.services.notifications import excerpt
from planner.services.recurrence import describe as describe_series
from planner.timeutils import get_zone, parse_iso_instant, to_local


@dataclass(frozen=True)
class Vocabulary:
    """The names behind the ids events hold, and the zone their times are shown in."""

    tz: ZoneInfo
    channels: Mapping[int, str] = field(default_factory=dict)
    people: Mapping[int, str] = field(default_factory=dict)
    posts: Mapping[int, str] = field(default_factory=dict)  # post id -> excerpt
    series: Mapping[int, str] = field(default_factory=dict)  # series id -> its rule in words

    def channel(self, channel_id: object) -> str:
        return self.channels.get(_int(channel_id), "a removed channel")

    def person(self, user_id: object) -> str:
        return self.people.get(_int(user_id), "someone who left")

    def post(self, post_id: object) -> str:
        found = self.posts.get(_int(post_id))
        return f"“{found}”" if found else "a deleted post"

    def when(self, value: object) -> str:
        """A stored UTC time as the workspace reads it: "Tue 5 Jan 10:00"."""
        at = value if isinstance(value, datetime) else _parse(value)
        return to_local(at, self.tz).strftime("%a %-d %b %H:%M") if at else "no time"


def _int(value: object) -> int:
    try:
        return int(str(value))
    except ValueError:
        return -1


def _parse(value: object) -> datetime | None:
    try:
        return parse_iso_instant(str(value), get_zone("UTC")) if value else None
    except ValueError:
        return None


def detail_of(event: AuditEvent) -> dict[str, Any]:
    """The event's structured detail, or {} for plain text and anything unreadable."""
    try:
        detail = json.loads(event.detail or "{}")
    except ValueError:
        return {}
    return detail if isinstance(detail, dict) else {}


def _names(items: Sequence[str]) -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items) or "none"
    return f"{', '.join(items[:-1])} and {items[-1]}"


def _quoted(text: object, length: int = 120) -> str:
    return f"“{excerpt(str(text or ''), length)}”"


def _category(value: object) -> str:
    return CATEGORY_LABELS.get(str(value), str(value))


def _edited(d: Mapping[str, Any], v: Vocabulary) -> str:
    parts = []
    if when := d.get("scheduled_at"):
        old, new = when
        if old and new:
            parts.append(f"moved from {v.when(old)} to {v.when(new)}")
        elif new:
            parts.append(f"scheduled for {v.when(new)}")
        else:
            parts.append("took off the calendar (back to ideas)")
    if "body" in d:
        parts.append("rewrote the text")
    if cat := d.get("category"):
        parts.append(f"changed the category from {_category(cat[0])} to {_category(cat[1])}")
    if link := d.get("link"):
        parts.append(f"set the link to {link[1]}" if link[1] else "removed the link")
    if "utm_campaign" in d:
        parts.append("changed the campaign name")
    if channels := d.get("channels"):
        old, new = ([v.channel(c) for c in ids] for ids in channels)
        parts.append(f"changed the channels from {_names(old)} to {_names(new)}")
    said = _names(parts)
    return said[0].upper() + said[1:] if parts else "Edited"


def _created(d: Mapping[str, Any], v: Vocabulary) -> str:
    how = "Imported" if d.get("import_id") else "Created"
    if not d.get("scheduled_at"):
        return f"{how} as an idea (no time yet)"
    channels = [v.channel(c) for c in d.get("channels") or []]
    on = f" on {_names(channels)}" if channels else ""
    return f"{how} for {v.when(d['scheduled_at'])}{on}"


def _channel_results(d: Mapping[str, Any], v: Vocabulary) -> str:
    """Which channels did not publish, from a post's final summary {channel id: status}."""
    summary = d.get("channels") or {}
    missing = [f"{v.channel(c)} ({str(s).replace('_', ' ')})" for c, s in summary.items()]
    return _names(missing)


def _delivery(what: str) -> Callable[[Mapping[str, Any], Vocabulary], str]:
    def word(d: Mapping[str, Any], v: Vocabulary) -> str:
        error = f": {d['error']}" if d.get("error") else ""
        return what.format(channel=v.channel(d.get("channel_id")), next=_next(d, v)) + error

    return word


def _next(d: Mapping[str, Any], v: Vocabulary) -> str:
    return v.when(d.get("next_attempt_at")) if d.get("next_attempt_at") else "soon"


def _settings(d: Mapping[str, Any], v: Vocabulary) -> str:
    labels = {
        "second_pair_of_eyes": "second pair of eyes",
        "allowed_lateness_minutes": "allowed lateness",
        "recurrence_horizon_days": "how far ahead repeats are made",
    }
    extra = [labels[k] for k in d if k in labels]
    said = f"Saved the workspace settings ({d.get('name', '')}, {d.get('timezone', '')})"
    return f"{said}, with {_names(extra)}" if extra else said


Words = Callable[[Mapping[str, Any], Vocabulary], str]

WORDS: dict[str, Words] = {
    "created": _created,
    "edited": _edited,
    "duplicated": lambda d, v: f"Copied from {v.post(d.get('from_post_id'))}",
    "deleted": lambda d, v: f"Deleted {_quoted(d.get('body'))}",
    "submitted": lambda d, v: "Submitted for review",
    "approved": lambda d, v: "Approved straight from draft" if d.get("from") else "Approved",
    "rejected": lambda d, v: f"Rejected: {_quoted(d.get('comment'), 200)}",
    "commented": lambda d, v: "Added a note",
    "guardrail_override": lambda d, v: f"Approved over a guardrail: {_quoted(d.get('reason'))}",
    "returned_to_review": lambda d, v: "Back to review: it changed after approval",
    "returned_to_draft": lambda d, v: "Back to draft: it changed after it was sent back",
    "expired": lambda d, v: "Expired: its time passed before anyone approved it",
    "publishing": lambda d, v: "Publishing started",
    "published": lambda d, v: "Published",
    "missed": lambda d, v: "Missed its time: it was not sent",
    "publish_failed": lambda d, v: f"Not published everywhere: {_channel_results(d, v)}",
    "publishing_cancelled": lambda d, v: "Publishing stopped: nothing is left to send",
    "publish_retry": lambda d, v: "Back in the queue to be published again",
    "delivery_published": _delivery("Published on {channel}"),
    "delivery_retrying": _delivery("{channel} did not take it; trying again at {next}"),
    "delivery_waiting": _delivery("Waiting for {channel}"),
    "delivery_failed": _delivery("Not published on {channel}"),
    "delivery_missed": _delivery("Missed its time on {channel}"),
    "delivery_unconfirmed": _delivery("Unsure whether {channel} published it; check there"),
    "delivery_cancelled": _delivery("Cancelled on {channel}"),
    "delivery_retry": lambda d, v: f"Sent to {v.channel(d.get('channel_id'))} again",
    "inbox_answered": lambda d, v: f"Answered a reply on {v.channel(d.get('channel_id'))}",
    "series_started": lambda d, v: (
        "Set to repeat: " + v.series.get(_int(d.get("series_id")), "on a schedule")
    ),
    "series_changed": lambda d, v: (
        "Changed how it repeats, from this post on"
        if d.get("rrule")
        else "Stopped repeating from this post on"
    ),
    "evergreen_marked": lambda d, v: (
        f"Marked evergreen: it may come back every {d.get('min_gap_days')} days, "
        f"up to {d.get('max_uses')} times"
    ),
    "evergreen_unmarked": lambda d, v: "No longer evergreen",
    "evergreen_reused": lambda d, v: f"Reused from {v.post(d.get('from_post_id'))}",
    "posts_imported": lambda d, v: (
        f"Imported {d.get('count')} posts from {d.get('filename') or 'a file'}"
    ),
    "plan_accepted": lambda d, v: f"Scheduled {d.get('scheduled')} posts from the plan",
    "slot_added": lambda d, v: f"Added a posting time: {_slot(d, v)}",
    "slot_removed": lambda d, v: f"Removed a posting time: {_slot(d, v)}",
    "channel_created": lambda d, v: f"Added the channel {d.get('name')}",
    "channel_renamed": lambda d, v: f"Renamed a channel to {d.get('name')}",
    "channel_deleted": lambda d, v: f"Removed the channel {d.get('name')}",
    "channel_reconnected": lambda d, v: f"Reconnected {d.get('name')}",
    "channel_needs_reauth": lambda d, v: f"{d.get('name')} needs reconnecting: {d.get('error')}",
    "channel_test_failed": lambda d, v: (
        f"{d.get('name')} failed its connection test: {d.get('error')}"
    ),
    "channel_test_passed": lambda d, v: f"{d.get('name')} passed its connection test",
    "channel_settings_changed": lambda d, v: (
        f"Changed the settings of {v.channel(d.get('channel_id'))}: "
        + ", ".join(f"{k.replace('_', ' ')} {d[k]}" for k in sorted(d) if k != "channel_id")
    ),
    "policy_changed": lambda d, v: f"Changed the guardrails from {d.get('from')} to {d.get('to')}",
    "channel_policy_changed": lambda d, v: (
        f"Gave {v.channel(d.get('channel_id'))} its own guardrails"
        if d.get("to") == "own"
        else f"{v.channel(d.get('channel_id'))} follows the workspace's guardrails again"
    ),
    "link_tags_changed": lambda d, v: "Changed how links are tagged",
    "media.upload": lambda d, v: f"Uploaded the image {d.get('filename')}",
    "media.delete": lambda d, v: f"Deleted the image {d.get('filename')}",
    "media_changed": lambda d, v: (
        f"Changed the images ({_count(d.get('media_ids'), 'image')})"
        if d.get("media_ids")
        else "Removed the images"
    ),
    "calendar_feed_created": lambda d, v: "Made a calendar feed link",
    "calendar_feed_replaced": lambda d, v: "Replaced the calendar feed link",
    "calendar_feed_revoked": lambda d, v: "Turned off the calendar feed link",
    "workspace_created": lambda d, v: f"Created the workspace {d.get('name')}",
    "workspace_updated": _settings,
    "member_invited": lambda d, v: f"Invited {d.get('email') or 'someone'} as {d.get('role')}",
    "member_joined": lambda d, v: f"Joined as {d.get('role')}",
    "member_removed": lambda d, v: f"Removed {v.person(d.get('user_id'))}",
    "role_changed": lambda d, v: (
        f"Made {v.person(d.get('user_id'))} {d.get('to')} (was {d.get('from')})"
    ),
}


def _count(items: object, noun: str) -> str:
    n = len(items) if isinstance(items, list) else 0
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _slot(d: Mapping[str, Any], v: Vocabulary) -> str:
    day = WEEKDAY_NAMES[_int(d.get("weekday")) % 7]
    return f"{v.channel(d.get('channel_id'))}, {day} at {d.get('time')}"


def describe(event: AuditEvent, vocabulary: Vocabulary) -> str:
    """Say what happened in one sentence (without who did it, which the page shows beside it)."""
    word = WORDS.get(event.action)
    if word is None:
        return event.action.replace("_", " ").capitalize()
    try:
        return word(detail_of(event), vocabulary)
    except (KeyError, IndexError, TypeError, ValueError):
        # An event stored before its detail took today's shape still reads as its action.
        return event.action.replace("_", " ").capitalize()


def vocabulary(
    *, session: Session, workspace_id: int, tz_name: str, events: Iterable[AuditEvent]
) -> Vocabulary:
    """Look up, in a few queries, every channel, person, post and series *events* name."""
    events = list(events)
    details = [detail_of(e) for e in events]
    user_ids = {e.actor_id for e in events} | {_int(d.get("user_id")) for d in details}
    post_ids = {e.post_id for e in events} | {
        _int(d[k]) for d in details for k in ("from_post_id",) if k in d
    }
    series_ids = {_int(d.get("series_id")) for d in details if "series_id" in d}
    channels = session.exec(
        select(Channel.id, Channel.name).where(Channel.workspace_id == workspace_id)
    ).all()
    people = session.exec(
        select(User).where(col(User.id).in_([i for i in user_ids if i is not None]))
    ).all()
    posts = session.exec(
        select(Post.id, Post.body).where(
            Post.workspace_id == workspace_id,
            col(Post.id).in_([i for i in post_ids if i is not None]),
        )
    ).all()
    series = session.exec(
        select(RecurringSeries).where(
            RecurringSeries.workspace_id == workspace_id, col(RecurringSeries.id).in_(series_ids)
        )
    ).all()
    return Vocabulary(
        tz=get_zone(tz_name),
        channels=dict(channels),
        people={u.id: u.display_name for u in people},
        posts={pid: excerpt(body) for pid, body in posts},
        series={s.id: describe_series(s, tz_name) for s in series},
    )
