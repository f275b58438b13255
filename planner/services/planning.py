"""Fill the month: propose ideas for the free posting slots, let people trim the plan, accept it.

A proposal is stored with its placements and changes nothing until it is accepted; then each
idea gets its slot's time and channels through ``posts.update_post`` (it stays a draft) and each
evergreen placement becomes a fresh copy.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlmodel import Session, col, delete, select

from planner import timeutils
from planner.guardrails import GuardrailWarning, PostSnapshot, load_span
from planner.models import PlanProposal, Post, PostStatus
from planner.planning import fill
from planner.planning.slots import Slot
from planner.services import audit, evergreen, guardrail_checks, guardrail_posts
from planner.services import posts as post_service
from planner.services.errors import Conflict, NotFound, ValidationError
from planner.services.posts import PostFilters, PostInput
from planner.services.slots import QUEUE_LEAD, busy_instants, free_slots, require_manager
from planner.services.workspaces import Access
from planner.timeutils import (
    as_utc,
    get_zone,
    iso_local,
    iso_utc,
    month_window,
    parse_iso_instant,
    to_local,
)

PROPOSAL_TTL = timedelta(hours=24)
# Streaks run across month edges: load a month either side so a run is seen whole.
STREAK_MARGIN = timedelta(days=31)
MONTH_HINT = "Give the month as YYYY-MM, such as 2026-03."


def parse_month(text: object) -> date:
    """Read "YYYY-MM" as the first day of that month."""
    if isinstance(text, str):
        try:
            return timeutils.parse_month(text)
        except ValueError:
            pass
    raise ValidationError(MONTH_HINT, fields={"month": MONTH_HINT})


def calendar_around(
    *, session: Session, workspace_id: int, tz_name: str, first: date
) -> list[PostSnapshot]:
    """The counted posts the planner must see for the month of *first*: its windows and more."""
    tz = get_zone(tz_name)
    start, end = month_window(first, tz)
    lo, hi = load_span(tz, as_utc(start) - STREAK_MARGIN, as_utc(end) + STREAK_MARGIN)
    return guardrail_posts.snapshots(session, workspace_id, lo, hi)


def ideas_for(*, session: Session, workspace_id: int) -> list[fill.Idea]:
    """The workspace's ideas (unscheduled drafts), oldest first."""
    drafts = post_service.list_posts(
        session=session,
        workspace_id=workspace_id,
        filters=PostFilters(scheduled=False, status=PostStatus.DRAFT, limit=5000),
    )
    targets = post_service.channel_ids_for(session=session, post_ids=[p.id for p in drafts])
    return [
        fill.Idea(id=p.id, category=p.category, channel_ids=tuple(targets.get(p.id, ())))
        for p in sorted(drafts, key=lambda p: p.id)
    ]


def _month_slots(*, session: Session, acc: Access, first: date, now: datetime) -> list[Slot]:
    """The free posting slots of the month of *first* still far enough ahead to be queued."""
    ws = acc.workspace
    start, end = month_window(first, get_zone(ws.timezone))
    return free_slots(
        session=session,
        workspace_id=ws.id,
        tz_name=ws.timezone,
        start=max(as_utc(start), now + QUEUE_LEAD),
        end=as_utc(end),
    )


def plan_month(
    *, session: Session, acc: Access, first: date, now: datetime
) -> tuple[fill.Plan, int]:
    """Run the planner for the month of *first*; return the plan and the number of free slots."""
    ws = acc.workspace
    slots = _month_slots(session=session, acc=acc, first=first, now=now)
    ideas = ideas_for(session=session, workspace_id=ws.id) + evergreen.offers(
        session=session, workspace_id=ws.id
    )
    plan = fill.fill(
        slots,
        ideas,
        calendar_around(session=session, workspace_id=ws.id, tz_name=ws.timezone, first=first),
        guardrail_checks.workspace_policy(ws),
        get_zone(ws.timezone),
        now=now,
    )
    return plan, len(slots)


def propose(*, session: Session, acc: Access, first: date, now: datetime) -> PlanProposal:
    """Plan the month of *first* and store the proposal; nothing on the calendar changes."""
    require_manager(acc, "plan the month")
    plan, _free = plan_month(session=session, acc=acc, first=first, now=now)
    session.exec(
        delete(PlanProposal).where(
            PlanProposal.workspace_id == acc.workspace.id, col(PlanProposal.expires_at) < now
        )
    )
    proposal = PlanProposal(
        workspace_id=acc.workspace.id,
        month=f"{first:%Y-%m}",
        placements=[
            {
                "idea_id": p.idea.id,
                "source": p.idea.source,
                "category": p.category,
                "channel_ids": list(p.channel_ids),
                "slot_channel_id": p.slot.channel_id,
                "scheduled_at": iso_utc(p.slot.at),
            }
            for p in plan.placements
        ],
        missing=dict(plan.missing),
        created_by_id=acc.user.id,
        created_at=now,
        expires_at=now + PROPOSAL_TTL,
    )
    session.add(proposal)
    session.flush()
    return proposal


def get_proposal(*, session: Session, acc: Access, proposal_id: int) -> PlanProposal:
    proposal = session.get(PlanProposal, proposal_id)
    if proposal is None or proposal.workspace_id != acc.workspace.id:
        raise NotFound("No such plan.")
    return proposal


def _require_open(proposal: PlanProposal, now: datetime) -> None:
    if proposal.accepted_at is not None:
        raise Conflict("This plan was already accepted.")
    if proposal.expires_at <= now:
        raise Conflict("This plan is more than a day old. Make a fresh one.")


def remove_placement(
    *, session: Session, acc: Access, proposal_id: int, index: int, now: datetime
) -> PlanProposal:
    """Take one placement out of an open proposal."""
    require_manager(acc, "plan the month")
    proposal = get_proposal(session=session, acc=acc, proposal_id=proposal_id)
    _require_open(proposal, now)
    if not 0 <= index < len(proposal.placements):
        raise ValidationError("That post is no longer in the plan.", fields={"index": "Unknown."})
    # A new list, not an in-place change: the JSON column only notices reassignment.
    proposal.placements = [p for i, p in enumerate(proposal.placements) if i != index]
    session.add(proposal)
    session.flush()
    return proposal


def _kept(proposal: PlanProposal, keep: Sequence[object] | None) -> list[dict[str, Any]]:
    if keep is None:
        return list(proposal.placements)
    total = len(proposal.placements)
    if not all(isinstance(i, int) and not isinstance(i, bool) and 0 <= i < total for i in keep):
        message = f"List the placements to keep by their index, from 0 to {total - 1}."
        raise ValidationError(message, fields={"placements": message})
    return [proposal.placements[i] for i in sorted(set(keep))]  # type: ignore[arg-type]


def accept(
    *,
    session: Session,
    acc: Access,
    proposal_id: int,
    now: datetime,
    keep: Sequence[object] | None = None,
) -> list[Post]:
    """Schedule the kept placements (all by default) and return the posts, ideas first.

    Refused as a whole when the calendar changed under the plan: a slot taken since, or an
    idea scheduled, changed to another category or deleted.
    """
    require_manager(acc, "plan the month")
    proposal = get_proposal(session=session, acc=acc, proposal_id=proposal_id)
    _require_open(proposal, now)
    kept = _kept(proposal, keep)
    stale = "The calendar changed since this plan was made. Make a fresh plan."
    if kept:
        instants = [parse_iso_instant(p["scheduled_at"], get_zone("UTC")) for p in kept]
        busy = busy_instants(
            session=session,
            workspace_id=acc.workspace.id,
            channel_ids=sorted({c for p in kept for c in p["channel_ids"]}),
            start=min(instants),
            end=max(instants) + timedelta(seconds=1),
        )
        for at, placement in zip(instants, kept, strict=True):
            if any((at, c) in busy for c in placement["channel_ids"]):
                raise Conflict(stale)
            if placement["source"] == fill.IDEA:
                idea = session.get(Post, placement["idea_id"])
                if (
                    idea is None
                    or idea.workspace_id != acc.workspace.id
                    or idea.status != PostStatus.DRAFT
                    or idea.scheduled_at is not None
                    or idea.category != placement["category"]
                ):
                    raise Conflict(stale)
    scheduled = []
    for placement in kept:
        at = parse_iso_instant(placement["scheduled_at"], get_zone("UTC"))
        channel_ids = tuple(placement["channel_ids"])
        if placement["source"] == fill.EVERGREEN:
            post = evergreen.reuse(
                session=session,
                acc=acc,
                post_id=placement["idea_id"],
                at=at,
                channel_ids=channel_ids,
                now=now,
            )
        else:
            idea = session.get(Post, placement["idea_id"])
            assert idea is not None
            post = post_service.update_post(
                session=session,
                acc=acc,
                post_id=idea.id,
                now=now,
                data=PostInput(
                    body=idea.body,
                    category=idea.category,
                    scheduled_at=at,
                    channel_ids=channel_ids,
                    link=idea.link,
                ),
            )
        scheduled.append(post)
    proposal.accepted_at = now
    session.add(proposal)
    audit.record(
        session=session,
        workspace_id=acc.workspace.id,
        actor_id=acc.user.id,
        action="plan_accepted",
        detail={"month": proposal.month, "scheduled": len(scheduled)},
        now=now,
    )
    session.flush()
    return scheduled


@dataclass(frozen=True)
class PlacementView:
    index: int
    idea_id: int
    source: str
    category: str
    body: str
    at: datetime
    local: datetime
    channel_ids: list[int]
    channel_names: list[str]


@dataclass(frozen=True)
class Review:
    """A proposal as people see it: placements, the month's warnings and mix once it is accepted."""

    proposal: PlanProposal
    first: date
    placements: list[PlacementView]
    warnings: list[GuardrailWarning]
    warnings_before: list[GuardrailWarning]
    mix: list[dict[str, Any]]
    mix_before: list[dict[str, Any]]
    channel_names: dict[int, str]
    free_slots: int
    adds_warnings: bool  # true once taking placements out leaves a warning an empty slot avoids

    @property
    def missing_sentence(self) -> str | None:
        return missing_sentence(self.proposal.missing, self.first)


def review(*, session: Session, acc: Access, proposal: PlanProposal, now: datetime) -> Review:
    """Evaluate the month as it would be with the proposal's placements, and as it is."""
    ws = acc.workspace
    tz = get_zone(ws.timezone)
    first = parse_month(proposal.month)
    start, end = month_window(first, tz)
    placed = [(p, parse_iso_instant(p["scheduled_at"], tz)) for p in proposal.placements]
    added = tuple(
        PostSnapshot(
            id=-1 - index,
            category=placement["category"],
            scheduled_at=at,
            status="draft",
            channel_ids=tuple(placement["channel_ids"]),
        )
        for index, (placement, at) in enumerate(placed)
    )
    found = guardrail_checks.judge(
        session=session,
        workspace=ws,
        span=(start, end),
        now=now,
        edits=guardrail_checks.Edits(added=added),
        report="both",
        with_mix=True,
    )
    names = found.channel_names
    ids = [p["idea_id"] for p in proposal.placements] or [0]
    query = select(Post).where(Post.workspace_id == ws.id, col(Post.id).in_(ids))
    sources = {p.id: p for p in session.exec(query)}
    views = [
        PlacementView(
            index=index,
            idea_id=placement["idea_id"],
            source=placement["source"],
            category=placement["category"],
            body=source.body if (source := sources.get(placement["idea_id"])) else "",
            at=at,
            local=to_local(at, tz),
            channel_ids=list(placement["channel_ids"]),
            channel_names=[names.get(c, "a removed channel") for c in placement["channel_ids"]],
        )
        for index, (placement, at) in enumerate(placed)
    ]
    return Review(
        proposal=proposal,
        first=first,
        placements=views,
        warnings=found.warnings,
        warnings_before=found.warnings_before,
        mix=found.mix,
        mix_before=found.mix_before,
        channel_names=names,
        free_slots=len(_month_slots(session=session, acc=acc, first=first, now=now)),
        adds_warnings=not fill.acceptable(
            found.warnings_before, found.warnings, {s.id for s in added}
        ),
    )


def missing_sentence(missing: dict[str, int], first: date) -> str | None:
    """Say which ideas would fill the month: "Add 3 educational and 1 conversational ideas ..."."""
    parts = [f"{n} {category}" for category, n in missing.items() if n]
    if not parts:
        return None
    listed = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    noun = "idea" if sum(missing.values()) == 1 else "ideas"
    return f"Add {listed} {noun} to fill {first:%B} without warnings."


def review_json(result: Review, tz_name: str) -> dict[str, Any]:
    """The API shape of a proposal."""
    tz = get_zone(tz_name)
    return {
        "id": result.proposal.id,
        "month": result.proposal.month,
        "expires_at": iso_utc(result.proposal.expires_at),
        "accepted_at": iso_utc(result.proposal.accepted_at),
        "placements": [
            {
                "index": p.index,
                "idea_id": p.idea_id,
                "source": p.source,
                "channel_ids": p.channel_ids,
                "scheduled_at": iso_utc(p.at),
                "scheduled_at_local": iso_local(p.at, tz),
                "category": p.category,
            }
            for p in result.placements
        ],
        "mix": result.mix,
        "warnings": [w.to_dict() for w in result.warnings],
        "missing": dict(result.proposal.missing),
        "missing_message": result.missing_sentence,
    }
