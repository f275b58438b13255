"""First steps after registering: a checklist on the month view, ticked as the workspace fills."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time

import pytest

from planner.models import Invitation, PostingSlot, Role
from planner.web.planning import fill_month_default
from tests.conftest import NOW
from tests.factories import make_channel, make_post


def _steps(client) -> dict[str, str]:
    """Each step on the month view and whether it is ``done`` or ``todo``."""
    html = client.get("/").get_data(as_text=True)
    return dict(
        (key, state)
        for state, key in re.findall(r'<li class="(done|todo)" data-step="([a-z_]+)">', html)
    )


def test_a_new_owner_sees_four_steps_ticked_as_they_are_done(client, auth, session) -> None:
    owner = auth.user()
    auth.login(client, owner)
    page = client.get("/").get_data(as_text=True)
    assert "First steps" in page and "0 of 4 done" in page
    for href in ("/channels/new", "/slots", "/posts/new", "/import/", "/settings/members"):
        assert f'href="{href}"' in page, href
    assert _steps(client) == dict.fromkeys(
        ("channel", "posting_times", "first_posts", "invite"), "todo"
    )

    channel = make_channel(session, owner.workspace)
    assert _steps(client)["channel"] == "done"
    session.add(
        PostingSlot(
            workspace_id=owner.workspace.id,
            channel_id=channel.id,
            weekday=1,
            local_time=time(9, 0),
            created_at=NOW,
        )
    )
    session.commit()
    make_post(session, owner, at=NOW)
    assert _steps(client) == {
        "channel": "done",
        "posting_times": "done",
        "first_posts": "done",
        "invite": "todo",
    }
    assert "3 of 4 done" in client.get("/").get_data(as_text=True)
    # An invitation (even one not yet accepted) is the last step: then the list goes away.
    session.add(
        Invitation(
            workspace_id=owner.workspace.id,
            role=Role.EDITOR,
            token_hash="x" * 64,
            created_at=NOW,
            expires_at=NOW,
        )
    )
    session.commit()
    assert "First steps" not in client.get("/").get_data(as_text=True)


def test_the_owner_can_hide_the_steps_and_others_never_see_them(client, auth, session) -> None:
    owner = auth.user()
    editor = auth.user(workspace=owner.workspace, role=Role.EDITOR)
    auth.login(client, editor)
    assert "First steps" not in client.get("/").get_data(as_text=True)
    assert client.post("/onboarding/dismiss").status_code == 403
    session.refresh(owner.workspace)
    assert not (owner.workspace.settings or {}).get("onboarding_dismissed")

    client.post("/logout")
    auth.login(client, owner)
    assert "First steps" in client.get("/").get_data(as_text=True)
    resp = client.post("/onboarding/dismiss", follow_redirects=True)
    assert "First steps hidden" in resp.get_data(as_text=True)
    assert "First steps" not in client.get("/").get_data(as_text=True).replace(
        "First steps hidden", ""
    )


def _field(html: str, name: str) -> str:
    """The markup of one form field's box in *html*."""
    start = html.index(f'<label for="{name}"')
    return html[start : html.index("</div>", start)]


def test_the_composer_has_no_category_until_one_is_chosen(client, auth) -> None:
    owner = auth.user()
    auth.login(client, owner)
    page = client.get("/posts/new").get_data(as_text=True)
    select = _field(page, "category")
    # The empty choice comes first and nothing else is selected, so the browser shows it.
    assert '<select id="category" name="category" required><option value="">Choose' in select
    assert "selected" not in select
    resp = client.post("/posts/new", data={"body": "Rye is back on Friday", "date": ""})
    assert resp.status_code == 422
    page = resp.get_data(as_text=True)
    assert "Choose a category: the guardrails count posts by it." in _field(page, "category")
    assert "Rye is back on Friday</textarea>" in page  # what was typed is still there
    # Drafting for a posting time that prefers a category starts with that one.
    slot = _field(client.get("/posts/new?category=curated").get_data(as_text=True), "category")
    assert '<option selected value="curated">Curated</option>' in slot
    nonsense = client.get("/posts/new?category=nonsense").get_data(as_text=True)
    assert "selected" not in _field(nonsense, "category")


def test_a_short_password_is_explained_once(client, auth) -> None:
    resp = client.post(
        "/register",
        data={"email": "a@example.com", "password": "short", "workspace": "S", "timezone": "UTC"},
    )
    box = _field(resp.get_data(as_text=True), "password")
    assert "Use at least 8 characters." in box and box.lower().count("8 characters") == 1
    assert "data-guess-zone" not in resp.get_data(as_text=True)  # the zone chosen stays
    assert "data-guess-zone" in client.get("/register").get_data(as_text=True)

    owner = auth.user()
    auth.login(client, owner)
    resp = client.post(
        "/settings/password",
        data={"current_password": owner.password, "new_password": "short", "confirm": "short"},
    )
    box = _field(resp.get_data(as_text=True), "new_password")
    assert "Use at least 8 characters." in box and box.lower().count("8 characters") == 1


@pytest.mark.parametrize(
    ("today", "offered"),
    [
        (date(2026, 3, 21), date(2026, 3, 1)),  # 11 days left, this one included
        (date(2026, 3, 22), date(2026, 4, 1)),  # the last 10 days: next month
        (date(2026, 2, 18), date(2026, 2, 1)),
        (date(2026, 2, 19), date(2026, 3, 1)),
        (date(2026, 12, 31), date(2027, 1, 1)),
        (date(2026, 4, 1), date(2026, 4, 1)),
    ],
)
def test_fill_a_month_offers_next_month_in_the_last_ten_days(today, offered) -> None:
    assert fill_month_default(today) == offered


def test_the_plan_and_the_ideas_page_start_with_that_month(client, auth, monkeypatch) -> None:
    monkeypatch.setattr(
        "planner.web.planning.utcnow", lambda: datetime(2026, 3, 25, 12, tzinfo=UTC)
    )
    owner = auth.user()
    auth.login(client, owner)
    assert "month=2026-04" in client.get("/plan").location
    ideas = client.get("/ideas").get_data(as_text=True)
    assert '<option value="2026-04" selected>April 2026</option>' in ideas
    assert '<option value="2026-03">March 2026</option>' in ideas


def _view_links(html: str) -> dict[str, str]:
    group = html[html.index('class="viewswitch"') :]
    return dict(
        (label, href)
        for href, label in re.findall(
            r'<a href="([^"]+)"[^>]*>(\w+)</a>', group[: group.index("</div>")]
        )
    )


def test_switching_between_month_and_week_keeps_the_time_viewed(client, auth, monkeypatch) -> None:
    monkeypatch.setattr(
        "planner.web.calendar.utcnow", lambda: datetime(2026, 3, 18, 12, tzinfo=UTC)
    )
    owner = auth.user()
    auth.login(client, owner)
    # This month opens on today's week; another month on its first week.
    assert _view_links(client.get("/").get_data(as_text=True))["Week"] == "/week?date=2026-03-18"
    may = _view_links(client.get("/?month=2026-05").get_data(as_text=True))
    assert may["Week"] == "/week?date=2026-05-01"
    # A week opens the month that holds its Thursday.
    assert _view_links(client.get("/week?date=2026-04-29").get_data(as_text=True))["Month"] == (
        "/?month=2026-04"
    )
    turn = _view_links(client.get("/week?date=2026-03-30").get_data(as_text=True))
    assert turn["Month"] == "/?month=2026-04"  # 30 March to 5 April: Thursday is 2 April
    page = client.get(may["Week"]).get_data(as_text=True)
    assert "Week of 27 April 2026" in page
