"""Guardrail warnings for what the web layer shows, each with the suggestions that fix it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from planner.db import get_session
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
