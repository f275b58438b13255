"""Images named in imported files are downloaded at preview time and put on the posts."""

from __future__ import annotations

import pytest

from planner.connectors_app import get_connectors
from planner.media_app import get_media_limits, get_media_storage
from planner.services import imports
from planner.services import media as media_service
from planner.services.import_media import ImageImport
from planner.services.imports import ImportOptions
from tests import media_files as files
from tests.conftest import NOW
from tests.factories import access_of, make_channel
from tests.fakes.server import FakeServer, RecordedRequest, Reply


class ImageHost(FakeServer):
    """A web server holding a few files at fixed paths."""

    def __init__(self, held: dict[str, bytes]) -> None:
        super().__init__()
        self.files = held

    def respond(self, request: RecordedRequest) -> Reply:
        body = self.files.get(request.path)
        return Reply(200, body) if body is not None else Reply(404, "no such file")


@pytest.fixture()
def host():
    server = ImageHost(
        {
            "/photo.jpg": files.jpeg_with_gps((1200, 900)),
            "/logo.png": files.png_with_transparency(),
            "/note.jpg": files.TEXT_NAMED_JPG,
        }
    )
    with server.start() as running:
        yield running


def _preview(app, session, owner, text: str, **options):
    batch = imports.preview_import(
        session=session,
        acc=access_of(owner),
        data=text.encode(),
        options=ImportOptions(**{"format": "template", **options}),
        connectors=get_connectors(app),
        now=NOW,
        images=ImageImport(storage=get_media_storage(app), limits=get_media_limits(app)),
    )
    session.commit()
    return {r["line"]: r for r in batch.rows}, batch


def test_template_media_urls_are_downloaded_cleaned_and_put_on_the_post(
    app, session, auth, host
) -> None:
    owner = auth.user()
    make_channel(session, owner.workspace, name="Feed")
    text = (
        "date,time,body,category,channels,media_urls\n"
        f"2026-04-01,10:00,Two pictures,promotional,Feed,{host.url}/photo.jpg {host.url}/logo.png\n"
        f"2026-04-02,10:00,A broken one,promotional,Feed,{host.url}/missing.jpg\n"
        f"2026-04-03,10:00,Not a picture,promotional,Feed,{host.url}/note.jpg\n"
        "2026-04-04,10:00,No pictures,promotional,Feed,\n"
    )
    rows, batch = _preview(app, session, owner, text)
    assert rows[2]["ok"] and len(rows[2]["post"]["media_ids"]) == 2
    assert not rows[3]["ok"]
    assert rows[3]["errors"][0]["column"] == "media_urls"
    assert "missing.jpg" in rows[3]["errors"][0]["message"]
    assert not rows[4]["ok"] and "not a JPEG, PNG, WebP or GIF" in rows[4]["errors"][0]["message"]
    assert rows[5]["ok"] and "media_ids" not in rows[5]["post"]

    posts = imports.commit_import(session=session, acc=access_of(owner), batch_id=batch.id, now=NOW)
    session.commit()
    images = media_service.media_for_posts(session=session, post_ids=[p.id for p in posts])
    first = images[posts[0].id]
    assert [m.mime for m in first] == ["image/jpeg", "image/png"]
    assert (first[0].width, first[0].height) == (900, 1200)  # turned upright
    assert not files.has_gps(get_media_storage(app).get(first[0].storage_key))
    assert posts[1].id not in images


def test_buffer_image_url_column(app, session, auth, host) -> None:
    owner = auth.user()
    channel = make_channel(session, owner.workspace, name="Feed")
    text = (
        "Text,Image URL,Tags,Posting Time\n"
        f"Cake,{host.url}/photo.jpg,Promotional,2026-03-20 09:00\n"
    )
    rows, _batch = _preview(app, session, owner, text, format="buffer", channel_id=channel.id)
    assert rows[2]["ok"] and len(rows[2]["post"]["media_ids"]) == 1
    assert rows[2]["notes"] == []


def test_an_image_on_a_private_address_is_refused(app, session, auth, host) -> None:
    app.config["ALLOW_PRIVATE_HOSTS"] = False
    app.extensions.pop("planner.connectors", None)  # rebuilt with the stricter setting
    owner = auth.user()
    make_channel(session, owner.workspace, name="Feed")
    text = f"date,time,body,category,channels,media_urls\n2026-04-01,10:00,Hi,promotional,Feed,{host.url}/logo.png\n"
    rows, _batch = _preview(app, session, owner, text)
    assert not rows[2]["ok"]
    assert rows[2]["errors"][0]["column"] == "media_urls"
    assert host.requests == []
