"""Guardrail warnings for what the web layer shows, computed by the guardrail_checks service."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from planner.db import get_session
from planner.guardrails import Comparison
from planner.services import guardrail_checks
from planner.services.workspaces import Access
from planner.timeutils import utcnow


def warnings_by_post(acc: Access, posts: Sequence[Any]) -> dict[int, list[dict[str, Any]]]:
    """Map post id to the current warnings involving it."""
    return guardrail_checks.warnings_by_post(
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
