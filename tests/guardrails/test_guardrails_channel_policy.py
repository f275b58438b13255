"""A channel's own guardrails: reading them, and each channel judged by its own policy."""

from __future__ import annotations

from datetime import datetime, timedelta
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest

from planner.guardrails import (
    DEFAULT_POLICY,
    INHERIT,
    PRESETS,
    ChannelPolicy,
    PolicyError,
    PostSnapshot,
    evaluate,
)
from planner.timeutils import local_to_utc

BERLIN = ZoneInfo("Europe/Berlin")
NAMES = {1: "Feed", 2: "Deals"}


def at(text: str) -> datetime:
    return local_to_utc(datetime.fromisoformat(text), BERLIN)


def offers(channel: int, first_id: int) -> list[PostSnapshot]:
    """Four promotions on 9-12 March, one a day: a share, a streak, then a quiet rest of March."""
    start = at("2026-03-09 09:00")
    return [
        PostSnapshot(first_id + i, "promotional", start + timedelta(days=i), "approved", (channel,))
        for i in range(4)
    ]


def rules_by_channel(channel_policies=None) -> set[tuple[str, int | None]]:
    found = evaluate(
        offers(1, 1) + offers(2, 10),
        DEFAULT_POLICY,
        BERLIN,
        now=at("2026-03-01"),
        start=at("2026-03-01"),
        end=at("2026-04-01"),
        channel_names=NAMES,
        channel_policies=channel_policies,
    )
    return {(w.rule, w.channel_id) for w in found}


def test_without_overrides_both_channels_warn_alike() -> None:
    assert rules_by_channel() == {
        (rule, channel) for rule in ("max_share", "streak", "quiet_gap") for channel in (1, 2)
    }


def test_a_channel_switching_rules_off_is_judged_without_them() -> None:
    deals = ChannelPolicy(off=("max_share", "streak")).resolve(DEFAULT_POLICY)
    assert rules_by_channel({2: deals}) == {
        ("max_share", 1),
        ("streak", 1),
        ("quiet_gap", 1),
        ("quiet_gap", 2),
    }
    quiet_off = ChannelPolicy(off=("quiet_gap",)).resolve(DEFAULT_POLICY)
    assert ("quiet_gap", 2) not in rules_by_channel({2: quiet_off})


def test_a_channel_with_its_own_policy_uses_its_numbers() -> None:
    own = ChannelPolicy.from_dict(
        {"preset": "custom", "max_share": {"promotional": 1}, "streak": {"promotional": 10}}
    )
    assert rules_by_channel({2: own.resolve(DEFAULT_POLICY)}) == {
        ("max_share", 1),
        ("streak", 1),
        ("quiet_gap", 1),
        ("quiet_gap", 2),
    }


def test_inheriting_follows_whatever_the_workspace_sets() -> None:
    thirds = PRESETS["thirds"]
    assert INHERIT.resolve(thirds) is thirds
    assert ChannelPolicy(off=("min_share",)).resolve(thirds).min_share == {}
    assert ChannelPolicy(off=("min_share",)).resolve(thirds).max_share == {
        "promotional": Fraction(1, 3)
    }


@pytest.mark.parametrize(
    "data",
    [
        {"inherit": True},
        {"inherit": True, "off": ["quiet_gap"]},
        {"inherit": False, "off": [], **PRESETS["thirds"].to_dict()},
        {"inherit": False, "off": ["streak", "max_share"], **DEFAULT_POLICY.to_dict()},
    ],
)
def test_round_trip(data) -> None:
    value = ChannelPolicy.from_dict(data)
    again = ChannelPolicy.from_dict(value.to_dict())
    assert again == value
    assert again.to_dict()["inherit"] is data["inherit"]


def test_off_is_kept_in_rule_order() -> None:
    value = ChannelPolicy.from_dict({"inherit": True, "off": ["quiet_gap", "max_share"]})
    assert value.off == ("max_share", "quiet_gap")
    assert not value.is_default and INHERIT.is_default


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ([], "policy"),
        ({"inherit": "yes"}, "inherit"),
        ({"inherit": True, "off": "quiet_gap"}, "off"),
        ({"inherit": True, "off": ["sleep"]}, "off"),
        ({"inherit": True, "preset": "thirds"}, "preset"),
        ({"preset": "custom", "max_share": {"promotional": 2}}, "max_share.promotional"),
        ({"preset": "nope"}, "preset"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_errors_name_the_field(data, field: str) -> None:
    with pytest.raises(PolicyError) as caught:
        ChannelPolicy.from_dict(data)
    assert caught.value.field == field
