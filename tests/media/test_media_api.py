"""The media API and images on posts, on local files and on the S3 server alike."""

from __future__ import annotations

import io
from urllib.parse import urlsplit

import pytest
from PIL import Image
from sqlmodel import select

from planner.media_app import get_media_storage
from planner.media_models import Media
from planner.models import PostStatus
from tests import media_files as files
from tests.factories import make_post


def _upload(client, token: str, wid: int, data: bytes, name: str, alt: str | None = None):
    form = {"file": (io.BytesIO(data), name)}
    if alt is not None:
        form["alt"] = alt
    return client.post(
        f"/api/v1/workspaces/{wid}/media",
        data=form,
        headers={"Authorization": f"Bearer {token}"},
        content_type="multipart/form-data",
    )


def _fetch(app, client, url: str) -> bytes:
    """Fetch a URL the API gave: the S3 server's presigned one, or planner's own signed path."""
    if url.startswith(app.config.get("S3_ENDPOINT_URL") or "-"):
        import urllib.request

        with urllib.request.urlopen(url, timeout=5) as answer:
            return answer.read()
    answer = client.get(urlsplit(url).path)
    assert answer.status_code == 200, answer.data[:200]
    return answer.data


@pytest.fixture()
def owner(auth):
    return auth.user()


@pytest.fixture()
def token(auth, owner):
    return auth.token(owner)


CASES = [
    ("photo.jpg", files.jpeg_with_gps, 201, "image/jpeg"),
    ("logo.png", files.png_with_transparency, 201, "image/png"),
    ("leaf.webp", files.webp, 201, "image/webp"),
    ("dot.png", files.two_pixels, 201, "image/png"),
    ("dance.gif", files.animated_gif, 422, "Animated images are not accepted"),
    ("cut.jpg", files.truncated_jpeg, 422, "damaged or cut short"),
    ("logo.svg", lambda: files.SVG_WITH_SCRIPT, 422, "SVG images are not accepted"),
    ("bomb.png", files.png_bomb, 422, "too many pixels"),
    ("note.jpg", lambda: files.TEXT_NAMED_JPG, 422, "not a JPEG, PNG, WebP or GIF"),
]


@pytest.mark.parametrize(("name", "make", "status", "expect"), CASES, ids=[c[0] for c in CASES])
def test_each_file_is_stored_cleaned_or_refused(
    app, client, session, owner, token, name, make, status, expect
) -> None:
    answer = _upload(client, token, owner.workspace.id, make(), name, alt="A box of buns")
    assert answer.status_code == status, answer.json
    body = answer.json
    if status != 201:
        assert expect in body["error"]["message"]
        assert body["error"]["fields"]["file"] == body["error"]["message"]
        assert session.exec(select(Media)).all() == []
        return
    assert body["mime"] == expect and body["alt"] == "A box of buns"
    assert set(body) >= {"id", "mime", "width", "height", "bytes", "alt", "url", "thumbnail_url"}
    stored = get_media_storage(app).get(session.get(Media, body["id"]).storage_key)
    assert len(stored) == body["bytes"]
    assert not files.has_gps(stored)
    served = _fetch(app, client, body["url"])
    assert served == stored
    assert not files.has_gps(_fetch(app, client, body["thumbnail_url"]))
    with Image.open(io.BytesIO(served)) as img:
        assert img.size == (body["width"], body["height"])


def test_media_on_posts_in_order_with_alt_and_the_delete_rule(
    app, client, session, owner, token, api
) -> None:
    wid = owner.workspace.id
    a = _upload(client, token, wid, files.webp(), "a.webp").json
    b = _upload(client, token, wid, files.png_with_transparency(), "b.png", alt="Logo").json
    caller = api(owner)
    made = caller.post(
        f"/api/v1/workspaces/{wid}/posts",
        json={
            "body": "New buns",
            "category": "promotional",
            "media": [{"id": b["id"]}, {"id": a["id"], "alt": "Green leaf"}],
        },
    )
    assert made.status_code == 201, made.json
    assert [(m["id"], m["alt"]) for m in made.json["media"]] == [
        (b["id"], "Logo"),
        (a["id"], "Green leaf"),
    ]
    pid = made.json["id"]
    patched = caller.patch(f"/api/v1/posts/{pid}", json={"media": [{"id": a["id"]}]})
    assert [m["id"] for m in patched.json["media"]] == [a["id"]]
    assert caller.get(f"/api/v1/posts/{pid}").json["media"][0]["alt"] == "Green leaf"
    # A body-only patch keeps the images.
    assert (
        caller.patch(f"/api/v1/posts/{pid}", json={"body": "Buns!"}).json["media"][0]["id"]
        == a["id"]
    )

    listed = caller.get(f"/api/v1/workspaces/{wid}/media").json["media"]
    assert {m["id"]: m["post_ids"] for m in listed} == {a["id"]: [pid], b["id"]: []}
    assert [
        m["id"] for m in caller.get(f"/api/v1/workspaces/{wid}/media?q=logo").json["media"]
    ] == [b["id"]]

    refused = caller.delete(f"/api/v1/media/{a['id']}")
    assert refused.status_code == 409 and refused.json["error"]["code"] == "conflict"
    assert caller.delete(f"/api/v1/media/{b['id']}").status_code == 204
    assert caller.get(f"/api/v1/media/{b['id']}").status_code == 404

    from planner.models import Post

    post = session.get(Post, pid)
    post.status = PostStatus.PUBLISHED
    session.add(post)
    session.commit()
    key = session.get(Media, a["id"]).storage_key
    assert caller.delete(f"/api/v1/media/{a['id']}").status_code == 204
    from planner.media.storage import MissingFile

    with pytest.raises(MissingFile):
        get_media_storage(app).get(key)


def test_limits_and_bad_references_are_refused(client, session, owner, token, api, auth) -> None:
    wid = owner.workspace.id
    caller = api(owner)
    other = auth.user("other@example.com")
    theirs = _upload(client, auth.token(other), other.workspace.id, files.webp(), "x.webp").json
    post = make_post(session, owner, at=None)
    answer = caller.patch(f"/api/v1/posts/{post.id}", json={"media": [{"id": theirs["id"]}]})
    assert answer.status_code == 422 and "No such image" in answer.json["error"]["fields"]["media"]
    ids = []
    for shade in range(11):
        img = io.BytesIO()
        Image.new("RGB", (8, 8), (shade, 0, 0)).save(img, "PNG")
        ids.append(_upload(client, token, wid, img.getvalue(), f"{shade}.png").json["id"])
    answer = caller.patch(f"/api/v1/posts/{post.id}", json={"media": [{"id": i} for i in ids]})
    assert answer.status_code == 422
    assert answer.json["error"]["fields"]["media"] == "A post holds at most 10 images."
    ok = caller.patch(f"/api/v1/posts/{post.id}", json={"media": [{"id": i} for i in ids[:10]]})
    assert [m["id"] for m in ok.json["media"]] == ids[:10]
    no_file = client.post(
        f"/api/v1/workspaces/{wid}/media",
        data={"alt": "x"},
        headers={"Authorization": f"Bearer {token}"},
        content_type="multipart/form-data",
    )
    assert no_file.status_code == 422 and "file" in no_file.json["error"]["fields"]


def test_other_workspaces_images_are_404(client, owner, token, api, auth) -> None:
    mine = _upload(client, token, owner.workspace.id, files.webp(), "x.webp").json
    stranger = api(auth.user("stranger@example.com"))
    for method in ("get", "delete"):
        assert getattr(stranger, method)(f"/api/v1/media/{mine['id']}").status_code == 404
    assert stranger.patch(f"/api/v1/media/{mine['id']}", json={"alt": "x"}).status_code == 404
    assert stranger.get(f"/api/v1/workspaces/{owner.workspace.id}/media").status_code == 404
    assert (
        _upload(
            client,
            auth.token(auth.user("s2@example.com")),
            owner.workspace.id,
            files.webp(),
            "y.webp",
        ).status_code
        == 404
    )


def test_patch_alt_and_the_same_image_twice_is_one(client, owner, token, api) -> None:
    wid = owner.workspace.id
    first = _upload(client, token, wid, files.webp(), "x.webp").json
    again = _upload(client, token, wid, files.webp(), "copy.webp").json
    assert again["id"] == first["id"]
    caller = api(owner)
    assert caller.patch(f"/api/v1/media/{first['id']}", json={"alt": "Leaf"}).json["alt"] == "Leaf"
    too_long = caller.patch(f"/api/v1/media/{first['id']}", json={"alt": "x" * 1501})
    assert too_long.status_code == 422 and "alt" in too_long.json["error"]["fields"]


def test_a_signed_link_serves_without_login_and_is_refused_after_expiry(
    app, session, owner
) -> None:
    """What a platform fetching an image by URL sees (planner's own links: local storage)."""
    if app.config.get("MEDIA_STORAGE") == "s3":
        pytest.skip("S3 links are the bucket's presigned URLs (tests/media/test_media_storage.py)")
    from planner.media.signing import UrlSigner
    from planner.media_app import get_media_limits
    from planner.services import media as media_service
    from tests.conftest import NOW
    from tests.factories import access_of

    media = media_service.upload(
        session=session,
        acc=access_of(owner),
        storage=get_media_storage(app),
        data=files.webp(),
        filename="x.webp",
        limits=get_media_limits(app),
        now=NOW,
    )
    session.commit()
    anonymous = app.test_client()
    url = get_media_storage(app).signed_url(media.storage_key, 60)
    answer = anonymous.get(urlsplit(url).path)
    assert answer.status_code == 200 and answer.mimetype == "image/webp"
    signer = UrlSigner(app.config["SECRET_KEY"], "")
    expired = signer.token(media.storage_key, expires_at=1)
    assert anonymous.get(f"/m/{expired}").status_code == 410
    forged = UrlSigner("not the key", "").token(media.storage_key, expires_at=2**40)
    assert anonymous.get(f"/m/{forged}").status_code == 404
    # The member-only file routes are not reachable without login.
    assert anonymous.get(f"/media/{media.id}/file").status_code == 302
