"""A channel's own guardrails through the API and its page, and the warnings they change."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import select

from planner.models import AuditEvent, Channel, Role
from tests.factories import add_post, make_channel


@pytest.fixture()
def shop(auth, session):
    """A UTC workspace with a feed and a deals newsletter, both with four promotions in a row."""
    owner = auth.user(timezone="UTC")
    feed = make_channel(session, owner.workspace, "Feed")
    deals = make_channel(session, owner.workspace, "Deals")
    for channel in (feed, deals):
        for day in (1, 2, 3, 4):
            add_post(
                session,
                owner,
                at=datetime(2027, 3, day, 9, tzinfo=UTC),
                category="promotional",
                channels=[channel.id],
            )
    return owner, feed, deals


def url(owner, channel) -> str:
    return f"/api/v1/workspaces/{owner.workspace.id}/channels/{channel.id}/guardrails/policy"


def warned(api, owner) -> set[tuple[str, int]]:
    body = api(owner).get(
        f"/api/v1/workspaces/{owner.workspace.id}/guardrails"
        "?start=2027-03-01T00:00Z&end=2027-04-01T00:00Z"
    )
    return {(w["rule"], w["channel_id"]) for w in body.get_json()["warnings"]}


def test_a_channel_inherits_until_it_gets_its_own(api, shop, session) -> None:
    owner, feed, deals = shop
    assert api(owner).get(url(owner, deals)).get_json() == {"inherit": True, "off": []}
    before = warned(api, owner)
    assert {("max_share", deals.id), ("streak", deals.id), ("quiet_gap", deals.id)} <= before

    put = api(owner).call(
        "PUT", url(owner, deals), json={"inherit": True, "off": ["max_share", "streak"]}
    )
    assert put.status_code == 200
    assert put.get_json() == {"inherit": True, "off": ["max_share", "streak"]}
    after = warned(api, owner)
    assert after == before - {("max_share", deals.id), ("streak", deals.id)}
    assert ("max_share", feed.id) in after  # the feed still follows the workspace

    own = {"inherit": False, "preset": "custom", "max_share": {"promotional": 1}, "streak": {}}
    put = api(owner).call("PUT", url(owner, deals), json={**own, "quiet_gap_days": 30})
    assert put.status_code == 200 and put.get_json()["inherit"] is False
    got = api(owner).get(url(owner, deals)).get_json()
    assert got["max_share"] == {"promotional": 1.0} and got["quiet_gap_days"] == 30
    assert {r for r, c in warned(api, owner) if c == deals.id} == set()

    back = api(owner).call("PUT", url(owner, deals), json={"inherit": True})
    assert back.status_code == 200
    session.expire_all()
    assert session.get(Channel, deals.id).guardrail_policy is None
    assert warned(api, owner) == before
    events = session.exec(select(AuditEvent).where(AuditEvent.action == "channel_policy_changed"))
    assert len(events.all()) == 3


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"inherit": "yes"}, "inherit"),
        ({"inherit": True, "off": ["naps"]}, "off"),
        (
            {"inherit": False, "preset": "custom", "max_share": {"promotional": 2}},
            "max_share.promotional",
        ),
        ({"inherit": True, "quiet_gap_days": 3}, "quiet_gap_days"),
        ({"inherit": False, "quiet_gap_days": -1}, "quiet_gap_days"),
    ],
)
def test_a_bad_policy_is_422_naming_the_field(api, shop, body, field) -> None:
    owner, _feed, deals = shop
    resp = api(owner).call("PUT", url(owner, deals), json=body)
    assert resp.status_code == 422
    error = resp.get_json()["error"]
    assert error["code"] == "validation_error" and field in error["fields"]


def test_only_owners_change_it_and_only_in_their_workspace(api, auth, shop, session) -> None:
    owner, _feed, deals = shop
    editor = auth.user(workspace=owner.workspace, role=Role.EDITOR)
    assert api(editor).get(url(owner, deals)).status_code == 200
    assert api(editor).call("PUT", url(owner, deals), json={"inherit": True}).status_code == 403
    stranger = auth.user()
    other = make_channel(session, stranger.workspace, "Theirs")
    assert api(owner).get(url(owner, other)).status_code == 404
    not_json = api(owner).call("PUT", url(owner, deals), data="x")
    assert not_json.status_code == 400


def test_the_pages_link_and_list_a_channels_own_guardrails(client, auth, shop, session) -> None:
    owner, feed, deals = shop
    browser = auth.login(client, owner)
    page = f"/channels/{deals.id}/guardrails"
    assert f'href="{page}"' in browser.get("/channels/").get_data(as_text=True)
    settings = browser.get("/settings/guardrails").get_data(as_text=True)
    assert "None: every channel follows these guardrails." in settings
    form = browser.get(page).get_data(as_text=True)
    assert "Guardrails for Deals" in form and 'checked id="inherit-0"' in form
    saved = browser.post(
        page,
        data={
            "inherit": "inherit",
            "off_max_share": "y",
            "off_streak": "y",
            "preset": "80-20",
            "severity_max_share": "warn",
            "severity_min_share": "warn",
            "severity_streak": "warn",
            "severity_quiet_gap": "warn",
        },
    )
    assert saved.status_code == 302
    session.expire_all()
    assert session.get(Channel, deals.id).guardrail_policy == {
        "inherit": True,
        "off": ["max_share", "streak"],
    }
    settings = browser.get("/settings/guardrails").get_data(as_text=True)
    assert f'<a href="{page}">Deals</a>' in settings
    assert "too large a share, too many in a row switched off" in settings
    # The month view no longer warns about the newsletter's offers.
    month = browser.get("/?month=2027-03").get_data(as_text=True)
    assert "promotional posts in a row on Feed" in month
    assert "promotional posts in a row on Deals" not in month
    # Own numbers, with a fault named on the field.
    bad = browser.post(
        page,
        data={
            "inherit": "own",
            "preset": "custom",
            "max_promotional": "150",
            "severity_max_share": "warn",
            "severity_min_share": "warn",
            "severity_streak": "warn",
            "severity_quiet_gap": "warn",
        },
    )
    assert bad.status_code == 422


def test_a_non_owner_sees_the_channel_page_without_a_form(client, auth, shop) -> None:
    owner, _feed, deals = shop
    editor = auth.user(workspace=owner.workspace, role=Role.EDITOR)
    page = auth.login(client, editor).get(f"/channels/{deals.id}/guardrails")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Follows the workspace's guardrails" in text and "<form" not in text.split("<main")[-1]
