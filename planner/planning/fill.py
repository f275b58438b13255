"""Fill the month: place ideas in free posting slots without creating avoidable warnings.

The planner walks the free slots in time order and, for each, tries the candidate ideas from
the most to the least preferred: the slot's own category first, then the category the
channel has had least of that month, fresh ideas before evergreen copies, oldest first. It
places the first candidate whose addition leaves every guardrail warning *acceptable*
(see ``acceptable``) and leaves the slot empty when none does: an empty slot is better than
a warning. Each idea is placed at most once and each slot gets at most one post.

Quiet gaps are the exception: adding a post can only shorten a silence, never start one, so
the planner does not judge them (filling slots is their cure) and they are only reported.

A second pass with an unlimited supply of hypothetical ideas in every category, used only
where no real idea fits, says which categories are missing and how many of each would fill
the remaining slots without warnings.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from planner.guardrails import (
    CATEGORIES,
    GuardrailWarning,
    Policy,
    PostSnapshot,
    affected_span,
    evaluate,
)
from planner.planning.slots import Slot

IDEA, EVERGREEN, HYPOTHETICAL = "idea", "evergreen", "hypothetical"
_SOURCE_ORDER = {IDEA: 0, EVERGREEN: 1, HYPOTHETICAL: 2}


@dataclass(frozen=True)
class Idea:
    """Something that could fill a slot: an unscheduled draft or an evergreen post to copy.

    An idea with channels goes only into slots of those channels, and is then posted on all
    of them at the slot's time; one without channels takes the slot's channel.
    ``not_before`` keeps an evergreen copy away until its minimum gap has passed.
    """

    id: int
    category: str
    channel_ids: tuple[int, ...] = ()
    source: str = IDEA
    not_before: datetime | None = None

    def fits(self, slot: Slot) -> bool:
        if self.channel_ids and slot.channel_id not in self.channel_ids:
            return False
        return self.not_before is None or slot.at >= self.not_before


@dataclass(frozen=True)
class Placement:
    slot: Slot
    idea: Idea
    channel_ids: tuple[int, ...]

    @property
    def category(self) -> str:
        return self.idea.category


@dataclass(frozen=True)
class Plan:
    """The placements, the free slots left empty, and the ideas per category that would fill them."""

    placements: tuple[Placement, ...]
    empty: tuple[Slot, ...]
    missing: Mapping[str, int] = field(default_factory=dict)


def acceptable(
    before: Iterable[GuardrailWarning], after: Iterable[GuardrailWarning], new_ids: set[int]
) -> bool:
    """Tell whether adding the posts *new_ids* leaves only warnings leaving them out would leave.

    A share warning is acceptable when the same window and category had it before and its
    share is no further from the limit; a streak when none of the new posts is in the run
    (then it is a piece of a run that was already too long); a quiet gap always, since adding
    posts only shortens silences.
    """
    old = {w.key: w for w in before}
    for warning in after:
        if warning.rule == "quiet_gap":
            continue
        if warning.rule == "streak":
            if new_ids.intersection(warning.post_ids):
                return False
            continue
        previous = old.get(warning.key)
        if previous is None:
            return False
        if warning.rule == "max_share" and warning.actual > previous.actual:
            return False
        if warning.rule == "min_share" and warning.actual < previous.actual:
            return False
    return True


class _Calendar:
    """The posts the rules see, split into one single-channel snapshot per channel.

    Every rule works channel by channel, so judging a slot only needs its channels' posts.
    """

    def __init__(self, posts: Iterable[PostSnapshot], tz: ZoneInfo) -> None:
        self.tz = tz
        self.by_channel: dict[int, list[PostSnapshot]] = defaultdict(list)
        self.instants: set[tuple[datetime, int]] = set()
        self.counts: Counter[tuple[int, date, str]] = Counter()
        for post in posts:
            if post.counts:
                self.add(post)

    def add(self, post: PostSnapshot) -> None:
        assert post.scheduled_at is not None
        month = post.scheduled_at.astimezone(self.tz).date().replace(day=1)
        for channel_id in post.channel_ids:
            self.by_channel[channel_id].append(
                PostSnapshot(
                    id=post.id,
                    category=post.category,
                    scheduled_at=post.scheduled_at,
                    status=post.status,
                    channel_ids=(channel_id,),
                )
            )
            self.instants.add((post.scheduled_at, channel_id))
            self.counts[(channel_id, month, post.category)] += 1

    def posts(self, channel_ids: Iterable[int]) -> list[PostSnapshot]:
        return [post for c in channel_ids for post in self.by_channel.get(c, ())]


def _hypothetical(categories: Sequence[str]) -> list[Idea]:
    return [Idea(id=0, category=c, source=HYPOTHETICAL) for c in categories]


def _greedy(
    slots: Sequence[Slot],
    ideas: Sequence[Idea],
    calendar: Iterable[PostSnapshot],
    policy: Policy,
    tz: ZoneInfo,
    *,
    now: datetime,
    hypothetical: bool,
) -> tuple[list[Placement], list[Slot]]:
    judge = policy.with_changes(quiet_gap_days=None)
    state = _Calendar(calendar, tz)
    remaining = list(ideas)
    extra = _hypothetical(CATEGORIES) if hypothetical else []
    placements: list[Placement] = []
    empty: list[Slot] = []
    taken: set[tuple[datetime, int]] = set()
    next_id = -1
    for slot in sorted(slots, key=lambda s: (s.at, s.channel_id)):
        if (slot.at, slot.channel_id) in taken:
            continue
        month = slot.at.astimezone(tz).date().replace(day=1)
        # One candidate per kind of idea: ideas alike in category, channels and source judge alike.
        seen: set[tuple[str, tuple[int, ...], str]] = set()
        candidates: list[tuple[tuple[object, ...], Idea]] = []
        for order, idea in enumerate([*remaining, *extra]):
            kind = (idea.category, idea.channel_ids, idea.source)
            if kind in seen or not idea.fits(slot):
                continue
            seen.add(kind)
            rank = (
                idea.source == HYPOTHETICAL,
                slot.category is not None and idea.category != slot.category,
                state.counts[(slot.channel_id, month, idea.category)],
                _SOURCE_ORDER[idea.source],
                order,
            )
            candidates.append((rank, idea))
        start, end = affected_span(tz, slot.at)
        baselines: dict[tuple[int, ...], list[GuardrailWarning]] = {}
        chosen: Placement | None = None
        for _rank, idea in sorted(candidates, key=lambda c: c[0]):
            channels = idea.channel_ids or (slot.channel_id,)
            if any((slot.at, c) in state.instants for c in channels):
                continue  # never two posts at one instant on a channel
            posts = state.posts(channels)
            if channels not in baselines:
                baselines[channels] = evaluate(posts, judge, tz, now=now, start=start, end=end)
            new = PostSnapshot(
                id=next_id,
                category=idea.category,
                scheduled_at=slot.at,
                status="draft",
                channel_ids=channels,
            )
            after = evaluate([*posts, new], judge, tz, now=now, start=start, end=end)
            if acceptable(baselines[channels], after, {next_id}):
                chosen = Placement(slot=slot, idea=idea, channel_ids=channels)
                state.add(new)
                next_id -= 1
                break
        if chosen is None:
            empty.append(slot)
            continue
        placements.append(chosen)
        taken.update((slot.at, c) for c in chosen.channel_ids)
        if chosen.idea.source != HYPOTHETICAL:
            remaining.remove(chosen.idea)
    return placements, empty


def fill(
    slots: Sequence[Slot],
    ideas: Sequence[Idea],
    calendar: Iterable[PostSnapshot],
    policy: Policy,
    tz: ZoneInfo,
    *,
    now: datetime,
) -> Plan:
    """Plan *ideas* into the free *slots* given the counted posts already on the *calendar*.

    *slots* must be free (no counted post of their channel at their instant) and *calendar*
    must hold every counted post of the weeks and months around them (``load_span`` of the
    month, a little wider for streaks). *ideas* are tried in the order given among equals.
    """
    calendar = list(calendar)
    placements, empty = _greedy(slots, ideas, calendar, policy, tz, now=now, hypothetical=False)
    missing: Counter[str] = Counter()
    if empty:
        wished, _ = _greedy(slots, ideas, calendar, policy, tz, now=now, hypothetical=True)
        missing.update(p.category for p in wished if p.idea.source == HYPOTHETICAL)
    return Plan(
        placements=tuple(placements),
        empty=tuple(empty),
        missing={c: missing[c] for c in CATEGORIES if missing[c]},
    )
