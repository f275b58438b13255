"""The calendar feed: a secret per-member address serving valid iCalendar, revocable at once."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from sqlmodel import select

from planner.models import CalendarFeed, Post, Role
from planner.services import workspaces
from tests.conftest import NOW
from tests.factories import add_post, make_channel


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch) -> None:
    """The feed covers 60 days back to a year ahead of now: pin now to the tests' NOW."""
    monkeypatch.setattr("planner.web.feeds.utcnow", lambda: NOW)


def _make_feed(client, auth, member) -> str:
    auth.login(client, member)
    page = client.post("/settings/calendar-feed").get_data(as_text=True)
    url = re.search(r'id="feed-url" type="text" readonly value="([^"]+)"', page).group(1)
    client.post("/logout")
    return url.removeprefix("http://planner.test")


def _calendar(client, path: str) -> Calendar:
    resp = client.get(path)
    assert resp.status_code == 200, resp.status_code
    assert resp.mimetype == "text/calendar"
    return Calendar.from_ical(resp.data)


def test_feed_serves_the_workspace_plan_as_icalendar(app, client, auth, session) -> None:
    owner = auth.user(workspace_name="Bakery", timezone="Europe/London")
    ch = make_channel(session, owner.workspace, "Mastodon")
    post = add_post(
        session,
        owner,
        at=datetime(2026, 3, 10, 9, tzinfo=UTC),
        body="Our sourdough class is back: book your seat for Saturday morning",
        category="promotional",
        channels=[ch.id],
        status="approved",
        link="https://shop.example/class",
    )
    add_post(session, owner, at=NOW - timedelta(days=61), body="Too old")
    add_post(session, owner, at=NOW + timedelta(days=367), body="Too far ahead")
    idea = Post(
        workspace_id=owner.workspace.id,
        body="An idea",
        category="curated",
        created_at=NOW,
        updated_at=NOW,
    )
    session.add(idea)
    session.commit()
    app.config["BASE_URL"] = "https://planner.shop.example/"

    path = _make_feed(client, auth, owner)
    raw = client.get(path).data
    assert b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")  # CRLF only (RFC 5545)
    assert all(len(line) <= 75 for line in raw.split(b"\r\n"))  # folded
    cal = Calendar.from_ical(raw)
    assert str(cal["VERSION"]) == "2.0" and "planner" in str(cal["PRODID"])
    assert str(cal["X-WR-CALNAME"]) == "Bakery – Planner"
    events = cal.walk("VEVENT")
    assert len(events) == 1
    ev = events[0]
    assert str(ev["UID"]) == f"post-{post.id}@planner"
    assert ev.decoded("DTSTART") == datetime(2026, 3, 10, 9, tzinfo=UTC)
    assert ev.decoded("DTEND") - ev.decoded("DTSTART") == timedelta(minutes=15)
    assert str(ev["SUMMARY"]) == "[Promotional] Our sourdough class is back: book your seat…"
    description = str(ev["DESCRIPTION"])
    assert description.startswith("Our sourdough class is back")
    assert "Channels: Mastodon" in description and "Status: approved" in description
    assert "https://shop.example/class" in description
    assert str(ev["URL"]) == f"https://planner.shop.example/posts/{post.id}"
    assert [str(c) for c in ev["CATEGORIES"].cats] == ["Promotional"]


def test_times_round_trip_across_the_clock_change(client, auth, session) -> None:
    owner = auth.user(timezone="Europe/London")
    # 10:00 in London on each side of 29 March 2026: GMT (UTC+0), then BST (UTC+1).
    before = add_post(session, owner, at=datetime(2026, 3, 27, 10, tzinfo=UTC), body="Before")
    after = add_post(session, owner, at=datetime(2026, 3, 30, 9, tzinfo=UTC), body="After")
    cal = _calendar(client, _make_feed(client, auth, owner))
    starts = {str(e["SUMMARY"]): e.decoded("DTSTART") for e in cal.walk("VEVENT")}
    assert starts["[Educational] Before"] == before.scheduled_at
    assert starts["[Educational] After"] == after.scheduled_at
    london = ZoneInfo("Europe/London")
    assert {s.astimezone(london).strftime("%H:%M") for s in starts.values()} == {"10:00"}


def test_the_token_is_stored_hashed_and_regenerating_replaces_it(client, auth, session) -> None:
    owner = auth.user()
    first = _make_feed(client, auth, owner)
    token = first.removeprefix("/feed/").removesuffix(".ics")
    feed = session.exec(select(CalendarFeed)).one()
    assert (
        feed.token_hash == hashlib.sha256(token.encode()).hexdigest()
        and token not in feed.token_hash
    )
    second = _make_feed(client, auth, owner)
    assert second != first
    assert client.get(first).status_code == 404
    assert client.get(second).status_code == 200
    assert len(session.exec(select(CalendarFeed)).all()) == 1


def test_revoking_stops_the_feed(client, auth) -> None:
    owner = auth.user()
    path = _make_feed(client, auth, owner)
    auth.login(client, owner)
    page = client.get("/settings/calendar-feed").get_data(as_text=True)
    assert "Turn the feed off" in page and 'aria-current="page">Calendar feed' in page
    resp = client.post("/settings/calendar-feed/revoke", follow_redirects=True)
    assert "stops working at once" in resp.get_data(as_text=True)
    assert client.get(path).status_code == 404
    assert "Make my feed address" in client.get("/settings/calendar-feed").get_data(as_text=True)


def test_a_feed_is_one_members_view_of_one_workspace(client, auth, session) -> None:
    owner = auth.user(workspace_name="Mine")
    other = auth.user(workspace_name="Theirs")
    add_post(session, owner, at=datetime(2026, 3, 10, 9, tzinfo=UTC), body="Mine")
    add_post(session, other, at=datetime(2026, 3, 10, 9, tzinfo=UTC), body="Theirs")
    editor = auth.user(workspace=owner.workspace, role=Role.EDITOR)
    path = _make_feed(client, auth, editor)
    cal = _calendar(client, path)
    assert [str(e["SUMMARY"]) for e in cal.walk("VEVENT")] == ["[Educational] Mine"]
    acc = workspaces.access(session=session, user=owner.user, workspace_id=owner.workspace.id)
    workspaces.remove_member(session=session, acc=acc, user_id=editor.user.id, now=NOW)
    session.commit()
    assert client.get(path).status_code == 404


def test_unknown_tokens_are_404_without_a_login(client) -> None:
    assert client.get("/feed/not-a-token.ics").status_code == 404
    assert client.get("/settings/calendar-feed").status_code == 302  # the settings need a login
