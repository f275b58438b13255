"""A new workspace's first steps, each ticked once the workspace shows it was done."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import exists
from sqlmodel import Session, select

from planner.models import Channel, Invitation, Membership, Post, PostingSlot, Workspace
from planner.services.errors import Forbidden
from planner.services.workspaces import Access

# The order the month view lists them in: each one makes the next worth doing.
STEPS = ("channel", "posting_times", "first_posts", "invite")
DISMISSED = "onboarding_dismissed"  # the key in Workspace.settings


@dataclass(frozen=True)
class Step:
    """One first step: ``key`` is one of STEPS, ``done`` whether the workspace shows it."""

    key: str
    done: bool


@dataclass(frozen=True)
class Checklist:
    steps: tuple[Step, ...]

    @property
    def done_count(self) -> int:
        return sum(step.done for step in self.steps)


def _any(model: type, workspace_id: int) -> Any:
    """An EXISTS over the workspace's rows of *model*, to ask all the steps in one query."""
    return exists().where(model.workspace_id == workspace_id)


def checklist(*, session: Session, acc: Access) -> Checklist | None:
    """Return the owner's first steps, or None when there is nothing to show.

    Only owners can do every step (channels, invitations), so only they see it; it goes away
    when dismissed or when every step is done.
    """
    ws = acc.workspace
    if not acc.is_owner or (ws.settings or {}).get(DISMISSED):
        return None
    # One round trip: the month view asks this on every load until the steps are done.
    other_member = (
        exists()
        .where(Membership.workspace_id == ws.id, Membership.user_id != acc.user.id)
        .correlate(None)
    )
    channel, slot, post, member, invite = session.exec(
        select(
            _any(Channel, ws.id),
            _any(PostingSlot, ws.id),
            _any(Post, ws.id),
            other_member,
            _any(Invitation, ws.id),
        )
    ).one()
    done = {
        "channel": bool(channel),
        "posting_times": bool(slot),
        "first_posts": bool(post),
        "invite": bool(member or invite),
    }
    if all(done.values()):
        return None
    return Checklist(tuple(Step(key, done[key]) for key in STEPS))


def dismiss(*, session: Session, acc: Access) -> Workspace:
    """Hide the first steps for good in this workspace (owners only, as they are the ones shown)."""
    if not acc.is_owner:
        raise Forbidden("Only the owner sees the first steps.")
    ws = acc.workspace
    # A new dict, not an in-place change: the JSON column only notices reassignment.
    ws.settings = {**(ws.settings or {}), DISMISSED: True}
    session.add(ws)
    return ws
