"""Per-channel texts in the composer and in the review queue."""

from __future__ import annotations

from sqlmodel import select

from planner.models import Post, PostStatus
from tests.factories import ahead, make_channel


def _form(channels, **extra) -> dict:
    when = ahead()
    return {
        "body": "Rye is back",
        "category": "educational",
        "channels": [str(c.id) for c in channels],
        "date": when.strftime("%Y-%m-%d"),
        "time": "09:00",
        **extra,
    }


def test_composer_saves_shows_and_clears_a_channel_text(client, auth, session) -> None:
    owner = auth.user()
    feed = make_channel(session, owner.workspace, "Feed")
    other = make_channel(session, owner.workspace, "Other")
    auth.login(client, owner)
    page = client.get("/posts/new").get_data(as_text=True)
    assert 'role="tablist"' in page and f'name="variant-{feed.id}"' in page
    form = _form(
        [feed, other], **{f"variant-{feed.id}": "Rye, for feed readers", f"variant-{other.id}": ""}
    )
    assert client.post("/posts/new", data=form).status_code == 302
    post = session.exec(select(Post)).one()
    assert post.variants == {str(feed.id): "Rye, for feed readers"}
    edit = client.get(f"/posts/{post.id}/edit").get_data(as_text=True)
    assert "Rye, for feed readers</textarea>" in edit
    cleared = form | {f"variant-{feed.id}": "  "}
    assert client.post(f"/posts/{post.id}/edit", data=cleared).status_code == 302
    session.expire_all()
    assert session.get(Post, post.id).variants == {}


def test_review_shows_each_channel_text(client, auth, session) -> None:
    owner = auth.user()
    feed = make_channel(session, owner.workspace, "Feed")
    other = make_channel(session, owner.workspace, "Other")
    auth.login(client, owner)
    form = _form([feed, other], **{f"variant-{feed.id}": "Rye, for feed readers"})
    assert client.post("/posts/new", data=form).status_code == 302
    post = session.exec(select(Post)).one()
    post.status = PostStatus.IN_REVIEW
    session.add(post)
    session.commit()
    queue = client.get("/review").get_data(as_text=True)
    assert "As it will appear on Feed</figcaption>" in queue
    assert "Rye, for feed readers" in queue
    assert "As it will appear on Other</figcaption>" in queue
    assert "Rye is back" in queue


def test_composer_and_review_preview_each_channel_with_its_own_text(client, auth, session) -> None:
    owner = auth.user()
    feed = make_channel(session, owner.workspace, "Feed")
    other = make_channel(session, owner.workspace, "Other")
    auth.login(client, owner)
    form = _form([feed], **{f"variant-{feed.id}": "Rye, for feed readers"})
    assert client.post("/posts/new", data=form).status_code == 302
    post = session.exec(select(Post)).one()
    edit = client.get(f"/posts/{post.id}/edit").get_data(as_text=True)
    assert 'aria-label="Preview on each channel"' in edit
    assert f'data-preview-for="{feed.id}">' in edit
    assert f'data-preview-for="{other.id}" hidden>' in edit
    assert '<div class="preview-text" data-preview-text>Rye, for feed readers</div>' in edit
    post.status = PostStatus.IN_REVIEW
    session.add(post)
    session.commit()
    queue = client.get("/review").get_data(as_text=True)
    assert "<summary>Preview on each network</summary>" in queue
    assert (
        f'data-preview-for="{feed.id}"' in queue and f'data-preview-for="{other.id}"' not in queue
    )
