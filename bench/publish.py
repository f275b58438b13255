"""Benchmark: one ``planner worker`` process draining deliveries to a loopback webhook.

Run as ``python bench/publish.py``; prints a markdown table. Everything lives in a temporary
folder (SQLite unless PLANNER_BENCH_DATABASE_URL names a PostgreSQL database to empty and use)
that is removed at the end.

1. 1,000 deliveries due at once: time to drain and deliveries per second.
2. 300 deliveries due over 30 seconds: lateness (published_at - due_at), p50 and p99.
3. Duplicates seen by the receiver, and the worker process's peak memory (max RSS).
"""

from __future__ import annotations

import sys
from pathlib import Path

# Import from the checkout root, not from bench/ (whose calendar.py would shadow the stdlib's).
ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)

import os
import resource
import signal
import statistics
import subprocess
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from cryptography.fernet import Fernet
from sqlalchemy import text
from sqlmodel import Session, col, func, select

from planner import create_app
from planner.connectors_app import get_connectors
from planner.db import get_engine, upgrade_database
from planner.media_models import PostMedia
from planner.models import Delivery, Post, PostChannel, PostStatus
from planner.services import accounts, deliveries, workspaces
from planner.services import channels as channel_service
from planner.timeutils import utcnow
from tests.fakes import FakeWebhook

BURST = 1000
SPREAD = 300
SPREAD_SECONDS = 30
TARGETS = {"rate": 100.0, "p99": 2.0, "rss_mb": 150.0}


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


class Bench:
    def __init__(self, folder: Path, database_url: str | None) -> None:
        self.folder = folder
        self.config = {
            "TESTING": True,
            "SECRET_KEY": "bench-secret",
            "INSTANCE_PATH": str(folder),
            "ENCRYPTION_KEY": Fernet.generate_key().decode(),
            "ALLOW_PRIVATE_HOSTS": True,
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        }
        if database_url:
            self.config["DATABASE_URL"] = database_url
        self.app = create_app(self.config)
        if database_url:
            self._empty_postgres()
        upgrade_database(self.app)
        self.engine = get_engine(self.app)

    def _empty_postgres(self) -> None:
        with get_engine(self.app).begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))

    def setup_channel(self, fake: FakeWebhook) -> tuple[int, int, int]:
        now = utcnow()
        with Session(self.engine, expire_on_commit=False) as session:
            user = accounts.create_user(
                session=session,
                email="bench@example.com",
                password="bench-password",
                now=now,
                password_method="pbkdf2:sha256:1000",
            )
            ws = workspaces.create_workspace(
                session=session, owner=user, name="Bench", timezone="UTC", now=now
            )
            acc = workspaces.access(session=session, user=user, workspace_id=ws.id)
            channel = channel_service.create_channel(
                session=session,
                acc=acc,
                name="Loopback",
                platform="webhook",
                config={"url": fake.url_for("generic"), "format": "generic"},
                connectors=get_connectors(self.app),
                now=now,
            )
            session.commit()
            return ws.id, user.id, channel.id

    def queue(
        self,
        ids: tuple[int, int, int],
        times: list[datetime],
        media_ids: Sequence[int] = (),
        *,
        label: str = "",
    ) -> None:
        """Queue one approved post per time in *times*, each with the stored images *media_ids*;
        *label* keeps the texts of one burst apart from another's."""
        workspace_id, user_id, channel_id = ids
        now = utcnow()
        with Session(self.engine, expire_on_commit=False) as session:
            for number, at in enumerate(times):
                post = Post(
                    workspace_id=workspace_id,
                    author_id=user_id,
                    body=f"Benchmark post {label}{number}",
                    category="educational",
                    scheduled_at=at,
                    status=PostStatus.APPROVED,
                    created_at=now,
                    updated_at=now,
                )
                session.add(post)
                session.flush()
                session.add(PostChannel(post_id=post.id, channel_id=channel_id))
                session.add_all(
                    PostMedia(post_id=post.id, media_id=media_id, position=position)
                    for position, media_id in enumerate(media_ids)
                )
                deliveries.schedule_for_post(
                    session=session, post=post, channel_ids=[channel_id], now=now
                )
            session.commit()

    def unfinished(self) -> int:
        with Session(self.engine) as session:
            return session.exec(
                select(func.count())
                .select_from(Delivery)
                .where(col(Delivery.status).in_(["queued", "retrying", "publishing"]))
            ).one()

    def lateness(self, since_id: int) -> list[float]:
        with Session(self.engine) as session:
            rows = session.exec(
                select(Delivery.due_at, Delivery.published_at).where(
                    Delivery.id > since_id, Delivery.status == "published"
                )
            ).all()
        return [(published - due).total_seconds() for due, published in rows]

    def max_delivery_id(self) -> int:
        with Session(self.engine) as session:
            return session.exec(select(func.max(Delivery.id))).one() or 0

    def statuses(self) -> Counter[str]:
        with Session(self.engine) as session:
            rows = session.exec(
                select(Delivery.status, func.count()).group_by(col(Delivery.status))
            ).all()
        return Counter(dict(rows))

    def start_worker(self, log: Path) -> subprocess.Popen[bytes]:
        from planner.db import database_url

        env = {
            **os.environ,
            "PLANNER_DATABASE_URL": database_url(self.app),
            "PLANNER_INSTANCE_PATH": str(self.folder),
            "PLANNER_ENCRYPTION_KEY": self.config["ENCRYPTION_KEY"],
            "PLANNER_SECRET_KEY": "bench-secret",
            "PLANNER_ALLOW_PRIVATE_HOSTS": "1",
        }
        return subprocess.Popen(
            [str(Path(sys.executable).parent / "planner"), "worker"],
            env=env,
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
        )


def wait_for(condition, timeout: float, log: Path) -> float:
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout:
            sys.exit(f"timed out after {timeout}s; worker log:\n{log.read_text()[-3000:]}")
        time.sleep(0.02)
    return time.monotonic() - started


def run(folder: Path, database_url: str | None) -> list[tuple[str, str, str]]:
    bench = Bench(folder, database_url)
    log = folder / "worker.log"
    with FakeWebhook() as fake:
        ids = bench.setup_channel(fake)
        worker = bench.start_worker(log)
        wait_for(lambda: "publishing worker started" in log.read_text(), 30, log)

        due = utcnow() - timedelta(milliseconds=1)
        bench.queue(ids, [due] * BURST)
        drain = wait_for(lambda: bench.unfinished() == 0, 120, log)

        first_spread = bench.max_delivery_id()
        start = utcnow() + timedelta(seconds=3)
        step = SPREAD_SECONDS / SPREAD
        bench.queue(ids, [start + timedelta(seconds=i * step) for i in range(SPREAD)])
        wait_for(lambda: bench.unfinished() == 0, SPREAD_SECONDS + 60, log)
        late = bench.lateness(first_spread)

        worker.send_signal(signal.SIGTERM)
        code = worker.wait(timeout=60)
        rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        sent = Counter(m["json"]["delivery_id"] for m in fake.posts)
    statuses = bench.statuses()
    duplicates = sum(n - 1 for n in sent.values() if n > 1)
    rate = BURST / drain
    p50, p99 = statistics.median(late), percentile(late, 0.99)
    ok = "yes" if statuses == Counter({"published": BURST + SPREAD}) else f"no: {dict(statuses)}"
    return [
        ("database", bench.engine.dialect.name, ""),
        (f"time to drain {BURST} due at once", f"{drain:.2f} s", ""),
        ("deliveries per second", f"{rate:.0f}", f">= {TARGETS['rate']:.0f}"),
        (f"lateness p50 ({SPREAD} due over {SPREAD_SECONDS} s)", f"{p50:.2f} s", ""),
        (f"lateness p99 ({SPREAD} due over {SPREAD_SECONDS} s)", f"{p99:.2f} s", "< 2 s"),
        ("duplicates at the receiver", str(duplicates), "0"),
        ("all published", ok, "yes"),
        ("worker peak memory (max RSS)", f"{rss_mb:.0f} MB", "< 150 MB"),
        ("worker exit code after SIGTERM", str(code), "0"),
    ]


def report(measure: Callable[[Path, str | None], list[tuple[str, str, str]]]) -> None:
    """Run *measure* in a fresh folder (on PLANNER_BENCH_DATABASE_URL if set); print its table."""
    database_url = os.environ.get("PLANNER_BENCH_DATABASE_URL") or None
    with tempfile.TemporaryDirectory(prefix="planner-bench-") as folder:
        rows = measure(Path(folder), database_url)
    print("| measure | result | target |")
    print("| --- | --- | --- |")
    for name, value, target in rows:
        print(f"| {name} | {value} | {target} |")


def main() -> None:
    report(run)


if __name__ == "__main__":
    main()
