"""Comments on a post: reviewers' notes, rejection reasons and the replies to them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session, select

from planner.models import Comment, Post
from planner.services.errors import ValidationError
from planner.timeutils import iso_utc

MAX_COMMENT = 5_000


def clean_body(body: str | None, *, field: str = "body", required: str = "Write a comment.") -> str:
    """Return the comment text trimmed, or raise when it is empty or too long."""
    text = (body or "").replace("\r\n", "\n").strip()
    if not text:
        raise ValidationError(required, fields={field: required})
    if len(text) > MAX_COMMENT:
        message = f"Keep it under {MAX_COMMENT} characters."
        raise ValidationError(message, fields={field: message})
    return text


def add_comment(
    *, session: Session, post: Post, author_id: int | None, body: str, now: datetime
) -> Comment:
    """Append a comment to *post*; the caller has checked that the author may see the post."""
    comment = Comment(
        workspace_id=post.workspace_id,
        post_id=post.id,
        author_id=author_id,
        body=clean_body(body),
        created_at=now,
    )
    session.add(comment)
    session.flush()
    return comment


def for_post(*, session: Session, post_id: int) -> list[Comment]:
    """Return the post's comments, oldest first."""
    return list(
        session.exec(
            select(Comment)
            .where(Comment.post_id == post_id)
            .order_by(Comment.created_at, Comment.id)
        )
    )


def comment_json(comment: Comment) -> dict[str, Any]:
    """The API shape of a comment."""
    return {
        "id": comment.id,
        "post_id": comment.post_id,
        "author_id": comment.author_id,
        "body": comment.body,
        "created_at": iso_utc(comment.created_at),
    }
