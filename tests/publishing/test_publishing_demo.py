"""The demo publishes to its outbox on its own, a minute after it is loaded."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from flask import Flask
from sqlmodel import Session, select

from planner.demo import load_demo
from planner.models import Delivery, Post, PostStatus
from planner.publishing.worker import tick
from tests.conftest import NOW


def test_demo_post_reaches_the_outbox(app: Flask, session: Session) -> None:
    assert load_demo(session=session, now=NOW, password_method="pbkdf2:sha256:1000")
    session.commit()
    [delivery] = session.exec(select(Delivery)).all()
    assert delivery.due_at == NOW + timedelta(minutes=1)

    assert tick(app, now=NOW + timedelta(seconds=30)) == 0
    assert tick(app, now=NOW + timedelta(minutes=1, seconds=1)) == 1

    outbox = Path(app.instance_path) / "outbox" / f"channel-{delivery.channel_id}.jsonl"
    [line] = [json.loads(raw) for raw in outbox.read_text().splitlines()]
    post = session.get(Post, delivery.post_id)
    session.refresh(post)
    assert line["post_id"] == post.id
    assert line["text"] == post.body
    assert post.status == PostStatus.PUBLISHED
