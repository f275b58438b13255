from __future__ import annotations

import re
from datetime import UTC, datetime

from tests.factories import add_post


def _day_cell(html: str, day: str) -> str:
    start = html.index(f'id="day-{day}"')
    nxt = re.compile(r'class="day[ "]').search(html, start)
    return html[start : nxt.start() if nxt else len(html)]


def test_month_view_places_posts_on_their_local_day(client, auth, session) -> None:
    owner = auth.user(timezone="America/Los_Angeles")
    # Sunday 8 March 2026, 23:30 in Los Angeles is Monday 06:30 UTC.
    add_post(
        session, owner, at=datetime(2026, 3, 9, 6, 30, tzinfo=UTC), body="Late Sunday question"
    )
    auth.login(client, owner)
    html = client.get("/?month=2026-03").get_data(as_text=True)
    assert "March 2026" in html
    assert "Late Sunday question" in _day_cell(html, "2026-03-08")
    assert "Late Sunday question" not in _day_cell(html, "2026-03-09")
    assert "23:30" in _day_cell(html, "2026-03-08")


def test_month_navigation_and_default_month(client, auth) -> None:
    owner = auth.user()
    auth.login(client, owner)
    html = client.get("/?month=2026-01").get_data(as_text=True)
    assert "?month=2025-12" in html and "?month=2026-02" in html
    assert client.get("/?month=garbage").status_code == 200  # falls back to the current month


def test_week_mix_counts_each_category(client, auth, session) -> None:
    owner = auth.user(timezone="UTC")
    for day, cat in [(2, "promotional"), (3, "promotional"), (4, "educational"), (10, "curated")]:
        add_post(
            session, owner, at=datetime(2026, 3, day, 9, tzinfo=UTC), category=cat, body=f"p{day}"
        )
    auth.login(client, owner)
    html = client.get("/?month=2026-03").get_data(as_text=True)
    week = html[
        html.index('aria-label="Week of 2 March"') : html.index('aria-label="Week of 9 March"')
    ]
    assert (
        'aria-label="Week mix: 2 promotional, 1 educational, 0 conversational, 0 curated"' in week
    )
    assert "3 posts" in week


def test_week_view_and_list_filters(client, auth, session) -> None:
    owner = auth.user(timezone="UTC")
    add_post(
        session,
        owner,
        at=datetime(2026, 3, 2, 9, tzinfo=UTC),
        category="promotional",
        body="Promo one",
    )
    add_post(
        session,
        owner,
        at=datetime(2026, 3, 3, 9, tzinfo=UTC),
        category="educational",
        body="Teach one",
        status="in_review",
    )
    auth.login(client, owner)
    week = client.get("/week?date=2026-03-04").get_data(as_text=True)
    assert "Week of 2 March 2026" in week and "Promo one" in week and "Teach one" in week
    listed = client.get("/list?category=promotional").get_data(as_text=True)
    assert "Promo one" in listed and "Teach one" not in listed
    listed = client.get("/list?status=in_review").get_data(as_text=True)
    assert "Teach one" in listed and "Promo one" not in listed
    listed = client.get("/list?q=teach").get_data(as_text=True)
    assert "Teach one" in listed and "Promo one" not in listed
    assert re.search(r"1 post\b", listed)
