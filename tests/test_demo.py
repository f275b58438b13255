from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from planner.demo import DEMO_WORKSPACE, load_demo
from planner.models import Workspace
from planner.services import guardrail_checks


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
