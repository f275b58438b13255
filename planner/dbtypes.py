"""Column types shared by the tables: instants stored as naive UTC, handed back aware."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, TypeDecorator

from planner.timeutils import as_utc


class UTCDateTime(TypeDecorator):
    """Store instants as naive UTC and hand them back aware, the same on SQLite and PostgreSQL."""

    impl = DateTime(timezone=False)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column; pass an aware datetime")
        return as_utc(value).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else as_utc(value)
