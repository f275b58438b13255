"""Guardrail warnings for what the web layer shows, each with the suggestions that fix it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from planner.db import get_session
from planner.guardrails import Comparison
from planner.services import guardrail_checks, guardrail_suggestions
from planner.services.workspaces import Access
from planner.timeutils import utcnow


def warnings_by_post(
    acc: Access, posts: Sequence[Any], *, suggestions: bool = True
) -> dict[int, list[dict[str, Any]]]:
    """Map post id to the current warnings involving it, with their checked suggestions unless
    *suggestions* is off (a long list, where checking every fix would double its time)."""
    if not suggestions:
        return guardrail_checks.warnings_by_post(
            session=get_session(), workspace=acc.workspace, posts=posts, now=utcnow()
        )
    return guardrail_suggestions.warnings_by_post(
        session=get_session(), workspace=acc.workspace, posts=posts, now=utcnow()
    )


def comparison_json(diff: Comparison) -> dict[str, Any]:
    """The what-if answer: warnings added and removed, and those changed as before -> after.

    ``changed`` items carry ``verdict`` ("better", "worse" or "same") and ``text``, the
    line a page shows ("promotional in the week of 9 Mar on Feed: 3 of 6 → 3 of 7, allows 1").
    """
    return {
        "added": [w.to_dict() for w in diff.added],
        "removed": [w.to_dict() for w in diff.removed],
        "changed": [c.to_dict() for c in diff.changed],
    }
