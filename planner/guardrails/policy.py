"""Guardrail policies: which shares, streaks and gaps a workspace accepts, and how firmly."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from fractions import Fraction
from types import MappingProxyType
from typing import Any, TypeVar

CATEGORIES = ("promotional", "educational", "conversational", "curated")
RULES = ("max_share", "min_share", "streak", "quiet_gap")
SEVERITIES = ("warn", "block")
PRESET_NAMES = ("80-20", "thirds", "custom")
MAX_STREAK = 1000
MAX_QUIET_GAP_DAYS = 366

_KEYS = frozenset(
    {
        "preset",
        "max_share",
        "max_share_fraction",
        "min_share",
        "min_share_fraction",
        "streak",
        "quiet_gap_days",
        "severity",
    }
)
_SHARE_HINT = 'must be a share between 0 and 1, such as 0.2, "1/5" or "20%"'

T = TypeVar("T")


class PolicyError(ValueError):
    """A policy value was rejected; ``field`` names it as a form would (``max_share.curated``)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def _fraction(value: object) -> Fraction | None:
    """Read *value* as an exact fraction, or return ``None`` when it is not a number."""
    if isinstance(value, bool):
        return None
    try:
        if isinstance(value, Fraction | int):
            return Fraction(value)
        if isinstance(value, float):
            # The shortest repr is the decimal the user wrote, so 0.2 becomes exactly 1/5.
            return Fraction(repr(value)) if math.isfinite(value) else None
        if isinstance(value, Decimal):
            return Fraction(value) if value.is_finite() else None
        if isinstance(value, str):
            text = value.strip()
            if text.endswith("%"):
                return Fraction(text[:-1].strip()) / 100
            return Fraction(text)
    except (ValueError, ZeroDivisionError):
        return None
    return None


def parse_share(value: object, field: str) -> Fraction:
    """Return *value* as an exact share in [0, 1]; floats, "1/3" and "20%" are accepted."""
    share = _fraction(value)
    if share is None or not 0 <= share <= 1:
        raise PolicyError(field, _SHARE_HINT)
    return share


def _whole_number(value: object) -> int | None:
    """Read *value* as an integer, accepting integral floats and digit strings from forms."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def parse_streak(value: object, field: str) -> int:
    """Return *value* as the most consecutive posts of a category allowed (at least 1)."""
    limit = _whole_number(value)
    if limit is None or not 1 <= limit <= MAX_STREAK:
        raise PolicyError(field, f"must be a whole number from 1 to {MAX_STREAK}")
    return limit


def parse_quiet_gap(value: object) -> int | None:
    """Return the allowed quiet gap in days, or ``None`` when the rule is off (None or 0)."""
    if value is None:
        return None
    days = _whole_number(value)
    if days is None or not 0 <= days <= MAX_QUIET_GAP_DAYS:
        raise PolicyError(
            "quiet_gap_days", f"must be a whole number of days from 0 (off) to {MAX_QUIET_GAP_DAYS}"
        )
    return days or None


def _by_category(value: object, field: str, parse: Callable[[object, str], T]) -> dict[str, T]:
    """Validate a category -> value mapping; a ``None`` value (or mapping) means no limit."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise PolicyError(field, "must map categories to values")
    parsed: dict[str, T] = {}
    for category, raw in value.items():
        if category not in CATEGORIES:
            raise PolicyError(
                f"{field}.{category}", f"unknown category; expected one of {', '.join(CATEGORIES)}"
            )
        if raw is not None:
            parsed[category] = parse(raw, f"{field}.{category}")
    return {category: parsed[category] for category in CATEGORIES if category in parsed}


def _severities(value: object) -> dict[str, str]:
    """Validate rule severities, filling the rules not mentioned with ``warn``."""
    if value is None:
        value = {}
    if not isinstance(value, Mapping):
        raise PolicyError("severity", "must map rule names to warn or block")
    for rule, level in value.items():
        if rule not in RULES:
            expected = ", ".join(RULES)
            raise PolicyError(f"severity.{rule}", f"unknown rule; expected one of {expected}")
        if level not in SEVERITIES:
            raise PolicyError(f"severity.{rule}", "must be warn or block")
    return {rule: str(value.get(rule, "warn")) for rule in RULES}


def _check_preset(value: object) -> str:
    """Return *value* if it names a preset."""
    if not isinstance(value, str) or value not in PRESET_NAMES:
        raise PolicyError("preset", f"must be one of {', '.join(PRESET_NAMES)}")
    return value


def _shares_from(data: Mapping[str, Any], key: str, default: Mapping[str, Fraction]) -> Any:
    """Read the *key* shares of a policy dict, refined by their exact ``*_fraction`` twins.

    ``to_dict`` writes shares as rounded floats for people and as fraction strings for
    round trips. A fraction is used only when it rounds to the float next to it, so a client
    that edits the float but sends back a stale fraction gets the float it typed.
    """
    exact_key = f"{key}_fraction"
    if key not in data:
        return data[exact_key] if exact_key in data else default
    shares = _by_category(data[key], key, parse_share)
    hints = data.get(exact_key)
    if hints is not None and not isinstance(hints, Mapping):
        raise PolicyError(exact_key, "must map categories to fractions")
    for category, share in shares.items():
        if hints is None or hints.get(category) is None:
            continue
        exact = parse_share(hints[category], f"{exact_key}.{category}")
        if round(float(exact), 4) == round(float(share), 4):
            shares[category] = exact
    return shares


def _default_max_share() -> dict[str, Fraction]:
    return {"promotional": Fraction(1, 5)}


def _default_streak() -> dict[str, int]:
    return {"promotional": 2}


@dataclass(frozen=True)
class Policy:
    """The limits a workspace sets; built and validated once, then shared by every evaluation.

    Field defaults are the ``80-20`` preset. Mappings are stored read-only and in category
    order, so two policies with the same limits compare (and hash) equal.
    """

    preset: str = "80-20"
    max_share: Mapping[str, Fraction] = field(default_factory=_default_max_share)
    min_share: Mapping[str, Fraction] = field(default_factory=dict)
    streak: Mapping[str, int] = field(default_factory=_default_streak)
    quiet_gap_days: int | None = 7
    severity: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        put = object.__setattr__
        put(self, "preset", _check_preset(self.preset))
        max_share = _by_category(self.max_share, "max_share", parse_share)
        min_share = _by_category(self.min_share, "min_share", parse_share)
        for category, minimum in min_share.items():
            if category in max_share and minimum > max_share[category]:
                raise PolicyError(f"min_share.{category}", "is above the maximum for this category")
        if sum(min_share.values(), Fraction(0)) > 1:
            raise PolicyError("min_share", "the minimum shares add up to more than 100%")
        put(self, "max_share", MappingProxyType(max_share))
        put(self, "min_share", MappingProxyType(min_share))
        put(self, "streak", MappingProxyType(_by_category(self.streak, "streak", parse_streak)))
        put(self, "quiet_gap_days", parse_quiet_gap(self.quiet_gap_days))
        put(self, "severity", MappingProxyType(_severities(self.severity)))

    def __hash__(self) -> int:
        return hash(
            (
                self.preset,
                tuple(self.max_share.items()),
                tuple(self.min_share.items()),
                tuple(self.streak.items()),
                self.quiet_gap_days,
                tuple(self.severity.items()),
            )
        )

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Policy:
        """Build a policy from settings JSON or form values, raising ``PolicyError`` on any fault.

        The preset (default ``80-20``) supplies every setting not given; a setting given
        replaces the preset's whole value for it (``"max_share": {}`` means no maximum), except
        ``severity``, whose rules not mentioned stay ``warn``. ``custom`` starts from the
        ``80-20`` values.
        """
        if not isinstance(data, Mapping):
            raise PolicyError("policy", "must be a mapping of settings")
        unknown = sorted(str(key) for key in data if key not in _KEYS)
        if unknown:
            raise PolicyError(unknown[0], "unknown setting")
        preset = _check_preset(data.get("preset", "80-20"))
        base = PRESETS[preset]
        severity = data.get("severity")
        if severity is not None and not isinstance(severity, Mapping):
            raise PolicyError("severity", "must map rule names to warn or block")
        return cls(
            preset=preset,
            max_share=_shares_from(data, "max_share", base.max_share),
            min_share=_shares_from(data, "min_share", base.min_share),
            streak=data["streak"] if "streak" in data else base.streak,
            quiet_gap_days=data.get("quiet_gap_days", base.quiet_gap_days),
            severity={**base.severity, **(severity or {})},
        )

    def to_dict(self) -> dict[str, Any]:
        """Return JSON-able settings; shares appear as rounded floats and as exact fractions."""
        return {
            "preset": self.preset,
            "max_share": {category: round(float(v), 4) for category, v in self.max_share.items()},
            "max_share_fraction": {category: str(v) for category, v in self.max_share.items()},
            "min_share": {category: round(float(v), 4) for category, v in self.min_share.items()},
            "min_share_fraction": {category: str(v) for category, v in self.min_share.items()},
            "streak": dict(self.streak),
            "quiet_gap_days": self.quiet_gap_days,
            "severity": dict(self.severity),
        }

    def with_changes(self, **changes: Any) -> Policy:
        """Return a copy with *changes* applied and validated again; the preset name is kept."""
        return replace(self, **changes)


PRESETS: dict[str, Policy] = {
    "80-20": Policy(),
    "thirds": Policy(
        preset="thirds",
        max_share={"promotional": Fraction(1, 3)},
        min_share={"conversational": Fraction(1, 4)},
    ),
    "custom": Policy(preset="custom"),
}
DEFAULT_POLICY = PRESETS["80-20"]
