"""The score's weights: how much a reply, a repost, a quote and a like count (README, "Insights").

Stored in the workspace's settings; owners change them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from sqlmodel import Session

from planner.services.errors import Forbidden, ValidationError
from planner.services.workspaces import Access

FIGURES = ("replies", "reposts", "quotes", "likes")
DEFAULT_WEIGHTS: dict[str, float] = {"replies": 3.0, "reposts": 2.0, "quotes": 2.0, "likes": 0.5}
MAX_WEIGHT = 100.0
SETTINGS_KEY = "engagement_weights"


def weights_of(settings: Mapping[str, Any] | None) -> dict[str, float]:
    """Return the workspace's score weights, each figure falling back to its default."""
    saved = (settings or {}).get(SETTINGS_KEY) or {}
    weights = dict(DEFAULT_WEIGHTS)
    for name in FIGURES:
        value = saved.get(name)
        if isinstance(value, int | float) and not isinstance(value, bool):
            weights[name] = float(value)
    return weights


def set_weights(*, session: Session, acc: Access, weights: Mapping[str, Any]) -> dict[str, float]:
    """Save the workspace's score weights (owners only); each between 0 and 100."""
    if not acc.is_owner:
        raise Forbidden("Only an owner may change the score weights.")
    clean: dict[str, float] = {}
    fields: dict[str, str] = {}
    for name in FIGURES:
        value = weights.get(name, DEFAULT_WEIGHTS[name])
        try:
            number = float(value)
        except (TypeError, ValueError):
            fields[name] = "Give a number."
            continue
        if not math.isfinite(number) or not 0 <= number <= MAX_WEIGHT:
            fields[name] = f"Give a number from 0 to {MAX_WEIGHT:g}."
            continue
        clean[name] = number
    if fields:
        raise ValidationError("Check the weights listed.", fields=fields)
    workspace = acc.workspace
    workspace.settings = {**(workspace.settings or {}), SETTINGS_KEY: clean}
    session.add(workspace)
    return clean
