"""Review: submitting, approving and rejecting posts, and the queue (expiry is in ``expiry``).

Who may do what is decided here and nowhere else; the status moves themselves go through
``lifecycle.change_status``. Each action returns the notices to send, which the caller hands to
``planner.mail.send`` after it commits, so a mail server never holds up the database.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from sqlmodel import Session, col, func, select

from planner.connectors.bundle import Connectors
from planner.models import (
    Comment,
    Delivery,
    DeliveryStatus,
    Post,
    PostChannel,
    PostStatus,
    Workspace,
)
from planner.services import audit, comments, deliveries, guardrail_checks, lifecycle, outgoing
from planner.services import channels as channel_service
from planner.services import notifications as notification_service
from planner.services.errors import (
    Conflict,
    Forbidden,
    GuardrailBlocked,
    ValidationError,
)
from planner.services.notifications import Notice, excerpt
from planner.services.posts import channel_ids_for, get_post
from planner.services.workspaces import MANAGERS, Access

S = PostStatus
SECOND_PAIR_OF_EYES = "second_pair_of_eyes"

# What each review action may start from, and where it leads. change_status allows more moves
# than these (publishing and editing use it too); an action refuses anything not listed here.
MOVES: dict[str, dict[PostStatus, PostStatus]] = {
    "submit": {S.DRAFT: S.IN_REVIEW},
    "approve": {S.IN_REVIEW: S.APPROVED, S.DRAFT: S.APPROVED},
    "reject": {S.IN_REVIEW: S.REJECTED},
    "expire": {S.DRAFT: S.EXPIRED, S.IN_REVIEW: S.EXPIRED},
}
_DONE = {"submit": "submitted for review", "approve": "approved", "reject": "rejected"}
# Deliveries that went (or may have gone) out: approving again must not send those twice.
_SENT = (DeliveryStatus.PUBLISHING, DeliveryStatus.PUBLISHED, DeliveryStatus.UNCONFIRMED)


@dataclass(frozen=True)
class ReviewResult:
    """The post after an action, and who to tell about it."""

    post: Post
    notices: tuple[Notice, ...] = ()


def second_pair_of_eyes(workspace: Workspace) -> bool:
    """Tell whether the workspace requires someone other than the author to approve."""
    return bool((workspace.settings or {}).get(SECOND_PAIR_OF_EYES, False))


def _label(status: str) -> str:
    return str(status).replace("_", " ")


def _target(post: Post, action: str) -> PostStatus:
    """Return where *action* takes *post*, or refuse with the post's current status."""
    current = PostStatus(post.status)
    to = MOVES[action].get(current)
    if to is None:
        raise Conflict(
            f"This post is {_label(current)}; it cannot be {_DONE.get(action, action)}.",
            fields={"status": current.value},
        )
    return to


def _own_approval_refused(acc: Access, post: Post) -> bool:
    """Under a second pair of eyes, neither the author nor whoever last rewrote the body approves."""
    writers = {post.author_id, post.body_edited_by_id}
    return second_pair_of_eyes(acc.workspace) and acc.user.id in writers


def may_submit(acc: Access, post: Post) -> bool:
    """Tell whether the user may submit *post* now (for showing the button)."""
    may_act = acc.role in MANAGERS or post.author_id == acc.user.id
    return may_act and post.status in MOVES["submit"]


def may_approve(acc: Access, post: Post) -> bool:
    """Tell whether the user may approve *post* now (for showing the button)."""
    return (
        acc.role in MANAGERS
        and post.status in MOVES["approve"]
        and not _own_approval_refused(acc, post)
    )


def may_reject(acc: Access, post: Post) -> bool:
    """Tell whether the user may reject *post* now (for showing the button)."""
    return acc.role in MANAGERS and post.status in MOVES["reject"]


def _lock(session: Session, post: Post) -> Post:
    """Re-read the post under a row lock (PostgreSQL) so a status check and its change agree."""
    session.refresh(post, with_for_update=True)
    return post


def _ready(
    session: Session, acc: Access, post: Post, connectors: Connectors, now: datetime
) -> list[int]:
    """Return the post's channel ids; refuse it without a future time, a channel, or a fit."""
    fields: dict[str, str] = {}
    if post.scheduled_at is None:
        fields["scheduled_at"] = "Choose a date and time first."
    elif post.scheduled_at <= now:
        fields["scheduled_at"] = "Its time has passed; choose a new time first."
    channel_ids = channel_ids_for(session=session, post_ids=[post.id]).get(post.id, [])
    if not channel_ids:
        fields["channel_ids"] = "Choose at least one channel first."
    if fields:
        raise ValidationError(
            "This post needs a time in the future and at least one channel: "
            + " ".join(fields.values()),
            fields=fields,
        )
    outgoing.require_saved_fit(
        post, channel_ids, session=session, workspace=acc.workspace, connectors=connectors, now=now
    )
    return channel_ids


def _name(acc: Access) -> str:
    return acc.user.display_name


def submit(
    *,
    session: Session,
    acc: Access,
    post_id: int,
    connectors: Connectors,
    now: datetime,
) -> ReviewResult:
    """Send a draft to review; contributors may submit only their own."""
    post = get_post(session=session, acc=acc, post_id=post_id)
    if acc.role not in MANAGERS and post.author_id != acc.user.id:
        raise Forbidden("Contributors can submit only their own posts.")
    _lock(session, post)
    to = _target(post, "submit")
    _ready(session, acc, post, connectors, now)
    lifecycle.change_status(
        session=session, post=post, to=to, now=now, action="submitted", actor_id=acc.user.id
    )
    reviewers = notification_service.member_ids(
        session=session, workspace_id=post.workspace_id, roles=MANAGERS
    )
    notices = notification_service.notify(
        session=session,
        post=post,
        user_ids=[uid for uid in reviewers if uid != acc.user.id],
        kind="submitted",
        message=f"{_name(acc)} submitted “{excerpt(post.body)}” for review.",
        now=now,
    )
    session.flush()
    return ReviewResult(post=post, notices=tuple(notices))


def approve(
    *,
    session: Session,
    acc: Access,
    post_id: int,
    connectors: Connectors,
    now: datetime,
    override_reason: str | None = None,
) -> ReviewResult:
    """Approve a post in review (or, for editors and owners, a draft directly) and queue it.

    Every check runs before anything changes, so a refusal leaves the session clean (the bulk
    approval relies on it). A blocking guardrail refuses unless an owner gives a reason.
    """
    post = get_post(session=session, acc=acc, post_id=post_id)
    if acc.role not in MANAGERS:
        raise Forbidden("Only editors and owners can approve posts.")
    _lock(session, post)
    from_status = PostStatus(post.status)
    to = _target(post, "approve")
    if _own_approval_refused(acc, post):
        raise Forbidden(
            "This workspace asks for a second pair of eyes: someone else must approve your post."
        )
    channel_ids = _ready(session, acc, post, connectors, now)
    channel_service.require_working(outgoing.channels_of(session=session, channel_ids=channel_ids))
    reason = (override_reason or "").strip()
    blocking = guardrail_checks.blocking_for(
        session=session, workspace=acc.workspace, post=post, now=now
    )
    if blocking and not reason:
        messages = " ".join(w["message"] for w in blocking)
        hint = " An owner can approve it anyway with a reason." if not acc.is_owner else ""
        raise GuardrailBlocked(
            f"Approving this breaks a guardrail set to block: {messages}{hint}", warnings=blocking
        )
    if blocking and not acc.is_owner:
        raise Forbidden("Only an owner can override a blocking guardrail.")
    if blocking:
        audit.record(
            session=session,
            workspace_id=post.workspace_id,
            actor_id=acc.user.id,
            post_id=post.id,
            action="guardrail_override",
            detail={"reason": reason, "warnings": [w["message"] for w in blocking]},
            now=now,
        )
    lifecycle.change_status(
        session=session,
        post=post,
        to=to,
        now=now,
        action="approved",
        actor_id=acc.user.id,
        detail={"from": from_status.value} if from_status != S.IN_REVIEW else "",
    )
    _queue_deliveries(session, post, channel_ids, now)
    notices = _tell_author(
        session,
        acc,
        post,
        "approved",
        f"{_name(acc)} approved your post “{excerpt(post.body)}”.",
        now,
    )
    session.flush()
    return ReviewResult(post=post, notices=tuple(notices))


def _queue_deliveries(
    session: Session, post: Post, channel_ids: Sequence[int], now: datetime
) -> None:
    """Queue the approved version, replacing anything still pending and skipping what was sent."""
    deliveries.cancel_pending(session=session, post_id=post.id, now=now, reason="Approved again.")
    sent = set(
        session.exec(
            select(Delivery.channel_id).where(
                Delivery.post_id == post.id, col(Delivery.status).in_([s.value for s in _SENT])
            )
        )
    )
    todo = [cid for cid in channel_ids if cid not in sent]
    if todo:
        deliveries.schedule_for_post(session=session, post=post, channel_ids=todo, now=now)


def _tell_author(
    session: Session,
    acc: Access,
    post: Post,
    kind: str,
    message: str,
    now: datetime,
    detail: str = "",
) -> list[Notice]:
    if post.author_id is None or post.author_id == acc.user.id:
        return []
    return notification_service.notify(
        session=session,
        post=post,
        user_ids=[post.author_id],
        kind=kind,
        message=message,
        detail=detail,
        now=now,
    )


def reject(
    *, session: Session, acc: Access, post_id: int, comment: str | None, now: datetime
) -> ReviewResult:
    """Send a post in review back to its author with a comment saying why."""
    post = get_post(session=session, acc=acc, post_id=post_id)
    if acc.role not in MANAGERS:
        raise Forbidden("Only editors and owners can reject posts.")
    _lock(session, post)
    to = _target(post, "reject")
    text = comments.clean_body(
        comment, field="comment", required="Say what should change: a comment is required."
    )
    comments.add_comment(session=session, post=post, author_id=acc.user.id, body=text, now=now)
    lifecycle.change_status(
        session=session,
        post=post,
        to=to,
        now=now,
        action="rejected",
        actor_id=acc.user.id,
        detail={"comment": text},
    )
    lead = f"{_name(acc)} rejected your post “{excerpt(post.body)}”"
    notices = _tell_author(
        session, acc, post, "rejected", f"{lead}: {excerpt(text, 200)}", now, detail=text
    )
    # The app's line carries the comment; the email quotes it in full below a shorter lead.
    emails = (replace(n, message=f"{lead}. The comment:") for n in notices)
    session.flush()
    return ReviewResult(post=post, notices=tuple(emails))


def add_comment(
    *, session: Session, acc: Access, post_id: int, body: str | None, now: datetime
) -> Comment:
    """Comment on a post of the workspace; every member may join the discussion."""
    post = get_post(session=session, acc=acc, post_id=post_id)
    comment = comments.add_comment(
        session=session, post=post, author_id=acc.user.id, body=body or "", now=now
    )
    audit.record(
        session=session,
        workspace_id=post.workspace_id,
        actor_id=acc.user.id,
        post_id=post.id,
        action="commented",
        detail={"comment_id": comment.id},
        now=now,
    )
    return comment


def queue(
    *,
    session: Session,
    workspace_id: int,
    channel_id: int | None = None,
    author_id: int | None = None,
) -> list[Post]:
    """Return the workspace's posts in review in time order, optionally for one channel or author."""
    stmt = select(Post).where(Post.workspace_id == workspace_id, Post.status == S.IN_REVIEW)
    if channel_id is not None:
        stmt = stmt.where(
            col(Post.id).in_(
                select(PostChannel.post_id).where(PostChannel.channel_id == channel_id)
            )
        )
    if author_id is not None:
        stmt = stmt.where(Post.author_id == author_id)
    stmt = stmt.order_by(col(Post.scheduled_at).is_(None), Post.scheduled_at, Post.id)
    return list(session.exec(stmt))


def expired(*, session: Session, workspace_id: int, limit: int = 50) -> list[Post]:
    """Return the workspace's expired posts, latest time first: the ones waiting for a new time."""
    return list(
        session.exec(
            select(Post)
            .where(Post.workspace_id == workspace_id, Post.status == S.EXPIRED)
            .order_by(col(Post.scheduled_at).desc(), col(Post.id).desc())
            .limit(limit)
        )
    )


def in_review_count(*, session: Session, workspace_id: int) -> int:
    return session.exec(
        select(func.count())
        .select_from(Post)
        .where(Post.workspace_id == workspace_id, Post.status == S.IN_REVIEW)
    ).one()
