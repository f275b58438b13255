"""Benchmark: server time of the month view and the month's posts API, 1,000 vs 100,000 posts.

Target (issue 2): median at most 30 ms for one month holding 300 posts, and the 100k/1k ratio at
most 1.3 (the month view's cost must not grow with history). Run: python bench/calendar.py
"""

from __future__ import annotations

import sys
from pathlib import Path

# This file's name shadows the standard library's calendar module: take bench/ off the path.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))

import statistics
import time
from datetime import date

from bench._setup import login, machine, make_app, seed

REQUESTS = 60


def measure(total: int, database_url: str | None) -> dict[str, float]:
    app = make_app(database_url)
    wid, token, _channels = seed(app, total)
    client = login(app)
    api_path = f"/api/v1/workspaces/{wid}/posts?start=2027-03-01T00:00&end=2027-04-01T00:00"
    headers = {"Authorization": f"Bearer {token}"}
    results = {}
    for name, call in [
        ("month view", lambda: client.get("/?month=2027-03")),
        ("posts API (month)", lambda: client.get(api_path, headers=headers)),
    ]:
        for _ in range(5):  # warm caches and templates
            assert call().status_code == 200
        times = []
        for _ in range(REQUESTS):
            t0 = time.perf_counter()
            resp = call()
            times.append((time.perf_counter() - t0) * 1000)
            assert resp.status_code == 200
        results[name] = statistics.median(times)
    if "posts API (month)" in results:
        count = len(client.get(api_path, headers=headers).get_json()["posts"])
        assert count == 300, count
    return results


def main() -> None:
    database_url = sys.argv[1] if len(sys.argv) > 1 else None
    small = measure(1_000, database_url)
    large = measure(100_000, database_url)
    print(
        f"### Calendar ({date.today()}, {machine()}, {'PostgreSQL' if database_url else 'SQLite'})\n"
    )
    print(
        "| request (300 posts in the month) | median, 1,000 posts | median, 100,000 posts | ratio | target |"
    )
    print("|---|---|---|---|---|")
    for name in small:
        ratio = large[name] / small[name]
        print(
            f"| {name} | {small[name]:.1f} ms | {large[name]:.1f} ms | {ratio:.2f} | ≤ 30 ms, ratio ≤ 1.3 |"
        )


if __name__ == "__main__":
    main()
