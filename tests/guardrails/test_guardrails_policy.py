"""Policy parsing, validation, presets and the to_dict/from_dict round trip."""

from __future__ import annotations

import json
from decimal import Decimal
from fractions import Fraction

import pytest

from planner.guardrails import DEFAULT_POLICY, PRESETS, RULES, Policy, PolicyError

ALL_WARN = dict.fromkeys(RULES, "warn")


def test_default_policy_is_the_80_20_preset() -> None:
    assert Policy() == DEFAULT_POLICY == PRESETS["80-20"]
    assert DEFAULT_POLICY.preset == "80-20"
    assert dict(DEFAULT_POLICY.max_share) == {"promotional": Fraction(1, 5)}
    assert dict(DEFAULT_POLICY.min_share) == {}
    assert dict(DEFAULT_POLICY.streak) == {"promotional": 2}
    assert DEFAULT_POLICY.quiet_gap_days == 7
    assert dict(DEFAULT_POLICY.severity) == ALL_WARN


def test_thirds_preset() -> None:
    thirds = PRESETS["thirds"]
    assert thirds.preset == "thirds"
    assert dict(thirds.max_share) == {"promotional": Fraction(1, 3)}
    assert dict(thirds.min_share) == {"conversational": Fraction(1, 4)}
    assert dict(thirds.streak) == {"promotional": 2}
    assert thirds.quiet_gap_days == 7


def test_custom_preset_starts_from_80_20_values() -> None:
    custom = PRESETS["custom"]
    assert custom.preset == "custom"
    assert custom.with_changes(preset="80-20") == DEFAULT_POLICY


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({}, DEFAULT_POLICY),
        ({"preset": "80-20"}, DEFAULT_POLICY),
        ({"preset": "thirds"}, PRESETS["thirds"]),
        ({"preset": "custom"}, PRESETS["custom"]),
        (
            {"preset": "thirds", "streak": {"promotional": 3}},
            PRESETS["thirds"].with_changes(streak={"promotional": 3}),
        ),
        (
            {"preset": "thirds", "max_share": {}},
            PRESETS["thirds"].with_changes(max_share={}),
        ),
        ({"quiet_gap_days": None}, DEFAULT_POLICY.with_changes(quiet_gap_days=None)),
        ({"quiet_gap_days": 0}, DEFAULT_POLICY.with_changes(quiet_gap_days=None)),
        ({"quiet_gap_days": "10"}, DEFAULT_POLICY.with_changes(quiet_gap_days=10)),
        ({"quiet_gap_days": 10.0}, DEFAULT_POLICY.with_changes(quiet_gap_days=10)),
        ({"streak": {"promotional": None}}, DEFAULT_POLICY.with_changes(streak={})),
        (
            {"severity": {"streak": "block"}},
            DEFAULT_POLICY.with_changes(severity={**ALL_WARN, "streak": "block"}),
        ),
    ],
)
def test_from_dict_fills_from_the_preset_and_keeps_explicit_values(
    data: dict, expected: Policy
) -> None:
    assert Policy.from_dict(data) == expected


def test_explicit_values_keep_the_preset_name() -> None:
    policy = Policy.from_dict({"preset": "thirds", "max_share": {"promotional": "1/2"}})
    assert policy.preset == "thirds"
    assert dict(policy.max_share) == {"promotional": Fraction(1, 2)}
    assert dict(policy.min_share) == {"conversational": Fraction(1, 4)}


@pytest.mark.parametrize(
    "value",
    [0.2, "0.2", "1/5", "20%", " 20 % ", "2/10", "2e-1", Fraction(1, 5), Decimal("0.20")],
)
def test_share_spellings_are_exact(value: object) -> None:
    policy = Policy.from_dict({"max_share": {"promotional": value}})
    assert policy.max_share["promotional"] == Fraction(1, 5)


@pytest.mark.parametrize(("value", "expected"), [(0, Fraction(0)), (1, Fraction(1)), ("100%", 1)])
def test_share_bounds_are_inclusive(value: object, expected: Fraction) -> None:
    assert Policy.from_dict({"max_share": {"promotional": value}}).max_share["promotional"] == (
        expected
    )


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"max_share": {"promotional": 1.2}}, "max_share.promotional"),
        ({"max_share": {"promotional": 20}}, "max_share.promotional"),
        ({"max_share": {"promotional": "120%"}}, "max_share.promotional"),
        ({"max_share": {"promotional": -0.1}}, "max_share.promotional"),
        ({"max_share": {"promotional": "abc"}}, "max_share.promotional"),
        ({"max_share": {"promotional": True}}, "max_share.promotional"),
        ({"max_share": {"promotional": [0.2]}}, "max_share.promotional"),
        ({"max_share": {"promotional": float("nan")}}, "max_share.promotional"),
        ({"max_share": {"promotional": float("inf")}}, "max_share.promotional"),
        ({"max_share": {"promotional": "1/0"}}, "max_share.promotional"),
        ({"max_share": {"memes": 0.2}}, "max_share.memes"),
        ({"max_share": 0.2}, "max_share"),
        ({"min_share": {"conversational": 2}}, "min_share.conversational"),
        ({"min_share": {"promotional": 0.5}}, "min_share.promotional"),
        ({"min_share": {"educational": 0.6, "curated": 0.5}}, "min_share"),
        (
            {"max_share": {"promotional": 0.2}, "max_share_fraction": {"promotional": "2"}},
            "max_share_fraction.promotional",
        ),
        ({"max_share": {}, "max_share_fraction": "1/5"}, "max_share_fraction"),
        ({"streak": {"promotional": 0}}, "streak.promotional"),
        ({"streak": {"promotional": 2.5}}, "streak.promotional"),
        ({"streak": {"promotional": "two"}}, "streak.promotional"),
        ({"streak": {"promotional": True}}, "streak.promotional"),
        ({"streak": {"gossip": 2}}, "streak.gossip"),
        ({"streak": [2]}, "streak"),
        ({"quiet_gap_days": -1}, "quiet_gap_days"),
        ({"quiet_gap_days": 1.5}, "quiet_gap_days"),
        ({"quiet_gap_days": "seven"}, "quiet_gap_days"),
        ({"quiet_gap_days": True}, "quiet_gap_days"),
        ({"quiet_gap_days": 400}, "quiet_gap_days"),
        ({"severity": {"streak": "stop"}}, "severity.streak"),
        ({"severity": {"streak": None}}, "severity.streak"),
        ({"severity": {"spam": "warn"}}, "severity.spam"),
        ({"severity": "block"}, "severity"),
        ({"preset": "90-10"}, "preset"),
        ({"preset": None}, "preset"),
        ({"max_shares": {}}, "max_shares"),
    ],
)
def test_from_dict_names_the_bad_field(data: dict, field: str) -> None:
    with pytest.raises(PolicyError) as caught:
        Policy.from_dict(data)
    assert caught.value.field == field
    assert caught.value.message
    assert str(caught.value).startswith(f"{field}: ")


def test_from_dict_rejects_a_non_mapping() -> None:
    with pytest.raises(PolicyError) as caught:
        Policy.from_dict([("preset", "80-20")])  # type: ignore[arg-type]
    assert caught.value.field == "policy"


def test_policy_error_is_a_value_error() -> None:
    assert issubclass(PolicyError, ValueError)


def test_constructor_validates_too() -> None:
    with pytest.raises(PolicyError) as caught:
        Policy(max_share={"promotional": Fraction(3, 2)})
    assert caught.value.field == "max_share.promotional"


ROUND_TRIP = [
    *PRESETS.values(),
    Policy(
        preset="custom",
        max_share={"promotional": Fraction(2, 7), "curated": Fraction(1, 3)},
        min_share={"educational": Fraction(1, 3), "conversational": Fraction(33335, 100000)},
        streak={"promotional": 3, "curated": 1},
        quiet_gap_days=None,
        severity={"max_share": "block", "quiet_gap": "block"},
    ),
    Policy(preset="thirds", max_share={}, streak={}, quiet_gap_days=30),
]


@pytest.mark.parametrize("policy", ROUND_TRIP)
def test_to_dict_round_trips_exactly_through_json(policy: Policy) -> None:
    data = json.loads(json.dumps(policy.to_dict()))
    assert Policy.from_dict(data) == policy
    assert hash(Policy.from_dict(data)) == hash(policy)


def test_to_dict_shape() -> None:
    assert PRESETS["thirds"].to_dict() == {
        "preset": "thirds",
        "max_share": {"promotional": 0.3333},
        "max_share_fraction": {"promotional": "1/3"},
        "min_share": {"conversational": 0.25},
        "min_share_fraction": {"conversational": "1/4"},
        "streak": {"promotional": 2},
        "quiet_gap_days": 7,
        "severity": ALL_WARN,
    }


def test_a_stale_fraction_does_not_override_an_edited_share() -> None:
    data = PRESETS["80-20"].to_dict()
    data["max_share"] = {"promotional": 0.3}
    assert Policy.from_dict(data).max_share["promotional"] == Fraction(3, 10)


def test_a_rounded_share_alone_is_taken_as_written() -> None:
    policy = Policy.from_dict({"max_share": {"promotional": 0.3333}})
    assert policy.max_share["promotional"] == Fraction(3333, 10000)


def test_policy_is_immutable_and_hashable() -> None:
    with pytest.raises(TypeError):
        DEFAULT_POLICY.max_share["promotional"] = Fraction(1, 2)  # type: ignore[index]
    assert len({Policy(), Policy.from_dict({}), PRESETS["thirds"]}) == 2
