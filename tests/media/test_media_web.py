"""The composer's images, the media library page and the member-only file routes."""

from __future__ import annotations

import io

import pytest
from sqlmodel import select

from planner.media_app import get_media_limits, get_media_storage
from planner.media_models import Media, PostMedia
from planner.models import Post
from planner.services import media as media_service
from tests import media_files as files
from tests.conftest import NOW
from tests.factories import access_of, make_post


@pytest.fixture()
def owner(auth):
    return auth.user()


@pytest.fixture()
def logged_in(client, auth, owner):
    return auth.login(client, owner)


def _media(app, session, member, data: bytes, name: str, alt: str = "") -> Media:
    media = media_service.upload(
        session=session,
        acc=access_of(member),
        storage=get_media_storage(app),
        data=data,
        filename=name,
        alt=alt,
        limits=get_media_limits(app),
        now=NOW,
    )
    session.commit()
    return media


def test_composer_upload_answers_json_and_refuses_bad_files(logged_in, session) -> None:
    ok = logged_in.post(
        "/media/upload",
        data={"file": (io.BytesIO(files.webp()), "leaf.webp")},
        content_type="multipart/form-data",
    )
    assert ok.status_code == 201 and ok.json["thumbnail_url"].endswith("/thumb")
    assert logged_in.get(ok.json["thumbnail_url"]).mimetype == "image/webp"
    bad = logged_in.post(
        "/media/upload",
        data={"file": (io.BytesIO(files.SVG_WITH_SCRIPT), "x.svg")},
        content_type="multipart/form-data",
        headers={"Accept": "application/json"},
    )
    assert bad.status_code == 422 and "SVG" in bad.json["error"]["message"]


def test_a_post_saved_from_the_composer_keeps_its_images_in_order(
    app, logged_in, session, owner
) -> None:
    a = _media(app, session, owner, files.webp(), "a.webp")
    b = _media(app, session, owner, files.two_pixels(), "b.png", alt="Dot")
    answer = logged_in.post(
        "/posts/new",
        data={
            "body": "Fresh buns",
            "category": "promotional",
            "media_present": "1",
            "media_id": [str(b.id), str(a.id)],
            f"media_alt_{a.id}": "A green leaf",
            f"media_alt_{b.id}": "Dot",
        },
    )
    assert answer.status_code == 302, answer.data[:500]
    post = session.exec(select(Post).where(Post.body == "Fresh buns")).one()
    links = session.exec(select(PostMedia).where(PostMedia.post_id == post.id)).all()
    assert sorted((pm.position, pm.media_id) for pm in links) == [(0, b.id), (1, a.id)]
    session.expire_all()
    assert session.get(Media, a.id).alt == "A green leaf"

    page = logged_in.get(f"/posts/{post.id}/edit").get_data(as_text=True)
    assert page.index(f'data-media-id="{b.id}"') < page.index(f'data-media-id="{a.id}"')
    assert "A green leaf" in page

    # Saving the form without the images section leaves the images alone; with it, it rules.
    logged_in.post(
        f"/posts/{post.id}/edit",
        data={
            "body": "Fresh buns!",
            "category": "promotional",
            "media_present": "1",
            "media_id": [str(a.id)],
        },
    )
    assert [
        m.id for m in media_service.media_for_posts(session=session, post_ids=[post.id])[post.id]
    ] == [a.id]


def test_the_library_lists_searches_reuses_and_deletes(app, logged_in, session, owner) -> None:
    used = _media(app, session, owner, files.webp(), "shop-front.webp", alt="The shop front")
    free = _media(app, session, owner, files.two_pixels(), "dot.png")
    post = make_post(session, owner, at=None)
    media_service.set_post_media(
        session=session, acc=access_of(owner), post=post, items=[(used.id, None)], now=NOW
    )
    session.commit()

    page = logged_in.get("/media").get_data(as_text=True)
    assert "shop-front.webp" in page and "dot.png" in page
    assert f"/posts/{post.id}" in page and "No alt text" in page
    found = logged_in.get("/media?q=SHOP").get_data(as_text=True)
    assert "shop-front.webp" in found and "dot.png" not in found

    composer = logged_in.get(f"/posts/new?media={used.id}").get_data(as_text=True)
    assert f'data-media-id="{used.id}"' in composer

    refused = logged_in.post(f"/media/{used.id}/delete", follow_redirects=True)
    assert "not yet published" in refused.get_data(as_text=True)
    assert session.get(Media, used.id) is not None
    free_id = free.id
    logged_in.post(f"/media/{free_id}/delete")
    session.expire_all()
    assert session.get(Media, free_id) is None

    logged_in.post(f"/media/{used.id}/alt", data={"alt": "Shop, from the street"})
    session.expire_all()
    assert session.get(Media, used.id).alt == "Shop, from the street"


def test_other_workspaces_images_are_not_found(app, client, auth, session, owner) -> None:
    mine = _media(app, session, owner, files.webp(), "x.webp")
    stranger = auth.login(app.test_client(), auth.user("s@example.com"))
    for path in (f"/media/{mine.id}/file", f"/media/{mine.id}/thumb"):
        assert stranger.get(path).status_code == 404
    assert stranger.post(f"/media/{mine.id}/delete").status_code in (302, 404)
    assert session.get(Media, mine.id) is not None
    composer = stranger.get(f"/posts/new?media={mine.id}").get_data(as_text=True)
    assert f'data-media-id="{mine.id}"' not in composer


def test_thumbnails_show_on_the_views(app, logged_in, session, owner) -> None:
    from tests.factories import ahead, make_channel

    channel = make_channel(session, owner.workspace)
    pic = _media(app, session, owner, files.webp(), "leaf.webp")
    bare = _media(app, session, owner, files.two_pixels(), "dot.png", alt="A dot")
    when = ahead(3)
    post = make_post(session, owner, at=when, channels=[channel.id], body="With pictures")
    media_service.set_post_media(
        session=session,
        acc=access_of(owner),
        post=post,
        items=[(pic.id, None), (bare.id, None)],
        now=NOW,
    )
    session.commit()
    thumb = f"/media/{pic.id}/thumb"
    month = f"/?month={when:%Y-%m}"
    for path in (month, f"/week?date={when:%Y-%m-%d}", "/list", f"/print?month={when:%Y-%m}"):
        page = logged_in.get(path).get_data(as_text=True)
        assert thumb in page and "(2 images)" in page, path
    view = logged_in.get(f"/posts/{post.id}").get_data(as_text=True)
    assert thumb in view and "Alt text: A dot" in view and "No alt text." in view
    logged_in.post(f"/posts/{post.id}/submit")
    queue = logged_in.get("/review").get_data(as_text=True)
    assert "With pictures" in queue
    assert thumb in queue and "Alt text: A dot" in queue
    logged_in.post(f"/posts/{post.id}/approve")
    assert session.get(Post, post.id) is not None
    publishing = logged_in.get("/publishing/").get_data(as_text=True)
    assert "With pictures" in publishing and thumb in publishing


def test_changing_the_images_of_an_approved_post_sends_it_back_to_review(
    app, session, owner
) -> None:
    from planner.models import PostStatus

    pic = _media(app, session, owner, files.webp(), "leaf.webp")
    post = make_post(session, owner, at=None, status=PostStatus.APPROVED)
    acc = access_of(owner)
    media_service.set_post_media(session=session, acc=acc, post=post, items=[], now=NOW)
    assert post.status == PostStatus.APPROVED  # nothing changed: nothing to review
    media_service.set_post_media(
        session=session, acc=acc, post=post, items=[(pic.id, None)], now=NOW
    )
    session.commit()
    assert post.status == PostStatus.IN_REVIEW


def test_a_copied_post_keeps_the_images(app, logged_in, session, owner) -> None:
    pic = _media(app, session, owner, files.webp(), "leaf.webp")
    dot = _media(app, session, owner, files.two_pixels(), "dot.png")
    post = make_post(session, owner, at=None)
    media_service.set_post_media(
        session=session,
        acc=access_of(owner),
        post=post,
        items=[(dot.id, None), (pic.id, None)],
        now=NOW,
    )
    session.commit()
    answer = logged_in.post(f"/posts/{post.id}/duplicate")
    copy_id = int(answer.headers["Location"].split("/")[-2])
    assert copy_id != post.id
    ids = media_service.media_ids_for_posts(session=session, post_ids=[copy_id])[copy_id]
    assert ids == [dot.id, pic.id]
