"""The replies inbox: storing what the platforms sent once, listing it, answering and assigning.

What the worker fetches goes in through ``store_found`` (an item fetched twice is stored once:
``(channel_id, external_id)`` is unique); people answer (``answer`` queues an ``InboxAnswer``
that the worker sends exactly once), mark items done, reopen and assign them. Owners and editors
answer and assign, as they are the ones who may publish; every member reads the inbox and
marks items done.

Response time, for Insights: the median minutes from a reply's ``received_at`` to the moment
our answer to it was *published* (``answered_at``), over the replies to our posts received in
the range (mentions are not replies to us). Items marked done without an answer from planner
are left out: nobody answered them here.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from planner.connectors.bundle import UNUSABLE
from planner.connectors.inbox import MENTION, REPLY, Incoming
from planner.inbox_models import InboxAnswer, InboxDigest, InboxItem, InboxKind, InboxStatus
from planner.models import Channel, ChannelStatus, Delivery, DeliveryStatus, Membership, Post, User
from planner.services import audit
from planner.services.errors import Conflict, Forbidden, NotFound, ValidationError
from planner.timeutils import iso_utc

if TYPE_CHECKING:
    from planner.connectors.bundle import Connectors
    from planner.services.workspaces import Access

D = DeliveryStatus
# An answer still on its way: a second one waits until it is published or has failed.
PENDING_ANSWER = (D.QUEUED.value, D.RETRYING.value, D.PUBLISHING.value)
OVERDUE_AFTER = timedelta(hours=24)
MAX_ANSWER = 10_000
LISTED = 500  # the most items one page or API answer lists


@dataclass(frozen=True)
class Row:
    """One item as the inbox page shows it, with its latest answer and whether it waits too long."""

    item: InboxItem
    answer: InboxAnswer | None
    overdue: bool


@dataclass
class Thread:
    """The items about one post (or, with no post, the mentions) on the inbox page."""

    post: Post | None
    rows: list[Row] = field(default_factory=list)


def store_found(
    *,
    session: Session,
    channel: Channel,
    found: Sequence[Incoming],
    now: datetime,
    post_id: int | None = None,
) -> int:
    """Store the items not stored yet and return how many were new.

    *post_id* is our post the items were found under; without it (mentions), an item answering
    one of our posts or one of our answers is filed under that post as a reply.
    """
    by_id = {i.external_id[:255]: i for i in found}  # the column's width decides sameness
    known = set(
        session.exec(
            select(InboxItem.external_id).where(
                InboxItem.channel_id == channel.id, col(InboxItem.external_id).in_(list(by_id))
            )
        )
    )
    fresh = [i for key, i in by_id.items() if key not in known]
    if not fresh:
        return 0
    posts = _posts_answered(session, channel.id, [i.in_reply_to for i in fresh if i.in_reply_to])
    stored = 0
    for incoming in fresh:
        post = post_id if post_id is not None else posts.get(incoming.in_reply_to or "")
        item = InboxItem(
            workspace_id=channel.workspace_id,
            channel_id=channel.id,
            post_id=post,
            external_id=incoming.external_id[:255],
            kind=REPLY if post is not None else MENTION,
            author_name=incoming.author_name[:200],
            author_handle=incoming.author_handle[:255],
            author_url=_web_link(incoming.author_url),
            text=incoming.text[:MAX_ANSWER],
            url=_web_link(incoming.url),
            received_at=incoming.received_at,
            fetched_at=now,
        )
        try:
            with session.begin_nested():  # another worker may store the same item meanwhile
                session.add(item)
        except IntegrityError:
            continue
        stored += 1
    return stored


def _posts_answered(session: Session, channel_id: int, parents: list[str]) -> dict[str, int]:
    """Map the external ids among *parents* that are our posts (or our answers) to our post."""
    if not parents:
        return {}
    found: dict[str, int] = {}
    for external_id, post_id in session.exec(
        select(Delivery.external_id, Delivery.post_id).where(
            Delivery.channel_id == channel_id, col(Delivery.external_id).in_(parents)
        )
    ):
        if external_id:
            found[external_id] = post_id
    for external_id, post_id in session.exec(
        select(InboxAnswer.external_id, InboxItem.post_id)
        .join(InboxItem, col(InboxItem.id) == InboxAnswer.item_id)
        .where(InboxAnswer.channel_id == channel_id, col(InboxAnswer.external_id).in_(parents))
    ):
        if external_id and post_id is not None:
            found[external_id] = post_id
    return found


def _web_link(url: str | None) -> str | None:
    """Keep a link only when it is an http(s) address that fits: a page shows it as a link."""
    if not url or len(url) > 2000 or not url.lower().startswith(("https://", "http://")):
        return None
    return url


def items(
    *, session: Session, workspace_id: int, status: str | None = None, limit: int = LISTED
) -> list[InboxItem]:
    """The workspace's items, newest first, of one status or all."""
    stmt = select(InboxItem).where(InboxItem.workspace_id == workspace_id)
    if status is not None:
        stmt = stmt.where(InboxItem.status == status)
    stmt = stmt.order_by(col(InboxItem.received_at).desc(), col(InboxItem.id).desc())
    return list(session.exec(stmt.limit(limit)))


def threads(*, session: Session, workspace_id: int, status: str, now: datetime) -> list[Thread]:
    """The items of one status grouped by post, the group with the newest item first."""
    listed = items(session=session, workspace_id=workspace_id, status=status)
    latest = _latest_answers(session, [i.id for i in listed if i.id is not None])
    post_ids = {i.post_id for i in listed if i.post_id is not None}
    posts = {p.id: p for p in session.exec(select(Post).where(col(Post.id).in_(post_ids)))}
    grouped: dict[int | None, Thread] = {}
    for item in listed:
        thread = grouped.setdefault(item.post_id, Thread(posts.get(item.post_id)))
        overdue = item.status == InboxStatus.OPEN and now - item.received_at > OVERDUE_AFTER
        thread.rows.append(Row(item, latest.get(item.id), overdue))
    return list(grouped.values())


def _latest_answers(session: Session, item_ids: list[int]) -> dict[int | None, InboxAnswer]:
    latest: dict[int | None, InboxAnswer] = {}
    if item_ids:
        for answer in session.exec(
            select(InboxAnswer)
            .where(col(InboxAnswer.item_id).in_(item_ids))
            .order_by(col(InboxAnswer.id))
        ):
            latest[answer.item_id] = answer
    return latest


def open_count(*, session: Session, workspace_id: int) -> int:
    """How many items wait for someone: the badge beside Inbox."""
    return session.exec(
        select(func.count())
        .select_from(InboxItem)
        .where(InboxItem.workspace_id == workspace_id, InboxItem.status == InboxStatus.OPEN)
    ).one()


def get_item(*, session: Session, acc: Access, item_id: int) -> InboxItem:
    """Return an item of the user's workspace; any other does not exist for them."""
    item = session.get(InboxItem, item_id)
    if item is None or item.workspace_id != acc.workspace.id:
        raise NotFound("No such reply.")
    return item


def answer(
    *,
    session: Session,
    acc: Access,
    item_id: int,
    body: str,
    connectors: Connectors,
    now: datetime,
) -> InboxAnswer:
    """Queue *body* as our answer to the item; the worker publishes it, once, in the thread."""
    if not acc.can_review:
        raise Forbidden("Only owners and editors can answer in the workspace's name.")
    item = get_item(session=session, acc=acc, item_id=item_id)
    text = body.strip()
    if not text:
        raise ValidationError("Write an answer.", fields={"body": "Write an answer."})
    channel = session.get(Channel, item.channel_id)
    if channel is None:
        raise NotFound("No such reply.")
    if channel.status == ChannelStatus.NEEDS_REAUTH:
        raise Conflict(f"Reconnect {channel.name} first; its credentials were refused.")
    try:
        connector = connectors.for_channel(channel)
    except UNUSABLE as exc:
        raise Conflict(f"The channel's settings cannot be used ({exc}).") from None
    if not connector.inbox:
        raise Conflict(f"Planner cannot answer on {connector.label}.")
    # The platform's limit on answers, which is not always its posts' (LinkedIn comments).
    too_long = (
        connector.check_answer_length(text)
        if len(text) <= MAX_ANSWER
        else f"{len(text):,} of {MAX_ANSWER:,} characters"
    )
    if too_long:
        raise ValidationError(f"Too long: {too_long}.", fields={"body": f"Too long: {too_long}."})
    waiting = session.exec(
        select(InboxAnswer.id).where(
            InboxAnswer.item_id == item.id, col(InboxAnswer.status).in_(PENDING_ANSWER)
        )
    ).first()
    if waiting is not None:
        raise Conflict("An answer to this reply is already on its way.")
    sent = InboxAnswer(
        workspace_id=item.workspace_id,
        item_id=item.id,
        channel_id=item.channel_id,
        author_id=acc.user.id,
        body=text,
        status=D.QUEUED,
        next_attempt_at=now,
        idempotency_key=connector.new_idempotency_key(now),
        created_at=now,
        updated_at=now,
    )
    session.add(sent)
    if item.assignee_id is None:
        item.assignee_id = acc.user.id  # whoever answers has taken it
        session.add(item)
    audit.record(
        session=session,
        workspace_id=item.workspace_id,
        actor_id=acc.user.id,
        post_id=item.post_id,
        action="inbox_answered",
        detail={"item_id": item.id, "channel_id": item.channel_id},
        now=now,
    )
    session.flush()
    return sent


def mark_done(*, session: Session, acc: Access, item_id: int, now: datetime) -> InboxItem:
    """Mark the item handled; it leaves the open list and the count."""
    item = get_item(session=session, acc=acc, item_id=item_id)
    if item.status != InboxStatus.DONE:
        item.status, item.done_at = InboxStatus.DONE, now
        session.add(item)
        session.flush()
    return item


def reopen(*, session: Session, acc: Access, item_id: int, now: datetime) -> InboxItem:
    """Put a handled item back among the open ones."""
    item = get_item(session=session, acc=acc, item_id=item_id)
    item.status, item.done_at = InboxStatus.OPEN, None
    session.add(item)
    session.flush()
    return item


def assign(
    *, session: Session, acc: Access, item_id: int, assignee_id: int | None, now: datetime
) -> InboxItem:
    """Give the item to a member of the workspace (None: to nobody)."""
    if not acc.can_review:
        raise Forbidden("Only owners and editors can assign replies.")
    item = get_item(session=session, acc=acc, item_id=item_id)
    if assignee_id is not None and assignee_id not in {
        m.id for m in members(session=session, workspace_id=item.workspace_id)
    }:
        message = "Choose a member of this workspace."
        raise ValidationError(message, fields={"assignee_id": message})
    item.assignee_id = assignee_id
    session.add(item)
    session.flush()
    return item


def members(*, session: Session, workspace_id: int) -> list[User]:
    """The people an item can be assigned to, by name."""
    return list(
        session.exec(
            select(User)
            .join(Membership, col(Membership.user_id) == User.id)
            .where(Membership.workspace_id == workspace_id)
            .order_by(col(User.name), col(User.email))
        )
    )


def response_time_median_minutes(
    session: Session, workspace_id: int, start: datetime, end: datetime
) -> float | None:
    """The median minutes from receiving a reply to one of our posts to publishing our answer,
    for the replies received in ``[start, end)``; None when none was answered from planner."""
    rows = session.exec(
        select(InboxItem.received_at, InboxItem.answered_at).where(
            InboxItem.workspace_id == workspace_id,
            InboxItem.kind == InboxKind.REPLY.value,
            col(InboxItem.received_at) >= start,
            col(InboxItem.received_at) < end,
            col(InboxItem.answered_at).is_not(None),
        )
    ).all()
    waits = [(answered - received).total_seconds() / 60 for received, answered in rows if answered]
    return float(statistics.median(waits)) if waits else None


def item_json(item: InboxItem) -> dict[str, Any]:
    """The API shape of an inbox item."""
    return {
        "id": item.id,
        "post_id": item.post_id,
        "channel_id": item.channel_id,
        "kind": item.kind,
        "author": {"name": item.author_name, "handle": item.author_handle, "url": item.author_url},
        "text": item.text,
        "url": item.url,
        "received_at": iso_utc(item.received_at),
        "status": item.status,
        "assignee_id": item.assignee_id,
        "answered_at": iso_utc(item.answered_at),
        "answer_url": item.answer_url,
    }


def answer_json(sent: InboxAnswer) -> dict[str, Any]:
    """The API shape of our answer: a delivery of its own."""
    return {
        "id": sent.id,
        "item_id": sent.item_id,
        "body": sent.body,
        "status": sent.status,
        "attempts": sent.attempts,
        "external_url": sent.external_url,
        "last_error": sent.last_error,
        "published_at": iso_utc(sent.published_at),
    }


def wants_digest(*, session: Session, acc: Access) -> bool:
    """Whether the user gets the daily email of unanswered replies for this workspace."""
    return (
        session.exec(
            select(InboxDigest.id).where(
                InboxDigest.user_id == acc.user.id, InboxDigest.workspace_id == acc.workspace.id
            )
        ).first()
        is not None
    )


def set_digest(*, session: Session, acc: Access, wanted: bool, now: datetime) -> bool:
    """Start or stop the owner's daily digest; returns whether it is now on."""
    if not acc.is_owner:
        raise Forbidden("The daily digest is for the workspace's owners.")
    found = session.exec(
        select(InboxDigest).where(
            InboxDigest.user_id == acc.user.id, InboxDigest.workspace_id == acc.workspace.id
        )
    ).first()
    if wanted and found is None:
        session.add(InboxDigest(user_id=acc.user.id, workspace_id=acc.workspace.id, created_at=now))
    elif not wanted and found is not None:
        session.delete(found)
    session.flush()
    return wanted
