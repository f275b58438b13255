"""Benchmark: (a) the rule engine over a year for 10 channels; (b) a what-if preview via the API.

Targets (issue 3): (a) under 100 ms; (b) median under 10 ms with 100,000 posts in the database,
and at most 1.5 times its time with 1,000 posts (only the affected windows are loaded).
Run: python bench/guardrails.py
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
from datetime import date

from bench import guardrails_engine
from bench._setup import machine, make_app, seed

REQUESTS = 100


def preview_median(total: int) -> float:
    app = make_app()
    wid, token, channels = seed(app, total)
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    path = f"/api/v1/workspaces/{wid}/guardrails/preview"
    body = {
        "category": "promotional",
        "scheduled_at": "2027-03-10T09:00",
        "channel_ids": channels[:2],
    }
    for _ in range(5):
        assert client.post(path, json=body, headers=headers).status_code == 200
    times = []
    for _ in range(REQUESTS):
        t0 = time.perf_counter()
        resp = client.post(path, json=body, headers=headers)
        times.append((time.perf_counter() - t0) * 1000)
        assert resp.status_code == 200
    return statistics.median(times)


def main() -> None:
    print(f"### Guardrails ({date.today()}, {machine()}, SQLite)\n")
    print("| measurement | figure | target |")
    print("|---|---|---|")
    guardrails_engine.main()
    small, large = preview_median(1_000), preview_median(100_000)
    print(
        f"| what-if preview via the API, 1,000 posts in the database | {small:.1f} ms (median of {REQUESTS}) | < 10 ms |"
    )
    print(
        f"| what-if preview via the API, 100,000 posts in the database | {large:.1f} ms (median of {REQUESTS}) | < 10 ms |"
    )
    print(f"| ratio 100k / 1k | {large / small:.2f} | ≤ 1.5 |")


if __name__ == "__main__":
    main()
