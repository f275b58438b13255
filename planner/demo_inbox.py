"""Demo replies to the demo's published posts, so the Inbox is not empty on first run.

Two wait fresh, one has waited over a day (the inbox highlights it) and one was answered from
planner and marked done, which also gives Insights a response time. They are stored on the
demo's outbox channel, where no worker looks for replies, so nothing real is ever fetched or
sent; ``load_demo`` creates them once, with the workspace.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session

from planner.inbox_models import InboxAnswer, InboxItem, InboxKind, InboxStatus
from planner.models import Channel, DeliveryStatus, Post, PostStatus, User


@dataclass(frozen=True)
class DemoReply:
    """One reply: to the demo plan's post at *plan_index*, received *hours_ago* before loading."""

    key: str  # the item's external id: unique per channel, like a platform's
    plan_index: int
    hours_ago: float
    author_name: str
    author_handle: str
    text: str
    answer: str | None = None  # our published answer; the item is then done
    answer_minutes: int = 40  # how long after the reply our answer went out


DEMO_REPLIES = (
    DemoReply(
        "demo-reply-1",
        5,  # "What should our next seasonal bake be?"
        3,
        "Priya N.",
        "@priyabakes",
        "Cardamom buns, please! Or a proper lardy cake like my gran used to make.",
    ),
    DemoReply(
        "demo-reply-2",
        3,  # the weekend pre-orders
        6,
        "Tom Ellis",
        "@tomellis",
        "Can I collect my pre-order on Sunday instead? We're away Saturday morning.",
    ),
    DemoReply(
        "demo-reply-3",
        1,  # "crusty ends or soft middle slice?"
        30,
        "Morgan",
        "@crumbfan",
        "Crusty ends, no contest. Is it true you sell bags of ends for breadcrumbs?",
    ),
    DemoReply(
        "demo-reply-4",
        0,  # why we rest our sourdough for 36 hours
        100,
        "Alex R.",
        "@alexr",
        "Does the long rest make it safe for someone with a wheat sensitivity?",
        answer=(
            "Many customers find it easier to digest, but it still contains gluten, so it is not "
            "safe for coeliacs. Pop in and we'll talk you through the options!"
        ),
    ),
)


def add_inbox_items(
    *,
    session: Session,
    plan_posts: list[Post],
    channel: Channel,
    answerer: User,
    now: datetime,
) -> list[InboxItem]:
    """Store the demo replies to those of *plan_posts* (the plan, in order) already published."""
    assert channel.id is not None
    made = []
    for reply in DEMO_REPLIES:
        post = plan_posts[reply.plan_index]
        if post.status != PostStatus.PUBLISHED or post.scheduled_at is None:
            continue
        # Never before the post itself, whatever the time of day the demo is loaded.
        received = max(now - timedelta(hours=reply.hours_ago), post.scheduled_at)
        item = InboxItem(
            workspace_id=post.workspace_id,
            channel_id=channel.id,
            post_id=post.id,
            external_id=reply.key,
            kind=InboxKind.REPLY,
            author_name=reply.author_name,
            author_handle=reply.author_handle,
            text=reply.text,
            received_at=received,
            fetched_at=received,
        )
        if reply.answer is not None:
            answered = min(received + timedelta(minutes=reply.answer_minutes), now)
            item.status, item.done_at = InboxStatus.DONE, answered
            item.answered_at, item.assignee_id = answered, answerer.id
        session.add(item)
        session.flush()
        assert item.id is not None
        if reply.answer is not None:
            session.add(
                InboxAnswer(
                    workspace_id=item.workspace_id,
                    item_id=item.id,
                    channel_id=channel.id,
                    author_id=answerer.id,
                    body=reply.answer,
                    status=DeliveryStatus.PUBLISHED,
                    attempts=1,
                    idempotency_key=f"{reply.key}-answer",
                    external_id=f"{reply.key}-answer",
                    published_at=item.answered_at,
                    created_at=received,
                    updated_at=item.answered_at or now,
                )
            )
        made.append(item)
    session.flush()
    return made
