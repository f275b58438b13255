"""Shared set-up for benchmarks: a throwaway app with a workspace holding N posts."""

from __future__ import annotations

import random
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert
from sqlmodel import Session

from planner import create_app
from planner.db import get_engine, upgrade_database
from planner.models import Channel, Post, PostChannel
from planner.services import accounts, tokens, workspaces

CATEGORIES = ["promotional", "educational", "conversational", "curated"]
PASSWORD = "bench-password"
MONTH = datetime(2027, 3, 1, tzinfo=UTC)


def make_app(database_url: str | None = None):
    folder = tempfile.mkdtemp(prefix="planner-bench-")
    config = {
        "TESTING": True,
        "SECRET_KEY": "bench",
        "INSTANCE_PATH": folder,
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "WTF_CSRF_ENABLED": False,
        # Benchmarks measure planner, not the internet: no page is read for Bluesky link cards
        # (an import reads each link once, within 20 s for the whole file, when this is on).
        "LINK_CARDS": False,
    }
    if database_url:
        config["DATABASE_URL"] = database_url
    app = create_app(config)
    upgrade_database(app)
    return app


def seed(app, total: int, in_month: int = 300, channels: int = 3, seed_value: int = 7):
    """Create an owner, a workspace, channels and *total* posts, *in_month* of them in March 2027."""
    rng = random.Random(seed_value)
    now = datetime(2027, 2, 1, tzinfo=UTC)
    with Session(get_engine(app), expire_on_commit=False) as session:
        user = accounts.create_user(
            session=session,
            email="bench@example.com",
            password=PASSWORD,
            now=now,
            password_method="pbkdf2:sha256:1000",
        )
        ws = workspaces.create_workspace(
            session=session, owner=user, name="Bench", timezone="Europe/London", now=now
        )
        chans = [
            Channel(workspace_id=ws.id, name=f"Channel {i}", platform="outbox", created_at=now)
            for i in range(channels)
        ]
        session.add_all(chans)
        session.flush()
        _tok, token = tokens.create_token(session=session, user=user, name="bench", now=now)
        session.commit()
        rows = []
        history_span = timedelta(days=365 * 6)
        for i in range(total):
            if i < in_month:
                when = MONTH + timedelta(minutes=rng.randrange(31 * 24 * 60 - 120))
            else:
                # History (and some far future) away from the month's neighbourhood, so the 1k/100k
                # comparison measures the cost of history, not denser adjacent weeks.
                when = (
                    MONTH
                    - timedelta(days=21)
                    - timedelta(minutes=rng.randrange(int(history_span.total_seconds() // 60)))
                )
                if rng.random() < 0.2:
                    when = (
                        MONTH + timedelta(days=52) + timedelta(minutes=rng.randrange(365 * 24 * 60))
                    )
            rows.append(
                {
                    "workspace_id": ws.id,
                    "author_id": user.id,
                    "body": f"Post {i} " + "lorem ipsum " * 8,
                    "category": rng.choice(CATEGORIES),
                    "link": None,
                    "scheduled_at": when,
                    "status": "published" if when < now else "draft",
                    "created_at": now,
                    "updated_at": now,
                }
            )
        conn = session.connection()
        for start in range(0, len(rows), 5000):
            conn.execute(insert(Post), rows[start : start + 5000])
        session.commit()
        post_ids = [
            pid for (pid,) in session.connection().exec_driver_sql("SELECT id FROM post").fetchall()
        ]
        links = [{"post_id": pid, "channel_id": chans[pid % channels].id} for pid in post_ids]
        for start in range(0, len(links), 5000):
            session.connection().execute(insert(PostChannel), links[start : start + 5000])
        session.commit()
        return ws.id, token, [c.id for c in chans]


def login(app):
    client = app.test_client()
    resp = client.post("/login", data={"email": "bench@example.com", "password": PASSWORD})
    assert resp.status_code == 302, resp.status_code
    return client


def machine() -> str:
    import os
    import platform

    return f"{platform.node() or 'unknown'}: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
