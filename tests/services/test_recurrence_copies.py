"""A series copies more than the body: each channel's own text and the images with their fits,
when it starts, when the worker extends it, and when "this post and the ones after it" is saved."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from planner.media_app import get_media_limits, get_media_storage
from planner.media_models import Media
from planner.models import Post, SeriesOccurrence
from planner.services import media as media_service
from planner.services import recurrence
from planner.services.posts import PostInput
from tests import media_files as files
from tests.factories import access_of, ahead, make_channel

MARCH_1 = datetime(2026, 3, 1, 12, tzinfo=UTC)


@pytest.fixture()
def owner(auth):
    return auth.user(timezone="Europe/London")


def _image(app, session, member, data: bytes, name: str) -> Media:
    media = media_service.upload(
        session=session,
        acc=access_of(member),
        storage=get_media_storage(app),
        data=data,
        filename=name,
        limits=get_media_limits(app),
        now=MARCH_1,
    )
    session.commit()
    return media


def _series_posts(session, series_id: int) -> list[Post]:
    return list(
        session.exec(
            select(Post)
            .join(SeriesOccurrence, SeriesOccurrence.post_id == Post.id)
            .where(SeriesOccurrence.series_id == series_id)
            .order_by(Post.scheduled_at)
        )
    )


def _copies(
    session, posts: list[Post]
) -> list[tuple[dict[str, str], list[tuple[int, str | None]]]]:
    session.expire_all()
    images = media_service.images_for_posts(session=session, post_ids=[p.id for p in posts])
    return [
        (
            dict(session.get(Post, p.id).variants),
            [(i.media.id, i.fit) for i in images.get(p.id, [])],
        )
        for p in posts
    ]


def test_occurrences_copy_variants_and_images_when_made_and_when_extended(
    app, session, owner
) -> None:
    acc = access_of(owner)
    feed = make_channel(session, owner.workspace, "Feed")
    sky = make_channel(session, owner.workspace, "Sky", platform="outbox")
    tall = _image(app, session, owner, files.banded_jpeg((900, 1600), 40), "tall.jpg")
    logo = _image(app, session, owner, files.png_with_transparency(), "logo.png")
    post = recurrence.post_service.create_post(
        session=session,
        acc=acc,
        now=MARCH_1,
        data=PostInput(
            body="Weekly bread",
            category="promotional",
            scheduled_at=datetime(2026, 3, 2, 9, tzinfo=UTC),
            channel_ids=(feed.id, sky.id),
            variants={str(sky.id): "Bread for the sky"},
        ),
    )
    media_service.set_post_media(
        session=session,
        acc=acc,
        post=post,
        items=[(tall.id, None), (logo.id, None)],
        fits={tall.id: "crop"},
        now=MARCH_1,
    )
    series = recurrence.start_series(
        session=session, acc=acc, post=post, rrule="FREQ=WEEKLY", now=MARCH_1
    )
    session.commit()
    made = _series_posts(session, series.id)
    assert len(made) == 9
    wanted = ({str(sky.id): "Bread for the sky"}, [(tall.id, "crop"), (logo.id, None)])
    assert _copies(session, made) == [wanted] * 9

    # The worker extends it later, after Sky was removed and the logo deleted from the library.
    session.delete(session.get(type(sky), sky.id))
    for later in made:
        media_service.set_post_media(
            session=session, acc=acc, post=later, items=[(tall.id, None)], now=MARCH_1
        )
    media_service.delete_media(
        session=session, acc=acc, storage=get_media_storage(app), media_id=logo.id, now=MARCH_1
    )
    session.commit()
    created = recurrence.extend_series(session=session, now=MARCH_1 + timedelta(days=14))
    session.commit()
    newest = _series_posts(session, series.id)[-created:]
    assert created == 2
    assert _copies(session, newest) == [({}, [(tall.id, "crop")])] * 2


def test_the_api_series_follows_new_variants_and_images_from_an_occurrence_on(
    app, client, session, owner, api
) -> None:
    feed = make_channel(session, owner.workspace, "Feed")
    sky = make_channel(session, owner.workspace, "Sky")
    box = _image(app, session, owner, files.banded_jpeg((1200, 900), 10), "box.jpg")
    wide = _image(app, session, owner, files.banded_jpeg((3000, 1000), 10), "wide.jpg")
    caller = api(owner)
    start = ahead(3).replace(hour=10, minute=0)
    made = caller.post(
        f"/api/v1/workspaces/{owner.workspace.id}/posts",
        json={
            "body": "Weekly box",
            "category": "promotional",
            "scheduled_at": start.isoformat(),
            "channel_ids": [feed.id, sky.id],
            "variants": {str(sky.id): "Box, in short"},
            "media": [{"id": box.id}],
            "rrule": "FREQ=WEEKLY;COUNT=4",
        },
    )
    assert made.status_code == 201, made.json
    series_id = recurrence.series_of(session=session, post_ids=[made.json["id"]])[
        made.json["id"]
    ].id
    first = _series_posts(session, series_id)
    assert _copies(session, first) == [({str(sky.id): "Box, in short"}, [(box.id, None)])] * 4

    third = first[2]
    answer = caller.patch(
        f"/api/v1/posts/{third.id}",
        json={
            "apply_to": "following",
            "variants": {str(feed.id): "Two boxes now"},
            "media": [{"id": wide.id, "fit": "pad"}, {"id": box.id}],
        },
    )
    assert answer.status_code == 200, answer.json
    rest = _series_posts(
        session, recurrence.series_of(session=session, post_ids=[third.id])[third.id].id
    )
    assert [p.id for p in rest][0] == third.id and len(rest) == 2
    assert (
        _copies(session, rest)
        == [({str(feed.id): "Two boxes now"}, [(wide.id, "pad"), (box.id, None)])] * 2
    )
    assert _copies(session, first[:2]) == [({str(sky.id): "Box, in short"}, [(box.id, None)])] * 2


def test_the_composer_series_copies_the_images_it_was_saved_with(
    app, client, auth, session, owner
) -> None:
    feed = make_channel(session, owner.workspace, "Feed")
    box = _image(app, session, owner, files.banded_jpeg((1200, 900), 10), "box.jpg")
    tall = _image(app, session, owner, files.banded_jpeg((900, 1600), 10), "tall.jpg")
    logged_in = auth.login(client, owner)
    day = ahead(5).date()
    answer = logged_in.post(
        "/posts/new",
        data={
            "body": "Tuesday loaf",
            "category": "educational",
            "channels": [feed.id],
            f"variant-{feed.id}": "Loaf, for the feed",
            "date": day.isoformat(),
            "time": "10:00",
            "kind": "weekly",
            "weekdays": [str(day.weekday())],
            "ends": "count",
            "count": "3",
            "media_present": "1",
            "media_id": [str(tall.id), str(box.id)],
            f"media_fit_{tall.id}": "crop",
        },
    )
    assert answer.status_code == 302, answer.get_data(as_text=True)[:2000]
    posts = session.exec(select(Post).where(Post.body == "Tuesday loaf")).all()
    assert len(posts) == 3
    expected = ({str(feed.id): "Loaf, for the feed"}, [(tall.id, "crop"), (box.id, None)])
    assert _copies(session, sorted(posts, key=lambda p: p.scheduled_at)) == [expected] * 3
