"""In-app notifications, and the notices the mail package turns into emails after commit."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, func, select, update

from planner.models import Membership, Notification, Post, Role, User, Workspace
from planner.services.errors import NotFound

MAX_MESSAGE = 500


@dataclass(frozen=True)
class Notice:
    """One message to one person, with everything needed to word and send its email."""

    kind: str  # submitted, approved, rejected, expired, token_expiring
    email: str
    name: str
    workspace_name: str
    post_id: int | None  # None for a notice about something else (a channel)
    post_excerpt: str  # for a channel: its name
    message: str  # the one line the app shows
    detail: str = ""  # longer text for the email, such as a reviewer's comment
    link: str = ""  # the page to open, a path on this planner; "" means the post's page


def excerpt(text: str, length: int = 60) -> str:
    """Return the start of a post's text on one line, for messages and subjects."""
    line = " ".join(text.split())
    return line if len(line) <= length else line[: length - 1].rstrip() + "…"


def member_ids(*, session: Session, workspace_id: int, roles: Iterable[Role]) -> list[int]:
    """Return the ids of the workspace's members holding one of *roles*."""
    return list(
        session.exec(
            select(Membership.user_id)
            .where(
                Membership.workspace_id == workspace_id,
                col(Membership.role).in_([Role(r).value for r in roles]),
            )
            .order_by(Membership.user_id)
        )
    )


def notify(
    *,
    session: Session,
    post: Post,
    user_ids: Iterable[int],
    kind: str,
    message: str,
    now: datetime,
    detail: str = "",
) -> list[Notice]:
    """Store one unread notification per user about *post* and return the matching email notices."""
    ids = list(dict.fromkeys(user_ids))
    if not ids:
        return []
    workspace = session.get(Workspace, post.workspace_id)
    users = session.exec(select(User).where(col(User.id).in_(ids)).order_by(User.id)).all()
    message = message if len(message) <= MAX_MESSAGE else message[: MAX_MESSAGE - 1] + "…"
    notices = []
    for user in users:
        session.add(
            Notification(
                workspace_id=post.workspace_id,
                user_id=user.id,
                post_id=post.id,
                kind=kind,
                message=message,
                created_at=now,
            )
        )
        notices.append(
            Notice(
                kind=kind,
                email=user.email,
                name=user.display_name,
                workspace_name=workspace.name,
                post_id=post.id,
                post_excerpt=excerpt(post.body),
                message=message,
                detail=detail,
            )
        )
    return notices


def for_user(
    *, session: Session, user_id: int, workspace_id: int, limit: int = 100
) -> list[Notification]:
    """Return the user's notifications in the workspace, newest first."""
    return list(
        session.exec(
            select(Notification)
            .where(Notification.user_id == user_id, Notification.workspace_id == workspace_id)
            .order_by(col(Notification.created_at).desc(), col(Notification.id).desc())
            .limit(limit)
        )
    )


def unread_count(*, session: Session, user_id: int, workspace_id: int) -> int:
    return session.exec(
        select(func.count())
        .select_from(Notification)
        .where(
            Notification.user_id == user_id,
            Notification.workspace_id == workspace_id,
            col(Notification.read_at).is_(None),
        )
    ).one()


def mark_read(*, session: Session, user_id: int, notification_id: int, now: datetime) -> None:
    """Mark one of the user's own notifications read; anyone else's does not exist for them."""
    note = session.get(Notification, notification_id)
    if note is None or note.user_id != user_id:
        raise NotFound("No such notification.")
    if note.read_at is None:
        note.read_at = now
        session.add(note)


def mark_all_read(*, session: Session, user_id: int, workspace_id: int, now: datetime) -> int:
    """Mark every unread notification of the user in the workspace read; returns how many."""
    result = session.exec(
        update(Notification)
        .where(
            Notification.user_id == user_id,
            Notification.workspace_id == workspace_id,
            col(Notification.read_at).is_(None),
        )
        .values(read_at=now)
    )
    return result.rowcount or 0


def notices_for(*, session: Session, notifications: Sequence[Notification]) -> list[Notice]:
    """Rebuild the email notices of stored notifications (for callers that only kept the rows)."""
    out = []
    for note in notifications:
        user = session.get(User, note.user_id)
        workspace = session.get(Workspace, note.workspace_id)
        if user is None or workspace is None or note.post_id is None:
            continue
        post = session.get(Post, note.post_id)
        out.append(
            Notice(
                kind=note.kind,
                email=user.email,
                name=user.display_name,
                workspace_name=workspace.name,
                post_id=note.post_id,
                post_excerpt=excerpt(post.body) if post is not None else "",
                message=note.message,
            )
        )
    return out
