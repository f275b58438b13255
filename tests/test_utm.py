"""tag_link: UTM tags on the workspace's own links only, never replacing what is there."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from planner.utm import month_of, outgoing, tag_link, utm_settings

ON = {"enabled": True, "medium": "social", "campaign": "{month}", "domains": ["shop.example"]}


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "https://shop.example/bread",
            "https://shop.example/bread?utm_source=mastodon&utm_medium=social&utm_campaign=2026-03",
        ),
        (
            "https://www.shop.example/a?b=1&c=two%20words#top",
            "https://www.shop.example/a?b=1&c=two%20words"
            "&utm_source=mastodon&utm_medium=social&utm_campaign=2026-03#top",
        ),
        (
            "https://SHOP.example",
            "https://SHOP.example/?utm_source=mastodon&utm_medium=social&utm_campaign=2026-03",
        ),
        # Someone else's site, or one whose name merely ends the same way, is left alone.
        ("https://other.example/x", "https://other.example/x"),
        ("https://notshop.example/x", "https://notshop.example/x"),
        ("https://shop.example.evil.test/x", "https://shop.example.evil.test/x"),
        ("mailto:hi@shop.example", "mailto:hi@shop.example"),
        # Tags already present win; only the missing ones are added.
        (
            "https://shop.example/x?utm_campaign=spring&UTM_SOURCE=newsletter",
            "https://shop.example/x?utm_campaign=spring&UTM_SOURCE=newsletter&utm_medium=social",
        ),
        (
            "https://shop.example/x?utm_source=a&utm_medium=b&utm_campaign=c",
            "https://shop.example/x?utm_source=a&utm_medium=b&utm_campaign=c",
        ),
    ],
)
def test_tag_link(url: str, expected: str) -> None:
    assert (
        tag_link(url, platform="mastodon", settings=ON, campaign=None, month="2026-03") == expected
    )


def test_a_post_campaign_beats_the_monthly_pattern() -> None:
    tagged = tag_link(
        "https://shop.example/", platform="bluesky", settings=ON, campaign="easter sale", month="x"
    )
    assert tagged.endswith("utm_source=bluesky&utm_medium=social&utm_campaign=easter+sale")


def test_pattern_may_wrap_the_month() -> None:
    settings = {**ON, "campaign": "social-{month}"}
    tagged = tag_link(
        "https://shop.example/",
        platform="webhook",
        settings=settings,
        campaign=None,
        month="2027-01",
    )
    assert tagged.endswith("utm_campaign=social-2027-01")


def test_disabled_or_unconfigured_settings_change_nothing() -> None:
    url = "https://shop.example/x"
    assert (
        tag_link(url, platform="m", settings={**ON, "enabled": False}, campaign=None, month="m")
        == url
    )
    assert tag_link(url, platform="m", settings={}, campaign=None, month="m") == url
    assert (
        tag_link(url, platform="m", settings={**ON, "domains": []}, campaign=None, month="m") == url
    )
    assert tag_link("", platform="m", settings=ON, campaign=None, month="m") == ""


def test_month_is_the_local_month() -> None:
    london = ZoneInfo("Europe/London")
    tokyo = ZoneInfo("Asia/Tokyo")
    late = datetime(2026, 3, 31, 23, 30, tzinfo=UTC)
    assert month_of(late, london, now=late) == "2026-04"  # 00:30 BST on 1 April
    assert month_of(late, tokyo, now=late) == "2026-04"
    assert month_of(None, london, now=datetime(2026, 1, 5, tzinfo=UTC)) == "2026-01"


def test_settings_defaults() -> None:
    assert utm_settings({}) == {
        "enabled": False,
        "medium": "social",
        "campaign": "{month}",
        "domains": [],
    }
    assert utm_settings({"utm": {"enabled": True, "junk": 1}})["enabled"] is True
    assert "junk" not in utm_settings({"utm": {"enabled": True, "junk": 1}})


def test_outgoing_replaces_the_quoted_link_and_leaves_longer_addresses_alone() -> None:
    body = "Fresh rye today: https://shop.example/rye. Older: https://shop.example/rye/2025"
    text, link = outgoing(
        body,
        "https://shop.example/rye",
        platform="bluesky",
        settings=ON,
        campaign="bread week",
        month="2026-03",
    )
    tagged = "https://shop.example/rye?utm_source=bluesky&utm_medium=social&utm_campaign=bread+week"
    assert link == tagged
    assert text == f"Fresh rye today: {tagged}. Older: https://shop.example/rye/2025"


def test_outgoing_keeps_text_and_link_when_nothing_is_tagged() -> None:
    body = "See https://other.example/x"
    assert outgoing(
        body, "https://other.example/x", platform="mastodon", settings=ON, campaign=None, month="m"
    ) == (body, "https://other.example/x")
    assert outgoing(body, None, platform="mastodon", settings=ON, campaign=None, month="m") == (
        body,
        None,
    )
