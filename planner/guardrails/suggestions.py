"""Candidate fixes for a guardrail warning: moves, category changes and posts to add.

Pure and cheap: it reads the warning and the snapshots around it and proposes what could
help, each candidate with the calendar change that carries it out. It does not promise that
a candidate helps; the caller checks every one with the engine and keeps only those that
reduce the warnings and create none.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from fractions import Fraction
from zoneinfo import ZoneInfo

from planner.guardrails import wording
from planner.guardrails.findings import GuardrailWarning
from planner.guardrails.fixes import (
    CHANGEABLE,
    Candidate,
    Idea,
    Plan,
    day_label,
    moment_label,
    plan_of,
    quoted,
)
from planner.guardrails.snapshots import PostSnapshot
from planner.timeutils import as_utc, combine_local, month_window, week_window

MOVES_PER_POST = 2  # target days tried for one post
POSTS_TRIED = 3  # posts of a warning offered for a move or a category change
IDEAS_SHOWN = 3
WEEKS_AWAY = 3  # how far (in weeks) a move may look for room
ADDED_ID = -1_000_000  # ids of the posts a suggestion adds, below any preview's


def _allowed(share: Fraction, total: int) -> int:
    """The most posts a maximum share leaves room for, read generously (at least one)."""
    return max(1, math.floor(share * total + Fraction(1, 2))) if share > 0 else 0


def _moved(post: PostSnapshot, when: datetime) -> PostSnapshot:
    return PostSnapshot(post.id, post.category, when, post.status, post.channel_ids)


def _share_fixes(
    warning: GuardrailWarning, plan: Plan, names: Mapping[int, str]
) -> list[Candidate]:
    """Too many of a category: change a post's category, or move it to a window with room."""
    category = warning.category or ""
    kind_of = week_window if (warning.window_end - warning.window_start).days <= 7 else month_window
    posts = [p for pid in reversed(warning.post_ids) if (p := plan.changeable(pid))]
    found: list[Candidate] = []
    for post in posts[:POSTS_TRIED]:
        local = plan.local(post)
        other = plan.quietest(warning.channel_id, local, category)
        found.append(
            Candidate(
                action="recategorize",
                post_id=post.id,
                category=other,
                message=(f"Make the post of {moment_label(local)} {other} instead of {category}."),
                changed=(
                    PostSnapshot(post.id, other, post.scheduled_at, post.status, post.channel_ids),
                ),
            )
        )
        window = warning.window_start.date(), warning.window_end.date()
        tried = 0
        for weeks in sorted(range(-WEEKS_AWAY, WEEKS_AWAY + 1), key=lambda w: (abs(w), -w)):
            day = local.date() + timedelta(weeks=weeks)
            if weeks == 0 or window[0] <= day < window[1]:
                continue
            when = combine_local(day, local.time().replace(tzinfo=None), plan.tz)
            if not plan.fits(when):
                continue
            lo, hi = (as_utc(t) for t in kind_of(day, plan.tz))
            total, counts = plan.count(warning.channel_id, lo, hi)
            if isinstance(warning.limit, Fraction | int) and counts[category] + 1 > _allowed(
                Fraction(warning.limit), total + 1
            ):
                continue  # no room there either
            found.append(
                Candidate(
                    action="move",
                    post_id=post.id,
                    to=day,
                    message=(
                        f"Move the {category} post of {moment_label(local)} to "
                        f"{day_label(day)} {wording.place(warning.channel_id, names)}, "
                        "where there is room."
                    ),
                    changed=(_moved(post, when),),
                )
            )
            tried += 1
            if tried == MOVES_PER_POST:
                break
    return found


def _between(a: datetime, b: datetime) -> datetime:
    return a + (b - a) / 2


def _streak_fixes(
    warning: GuardrailWarning, plan: Plan, ideas: Sequence[Idea], names: Mapping[int, str]
) -> list[Candidate]:
    """A streak: change or move a post of the run, or put another category between two posts."""
    category, limit = warning.category or "", int(warning.limit)
    run = [plan.by_id[pid] for pid in warning.post_ids if pid in plan.by_id]
    if len(run) != len(warning.post_ids):
        return []
    n = len(run)
    found: list[Candidate] = []
    # Changing post i leaves runs of i and n - i - 1: both must be within the limit.
    middle = sorted(
        range(max(0, n - 1 - limit), min(limit, n - 1) + 1), key=lambda i: abs(i - n // 2)
    )
    for i in middle[:POSTS_TRIED]:
        post = plan.changeable(run[i].id)
        if post is None:
            continue
        other = plan.quietest(warning.channel_id, plan.at(post), category)
        found.append(
            Candidate(
                action="recategorize",
                post_id=post.id,
                category=other,
                message=(
                    f"Make the post of {moment_label(plan.local(post))} {other} to break the run."
                ),
                changed=(
                    PostSnapshot(post.id, other, post.scheduled_at, post.status, post.channel_ids),
                ),
            )
        )
    if n - 1 <= limit:
        for post in [p for r in reversed(run) if (p := plan.changeable(r.id))][:POSTS_TRIED]:
            local = plan.local(post)
            first, last = plan.local(run[0]).date(), plan.local(run[-1]).date()
            days = [last + timedelta(days=d) for d in range(1, 8)]
            days += [first - timedelta(days=d) for d in range(1, 8)]
            days.sort(key=lambda d: abs((d - local.date()).days))
            tried = 0
            for day in days:
                when = combine_local(day, local.time().replace(tzinfo=None), plan.tz)
                if not plan.fits(when) or _beside(
                    plan, warning.channel_id, when, category, post.id
                ):
                    continue
                found.append(
                    Candidate(
                        action="move",
                        post_id=post.id,
                        to=day,
                        message=f"Move the post of {moment_label(local)} to {day_label(day)}.",
                        changed=(_moved(post, when),),
                    )
                )
                tried += 1
                if tried == MOVES_PER_POST:
                    break
    if n <= 2 * limit:
        a, b = run[limit - 1], run[limit]
        when = _between(plan.at(a), plan.at(b))
        if when > plan.now:
            matching = [i for i in ideas if i.category != category and i.fits(warning.channel_id)]
            other = (
                matching[0].category
                if matching
                else plan.quietest(warning.channel_id, when, category)
            )
            day = when.astimezone(plan.tz).date()
            found.append(
                Candidate(
                    action="add",
                    to=day,
                    category=other,
                    count=1,
                    ideas=tuple(matching[:IDEAS_SHOWN]),
                    message=(
                        f"Put a post of another category between {moment_label(plan.local(a))} "
                        f"and {moment_label(plan.local(b))}{quoted(matching)}."
                    ),
                    added=(_placeholder(0, other, when, warning.channel_id),),
                )
            )
    return found


def _beside(plan: Plan, channel_id: int | None, when: datetime, category: str, pid: int) -> bool:
    """Tell whether a post at *when* would sit next to a post of *category* on the channel."""
    line, times = plan.lines.get(channel_id, []), plan.times.get(channel_id, [])
    at = bisect_left(times, when)
    before = [p for p in line[max(0, at - 2) : at] if p.id != pid]
    after = [p for p in line[at : at + 2] if p.id != pid]
    return (bool(before) and before[-1].category == category) or (
        bool(after) and after[0].category == category
    )


def _placeholder(n: int, category: str, when: datetime, channel_id: int | None) -> PostSnapshot:
    channels = () if channel_id is None else (channel_id,)
    return PostSnapshot(ADDED_ID - n, category, when, "draft", channels)


def _spread(lo: datetime, hi: datetime, count: int) -> list[datetime]:
    step = (hi - lo) / (count + 1)
    return [lo + step * (i + 1) for i in range(count)]


def _min_share_fix(
    warning: GuardrailWarning, plan: Plan, ideas: Sequence[Idea], names: Mapping[int, str]
) -> list[Candidate]:
    """Too little of a category in a month: how many more posts of it would fix the month."""
    category, share = warning.category or "", Fraction(warning.limit)
    total, counts = plan.count(
        warning.channel_id, as_utc(warning.window_start), as_utc(warning.window_end)
    )
    if share >= 1 or total == 0:
        return []
    have = counts[category]
    # (have + n) / (total + n) >= share, solved for the smallest whole n.
    needed = max(1, math.ceil((share * total - have) / (1 - share)))
    lo = max(as_utc(warning.window_start), plan.now + timedelta(hours=1))
    hi = as_utc(warning.window_end)
    if lo >= hi:
        return []
    times = _spread(lo, hi, needed)
    matching = [i for i in ideas if i.category == category and i.fits(warning.channel_id)]
    label = wording.window_label("month", warning.window_start)
    noun = "post" if needed == 1 else "posts"
    return [
        Candidate(
            action="add",
            category=category,
            count=needed,
            ideas=tuple(matching[:IDEAS_SHOWN]),
            dates=tuple(t.astimezone(plan.tz).date() for t in times),
            to=times[0].astimezone(plan.tz).date(),
            message=(
                f"Add {needed} {category} {noun} {wording.place(warning.channel_id, names)} "
                f"in {label}{quoted(matching)}."
            ),
            added=tuple(
                _placeholder(i, category, t, warning.channel_id) for i, t in enumerate(times)
            ),
        )
    ]


def _gap_fix(
    warning: GuardrailWarning, plan: Plan, ideas: Sequence[Idea], names: Mapping[int, str]
) -> list[Candidate]:
    """A quiet gap: the dates to post on so no stretch is longer than allowed, and ideas to use."""
    allowed = Fraction(warning.limit)
    a, b = as_utc(warning.window_start), as_utc(warning.window_end)
    span_days = Fraction((b - a) // timedelta(microseconds=1), 86_400_000_000)
    if allowed <= 0 or span_days <= allowed:
        return []
    count = math.ceil(span_days / allowed) - 1
    times = [t for t in _spread(a, b, count) if t > plan.now]
    if len(times) != count:
        return []
    matching = [i for i in ideas if i.fits(warning.channel_id)]
    category = matching[0].category if matching else plan.quietest(warning.channel_id, times[0], "")
    days = tuple(t.astimezone(plan.tz).date() for t in times)
    name = wording.channel_name(warning.channel_id, names)
    listed = " and ".join(day_label(d) for d in days)
    return [
        Candidate(
            action="add",
            count=count,
            to=days[0],
            dates=days,
            ideas=tuple(matching[:IDEAS_SHOWN]),
            message=f"Post on {name} on {listed}{quoted(matching)}.",
            added=tuple(
                _placeholder(i, category, t, warning.channel_id) for i, t in enumerate(times)
            ),
        )
    ]


def candidates(
    warning: GuardrailWarning,
    posts: Iterable[PostSnapshot] | Plan,
    tz: ZoneInfo,
    *,
    now: datetime,
    horizon: tuple[datetime, datetime],
    ideas: Sequence[Idea] = (),
    channel_names: Mapping[int, str] | None = None,
) -> list[Candidate]:
    """Return the fixes worth checking for *warning*, the most likely first.

    *posts* must hold the warning's posts and their neighbours on the channel; moves and
    added posts stay inside *horizon* and after *now*, and only posts not yet approved and
    still ahead are changed.
    """
    plan = posts if isinstance(posts, Plan) else Plan(posts, tz, now, horizon)
    names = channel_names or {}
    if warning.rule == "max_share":
        return _share_fixes(warning, plan, names)
    if warning.rule == "streak":
        return _streak_fixes(warning, plan, ideas, names)
    if warning.rule == "min_share":
        return _min_share_fix(warning, plan, ideas, names)
    if warning.rule == "quiet_gap":
        return _gap_fix(warning, plan, ideas, names)
    return []


__all__ = ["CHANGEABLE", "Candidate", "Idea", "Plan", "candidates", "moment_label", "plan_of"]
