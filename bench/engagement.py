"""Benchmark: (a) the engagement job over 10,000 published posts on 20 channels; (b) Insights.

(a) 10 Mastodon and 10 Bluesky accounts (loopback fakes that answer 429 past the documented
limits: 300 and 3,000 reads per 5 minutes), 500 posts each, all published at the same moment
(the worst case). The job runs in simulated time: every 60 s while readings are due, else
straight to the next one, through the whole schedule (1 h to 7 days). Reported: reads, the most
any account saw in any 5 minutes, refused reads, wall time and the process's peak memory (which
leaves out the 20 fakes, which run in a child process on the same simulated clock).
(b) A year of 10 channels x 3 posts a day (10,950 posts, five readings each): Insights for the
year and for one quarter, the service and the API.

Run: python bench/engagement.py
"""

from __future__ import annotations

import sys
from pathlib import Path

# bench/calendar.py would shadow the standard library's calendar module: take bench/ off the path.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))

import dataclasses
import multiprocessing
import resource
import statistics
import tempfile
import time
from collections import defaultdict, deque
from datetime import UTC, date, datetime, timedelta

from cryptography.fernet import Fernet
from sqlalchemy import insert
from sqlmodel import Session, col, func, select

from bench._setup import CATEGORIES, machine
from planner import create_app
from planner.config import engagement_schedule
from planner.connectors_app import get_connectors
from planner.db import get_engine, upgrade_database
from planner.engagement_models import EngagementReading, EngagementTrack, TrackState
from planner.models import Channel, Delivery, Post, PostChannel
from planner.publishing import context, engagement_job
from planner.services import accounts, insights, tokens, workspaces
from planner.services import channels as channel_service
from tests.fakes import FakeBluesky, FakeMastodon

POSTS = 10_000
ACCOUNTS = 10  # of each platform
LIMITS = {"mastodon": 300, "bluesky": 3000}  # documented reads per account per 5 minutes
WINDOW = timedelta(minutes=5)
TICK = timedelta(seconds=60)
T0 = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


def make_app(folder: str):
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "bench",
            "INSTANCE_PATH": folder,
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
            "ENCRYPTION_KEY": Fernet.generate_key().decode(),
            "ALLOW_PRIVATE_HOSTS": True,
            "WORKER_THREADS": 4,
        }
    )
    upgrade_database(app)
    return app


def owner(session: Session, now: datetime):
    user = accounts.create_user(
        session=session,
        email="bench@example.com",
        password="bench-password",
        now=now,
        password_method="pbkdf2:sha256:1000",
    )
    ws = workspaces.create_workspace(
        session=session, owner=user, name="Bench", timezone="Europe/London", now=now
    )
    return user, ws


def _serve_fakes(conn, sim, per_channel: int) -> None:
    """In a child process: run the 20 fakes on the simulated clock until told to stop."""
    mastodons = [FakeMastodon(token=f"token-{i}", clock=lambda: sim.value) for i in range(ACCOUNTS)]
    skies = [
        FakeBluesky(handle=f"shop{i}.bsky.social", clock=lambda: sim.value) for i in range(ACCOUNTS)
    ]
    fakes = [*mastodons, *skies]
    for fake in fakes:
        fake.start()
        fake.read_limit = LIMITS["mastodon" if isinstance(fake, FakeMastodon) else "bluesky"]
        fake.read_window = WINDOW.total_seconds()
    accounts_ = [("mastodon", f.url, f"token-{i}", None) for i, f in enumerate(mastodons)]
    accounts_ += [("bluesky", f.url, f.handle, f.password) for f in skies]
    external = [
        [
            f.add_status() if isinstance(f, FakeMastodon) else f.add_post()
            for _ in range(per_channel)
        ]
        for f in fakes
    ]
    conn.send((accounts_, external))
    conn.recv()
    asked = sum(len(f.requests_to("/api/v1/statuses/", "GET")) for f in mastodons)
    asked += sum(len(f.requests_to("app.bsky.feed.getPosts", "GET")) for f in skies)
    conn.send(asked)
    for fake in fakes:
        fake.stop()


def job_bench() -> list[tuple[str, str, str]]:
    folder = tempfile.mkdtemp(prefix="planner-bench-engagement-")
    app = make_app(folder)
    engine = get_engine(app)
    # The fakes run in a child process, so the peak memory measured here is the job's own.
    fork = multiprocessing.get_context("fork")
    sim = fork.Value("d", T0.timestamp(), lock=False)
    here, there = fork.Pipe()
    per_channel = POSTS // (2 * ACCOUNTS)
    child = fork.Process(target=_serve_fakes, args=(there, sim, per_channel), daemon=True)
    child.start()
    accounts_, external = here.recv()
    # The posts are written by another child too, so the peak memory is the job's alone.
    seeder = fork.Process(target=_seed, args=(app, accounts_, external))
    seeder.start()
    seeder.join()
    assert seeder.exitcode == 0, "seeding failed"
    delays = engagement_schedule(app.config["ENGAGEMENT_SCHEDULE"])
    started = time.perf_counter()
    ticks = 0
    now = T0
    while True:
        sim.value = now.timestamp()
        ctx = dataclasses.replace(context.build(app, now=now), clock=lambda now=now: now)
        engagement_job.read_due(ctx, delays=delays)
        ticks += 1
        with Session(engine) as session:
            due = session.exec(
                select(func.min(EngagementTrack.next_at)).where(
                    EngagementTrack.state == TrackState.SCHEDULED.value
                )
            ).one()
        if due is None:
            break
        now = now + TICK if due <= now else max(due, now + TICK)
    wall = time.perf_counter() - started
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    here.send("stop")
    asked = here.recv()
    child.join(10)
    with Session(engine) as session:
        platform = dict(session.exec(select(Channel.id, Channel.platform)).all())
        rows = session.exec(
            select(EngagementReading.channel_id, EngagementReading.read_at).order_by(
                col(EngagementReading.read_at)
            )
        ).all()
        states = dict(
            session.exec(
                select(EngagementTrack.state, func.count()).group_by(col(EngagementTrack.state))
            ).all()
        )
    peak = _peak_per_window(rows, platform)
    refused = asked - len(rows)
    return [
        (
            "posts, channels",
            f"{POSTS:,}, {2 * ACCOUNTS} ({ACCOUNTS} Mastodon, {ACCOUNTS} Bluesky)",
            "",
        ),
        ("readings stored (5 per post)", f"{len(rows):,}; schedules {states}", f"{5 * POSTS:,}"),
        (
            "most reads by one Mastodon account in any 5 minutes",
            str(peak.get("mastodon", 0)),
            f"<= {LIMITS['mastodon']}",
        ),
        (
            "most reads by one Bluesky account in any 5 minutes",
            str(peak.get("bluesky", 0)),
            f"<= {LIMITS['bluesky']}",
        ),
        ("reads refused or failed (429 included)", str(refused), "0"),
        ("job runs over the 7 simulated days; wall time", f"{ticks}; {wall:.0f} s", ""),
        (
            "peak memory of the job's process (max RSS; the fakes run apart)",
            f"{rss_mb:.0f} MB",
            "< 150 MB",
        ),
    ]


def _seed(app, accounts_: list, external: list) -> None:
    """In a child process: the owner, the 20 channels and the published posts."""
    get_engine(app).dispose(close=False)  # the parent's pooled connections stay the parent's
    with Session(get_engine(app), expire_on_commit=False) as session:
        user, ws = owner(session, T0)
        acc = workspaces.access(session=session, user=user, workspace_id=ws.id)
        channels = []
        for i, (platform, url, name, password) in enumerate(accounts_):
            if platform == "mastodon":
                config = {"instance_url": url, "access_token": name}
            else:
                config = {"service_url": url, "handle": name, "app_password": password}
            channel = _channel(session, acc, app, f"{platform} {i}", platform, config)
            channels.append((channel, external[i]))
        session.commit()
        _published(session, ws.id, user.id, channels)


def _channel(session: Session, acc, app, name: str, platform: str, config: dict) -> Channel:
    return channel_service.create_channel(
        session=session,
        acc=acc,
        name=name,
        platform=platform,
        config=config,
        connectors=get_connectors(app),
        now=T0,
    )


def _published(session: Session, workspace_id: int, user_id: int, channels: list) -> None:
    """Write POSTS published posts spread over the channels, each one a status on its fake."""
    per_channel = POSTS // len(channels)
    posts, links, deliveries = [], [], []
    for number in range(POSTS):
        posts.append(
            {
                "workspace_id": workspace_id,
                "author_id": user_id,
                "body": f"Post {number}",
                "category": CATEGORIES[number % 4],
                "scheduled_at": T0,
                "status": "published",
                "variants": {},
                "created_at": T0,
                "updated_at": T0,
            }
        )
    conn = session.connection()
    conn.execute(insert(Post), posts)
    ids = [pid for (pid,) in conn.exec_driver_sql("SELECT id FROM post ORDER BY id").fetchall()]
    for index, post_id in enumerate(ids):
        channel, externals = channels[index // per_channel]
        external = externals[index % per_channel]
        links.append({"post_id": post_id, "channel_id": channel.id})
        deliveries.append(
            {
                "workspace_id": workspace_id,
                "post_id": post_id,
                "channel_id": channel.id,
                "status": "published",
                "due_at": T0,
                "attempts": 1,
                "idempotency_key": f"key-{post_id}",
                "external_id": external,
                "published_at": T0,
                "created_at": T0,
                "updated_at": T0,
            }
        )
    conn.execute(insert(PostChannel), links)
    conn.execute(insert(Delivery), deliveries)
    session.commit()


def _peak_per_window(rows, platform: dict[int, str]) -> dict[str, int]:
    """The most readings any one channel made in any 5-minute window, by platform."""
    windows: dict[int, deque[datetime]] = defaultdict(deque)
    peak: dict[str, int] = defaultdict(int)
    for channel_id, read_at in rows:
        window = windows[channel_id]
        window.append(read_at)
        while read_at - window[0] >= WINDOW:
            window.popleft()
        name = platform[channel_id]
        peak[name] = max(peak[name], len(window))
    return dict(peak)


def insights_bench(runs: int = 20) -> list[tuple[str, str, str]]:
    folder = tempfile.mkdtemp(prefix="planner-bench-")
    app = make_app(folder)
    engine = get_engine(app)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    with Session(engine, expire_on_commit=False) as session:
        user, ws = owner(session, start)
        chans = [
            Channel(workspace_id=ws.id, name=f"Channel {i}", platform="outbox", created_at=start)
            for i in range(10)
        ]
        session.add_all(chans)
        session.flush()
        _tok, token = tokens.create_token(session=session, user=user, name="bench", now=start)
        session.commit()
        posts = []
        for day in range(365):
            for channel_index in range(10):
                for slot in range(3):
                    at = start + timedelta(days=day, hours=8 + 4 * slot, minutes=channel_index)
                    posts.append(
                        {
                            "workspace_id": ws.id,
                            "author_id": user.id,
                            "body": f"Post {day}-{channel_index}-{slot}",
                            "category": CATEGORIES[(day + slot + channel_index) % 4],
                            "scheduled_at": at,
                            "status": "published",
                            "variants": {},
                            "created_at": start,
                            "updated_at": start,
                        }
                    )
        conn = session.connection()
        conn.execute(insert(Post), posts)
        ids = [pid for (pid,) in conn.exec_driver_sql("SELECT id FROM post ORDER BY id").fetchall()]
        conn.execute(
            insert(PostChannel),
            [{"post_id": pid, "channel_id": chans[(pid // 3) % 10].id} for pid in ids],
        )
        readings = []
        for pid in ids:
            for step, hours in enumerate((1, 6, 24, 72, 168)):
                readings.append(
                    {
                        "workspace_id": ws.id,
                        "post_id": pid,
                        "channel_id": chans[(pid // 3) % 10].id,
                        "read_at": start + timedelta(hours=hours),
                        "replies": (pid + step) % 7,
                        "reposts": (pid * 3 + step) % 5,
                        "quotes": pid % 3,
                        "likes": (pid * 7 + step) % 40,
                        "latest": hours == 168,
                    }
                )
        for chunk in range(0, len(readings), 10_000):
            conn.execute(insert(EngagementReading), readings[chunk : chunk + 10_000])
        session.commit()
        wid = ws.id

    def service(lo: datetime, hi: datetime) -> float:
        times = []
        for _ in range(runs):
            with Session(engine) as session:
                t0 = time.perf_counter()
                found = insights.insights(
                    session=session,
                    workspace_id=wid,
                    settings={},
                    timezone="Europe/London",
                    start=lo,
                    end=hi,
                )
                times.append((time.perf_counter() - t0) * 1000)
        assert found.measured > 0
        return statistics.median(times)

    year = service(start, datetime(2027, 1, 1, tzinfo=UTC))
    quarter = service(start, datetime(2026, 4, 1, tzinfo=UTC))
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    url = f"/api/v1/workspaces/{wid}/insights?start=2026-01-01&end=2027-01-01"
    assert client.get(url, headers=headers).status_code == 200
    api = []
    for _ in range(runs):
        t0 = time.perf_counter()
        assert client.get(url, headers=headers).status_code == 200
        api.append((time.perf_counter() - t0) * 1000)
    return [
        (
            "Insights service, a year (10,950 posts, 54,750 readings)",
            f"{year:.1f} ms median of {runs}",
            "< 100 ms",
        ),
        ("Insights service, one quarter", f"{quarter:.1f} ms median of {runs}", "< 100 ms"),
        ("Insights API, a year", f"{statistics.median(api):.1f} ms median of {runs}", "< 100 ms"),
    ]


def main() -> None:
    print(f"### Engagement and Insights ({date.today()}, {machine()}, SQLite)\n")
    print("| measurement | figure | target |")
    print("|---|---|---|")
    which = sys.argv[1:] or ["insights", "job"]
    rows = []
    if "insights" in which:
        rows += insights_bench()
    if "job" in which:
        rows += job_bench()
    for name, figure, target in rows:
        print(f"| {name} | {figure} | {target} |")


if __name__ == "__main__":
    main()
