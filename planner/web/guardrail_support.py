"""Guardrail warnings for what the web layer shows; filled in by the guardrails integration."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from planner.services.workspaces import Access


def warnings_by_post(acc: Access, posts: Sequence[Any]) -> dict[int, list[dict[str, Any]]]:
    """Map post id to the warnings involving it."""
    return {}
