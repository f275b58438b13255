"""Posting slots: each channel's weekly posting times, and "add to queue" into the next free one."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta
from typing import Any

from sqlmodel import Session, col, select

from planner.guardrails import COUNTED_STATUSES
from planner.models import Channel, Post, PostChannel, PostingSlot, PostStatus, Role
from planner.planning.rrules import WEEKDAY_NAMES
from planner.planning.slots import Slot, WeeklyTime, slot_times
from planner.services import audit
from planner.services import posts as post_service
from planner.services.errors import Conflict, Forbidden, NotFound, ValidationError
from planner.services.posts import CATEGORIES, PostInput
from planner.services.workspaces import Access
from planner.timeutils import get_zone

# A slot closer than this is skipped: a draft needs time to be reviewed before it goes out.
QUEUE_LEAD = timedelta(minutes=30)
QUEUE_SEARCH = timedelta(days=366)
QUEUEABLE = {PostStatus.DRAFT, PostStatus.EXPIRED}


@dataclass(frozen=True)
class SlotInput:
    channel_id: int
    weekday: int
    local_time: time
    category: str | None = None


def require_manager(acc: Access, action: str = "do that") -> None:
    if acc.role not in (Role.OWNER, Role.EDITOR):
        raise Forbidden(f"Only owners and editors can {action}.")


def list_slots(*, session: Session, workspace_id: int) -> list[PostingSlot]:
    """Return the workspace's slots by channel, weekday and time."""
    return list(
        session.exec(
            select(PostingSlot)
            .where(PostingSlot.workspace_id == workspace_id)
            .order_by(PostingSlot.channel_id, PostingSlot.weekday, PostingSlot.local_time)
        )
    )


def get_slot(*, session: Session, acc: Access, slot_id: int) -> PostingSlot:
    slot = session.get(PostingSlot, slot_id)
    if slot is None or slot.workspace_id != acc.workspace.id:
        raise NotFound("No such posting time.")
    return slot


def add_slot(*, session: Session, acc: Access, data: SlotInput, now: datetime) -> PostingSlot:
    """Add a weekly posting time to a channel (owners and editors)."""
    require_manager(acc, "change posting times")
    fields: dict[str, str] = {}
    channel = session.get(Channel, data.channel_id)
    if channel is None or channel.workspace_id != acc.workspace.id:
        fields["channel_id"] = "Choose one of your channels."
    if not 0 <= data.weekday <= 6:
        fields["weekday"] = "Choose a day from Monday to Sunday."
    if data.category is not None and data.category not in CATEGORIES:
        fields["category"] = "Choose promotional, educational, conversational or curated."
    if fields:
        raise ValidationError("Check the highlighted fields.", fields=fields)
    at = data.local_time.replace(second=0, microsecond=0)
    if _taken(session, data.channel_id, data.weekday, at):
        _refuse_taken(channel, [data.weekday], at)
    slot = PostingSlot(
        workspace_id=acc.workspace.id,
        channel_id=data.channel_id,
        weekday=data.weekday,
        local_time=at,
        category=data.category,
        created_at=now,
    )
    session.add(slot)
    session.flush()
    audit.record(
        session=session,
        workspace_id=acc.workspace.id,
        actor_id=acc.user.id,
        action="slot_added",
        detail=slot_json(slot),
        now=now,
    )
    return slot


def add_slots(
    *, session: Session, acc: Access, data: SlotInput, weekdays: Sequence[int], now: datetime
) -> tuple[list[PostingSlot], list[int]]:
    """Add *data*'s time on each of *weekdays*; returns the new slots and the days that had it.

    Days that already post at that time are skipped; when every day has it, nothing is added.
    """
    days = sorted(set(weekdays))
    if not days:
        message = "Tick at least one day."
        raise ValidationError(message, fields={"weekday": message})
    at = data.local_time.replace(second=0, microsecond=0)
    had = [day for day in days if _taken(session, data.channel_id, day, at)]
    if had == days:
        channel = session.get(Channel, data.channel_id)
        if channel is not None and channel.workspace_id == acc.workspace.id:
            _refuse_taken(channel, days, at)
    added = [
        add_slot(session=session, acc=acc, data=replace(data, weekday=day), now=now)
        for day in days
        if day not in had
    ]
    return added, had


def _taken(session: Session, channel_id: int, weekday: int, at: time) -> bool:
    return (
        session.exec(
            select(PostingSlot.id).where(
                PostingSlot.channel_id == channel_id,
                PostingSlot.weekday == weekday,
                PostingSlot.local_time == at,
            )
        ).first()
        is not None
    )


def _refuse_taken(channel: Channel, weekdays: Sequence[int], at: time) -> None:
    days = [WEEKDAY_NAMES[d] for d in weekdays]
    listed = days[0] if len(days) == 1 else f"{', '.join(days[:-1])} and {days[-1]}"
    message = f"{channel.name} already posts on {listed} at {at:%H:%M}."
    raise ValidationError(message, fields={"local_time": message})


def delete_slot(*, session: Session, acc: Access, slot_id: int, now: datetime) -> None:
    require_manager(acc, "change posting times")
    slot = get_slot(session=session, acc=acc, slot_id=slot_id)
    audit.record(
        session=session,
        workspace_id=acc.workspace.id,
        actor_id=acc.user.id,
        action="slot_removed",
        detail=slot_json(slot),
        now=now,
    )
    session.delete(slot)
    session.flush()


def slot_json(slot: PostingSlot) -> dict[str, Any]:
    return {
        "id": slot.id,
        "channel_id": slot.channel_id,
        "weekday": slot.weekday,
        "time": slot.local_time.strftime("%H:%M"),
        "category": slot.category,
    }


def busy_instants(
    *,
    session: Session,
    workspace_id: int,
    channel_ids: list[int],
    start: datetime,
    end: datetime,
    ignore_post_id: int | None = None,
) -> set[tuple[datetime, int]]:
    """Return (instant, channel) for every counted post of *channel_ids* in [start, end)."""
    stmt = (
        select(Post.scheduled_at, PostChannel.channel_id)
        .join(PostChannel, PostChannel.post_id == Post.id)
        .where(
            Post.workspace_id == workspace_id,
            col(PostChannel.channel_id).in_(channel_ids),
            Post.scheduled_at >= start,
            Post.scheduled_at < end,
            col(Post.status).in_(sorted(COUNTED_STATUSES)),
        )
    )
    if ignore_post_id is not None:
        stmt = stmt.where(Post.id != ignore_post_id)
    return {(at, channel_id) for at, channel_id in session.exec(stmt)}


def free_slots(
    *,
    session: Session,
    workspace_id: int,
    tz_name: str,
    start: datetime,
    end: datetime,
    channel_ids: list[int] | None = None,
    ignore_post_id: int | None = None,
) -> list[Slot]:
    """Return the slots in [start, end) where no counted post of the slot's channel is planned."""
    weekly = [
        WeeklyTime(s.channel_id, s.weekday, s.local_time, s.category)
        for s in list_slots(session=session, workspace_id=workspace_id)
        if channel_ids is None or s.channel_id in channel_ids
    ]
    if not weekly:
        return []
    slots = slot_times(weekly, get_zone(tz_name), start, end)
    busy = busy_instants(
        session=session,
        workspace_id=workspace_id,
        channel_ids=sorted({w.channel_id for w in weekly}),
        start=start,
        end=end,
        ignore_post_id=ignore_post_id,
    )
    return [s for s in slots if (s.at, s.channel_id) not in busy]


def next_free_instant(
    *, session: Session, acc: Access, channel_ids: list[int], now: datetime, ignore_post_id: int
) -> datetime | None:
    """Return the first instant, at least QUEUE_LEAD away, where one of *channel_ids* has a free
    slot and none of the others has a taken one."""
    start, end = now + QUEUE_LEAD, now + QUEUE_SEARCH
    weekly = [
        WeeklyTime(s.channel_id, s.weekday, s.local_time, s.category)
        for s in list_slots(session=session, workspace_id=acc.workspace.id)
        if s.channel_id in channel_ids
    ]
    slots = slot_times(weekly, get_zone(acc.workspace.timezone), start, end)
    busy = busy_instants(
        session=session,
        workspace_id=acc.workspace.id,
        channel_ids=channel_ids,
        start=start,
        end=end,
        ignore_post_id=ignore_post_id,
    )
    by_instant: dict[datetime, list[Slot]] = {}
    for slot in slots:
        by_instant.setdefault(slot.at, []).append(slot)
    for at in sorted(by_instant):
        if all((at, s.channel_id) not in busy for s in by_instant[at]):
            return at
    return None


def add_to_queue(*, session: Session, acc: Access, post_id: int, now: datetime) -> Post:
    """Schedule a draft at the next free posting slot of its channels, keeping it a draft."""
    post = post_service.get_post(session=session, acc=acc, post_id=post_id)
    post_service.require_edit(acc, post)
    if post.status not in QUEUEABLE:
        raise Conflict("Only drafts can be added to the queue.")
    channel_ids = post_service.channel_ids_for(session=session, post_ids=[post.id]).get(post.id, [])
    if not channel_ids:
        raise ValidationError(
            "Choose a channel for this post first; the queue follows each channel's posting times.",
            fields={"channel_ids": "Choose at least one channel."},
        )
    at = next_free_instant(
        session=session, acc=acc, channel_ids=channel_ids, now=now, ignore_post_id=post.id
    )
    if at is None:
        has_slots = any(
            s.channel_id in channel_ids
            for s in list_slots(session=session, workspace_id=acc.workspace.id)
        )
        if not has_slots:
            raise Conflict(
                "These channels have no posting times yet. Add some under Posting times first."
            )
        raise Conflict("Every posting time of these channels in the next year is taken.")
    data = PostInput(
        body=post.body,
        category=post.category,
        scheduled_at=at,
        channel_ids=tuple(channel_ids),
        link=post.link,
    )
    return post_service.update_post(session=session, acc=acc, post_id=post.id, data=data, now=now)
