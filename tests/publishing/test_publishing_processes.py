"""Several ``planner worker`` processes against one database publish every delivery once.

The workers are real OS processes started from the console script, on whichever database the
``app`` fixture uses (SQLite by default, PostgreSQL with PLANNER_TEST_DATABASE_URL).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlmodel import Session, col, func, select

import planner
from planner.models import Delivery, PostStatus
from planner.services import deliveries
from planner.timeutils import utcnow
from tests.conftest import Auth
from tests.factories import add_post
from tests.fakes import FakeWebhook
from tests.publishing.conftest import UNTIL_9999, Desk, occurrence_count, stored_series

pytestmark = pytest.mark.slow

COUNT = 500
SOURCE_ROOT = str(Path(planner.__file__).resolve().parents[1])
UNFINISHED = ("queued", "retrying", "publishing")


class Workers:
    """Start ``planner worker`` processes for the test's app and stop them all afterwards."""

    def __init__(self, app: Flask, logs: Path) -> None:
        self.logs = logs
        self.processes: list[subprocess.Popen[bytes]] = []
        self.env = {
            **os.environ,
            "PLANNER_DATABASE_URL": app.config["DATABASE_URL"],
            "PLANNER_INSTANCE_PATH": app.instance_path,
            "PLANNER_ENCRYPTION_KEY": app.config["ENCRYPTION_KEY"],
            "PLANNER_SECRET_KEY": "test-secret",
            "PLANNER_ALLOW_PRIVATE_HOSTS": "1",
            "PLANNER_WORKER_TICK_SECONDS": "0.2",
            "PLANNER_LEASE_SECONDS": "3",
            # The code under test, even where the console script's install points elsewhere
            # (a git worktree next to an editable install).
            "PYTHONPATH": os.pathsep.join(
                filter(None, [SOURCE_ROOT, os.environ.get("PYTHONPATH")])
            ),
        }

    def start(self) -> subprocess.Popen[bytes]:
        log = (self.logs / f"worker-{len(self.processes)}.log").open("wb")
        process = subprocess.Popen(
            [str(Path(sys.executable).parent / "planner"), "worker"],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.processes.append(process)
        return process

    def stop_all(self) -> list[int]:
        """SIGTERM every live worker and return their exit codes."""
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        return [process.wait(timeout=30) for process in self.processes]

    def log_text(self) -> str:
        return "\n".join(p.read_text(errors="replace") for p in sorted(self.logs.glob("*.log")))


@pytest.fixture()
def workers(app: Flask, tmp_path: Path) -> Iterator[Workers]:
    logs = tmp_path / "logs"
    logs.mkdir()
    pool = Workers(app, logs)
    yield pool
    for process in pool.processes:
        if process.poll() is None:
            process.kill()
            process.wait()


def queue_many(desk: Desk, fake: FakeWebhook, count: int) -> None:
    """Approve *count* posts to one webhook, all due now, in one transaction."""
    channel = desk.channel("webhook", {"url": fake.url_for("generic"), "format": "generic"})
    now = utcnow()
    session = desk.session
    for number in range(count):
        post = add_post(
            session,
            desk.member,
            at=now - timedelta(seconds=1),
            body=f"Post number {number}",
            status=PostStatus.APPROVED,
            channels=[channel.id],
            created_at=now,
            commit=False,
        )
        deliveries.schedule_for_post(session=session, post=post, channel_ids=[channel.id], now=now)
    session.commit()


def status_counts(app: Flask) -> Counter[str]:
    from planner.db import get_engine

    with Session(get_engine(app)) as session:
        rows = session.exec(
            select(Delivery.status, func.count()).group_by(col(Delivery.status))
        ).all()
    return Counter({status: n for status, n in rows})


def wait_until(condition, timeout: float, workers: Workers) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out; worker logs:\n{workers.log_text()[-4000:]}")
        time.sleep(0.1)


def sent_once_each(fake: FakeWebhook) -> Counter[int]:
    return Counter(message["json"]["delivery_id"] for message in fake.posts)


def test_two_workers_publish_each_delivery_exactly_once(
    app: Flask, desk: Desk, fake_webhook: FakeWebhook, workers: Workers
) -> None:
    queue_many(desk, fake_webhook, COUNT)

    workers.start()
    workers.start()
    wait_until(lambda: status_counts(app)["published"] == COUNT, 45, workers)

    assert workers.stop_all() == [0, 0]
    sent = sent_once_each(fake_webhook)
    assert len(sent) == COUNT
    assert set(sent.values()) == {1}
    assert "Traceback" not in workers.log_text()


def test_a_killed_worker_loses_nothing_and_sends_nothing_twice(
    app: Flask, desk: Desk, fake_webhook: FakeWebhook, workers: Workers
) -> None:
    queue_many(desk, fake_webhook, COUNT)
    # Slow replies keep several publishes in flight at the moment of the kill.
    fake_webhook.delay_next(0.05, times=10 * COUNT)

    victim = workers.start()
    wait_until(lambda: status_counts(app)["published"] >= COUNT // 5, 30, workers)
    victim.send_signal(signal.SIGKILL)
    victim.wait()
    left_behind = status_counts(app)["publishing"]
    assert left_behind > 0  # the kill did catch publishes in flight

    workers.start()
    workers.start()
    wait_until(lambda: not any(status_counts(app)[s] for s in UNFINISHED), 45, workers)

    workers.stop_all()
    counts = status_counts(app)
    assert set(counts) <= {"published", "unconfirmed"}
    assert sum(counts.values()) == COUNT
    assert counts["unconfirmed"] <= left_behind  # only what was in flight at the kill
    sent = sent_once_each(fake_webhook)
    assert max(sent.values()) == 1
    from planner.db import get_engine

    with Session(get_engine(app)) as session:
        published = set(session.exec(select(Delivery.id).where(Delivery.status == "published")))
    assert published <= set(sent)


def test_planner_run_publishes_on_its_own_and_stops_cleanly_on_sigterm(
    app: Flask, desk: Desk, tmp_path: Path
) -> None:
    """`planner run` (web and worker in one process): a post due in two seconds goes out."""
    outbox = desk.channel("outbox", {})
    desk.approved_post([outbox], at=utcnow() + timedelta(seconds=2), body="Doors open at nine")
    env = {**Workers(app, tmp_path).env, "PLANNER_WORKER_TICK_SECONDS": "1"}
    log_path = tmp_path / "run.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [str(Path(sys.executable).parent / "planner"), "run", "--port", "0"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        sent = Path(app.instance_path) / "outbox" / f"channel-{outbox.id}.jsonl"
        deadline = time.monotonic() + 20
        while not sent.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert sent.exists(), log_path.read_text(errors="replace")[-3000:]
        assert '"Doors open at nine"' in sent.read_text()
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0, log_path.read_text(errors="replace")[-3000:]
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    text = log_path.read_text(errors="replace")
    assert "publishing worker running" in text and "publishing worker stopped" in text


def test_a_series_until_9999_in_tokyo_does_not_hold_up_another_workspaces_post(
    app: Flask, desk: Desk, auth: Auth, session: Session, workers: Workers
) -> None:
    """Two workers; one workspace's series cannot stop the other's post going out on time."""
    tokyo = auth.user(timezone="Asia/Tokyo", workspace_name="Tokyo")
    series = stored_series(session, tokyo, UNTIL_9999, start=utcnow() + timedelta(hours=1))
    outbox = desk.channel("outbox", {})
    workers.start()
    workers.start()
    wait_until(lambda: workers.log_text().count("publishing worker started") == 2, 30, workers)

    due = utcnow() + timedelta(seconds=2)
    post = desk.approved_post([outbox], at=due, body="Doors open at nine")
    wait_until(lambda: status_counts(app)["published"] == 1, 30, workers)

    assert workers.stop_all() == [0, 0]
    delivery = desk.delivery(post)
    assert delivery.published_at is not None
    assert timedelta(0) <= delivery.published_at - due < timedelta(seconds=5)
    assert occurrence_count(session, series) == 53  # extended once, by one of the two
    assert "Traceback" not in workers.log_text()
