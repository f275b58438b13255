"""Link cards through the composer, the review queue and the API: read on save, shown, served."""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import select

from planner.media_app import get_media_storage
from planner.models import Post, PostStatus
from tests.factories import ahead, make_channel
from tests.fakes.fixtures import fake_bluesky, fake_site  # noqa: F401
from tests.fakes.images import small_png
from tests.fakes.site import FakeSite, og_page
from tests.publishing.conftest import Desk


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    return {**app_config, "LINK_CARDS": True}


def _bakery(site: FakeSite) -> str:
    site.file("/loaf.png", small_png(120, 63), "image/png")
    return site.page(
        "/sourdough",
        og_page(title="Fresh sourdough", description="Baked at dawn.", image="/loaf.png"),
    )


def _form(channel_ids: list[int], link: str, **extra: str) -> dict[str, Any]:
    when = ahead()
    return {
        "body": "New loaves are in",
        "category": "promotional",
        "channels": [str(i) for i in channel_ids],
        "date": when.strftime("%Y-%m-%d"),
        "time": "09:00",
        "link": link,
        **extra,
    }


def _preview_of(page: str, channel_id: int) -> str:
    return page.split(f'data-preview-for="{channel_id}"', 1)[1].split("</article>", 1)[0]


def test_the_composer_reads_the_card_on_save_and_shows_it_for_bluesky(
    app,
    client,
    auth,
    session,
    fake_bluesky,  # noqa: F811
    fake_site,  # noqa: F811
) -> None:
    owner = auth.user()
    desk = Desk(app, session, owner)
    sky = desk.bluesky(fake_bluesky, "Sky")
    feed = desk.channel("outbox", {}, "Feed")
    link = _bakery(fake_site)
    auth.login(client, owner)
    assert client.post("/posts/new", data=_form([sky.id, feed.id], link)).status_code == 302
    post = session.exec(select(Post)).one()
    assert post.link_card["title"] == "Fresh sourdough"
    assert fake_site.hits("/sourdough") == 1

    page = client.get(f"/posts/{post.id}/edit").get_data(as_text=True)
    card = _preview_of(page, sky.id)
    assert "Fresh sourdough" in card and "Baked at dawn." in card
    thumb_src = card.split('class="link-card-thumb" src="', 1)[1].split('"', 1)[0]
    thumb = client.get(thumb_src)
    assert thumb.status_code == 200
    assert thumb.data == get_media_storage(app).get(post.link_card["thumb_key"])
    assert "Fresh sourdough" not in _preview_of(page, feed.id)  # the outbox draws no card

    # Saving again with the same link does not read the page again.
    assert client.post(f"/posts/{post.id}/edit", data=_form([sky.id], link)).status_code == 302
    assert fake_site.hits("/sourdough") == 1


def test_a_page_that_cannot_be_read_never_stops_the_save(
    app,
    client,
    auth,
    session,
    fake_bluesky,  # noqa: F811
    fake_site,  # noqa: F811
) -> None:
    owner = auth.user()
    sky = Desk(app, session, owner).bluesky(fake_bluesky, "Sky")
    auth.login(client, owner)
    link = fake_site.url + "/moved-away"
    assert client.post("/posts/new", data=_form([sky.id], link)).status_code == 302
    post = session.exec(select(Post)).one()
    assert post.link == link and post.link_card["error"] == "127.0.0.1 answered 404"
    page = client.get(f"/posts/{post.id}/edit").get_data(as_text=True)
    assert "No preview card could be built: 127.0.0.1 answered 404" in _preview_of(page, sky.id)


def test_the_review_queue_shows_the_card(
    app,
    client,
    auth,
    session,
    fake_bluesky,  # noqa: F811
    fake_site,  # noqa: F811
) -> None:
    owner = auth.user()
    sky = Desk(app, session, owner).bluesky(fake_bluesky, "Sky")
    auth.login(client, owner)
    assert client.post("/posts/new", data=_form([sky.id], _bakery(fake_site))).status_code == 302
    post = session.exec(select(Post)).one()
    post.status = PostStatus.IN_REVIEW
    session.add(post)
    session.commit()
    queue = client.get("/review").get_data(as_text=True)
    card = _preview_of(queue, sky.id)
    assert "data-link-card" in card and "Fresh sourdough" in card


def test_a_card_thumbnail_is_only_for_members_of_its_workspace(
    app,
    client,
    auth,
    session,
    fake_bluesky,  # noqa: F811
    fake_site,  # noqa: F811
) -> None:
    owner = auth.user()
    sky = Desk(app, session, owner).bluesky(fake_bluesky, "Sky")
    auth.login(client, owner)
    assert client.post("/posts/new", data=_form([sky.id], _bakery(fake_site))).status_code == 302
    key = session.exec(select(Post)).one().link_card["thumb_key"]
    assert client.get(f"/media/cards/{key}").status_code == 200
    stranger = auth.user()
    theirs = auth.login(app.test_client(), stranger)
    assert theirs.get(f"/media/cards/{key}").status_code == 404
    assert theirs.get(f"/media/cards/{stranger.workspace.id}/card-../x.png").status_code == 404


def _api(client, token: str, method: str, url: str, **kwargs):
    return client.open(url, method=method, headers={"Authorization": f"Bearer {token}"}, **kwargs)


def test_the_api_returns_the_card_and_reads_it_again_only_for_a_new_link(
    app,
    client,
    auth,
    session,
    fake_site,  # noqa: F811
) -> None:
    owner = auth.user()
    token = auth.token(owner)
    sky = make_channel(session, owner.workspace, "Sky", "bluesky")
    link = _bakery(fake_site)
    created = _api(
        client,
        token,
        "POST",
        f"/api/v1/workspaces/{owner.workspace.id}/posts",
        json={"body": "Loaves", "category": "promotional", "link": link, "channel_ids": [sky.id]},
    )
    assert created.status_code == 201, created.get_json()
    card = created.get_json()["link_card"]
    assert (card["uri"], card["title"], card["description"]) == (
        link,
        "Fresh sourdough",
        "Baked at dawn.",
    )
    thumb = client.get(card["thumbnail_url"])  # a signed link: no login needed
    assert thumb.status_code == 200 and thumb.data[:4] == b"\x89PNG"
    post_id = created.get_json()["id"]

    edited = _api(client, token, "PATCH", f"/api/v1/posts/{post_id}", json={"body": "Rye too"})
    assert edited.get_json()["link_card"]["title"] == "Fresh sourdough"
    assert fake_site.hits("/sourdough") == 1

    other = fake_site.page("/rye", og_page(title="Rye", description="Dark and dense"))
    moved = _api(client, token, "PATCH", f"/api/v1/posts/{post_id}", json={"link": other})
    assert moved.get_json()["link_card"]["title"] == "Rye"
    assert moved.get_json()["link_card"]["thumbnail_url"] is None
    cleared = _api(client, token, "PATCH", f"/api/v1/posts/{post_id}", json={"link": None})
    assert cleared.get_json()["link_card"] is None


def test_a_post_for_networks_that_draw_their_own_cards_reads_no_page_until_bluesky_is_added(
    app,
    client,
    auth,
    session,
    fake_bluesky,  # noqa: F811
    fake_site,  # noqa: F811
) -> None:
    owner = auth.user()
    desk = Desk(app, session, owner)
    feed = desk.channel("outbox", {}, "Feed")
    sky = desk.bluesky(fake_bluesky, "Sky")
    link = _bakery(fake_site)
    auth.login(client, owner)
    assert client.post("/posts/new", data=_form([feed.id], link)).status_code == 302
    post = session.exec(select(Post)).one()
    assert post.link_card is None and fake_site.requests == []
    form = _form([feed.id, sky.id], link)
    assert client.post(f"/posts/{post.id}/edit", data=form).status_code == 302
    session.expire_all()
    assert session.get(Post, post.id).link_card["title"] == "Fresh sourdough"
