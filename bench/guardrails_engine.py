"""Benchmark: evaluate a year of a busy workspace with every guardrail rule on.

Run as ``python bench/guardrails_engine.py``; prints one markdown table row
(what, posts, median time, target).
"""

from __future__ import annotations

import sys
from pathlib import Path

# bench/calendar.py would shadow the standard library's calendar module: take bench/ off the path.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))

import random
import statistics
import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from planner.guardrails import CATEGORIES, DEFAULT_POLICY, PostSnapshot, evaluate

CHANNELS = 10
POSTS_PER_DAY = 3
DAYS = 365
RUNS = 9
TARGET_MS = 100
SEED = 20260301


def make_posts() -> list[PostSnapshot]:
    """Return a year of posts: 3 a day on each of 10 channels, random categories and times."""
    rng = random.Random(SEED)
    first = datetime(2026, 1, 1, tzinfo=UTC)
    posts = []
    for day in range(DAYS):
        for channel_id in range(1, CHANNELS + 1):
            for _ in range(POSTS_PER_DAY):
                moment = first + timedelta(days=day, minutes=rng.randrange(24 * 60))
                posts.append(
                    PostSnapshot(
                        len(posts) + 1,
                        rng.choice(CATEGORIES),
                        moment,
                        rng.choice(("approved", "draft", "published")),
                        (channel_id,),
                    )
                )
    return posts


def main() -> None:
    tz = ZoneInfo("Europe/Berlin")
    posts = make_posts()
    start, end = datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC)
    timings = []
    for _ in range(RUNS):
        began = time.perf_counter()
        found = evaluate(
            posts, DEFAULT_POLICY, tz, now=start, start=start, end=end, channels=range(1, 11)
        )
        timings.append((time.perf_counter() - began) * 1000)
    median = statistics.median(timings)
    print(
        f"| guardrails evaluate: 1 year, {CHANNELS} channels, {POSTS_PER_DAY} posts/day "
        f"({len(posts):,} post-channel pairs, {len(found):,} warnings) "
        f"| {median:.1f} ms (median of {RUNS}) | < {TARGET_MS} ms |"
    )


if __name__ == "__main__":
    main()
