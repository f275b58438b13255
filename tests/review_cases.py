"""The review rules as a table, and the team of members that acts on it.

Every transition and every role against every action: the service, UI and API tests walk the
same table, so the three ways in cannot drift apart.
"""

from __future__ import annotations

from sqlmodel import Session

from planner.models import PostStatus, Role
from tests.conftest import Auth, Member
from tests.factories import make_channel

S = PostStatus
ACTIONS = ("submit", "approve", "reject", "edit", "delete")
# author: the contributor who wrote the post; other: a contributor who did not.
ACTORS = ("owner", "editor", "author", "other")
LOCKED = {S.PUBLISHING, S.PUBLISHED}

# Where a permitted action takes a post, per status; "gone" means deleted.
MANAGER_EDIT = {
    S.DRAFT: S.DRAFT,
    S.IN_REVIEW: S.IN_REVIEW,
    S.APPROVED: S.IN_REVIEW,
    S.REJECTED: S.REJECTED,  # an editor's change keeps it rejected; only its author reopens it
    S.FAILED: S.IN_REVIEW,
    S.MISSED: S.IN_REVIEW,
    S.EXPIRED: S.DRAFT,
}
AUTHOR_EDIT = {S.DRAFT: S.DRAFT, S.REJECTED: S.DRAFT, S.EXPIRED: S.DRAFT}


def expected(action: str, status: PostStatus, actor: str) -> PostStatus | str | int:
    """Return the post's new status (or "gone"), or the refusal's HTTP status (403 or 409)."""
    manager = actor in ("owner", "editor")
    if action == "submit":
        if actor == "other":
            return 403
        return S.IN_REVIEW if status == S.DRAFT else 409
    if action == "approve":
        if not manager:
            return 403
        return S.APPROVED if status in (S.DRAFT, S.IN_REVIEW) else 409
    if action == "reject":
        if not manager:
            return 403
        return S.REJECTED if status == S.IN_REVIEW else 409
    if status in LOCKED:
        return 409  # sent content is history, whoever asks
    if action == "edit":
        if manager:
            return MANAGER_EDIT[status]
        return AUTHOR_EDIT.get(status, 403) if actor == "author" else 403
    if action == "delete":
        if manager or (actor == "author" and status in AUTHOR_EDIT):
            return "gone"
        return 403
    raise ValueError(action)


def cases() -> list[tuple[str, PostStatus, str]]:
    """Every (action, status, actor) triple."""
    return [(a, s, r) for a in ACTIONS for s in PostStatus for r in ACTORS]


class Team:
    """A workspace with an owner, an editor and two contributors, and one channel."""

    def __init__(self, auth: Auth, session: Session) -> None:
        self.owner = auth.user("owner@example.com")
        ws = self.owner.workspace
        self.editor = auth.user("editor@example.com", workspace=ws, role=Role.EDITOR)
        self.author = auth.user("author@example.com", workspace=ws, role=Role.CONTRIBUTOR)
        self.other = auth.user("other@example.com", workspace=ws, role=Role.CONTRIBUTOR)
        self.workspace = ws
        self.channel = make_channel(session, ws)

    def member(self, actor: str) -> Member:
        return getattr(self, actor)
