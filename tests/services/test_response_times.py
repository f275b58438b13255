"""The median time to answer a reply, read from the inbox's table once there is one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table
from sqlmodel import Session

from planner.services.response_times import median_response_minutes

START = datetime(2026, 3, 1, tzinfo=UTC)
END = datetime(2026, 4, 1, tzinfo=UTC)


def inbox_table(session: Session) -> Table:
    """A stand-in with the inbox's columns, made in this test's database only."""
    table = Table(
        "inboxitem_standin",
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("workspace_id", Integer),
        Column("kind", String(20)),
        Column("received_at", DateTime(timezone=True)),
        Column("answered_at", DateTime(timezone=True), nullable=True),
    )
    table.create(session.connection())
    return table


def test_median_of_answered_replies_in_the_period(session: Session) -> None:
    table = inbox_table(session)
    at = datetime(2026, 3, 10, 9, tzinfo=UTC)
    rows = [
        (1, "reply", at, at + timedelta(minutes=30)),
        (1, "reply", at, at + timedelta(minutes=90)),
        (1, "reply", at, at + timedelta(hours=5)),
        (1, "reply", at, None),  # unanswered: not a response time yet
        (1, "mention", at, at + timedelta(minutes=1)),  # not a reply
        (1, "reply", datetime(2026, 4, 2, tzinfo=UTC), datetime(2026, 4, 2, 0, 5, tzinfo=UTC)),
        (2, "reply", at, at + timedelta(minutes=2)),  # another workspace
    ]
    session.connection().execute(
        table.insert(),
        [dict(workspace_id=w, kind=k, received_at=r, answered_at=a) for w, k, r, a in rows],
    )
    assert median_response_minutes(session, 1, START, END, table=table) == 90.0
    assert median_response_minutes(session, 3, START, END, table=table) is None


def test_a_table_without_the_inbox_columns_gives_no_figure(session: Session) -> None:
    table = Table("elsewhere", MetaData(), Column("id", Integer, primary_key=True))
    assert median_response_minutes(session, 1, START, END, table=table) is None


def test_the_inbox_table_is_found_by_name(session: Session) -> None:
    """Before the inbox is merged there is no table; after, its (empty) table is read."""
    assert median_response_minutes(session, 1, START, END) is None
