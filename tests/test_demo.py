from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from planner.demo import DEMO_EMAIL, DEMO_PASSWORD, DEMO_WORKSPACE, load_demo
from planner.inbox_models import InboxItem
from planner.models import Channel, Post, Workspace
from planner.services import guardrail_checks, inbox
from planner.timeutils import get_zone, month_window, to_local, utcnow


@pytest.mark.parametrize(
    "now",
    [
        datetime(2026, 3, 1, 7, 0, tzinfo=UTC),  # start of a month, DST change ahead
        datetime(2026, 6, 15, 12, 0, tzinfo=UTC),  # mid-month
        datetime(2026, 10, 30, 21, 0, tzinfo=UTC),  # end of a month, just after DST ends
    ],
)
def test_demo_plan_trips_each_default_rule(session, now) -> None:
    assert load_demo(session=session, now=now, password_method="pbkdf2:sha256:1000")
    session.commit()
    ws = session.exec(select(Workspace).where(Workspace.name == DEMO_WORKSPACE)).one()
    found = guardrail_checks.evaluate_range(
        session=session, workspace=ws, start=now, end=now + timedelta(days=30), now=now
    ).warnings
    assert {w.rule for w in found} >= {"max_share", "streak", "quiet_gap"}
    quiet = [w for w in found if w.rule == "quiet_gap"]
    assert any("Newsletter" in w.message for w in quiet)
    assert not load_demo(session=session, now=now)  # never twice


@pytest.mark.parametrize(
    "now",
    [
        datetime(2026, 3, 1, 7, 0, tzinfo=UTC),
        datetime(2026, 6, 15, 12, 0, tzinfo=UTC),
        datetime(2026, 10, 30, 21, 0, tzinfo=UTC),
        datetime(2026, 12, 1, 18, 0, tzinfo=UTC),
    ],
)
def test_the_demo_month_shows_only_the_spots_left_on_purpose(session, now) -> None:
    assert load_demo(session=session, now=now, password_method="pbkdf2:sha256:1000")
    session.commit()
    ws = session.exec(select(Workspace).where(Workspace.name == DEMO_WORKSPACE)).one()
    names = {c.id: c.name for c in session.exec(select(Channel))}
    tz = get_zone(ws.timezone)
    start, end = month_window(to_local(now, tz).date(), tz)
    found = guardrail_checks.evaluate_range(
        session=session, workspace=ws, start=start, end=end, now=now
    ).warnings
    spots = {(w.rule, names[w.channel_id].split(" ")[0]) for w in found}
    # The feed's promotional week and run of promotions, the newsletter's silence: the newsletter
    # is offers by design, so its own guardrails keep only the quiet-gap watch.
    assert spots <= {("max_share", "Bakery"), ("streak", "Bakery"), ("quiet_gap", "Newsletter")}
    assert ("streak", "Bakery") in spots
    assert all(w.category == "promotional" for w in found if w.rule == "max_share")


@pytest.mark.parametrize(
    "now",
    [
        datetime(2026, 3, 1, 7, 0, tzinfo=UTC),
        datetime(2026, 10, 30, 21, 0, tzinfo=UTC),
        datetime(2026, 12, 1, 0, 30, tzinfo=UTC),  # just after midnight: posts of "today" wait
    ],
)
def test_the_demo_inbox_holds_fresh_overdue_and_answered_replies(session, now) -> None:
    assert load_demo(session=session, now=now, password_method="pbkdf2:sha256:1000")
    session.commit()
    ws = session.exec(select(Workspace).where(Workspace.name == DEMO_WORKSPACE)).one()

    waiting = inbox.threads(session=session, workspace_id=ws.id, status="open", now=now)
    rows = [row for thread in waiting for row in thread.rows]
    assert len(rows) == 3 == inbox.open_count(session=session, workspace_id=ws.id)
    [overdue] = [row for row in rows if row.overdue]
    assert overdue.item.author_handle == "@crumbfan"
    [done_thread] = inbox.threads(session=session, workspace_id=ws.id, status="done", now=now)
    [done] = done_thread.rows
    assert done.answer is not None and done.answer.status == "published"
    assert done.item.answered_at == done.answer.published_at
    assert done_thread.post is not None and "36 hours" in done_thread.post.body
    median = inbox.response_time_median_minutes(session, ws.id, now - timedelta(days=30), now)
    assert median == 40  # Insights shows a response time too

    items = session.exec(select(InboxItem)).all()
    posts = {p.id: p for p in session.exec(select(Post))}
    for item in items:
        post = posts[item.post_id]
        assert post.status == "published" and post.scheduled_at <= item.received_at <= now
    assert not load_demo(session=session, now=now + timedelta(days=1))
    assert len(session.exec(select(InboxItem)).all()) == len(items)  # created once


def test_the_inbox_page_of_the_demo_highlights_the_reply_waiting_over_a_day(
    client, session
) -> None:
    assert load_demo(session=session, now=utcnow(), password_method="pbkdf2:sha256:1000")
    session.commit()
    client.post("/login", data={"email": DEMO_EMAIL, "password": DEMO_PASSWORD})

    page = client.get("/inbox/").get_data(as_text=True)
    assert page.count('class="inbox-item overdue"') == 1
    assert "Waiting over a day" in page and "Cardamom buns" in page
    done = client.get("/inbox/?status=done").get_data(as_text=True)
    assert "Our answer (published" in done and "safe for coeliacs" in done
    # The demo feed is an outbox, yet it holds figures: Insights shows them, no "no figures" note.
    feed = session.exec(select(Channel).where(Channel.name == "Bakery feed (outbox)")).one()
    shown = client.get(f"/insights?channel={feed.id}")
    assert shown.status_code == 200 and "gives no figures" not in shown.get_data(as_text=True)
