"""How many reads a channel's inbox look may spend, and which posts it looks at with them.

Each platform documents a read limit per account (``read_limit`` per ``read_window_seconds``
on its connector). The engagement job spends at most half of it
(``engagement_claims.READ_SHARE``); the inbox spends at most ``INBOX_SHARE`` of it, which leaves
a tenth for publishing, answers, checks and the owner's own apps. The share is a bucket per
channel: it fills at ``INBOX_SHARE * read_limit`` per window and holds one look's worth (the
share's part of one poll interval), so the job's looks stay within the share over any window,
and a "look now" spends what the next look would have: at worst it adds one look's worth
(Instagram: 80 + 7 of 200 an hour, under the limit with the engagement job's 100). A look spends
what it really sent (``http.counting``); a post with many pages of replies may overdraw the
bucket, and the looks after it read less until it has filled again.

When the budget cannot cover all the posts of the last 14 days, the newest (published in the
last 48 hours) are read at every look, within half of it, and the others in turn, least
recently looked at first, so every post is read again within a bounded number of looks.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from planner.connectors.base import Connector

INBOX_SHARE = 0.4
FRESH = timedelta(hours=48)


@dataclass(frozen=True)
class Budget:
    """A channel's inbox read share: how fast it fills and the most one look may spend."""

    per_second: float
    most: float
    per_post: int

    def credit(self, left: float | None, since: datetime | None, now: datetime) -> float:
        """What may be spent at *now*: *left* after the look at *since*, filled up since."""
        if left is None or since is None:
            return self.most
        elapsed = max(0.0, (now - since).total_seconds())
        return min(self.most, left + elapsed * self.per_second)

    def room(self, credit: float) -> int:
        """How many posts a look with *credit* may read, at the usual cost of one."""
        return max(0, math.floor(credit / self.per_post))


def budget(cls: type[Connector], interval: timedelta) -> Budget | None:
    """Return the inbox share of *cls*'s documented read limit; None when it documents none."""
    if cls.read_limit <= 0 or cls.read_window_seconds <= 0:
        return None
    share = cls.read_limit * INBOX_SHARE
    window = cls.read_window_seconds
    per_look = share * min(1.0, interval.total_seconds() / window)
    # However short the interval, a look can read one post once the bucket has filled to it.
    most = min(share, max(float(cls.inbox_reads_per_post), per_look))
    return Budget(per_second=share / window, most=most, per_post=cls.inbox_reads_per_post)


@dataclass(frozen=True)
class Target:
    """A post published on the channel whose replies the look may read."""

    delivery_id: int
    post_id: int
    external_id: str
    published_at: datetime
    looked_at: datetime | None


def in_turn(targets: Sequence[Target], *, room: int, now: datetime) -> list[Target]:
    """Return the posts to read now, at most *room*, in the order to read them.

    When all fit, all of them, newest first. Otherwise the newest (of the last 48 hours)
    take at most half the room, and the rest goes to the others by turn: never looked at
    first, then least recently looked at, newest first among equals.
    """
    newest = sorted(targets, key=lambda t: (t.published_at, t.delivery_id), reverse=True)
    if len(newest) <= room:
        return newest
    fresh = [t for t in newest if t.published_at > now - FRESH][: room // 2]
    taken = {t.delivery_id for t in fresh}
    waiting = [t for t in newest if t.delivery_id not in taken]  # newest first: kept on ties
    waiting.sort(key=lambda t: (t.looked_at is not None, t.looked_at or now))
    return fresh + waiting[: room - len(fresh)]
