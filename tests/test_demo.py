from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from planner.demo import DEMO_WORKSPACE, load_demo
from planner.models import Channel, Workspace
from planner.services import guardrail_checks
from planner.timeutils import get_zone, month_window, to_local


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
