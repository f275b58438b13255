"""Images go out with the post: approved with two photos, the outbox line names each stored file.

Runs on local files and on the S3 server alike (see ``tests/media/conftest.py``).
"""

from __future__ import annotations

import io
import json
from pathlib import Path

from sqlmodel import select

from planner.media_models import Media
from planner.publishing.worker import tick
from planner.timeutils import parse_iso_instant
from tests import media_files as files
from tests.factories import ahead
from tests.fakes.fixtures import fake_bluesky  # noqa: F401
from tests.fakes.images import small_png
from tests.publishing.conftest import Desk


def _api(client, token: str, method: str, url: str, **kwargs):
    return client.open(url, method=method, headers={"Authorization": f"Bearer {token}"}, **kwargs)


def _upload(client, token: str, wid: int, data: bytes, name: str, alt: str) -> int:
    answer = _api(
        client,
        token,
        "POST",
        f"/api/v1/workspaces/{wid}/media",
        data={"file": (io.BytesIO(data), name), "alt": alt},
        content_type="multipart/form-data",
    )
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()["id"]


def _post(client, token: str, wid: int, channel_ids: list[int], media: list[int]) -> dict:
    answer = _api(
        client,
        token,
        "POST",
        f"/api/v1/workspaces/{wid}/posts",
        json={
            "body": "Fresh buns",
            "category": "promotional",
            "scheduled_at": ahead().isoformat(),
            "channel_ids": channel_ids,
            "media": [{"id": media_id} for media_id in media],
        },
    )
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()


def test_an_approved_post_sends_its_images_and_the_outbox_names_their_files(
    app, client, auth, session
) -> None:
    owner = auth.user()
    token = auth.token(owner)
    wid = owner.workspace.id
    feed = Desk(app, session, owner).channel("outbox", {}, "Feed")
    photo = _upload(client, token, wid, files.jpeg_with_gps((1600, 1200)), "buns.jpg", "Buns")
    logo = _upload(client, token, wid, files.png_with_transparency(), "logo.png", "Our logo")
    post = _post(client, token, wid, [feed.id], [photo, logo])
    approved = _api(client, token, "POST", f"/api/v1/posts/{post['id']}/approve")
    assert approved.status_code == 200, approved.get_json()

    assert tick(app, now=parse_iso_instant(post["scheduled_at"], None)) == 1

    line = (Path(app.instance_path) / "outbox" / f"channel-{feed.id}.jsonl").read_text()
    sent = json.loads(line)["media"]
    stored = {m.id: m for m in session.exec(select(Media))}
    assert [(m["key"], m["alt"], m["sha256"]) for m in sent] == [
        (stored[photo].storage_key, "Buns", stored[photo].sha256),
        (stored[logo].storage_key, "Our logo", stored[logo].sha256),
    ]
    assert all(m["url"] for m in sent)


def test_approval_refuses_more_images_than_bluesky_takes(
    app,
    client,
    auth,
    session,
    fake_bluesky,  # noqa: F811
) -> None:
    owner = auth.user()
    token = auth.token(owner)
    wid = owner.workspace.id
    sky = Desk(app, session, owner).bluesky(fake_bluesky, "Sky")
    images = [
        _upload(client, token, wid, small_png(20 + n, 20), f"dot{n}.png", f"Dot {n}")
        for n in range(5)
    ]
    post = _post(client, token, wid, [sky.id], images)
    refused = _api(client, token, "POST", f"/api/v1/posts/{post['id']}/approve")
    assert refused.status_code == 422
    error = refused.get_json()["error"]
    assert error["fields"]["media"] == "Bluesky takes at most 4 images; this post has 5."
    auth.login(client, owner)
    page = client.get(f"/posts/{post['id']}/edit").get_data(as_text=True)
    preview = page.split(f'data-preview-for="{sky.id}"', 1)[1].split("</article>", 1)[0]
    assert preview.count("<img ") == 4
    assert "1 more image not shown: Bluesky takes fewer." in preview
    assert "Bluesky takes at most 4 images; this post has 5." in preview
