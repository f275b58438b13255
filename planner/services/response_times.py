"""The median time to answer a reply, for Insights, read from the replies inbox's table.

The inbox (issue 15, part 3) keeps each reply's ``received_at`` and, once our answer is
published, its ``answered_at``. This reads that table by name from the models' metadata, so the
figure appears as soon as the inbox's table is part of the schema and is ``None`` before.
"""

from __future__ import annotations

import statistics
from datetime import datetime

from sqlalchemy import Table, select
from sqlmodel import Session, SQLModel

from planner.timeutils import as_utc

INBOX_TABLE = "inboxitem"
NEEDED = ("workspace_id", "received_at", "answered_at", "kind")


def median_response_minutes(
    session: Session,
    workspace_id: int,
    start: datetime,
    end: datetime,
    *,
    table: Table | None = None,
) -> float | None:
    """The median minutes from a reply's arrival to our answer, for replies received in
    [start, end) and answered; ``None`` without an inbox table or without answered replies."""
    table = table if table is not None else SQLModel.metadata.tables.get(INBOX_TABLE)
    if table is None or any(name not in table.c for name in NEEDED):
        return None
    rows = session.connection().execute(
        select(table.c.received_at, table.c.answered_at).where(
            table.c.workspace_id == workspace_id,
            table.c.kind == "reply",
            table.c.answered_at.is_not(None),
            table.c.received_at >= start,
            table.c.received_at < end,
        )
    )
    waits = [
        max(0.0, (as_utc(answered) - as_utc(received)).total_seconds() / 60)
        for received, answered in rows
    ]
    return statistics.median(waits) if waits else None
