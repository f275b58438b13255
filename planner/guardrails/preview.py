"""What-if previews and small filters over warnings, for the editor and the review screen."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from fractions import Fraction
from typing import NamedTuple
from zoneinfo import ZoneInfo

from planner.guardrails.engine import evaluate
from planner.guardrails.findings import GuardrailWarning, same_warning
from planner.guardrails.policy import Policy
from planner.guardrails.snapshots import PostSnapshot


class Changed(NamedTuple):
    """One warning seen before and after a change, with its numbers moved."""

    before: GuardrailWarning
    after: GuardrailWarning

    @property
    def verdict(self) -> str:
        """Return "better", "worse" or "same": where the change moves the warning against its limit."""
        before, after = _badness(self.before), _badness(self.after)
        if after == before:
            return "same"
        return "better" if after < before else "worse"

    @property
    def text(self) -> str:
        """Return "promotional in the week of 9 Mar on Mastodon: 3 of 6 -> 3 of 7, allows 1"."""
        before = self.before.figure.partition(", ")[0]
        return f"{self.after.topic}: {before} → {self.after.figure}"

    def to_dict(self) -> dict[str, object]:
        """Return the JSON form: both warnings, the verdict and the before -> after line."""
        return {
            "before": self.before.to_dict(),
            "after": self.after.to_dict(),
            "verdict": self.verdict,
            "text": self.text,
        }


class Comparison(NamedTuple):
    """What a change does to the warnings: the new ones, the cleared ones, the moved ones."""

    added: list[GuardrailWarning]
    removed: list[GuardrailWarning]
    changed: list[Changed]


def _badness(warning: GuardrailWarning) -> tuple[Fraction | int | float, ...]:
    """Return how far past its limit a warning is, first in posts, then as a share or length.

    For shares the count beyond the allowance decides; a tie goes to the share, so 3 of 7
    reads better than 3 of 6 though both are 2 over. A minimum counts its shortfall.
    """
    if warning.rule == "max_share":
        return (int(warning.count or 0) - int(warning.allowed or 0), Fraction(warning.actual))
    if warning.rule == "min_share":
        return (int(warning.needed or 0) - int(warning.count or 0), -Fraction(warning.actual))
    return (Fraction(warning.actual),)


def _read(warning: GuardrailWarning) -> tuple[str, str, str]:
    """Return what a person reads of a warning; a pair that reads the same has not changed.

    A quiet gap that now starts at another hour of the same day reads exactly as before, and
    listing it as changed would tell the user nothing.
    """
    return (warning.severity, warning.message, warning.figure)


def preview(
    before: Iterable[PostSnapshot],
    after: Iterable[PostSnapshot],
    policy: Policy,
    tz: ZoneInfo,
    *,
    now: datetime,
    start: datetime,
    end: datetime,
    channels: Iterable[int] = (),
    channel_names: Mapping[int, str] | None = None,
    channel_policies: Mapping[int, Policy] | None = None,
) -> Comparison:
    """Return what a change would do: warnings added, removed, and changed (before, after).

    Warnings are matched by identity, not by their numbers (``same_warning``): a week going
    from 2 of 5 to 1 of 4 promotional is one changed warning, read as better, never as one
    cleared and one added. For a single post moving from A to B, evaluate over
    ``affected_span(tz, A, B)`` and load the posts of ``load_span`` of that span.
    """
    channels = tuple(channels)
    old, new = (
        evaluate(
            posts,
            policy,
            tz,
            now=now,
            start=start,
            end=end,
            channels=channels,
            channel_names=channel_names,
            channel_policies=channel_policies,
        )
        for posts in (before, after)
    )
    return compare(old, new)


def compare(old: Sequence[GuardrailWarning], new: Sequence[GuardrailWarning]) -> Comparison:
    """Pair the warnings of two evaluations by identity and sort them into added, removed, changed.

    A pair whose numbers and sentence did not move is left out: nothing happened to it. A gap
    that overlaps two gaps of the other side pairs with the first; the other counts as added or
    removed, since one silence became two (or two became one).
    """
    buckets: dict[tuple[object, ...], list[GuardrailWarning]] = {}
    for warning in old:
        buckets.setdefault((warning.rule, warning.channel_id, warning.category), []).append(warning)
    matched: set[int] = set()
    added: list[GuardrailWarning] = []
    changed: list[Changed] = []
    for warning in new:
        candidates = buckets.get((warning.rule, warning.channel_id, warning.category), [])
        twin = next(
            (o for o in candidates if id(o) not in matched and same_warning(o, warning)), None
        )
        if twin is None:
            added.append(warning)
            continue
        matched.add(id(twin))  # each old warning pairs with at most one new one
        if _read(twin) != _read(warning):
            changed.append(Changed(twin, warning))
    removed = [warning for warning in old if id(warning) not in matched]
    return Comparison(added, removed, changed)


def warnings_for_post(warnings: Iterable[GuardrailWarning], post_id: int) -> list[GuardrailWarning]:
    """Return the warnings that name *post_id* among the posts making them up."""
    return [warning for warning in warnings if post_id in warning.post_ids]


def blocking(warnings: Iterable[GuardrailWarning]) -> list[GuardrailWarning]:
    """Return the warnings whose rule the workspace set to block rather than warn."""
    return [warning for warning in warnings if warning.severity == "block"]
