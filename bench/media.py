"""Benchmark: the month view and the month's posts API when each of the month's 300 posts
carries two images (thumbnails in the grid, image URLs in the API answer).

Target (issue 13): the month view stays within its 30 ms median. Run: python bench/media.py
"""

from __future__ import annotations

import sys
from pathlib import Path

# bench/calendar.py shadows the standard library's calendar module: take bench/ off the path.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))

import statistics
import time
from datetime import UTC, date, datetime

from sqlalchemy import insert
from sqlmodel import Session, select

from bench._setup import login, machine, make_app, seed
from planner.db import get_engine
from planner.media_models import Media, PostMedia
from planner.models import Post

REQUESTS = 60
START, END = datetime(2027, 3, 1, tzinfo=UTC), datetime(2027, 4, 1, tzinfo=UTC)


def add_images(app, wid: int) -> None:
    """Two image rows on every post of March 2027 (rows only: the grid never reads the files)."""
    with Session(get_engine(app)) as s:
        ids = s.exec(
            select(Post.id).where(
                Post.workspace_id == wid, Post.scheduled_at >= START, Post.scheduled_at < END
            )
        ).all()
        now = datetime(2027, 1, 1, tzinfo=UTC)
        rows = [
            dict(
                workspace_id=wid,
                filename=f"p{n}.jpg",
                mime="image/jpeg",
                width=1200,
                height=900,
                size_bytes=150_000,
                alt=f"Photo {n}",
                storage_key=f"{wid}/p{n}.jpg",
                thumb_key=f"{wid}/p{n}.thumb.webp",
                sha256=f"{n:064d}",
                created_at=now,
            )
            for n in range(2 * len(ids))
        ]
        s.exec(insert(Media), params=rows)
        media = s.exec(select(Media.id).where(Media.workspace_id == wid).order_by(Media.id)).all()
        links = [
            dict(post_id=pid, media_id=media[2 * i + k], position=k)
            for i, pid in enumerate(ids)
            for k in (0, 1)
        ]
        s.exec(insert(PostMedia), params=links)
        s.commit()


def timed(client, wid: int, token: str) -> dict[str, float]:
    api_path = f"/api/v1/workspaces/{wid}/posts?start=2027-03-01T00:00&end=2027-04-01T00:00"
    headers = {"Authorization": f"Bearer {token}"}
    results = {}
    for name, call in [
        ("month view", lambda: client.get("/?month=2027-03")),
        ("posts API (month)", lambda: client.get(api_path, headers=headers)),
    ]:
        for _ in range(5):
            assert call().status_code == 200
        times = []
        for _ in range(REQUESTS):
            t0 = time.perf_counter()
            resp = call()
            times.append((time.perf_counter() - t0) * 1000)
            assert resp.status_code == 200
        results[name] = statistics.median(times)
    return results


def measure(database_url: str | None) -> dict[str, tuple[float, float]]:
    """Median times without images, then with two images on each of the month's posts."""
    app = make_app(database_url)
    wid, token, _channels = seed(app, 1_000)
    client = login(app)
    before = timed(client, wid, token)
    add_images(app, wid)
    page = client.get("/?month=2027-03").get_data(as_text=True)
    assert page.count("/thumb") >= 300, "the month view shows no thumbnails"
    after = timed(client, wid, token)
    return {name: (before[name], after[name]) for name in before}


def main() -> None:
    database_url = sys.argv[1] if len(sys.argv) > 1 else None
    results = measure(database_url)
    print(
        f"### Media ({date.today()}, {machine()}, {'PostgreSQL' if database_url else 'SQLite'})\n"
    )
    print("| request (300 posts in the month) | no images | 2 images each | target |")
    print("|---|---|---|---|")
    for name, (before, after) in results.items():
        target = "≤ 30 ms" if name == "month view" else "—"
        print(f"| {name} | {before:.1f} ms | {after:.1f} ms | {target} |")


if __name__ == "__main__":
    main()
