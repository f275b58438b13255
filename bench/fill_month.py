"""Benchmark: "fill the month" for 3 channels with posting slots and 40 ideas.

Measures (a) the pure planner and (b) the whole proposal as the API makes it (load the slots,
ideas and calendar from the database, plan, store), on a workspace whose March 2027 already
holds 90 posts among 2,000. Target (issue 6): a month's fill under 1 s.
Run: python bench/fill_month.py
"""

from __future__ import annotations

import sys
from pathlib import Path

# bench/calendar.py would shadow the standard library's calendar module: take bench/ off the path.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))

import statistics
import time
from datetime import UTC, date, datetime
from datetime import time as clock_time

from sqlmodel import Session, select

from bench._setup import CATEGORIES, machine, make_app, seed
from planner.db import get_engine
from planner.models import Post, PostingSlot, User
from planner.planning import fill
from planner.services import guardrail_checks, planning, workspaces
from planner.timeutils import as_utc, get_zone, month_window

RUNS = 15
IDEAS = 40
TARGET_MS = 1000
NOW = datetime(2027, 2, 1, tzinfo=UTC)
MARCH = date(2027, 3, 1)
# Each channel posts Monday to Friday at 10:00 and Tuesday and Thursday at 17:00 as well.
WEEKLY = [(d, clock_time(10)) for d in range(5)] + [(1, clock_time(17)), (3, clock_time(17))]


def prepare(app) -> None:
    _wid, _token, channels = seed(app, 2000, in_month=90)
    with Session(get_engine(app)) as session:
        user = session.exec(select(User)).one()
        ws = workspaces.memberships(session=session, user=user)[0][0]
        for channel_id in channels:
            for weekday, at in WEEKLY:
                session.add(
                    PostingSlot(
                        workspace_id=ws.id,
                        channel_id=channel_id,
                        weekday=weekday,
                        local_time=at,
                        created_at=NOW,
                    )
                )
        for i in range(IDEAS):
            session.add(
                Post(
                    workspace_id=ws.id,
                    author_id=user.id,
                    body=f"Idea {i}",
                    category=CATEGORIES[i % 4],
                    status="draft",
                    created_at=NOW,
                    updated_at=NOW,
                )
            )
        session.commit()


def median_ms(fn) -> float:
    fn()  # warm up
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    app = make_app()
    prepare(app)
    with Session(get_engine(app), expire_on_commit=False) as session:
        user = session.exec(select(User)).one()
        ws = workspaces.memberships(session=session, user=user)[0][0]
        acc = workspaces.access(session=session, user=user, workspace_id=ws.id)
        tz = get_zone(ws.timezone)
        start, end = month_window(MARCH, tz)
        slots = planning.free_slots(
            session=session,
            workspace_id=ws.id,
            tz_name=ws.timezone,
            start=as_utc(start),
            end=as_utc(end),
        )
        ideas = planning.ideas_for(session=session, workspace_id=ws.id)
        calendar = planning.calendar_around(
            session=session, workspace_id=ws.id, tz_name=ws.timezone, first=MARCH
        )
        policy = guardrail_checks.workspace_policy(ws)

        def pure() -> fill.Plan:
            return fill.fill(slots, ideas, calendar, policy, tz, now=NOW)

        def proposal() -> None:
            planning.propose(session=session, acc=acc, first=MARCH, now=NOW)
            session.rollback()

        plan = pure()
        pure_ms, service_ms = median_ms(pure), median_ms(proposal)
    placed = len(plan.placements)
    print(f"### Fill the month ({date.today()}, {machine()}, SQLite)\n")
    print("| measurement | figure | target |")
    print("|---|---|---|")
    print(
        f"| planner only: {len(slots)} free slots on 3 channels, {len(ideas)} ideas, "
        f"{len(calendar)} posts around the month; {placed} placed | "
        f"{pure_ms:.0f} ms (median of {RUNS}) | < {TARGET_MS} ms |"
    )
    print(
        f"| whole proposal (load, plan, store) | {service_ms:.0f} ms (median of {RUNS}) "
        f"| < {TARGET_MS} ms |"
    )


if __name__ == "__main__":
    main()
