"""Frozen snapshots of posts: what the rules may know about a post, and nothing else."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from planner.timeutils import as_utc

COUNTED_STATUSES = frozenset({"draft", "in_review", "approved", "publishing", "published"})


def _plain(value: str) -> str:
    """Return the string behind an enum member, so statuses compare as plain text."""
    return str(value.value) if isinstance(value, Enum) else value


@dataclass(frozen=True)
class PostSnapshot:
    """One post as the rules see it; ``scheduled_at`` is stored as aware UTC (naive means UTC).

    ``channel_ids`` is kept sorted and without repeats, so a post counts once per channel.
    """

    id: int
    category: str
    scheduled_at: datetime | None
    status: str
    channel_ids: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        put = object.__setattr__
        if self.scheduled_at is not None:
            put(self, "scheduled_at", as_utc(self.scheduled_at))
        put(self, "category", _plain(self.category))
        put(self, "status", _plain(self.status))
        put(self, "channel_ids", tuple(sorted(set(self.channel_ids))))

    @property
    def counts(self) -> bool:
        """Tell whether the post is scheduled and in a status that will (or did) go out."""
        return self.scheduled_at is not None and self.status in COUNTED_STATUSES
