"""Benchmark: importing a 5,000-row CSV (the most one file may hold) through the API.

Target (issue 6): the preview (read, check every row and its lengths, guardrails) under 3 s.
The commit (5,000 drafts with channels and audit events, one transaction) is reported too.
Run: python bench/import_csv.py [postgresql://...]
"""

from __future__ import annotations

import sys
from pathlib import Path

# bench/calendar.py would shadow the standard library's calendar module: take bench/ off the path.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))

import io
import random
import statistics
import time
from datetime import UTC, date, datetime, timedelta

from sqlmodel import Session, select

from bench._setup import CATEGORIES, machine, make_app, seed
from planner.connectors_app import get_connectors
from planner.csvformats import TemplateRow, write_template
from planner.db import get_engine
from planner.models import User
from planner.services import channels as channel_service
from planner.services import workspaces

ROWS = 5_000
RUNS = 3


def make_file(channel_names: list[str], rows: int = ROWS) -> bytes:
    """A realistic file: a year of posts from April 2027, one to three channels each."""
    rng = random.Random(11)
    start = datetime(2027, 4, 1, 8, 0)
    out = []
    for i in range(rows):
        when = start + timedelta(minutes=rng.randrange(365 * 24 * 60 // 15) * 15)
        chosen = rng.sample(channel_names, rng.randint(1, len(channel_names)))
        out.append(
            TemplateRow(
                date=when.date().isoformat(),
                time=when.strftime("%H:%M"),
                body=f"Post {i}: "
                + "fresh bread, good coffee and a warm welcome. " * rng.randint(1, 5),
                category=rng.choice(CATEGORIES),
                channels="; ".join(chosen),
                link=f"https://shop.example/p/{i}" if rng.random() < 0.5 else "",
            )
        )
    return write_template(out).encode("utf-8")


def add_bluesky(app, workspace_id: int) -> None:
    """A Bluesky channel, so every row is also counted in graphemes against its 300 limit."""
    with app.app_context(), Session(get_engine(app)) as session:
        owner = session.exec(select(User)).first()
        acc = workspaces.access(session=session, user=owner, workspace_id=workspace_id)
        channel_service.create_channel(
            session=session,
            acc=acc,
            name="Bluesky",
            platform="bluesky",
            config={"handle": "shop.bsky.social", "app_password": "abcd-efgh-ijkl-mnop"},
            connectors=get_connectors(app),
            now=datetime.now(UTC),
        )
        session.commit()


def run(database_url: str | None) -> tuple[list[float], list[float], int]:
    previews, commits = [], []
    body = None
    for _ in range(RUNS):
        app = make_app(database_url)
        wid, token, _channels = seed(app, 1_000)
        add_bluesky(app, wid)
        data = make_file([f"Channel {i}" for i in range(3)] + ["Bluesky"])
        client = app.test_client()
        headers = {"Authorization": f"Bearer {token}"}
        t0 = time.perf_counter()
        resp = client.post(
            f"/api/v1/workspaces/{wid}/imports",
            data={"file": (io.BytesIO(data), "year.csv"), "format": "template"},
            headers=headers,
            content_type="multipart/form-data",
        )
        previews.append(time.perf_counter() - t0)
        assert resp.status_code == 201, resp.get_data(as_text=True)[:500]
        body = resp.get_json()
        assert len(body["rows"]) == ROWS and not body["errors"], body["errors"][:3]
        t0 = time.perf_counter()
        done = client.post(f"/api/v1/workspaces/{wid}/imports/{body['id']}/commit", headers=headers)
        commits.append(time.perf_counter() - t0)
        assert done.status_code == 200 and done.get_json()["created"] == ROWS
    return previews, commits, len(body["warnings"]) if body else 0


def main() -> None:
    database_url = sys.argv[1] if len(sys.argv) > 1 else None
    engine = "PostgreSQL" if database_url else "SQLite"
    previews, commits, warnings = run(database_url)
    print(f"### CSV import, {ROWS:,} rows ({date.today()}, {machine()}, {engine})\n")
    print("| measurement | figure | target |")
    print("|---|---|---|")
    print(
        f"| preview: upload, read, check {ROWS:,} rows, lengths and guardrails "
        f"({warnings} warnings found) | {statistics.median(previews):.2f} s "
        f"(median of {RUNS}; best {min(previews):.2f} s) | < 3 s |"
    )
    print(
        f"| commit: {ROWS:,} drafts with channels and audit events, one transaction "
        f"| {statistics.median(commits):.2f} s (median of {RUNS}; best {min(commits):.2f} s) | — |"
    )


if __name__ == "__main__":
    main()
