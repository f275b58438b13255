from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from sqlmodel import select

from planner.models import Delivery, Post, PostStatus
from planner.publishing.worker import tick
from planner.timeutils import get_zone, to_local, utcnow
from tests.factories import make_channel, make_post
from tests.review_cases import Team

S = PostStatus


def test_editing_an_approved_post_means_the_old_version_is_never_published(
    app, auth, session
) -> None:
    team = Team(auth, session)
    control_channel = make_channel(session, team.workspace, "Control")
    at = utcnow().replace(second=0, microsecond=0) + timedelta(days=3)
    post = make_post(
        session,
        team.author,
        at=at,
        channels=(team.channel.id,),
        status=S.IN_REVIEW,
        body="Croissants 1 euro",
    )
    control = make_post(
        session,
        team.author,
        at=at,
        channels=(control_channel.id,),
        status=S.IN_REVIEW,
        body="Open as usual",
    )
    editor = auth.login(app.test_client(), team.editor)
    assert editor.post(f"/posts/{post.id}/approve").status_code == 302
    assert editor.post(f"/posts/{control.id}/approve").status_code == 302
    queued = session.exec(select(Delivery).where(Delivery.post_id == post.id)).all()
    assert [d.status for d in queued] == ["queued"]

    local = to_local(at, get_zone("Europe/London"))
    resp = editor.post(
        f"/posts/{post.id}/edit",
        data={
            "body": "Croissants 2 euros",
            "category": "promotional",
            "channels": [str(team.channel.id)],
            "date": local.date().isoformat(),
            "time": local.strftime("%H:%M"),
        },
    )
    assert resp.status_code == 302
    session.expire_all()
    assert session.get(Post, post.id).status == "in_review"
    assert [
        d.status for d in session.exec(select(Delivery).where(Delivery.post_id == post.id))
    ] == ["cancelled"]

    tick(app, now=at + timedelta(minutes=1))

    session.expire_all()
    rows = session.exec(select(Delivery).where(Delivery.post_id == post.id)).all()
    assert [d.status for d in rows] == ["cancelled"] and rows[0].published_at is None
    # Its time passed without a new approval, so it expired rather than going out.
    assert session.get(Post, post.id).status == "expired"
    outbox = Path(app.instance_path) / "outbox"
    assert not (outbox / f"channel-{team.channel.id}.jsonl").exists()
    # The untouched post on the other channel did go out: the worker was really running.
    sent = (outbox / f"channel-{control_channel.id}.jsonl").read_text().splitlines()
    assert [json.loads(line)["text"] for line in sent] == ["Open as usual"]
    assert "Croissants" not in "".join(p.read_text() for p in outbox.glob("*.jsonl"))
