"""What the worker last read of each account's daily publishing quotas (Instagram, Threads'
posts and Threads' replies, each under its own key).

Asking the quota before every post costs a request per post; a worker publishing a backlog
asks once, counts what it publishes itself, and asks again only when the reading is old or
the count nears the limit. Posts another app made meanwhile are what the margin is for, and
the platform's own "limit reached" answer still turns into a wait (see the connectors).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

# A reading is trusted this long: long enough for a burst, short enough that posts made by
# other apps on the account show up soon.
MAX_AGE = timedelta(minutes=5)
# Ask again once fewer than this many posts are left by our count: room for other apps' posts.
MARGIN = 5


@dataclass
class _Reading:
    read_at: datetime
    total: int
    used: int
    published_since: int = 0


class QuotaMemo:
    """Each account's last quota reading and the posts this process published since; thread safe."""

    def __init__(self, *, max_age: timedelta = MAX_AGE, margin: int = MARGIN) -> None:
        self.max_age = max_age
        self.margin = margin
        self._readings: dict[str, _Reading] = {}
        self._lock = threading.Lock()

    def has_room(self, account: str, now: datetime) -> bool:
        """Tell whether a fresh reading leaves more than the margin: no need to ask the platform."""
        with self._lock:
            reading = self._readings.get(account)
            if reading is None or not reading.read_at <= now < reading.read_at + self.max_age:
                return False
            return reading.used + reading.published_since + self.margin < reading.total

    def note_reading(self, account: str, now: datetime, *, total: int, used: int) -> None:
        """Remember what the platform just said of *account*'s quota."""
        with self._lock:
            self._readings[account] = _Reading(read_at=now, total=total, used=used)

    def note_published(self, account: str) -> None:
        """Count one post published on *account* since its last reading."""
        with self._lock:
            reading = self._readings.get(account)
            if reading is not None:
                reading.published_since += 1

    def forget(self, account: str) -> None:
        """Drop *account*'s reading, so the next post asks the platform (it said "limit reached")."""
        with self._lock:
            self._readings.pop(account, None)
