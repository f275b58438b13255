"""What-if previews and small filters over warnings, for the editor and the review screen."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from planner.guardrails.engine import evaluate
from planner.guardrails.findings import GuardrailWarning
from planner.guardrails.policy import Policy
from planner.guardrails.snapshots import PostSnapshot

# What a person reads of a warning. A quiet gap that now starts at another hour of the same
# day, or is bounded by another post, reads exactly as before: listing it under both "adds"
# and "clears" would tell the user nothing but confuse them.
_READ = ("rule", "severity", "channel_id", "category", "message")


def _identity(warning: GuardrailWarning) -> str:
    """Return the part of the warning's JSON form a person reads, what two previews compare."""
    shown = warning.to_dict()
    return json.dumps({key: shown[key] for key in _READ}, sort_keys=True)


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
) -> tuple[list[GuardrailWarning], list[GuardrailWarning]]:
    """Return (added, removed): the warnings a change would create and the ones it would clear.

    Warnings are compared by what a person reads (rule, severity, place and sentence), not by
    ``key``: a week going from 40% to 60% promotional shows up as the old warning removed and
    the new one added, so the editor can tell the user the change makes things worse, while a
    warning whose sentence is unchanged is neither. Pair them by ``key`` to
    show such a change as one line. For a single post moving from A to B, evaluate over
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
        )
        for posts in (before, after)
    )
    return compare(old, new)


def compare(
    old: Sequence[GuardrailWarning], new: Sequence[GuardrailWarning]
) -> tuple[list[GuardrailWarning], list[GuardrailWarning]]:
    """Return (added, removed) between two evaluations, comparing warnings as ``preview`` does."""
    old_forms = {_identity(warning) for warning in old}
    new_forms = {_identity(warning) for warning in new}
    added = [warning for warning in new if _identity(warning) not in old_forms]
    removed = [warning for warning in old if _identity(warning) not in new_forms]
    return added, removed


def warnings_for_post(warnings: Iterable[GuardrailWarning], post_id: int) -> list[GuardrailWarning]:
    """Return the warnings that name *post_id* among the posts making them up."""
    return [warning for warning in warnings if post_id in warning.post_ids]


def blocking(warnings: Iterable[GuardrailWarning]) -> list[GuardrailWarning]:
    """Return the warnings whose rule the workspace set to block rather than warn."""
    return [warning for warning in warnings if warning.severity == "block"]
