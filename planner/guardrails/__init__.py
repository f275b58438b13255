"""Guardrails: a pure rule engine that checks a calendar's category mix, streaks and gaps.

It takes frozen post snapshots, a policy, the workspace zone and ``now``, and returns every
finding; it never touches Flask, the database or the clock.
"""

from __future__ import annotations

from planner.guardrails.channel_policy import INHERIT, ChannelPolicy
from planner.guardrails.engine import evaluate, mix
from planner.guardrails.findings import GuardrailWarning, same_warning
from planner.guardrails.policy import (
    CATEGORIES,
    DEFAULT_POLICY,
    PRESET_NAMES,
    PRESETS,
    RULES,
    SEVERITIES,
    Policy,
    PolicyError,
)
from planner.guardrails.preview import (
    Changed,
    Comparison,
    blocking,
    compare,
    preview,
    warnings_for_post,
)
from planner.guardrails.rules import allowance
from planner.guardrails.snapshots import COUNTED_STATUSES, PostSnapshot
from planner.guardrails.windows import affected_span, load_span

__all__ = [
    "CATEGORIES",
    "COUNTED_STATUSES",
    "DEFAULT_POLICY",
    "INHERIT",
    "PRESETS",
    "PRESET_NAMES",
    "RULES",
    "SEVERITIES",
    "ChannelPolicy",
    "Changed",
    "Comparison",
    "GuardrailWarning",
    "Policy",
    "PolicyError",
    "PostSnapshot",
    "affected_span",
    "allowance",
    "blocking",
    "compare",
    "evaluate",
    "load_span",
    "mix",
    "preview",
    "same_warning",
    "warnings_for_post",
]
