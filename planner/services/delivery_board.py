"""What the publishing page and the post page show: deliveries with their posts and channels."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import exists
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from planner.models import Channel, ChannelStatus, Delivery, Post
from planner.publishing.results import ATTENTION, PENDING, D
from planner.services.deliveries import RETRYABLE_POSTS, current_for_post


def _values(statuses: tuple[Any, ...]) -> list[str]:
    return [s.value for s in statuses]


@dataclass(frozen=True)
class Row:
    """One delivery with its post and channel, for the publishing page."""

    delivery: Delivery
    post: Post
    channel: Channel

    @property
    def waiting_for_reauth(self) -> bool:
        return self.channel.status == ChannelStatus.NEEDS_REAUTH and self.delivery.status in PENDING


@dataclass(frozen=True)
class Board:
    """The publishing page: what is coming, going, gone out, and what needs a decision."""

    upcoming: list[Row]
    in_flight: list[Row]
    published: list[Row]
    attention: list[Row]


def board(*, session: Session, workspace_id: int, limit: int = 50) -> Board:
    """Collect the workspace's deliveries into the publishing page's four sections."""
    newer = aliased(Delivery)
    superseded = exists().where(
        newer.post_id == Delivery.post_id,
        newer.channel_id == Delivery.channel_id,
        newer.id > Delivery.id,
        newer.status != D.CANCELLED.value,
    )

    def rows(*conditions: Any, order: Any) -> list[Row]:
        stmt = (
            select(Delivery, Post, Channel)
            .join(Post, col(Post.id) == Delivery.post_id)
            .join(Channel, col(Channel.id) == Delivery.channel_id)
            .where(Delivery.workspace_id == workspace_id, *conditions)
            .order_by(*order)
            .limit(limit)
        )
        return [Row(d, p, c) for d, p, c in session.exec(stmt)]

    reauth = ChannelStatus.NEEDS_REAUTH.value
    pending = col(Delivery.status).in_(_values(PENDING))
    return Board(
        upcoming=rows(
            pending,
            Channel.status != reauth,
            order=(col(Delivery.next_attempt_at), col(Delivery.id)),
        ),
        in_flight=rows(Delivery.status == D.PUBLISHING.value, order=(col(Delivery.updated_at),)),
        published=rows(
            Delivery.status == D.PUBLISHED.value,
            order=(col(Delivery.published_at).desc(), col(Delivery.id).desc()),
        ),
        attention=rows(
            (col(Delivery.status).in_(_values(ATTENTION)) & ~superseded)
            | (pending & (Channel.status == reauth)),
            col(Post.status).in_(_values(RETRYABLE_POSTS)),
            order=(col(Delivery.due_at).desc(), col(Delivery.id).desc()),
        ),
    )


def deliveries_for_page(*, session: Session, post_id: int) -> list[tuple[Delivery, Channel]]:
    """Each channel's current delivery of the post, with the channel, for the post page."""
    current = current_for_post(session=session, post_id=post_id)
    channels = {
        c.id: c
        for c in session.exec(
            select(Channel).where(col(Channel.id).in_([d.channel_id for d in current]))
        )
    }
    return [(d, channels[d.channel_id]) for d in current if d.channel_id in channels]
