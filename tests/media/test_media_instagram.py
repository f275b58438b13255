"""Instagram's shapes: the crop-or-pad choice per image on a post, in the API and the composer,
and the check the connector and submit will call."""

from __future__ import annotations

import io

import pytest
from sqlmodel import select

from planner.media_app import get_media_limits, get_media_storage
from planner.media_models import Media, PostMedia
from planner.models import Post, PostStatus
from planner.services import media as media_service
from planner.services.media import PostImage, instagram_ready
from tests import media_files as files
from tests.conftest import NOW
from tests.factories import access_of, make_post


def _image(width: int, height: int, name: str = "photo.jpg") -> Media:
    return Media(
        workspace_id=1,
        filename=name,
        mime="image/jpeg",
        width=width,
        height=height,
        size_bytes=1,
        storage_key="k",
        thumb_key="t",
        sha256="s",
    )


@pytest.mark.parametrize(
    ("images", "expected"),
    [
        ([], "at least one image"),
        ([PostImage(_image(1080, 1350)), PostImage(_image(1910, 1000))], None),
        (
            [PostImage(_image(1080, 1080)), PostImage(_image(900, 1600, "tall.jpg"))],
            "Image 2 (tall.jpg) is 900 × 1600",
        ),
        ([PostImage(_image(3000, 1000, "wide.jpg"))], "choose Crop or Pad"),
        ([PostImage(_image(900, 1600), "crop"), PostImage(_image(3000, 1000), "pad")], None),
        ([PostImage(_image(1079, 1350))], None),  # within the rounding slack of 4:5
    ],
)
def test_instagram_ready_names_the_image_that_needs_a_choice(images, expected) -> None:
    problem = instagram_ready(images)
    if expected is None:
        assert problem is None
    else:
        assert problem is not None and expected in problem


@pytest.fixture()
def owner(auth):
    return auth.user()


def _stored(app, session, member, data: bytes, name: str) -> Media:
    media = media_service.upload(
        session=session,
        acc=access_of(member),
        storage=get_media_storage(app),
        data=data,
        filename=name,
        limits=get_media_limits(app),
        now=NOW,
    )
    session.commit()
    return media


def test_the_api_takes_and_returns_each_images_fit(app, session, owner, api) -> None:
    tall = _stored(app, session, owner, files.banded_jpeg((900, 1600), 50), "tall.jpg")
    fine = _stored(app, session, owner, files.banded_jpeg((1080, 1080), 50), "square.jpg")
    caller = api(owner)
    made = caller.post(
        f"/api/v1/workspaces/{owner.workspace.id}/posts",
        json={
            "body": "Rye",
            "category": "promotional",
            "media": [{"id": tall.id, "fit": "crop"}, {"id": fine.id}],
        },
    )
    assert made.status_code == 201, made.json
    assert [(m["id"], m["fit"]) for m in made.json["media"]] == [(tall.id, "crop"), (fine.id, None)]
    pid = made.json["id"]
    # Absent keeps the choice (older clients), even when the order changes; null clears it.
    kept = caller.patch(f"/api/v1/posts/{pid}", json={"media": [{"id": fine.id}, {"id": tall.id}]})
    assert [(m["id"], m["fit"]) for m in kept.json["media"]] == [(fine.id, None), (tall.id, "crop")]
    padded = caller.patch(f"/api/v1/posts/{pid}", json={"media": [{"id": tall.id, "fit": "pad"}]})
    assert padded.json["media"][0]["fit"] == "pad"
    images = media_service.images_for_posts(session=session, post_ids=[pid])[pid]
    assert instagram_ready(images) is None
    cleared = caller.patch(f"/api/v1/posts/{pid}", json={"media": [{"id": tall.id, "fit": None}]})
    assert cleared.json["media"][0]["fit"] is None
    session.expire_all()
    images = media_service.images_for_posts(session=session, post_ids=[pid])[pid]
    assert "choose Crop or Pad" in instagram_ready(images)
    bad = caller.patch(f"/api/v1/posts/{pid}", json={"media": [{"id": tall.id, "fit": "stretch"}]})
    assert bad.status_code == 422


def test_choosing_a_fit_on_an_approved_post_sends_it_back_to_review(app, session, owner) -> None:
    tall = _stored(app, session, owner, files.banded_jpeg((900, 1600), 50), "tall.jpg")
    post = make_post(session, owner, at=None)
    acc = access_of(owner)
    media_service.set_post_media(
        session=session, acc=acc, post=post, items=[(tall.id, None)], now=NOW
    )
    post.status = PostStatus.APPROVED
    session.add(post)
    session.commit()
    media_service.set_post_media(
        session=session, acc=acc, post=post, items=[(tall.id, None)], fits={tall.id: None}, now=NOW
    )
    assert post.status == PostStatus.APPROVED  # the same choice again changes nothing
    media_service.set_post_media(
        session=session, acc=acc, post=post, items=[(tall.id, None)], fits={tall.id: "pad"}, now=NOW
    )
    assert post.status == PostStatus.IN_REVIEW
    copy = make_post(session, owner, at=None)
    media_service.copy_post_media(
        session=session, acc=acc, from_post_id=post.id, to_post=copy, now=NOW
    )
    session.commit()
    assert session.exec(select(PostMedia.fit).where(PostMedia.post_id == copy.id)).one() == "pad"


def test_the_composer_offers_crop_or_pad_beside_an_image_instagram_cannot_take(
    app, client, auth, session, owner
) -> None:
    logged_in = auth.login(client, owner)
    tall = _stored(app, session, owner, files.banded_jpeg((900, 1600), 50), "tall.jpg")
    fine = _stored(app, session, owner, files.banded_jpeg((1200, 1000), 50), "fine.jpg")
    page = logged_in.get(f"/posts/new?media={tall.id}&media={fine.id}").get_data(as_text=True)
    assert "Instagram needs 4:5 to 1.91:1:" in page
    assert page.count("data-fit-notice") == 2  # the one beside tall.jpg, the script's template
    assert f'name="media_fit_{tall.id}" value="crop"' in page
    assert f'name="media_fit_{tall.id}" value="pad"' in page
    assert f'name="media_fit_{fine.id}"' not in page
    assert "aspect-ratio: 0.8000" in page  # the small previews show the 4:5 result

    answer = logged_in.post(
        "/posts/new",
        data={
            "body": "Rye loaves",
            "category": "promotional",
            "media_present": "1",
            "media_id": [str(tall.id), str(fine.id)],
            f"media_fit_{tall.id}": "pad",
        },
    )
    assert answer.status_code == 302, answer.data[:500]
    post = session.exec(select(Post).where(Post.body == "Rye loaves")).one()
    images = media_service.images_for_posts(session=session, post_ids=[post.id])[post.id]
    assert [(i.media.id, i.fit) for i in images] == [(tall.id, "pad"), (fine.id, None)]
    edit = logged_in.get(f"/posts/{post.id}/edit").get_data(as_text=True)
    assert f'name="media_fit_{tall.id}" value="pad" checked' in edit
    assert f'name="media_fit_{tall.id}" value="crop" checked' not in edit

    refused = logged_in.post(
        f"/posts/{post.id}/edit",
        data={
            "body": "Rye loaves",
            "category": "promotional",
            "media_present": "1",
            "media_id": [str(tall.id)],
            f"media_fit_{tall.id}": "stretch",
        },
    )
    assert refused.status_code == 422
    assert "Choose crop or pad" in refused.get_data(as_text=True)
    session.expire_all()
    images = media_service.images_for_posts(session=session, post_ids=[post.id])[post.id]
    assert [(i.media.id, i.fit) for i in images] == [(tall.id, "pad"), (fine.id, None)]
    upload = logged_in.post(
        "/media/upload",
        data={"file": (io.BytesIO(files.banded_jpeg((700, 1400), 10)), "new.jpg")},
        content_type="multipart/form-data",
    )
    assert (upload.json["width"], upload.json["height"]) == (700, 1400)  # what the script checks
    assert upload.json["url"].endswith(f"/media/{upload.json['id']}/file")


def test_the_worker_hands_each_image_its_fit(app, session, owner) -> None:
    from planner.publishing.media import stored_media

    tall = _stored(app, session, owner, files.banded_jpeg((900, 1600), 50), "tall.jpg")
    fine = _stored(app, session, owner, files.banded_jpeg((1200, 1000), 50), "fine.jpg")
    post = make_post(session, owner, at=None)
    media_service.set_post_media(
        session=session,
        acc=access_of(owner),
        post=post,
        items=[(fine.id, None), (tall.id, None)],
        fits={tall.id: "crop"},
        now=NOW,
    )
    session.commit()
    items = stored_media(get_media_storage(app))(session, post.id)
    assert [(i.key, i.fit) for i in items] == [(fine.storage_key, None), (tall.storage_key, "crop")]
    from planner.media import renditions

    made = renditions.for_instagram(items[1].data, fit=items[1].fit, digest=items[1].digest)
    assert (made.width, made.height) == (900, 1125)
