"""Guardrail warnings for what the web layer shows, computed by the guardrail_checks service."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from planner.db import get_session
from planner.services import guardrail_checks
from planner.services.workspaces import Access
from planner.timeutils import utcnow


def warnings_by_post(acc: Access, posts: Sequence[Any]) -> dict[int, list[dict[str, Any]]]:
    """Map post id to the current warnings involving it."""
    return guardrail_checks.warnings_by_post(
        session=get_session(), workspace=acc.workspace, posts=posts, now=utcnow()
    )
