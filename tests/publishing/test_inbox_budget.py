"""The inbox's reads stay within a share of each platform's limit, and every post still gets read."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from planner.connectors.bluesky import BlueskyConnector
from planner.connectors.instagram import InstagramConnector
from planner.connectors.linkedin import LinkedInConnector
from planner.connectors.mastodon import MastodonConnector
from planner.inbox_models import InboxItem
from planner.models import Channel
from planner.publishing import context, inbox_poll
from planner.publishing.engagement_claims import READ_SHARE
from planner.publishing.inbox_budget import INBOX_SHARE, Target, budget, in_turn
from planner.timeutils import utcnow
from tests.factories import add_published, make_oauth_channel
from tests.fakes.meta import FakeMeta
from tests.publishing.conftest import Desk

IG = "17841400000001"
FIVE = timedelta(minutes=5)
HOUR_SHARE = int(InstagramConnector.read_limit * INBOX_SHARE)  # 80 reads an hour


@pytest.fixture
def fake_meta() -> Iterator[FakeMeta]:
    with FakeMeta() as server:
        yield server


@pytest.fixture
def account(desk: Desk, fake_meta: FakeMeta) -> Channel:
    desk.app.config.update(
        HOST_OVERRIDES={"graph.facebook.com": fake_meta.url}, ALLOW_PRIVATE_HOSTS=True
    )
    desk.app.extensions.pop("planner.connectors", None)  # rebuilt with the overrides
    return make_oauth_channel(
        desk.app,
        desk.session,
        desk.member,
        platform="instagram",
        config={
            "ig_user_id": IG,
            "username": "cornerbakery",
            "access_token": page_token(fake_meta),
        },
        expires_at=None,
        name="@cornerbakery",
    )


def page_token(fake: FakeMeta) -> str:
    return fake.page("1001").token


def media(desk: Desk, fake: FakeMeta, account: Channel, start: datetime, ages: list[timedelta]):
    """Instagram media published *ages* before *start*, each with its delivery; their ids."""
    ids = []
    for age in ages:
        fake.fill_quota(IG, [start - age])
        media_id = fake.ig_posts(IG)[-1]["id"]
        add_published(
            desk.session,
            desk.member,
            account,
            external_id=media_id,
            published_at=start - age,
            commit=False,
        )
        ids.append(media_id)
    desk.session.commit()
    return ids


def read_since(fake: FakeMeta, before: int) -> list[str]:
    """The media whose comments were read after the first *before* requests."""
    return [
        request.path.split("/")[-2]
        for request in fake.requests[before:]
        if request.method == "GET" and request.path.endswith("/comments")
    ]


def test_a_busy_instagram_account_is_read_within_its_share_and_every_post_in_turn(
    desk: Desk, fake_meta: FakeMeta, account: Channel
) -> None:
    start = utcnow() + timedelta(minutes=1)
    fresh = media(desk, fake_meta, account, start, [timedelta(hours=2), timedelta(hours=30)])
    older = media(
        desk, fake_meta, account, start, [timedelta(days=3, hours=6 * n) for n in range(38)]
    )
    fake_meta.add_comment(older[-1], "Still selling these?")
    fake_meta.add_comment(fresh[0], "Open on Sunday?")

    looks: list[list[str]] = []
    sent: list[int] = []
    for n in range(36):  # three hours of looks, one every five minutes
        before = len(fake_meta.requests)
        [look] = inbox_poll.tick(desk.app, now=start + n * FIVE)
        assert look.error is None
        looks.append(read_since(fake_meta, before))
        sent.append(len(fake_meta.requests) - before)

    per_look = int(HOUR_SHARE * FIVE / timedelta(hours=1))  # 6
    assert len(looks[0]) == per_look  # the share is used, not more
    assert max(sent) <= per_look
    for hour in range(0, len(sent) - 11):  # any twelve looks in a row: an hour
        assert sum(sent[hour : hour + 12]) <= HOUR_SHARE
    assert all(set(fresh) <= set(read) for read in looks)  # the newest at every look
    assert set().union(*looks[:10]) == set(fresh + older)  # the others within ten looks
    for media_id in older:
        seen = [n for n, read in enumerate(looks) if media_id in read]
        assert max(b - a for a, b in zip([-1, *seen], [*seen, len(looks)], strict=True)) <= 10
    desk.session.expire_all()
    texts = {item.text for item in desk.session.exec(select(InboxItem))}
    assert texts == {"Still selling these?", "Open on Sunday?"}


def test_look_now_spends_the_same_share_as_the_job(
    desk: Desk, fake_meta: FakeMeta, account: Channel
) -> None:
    start = utcnow() + timedelta(minutes=1)
    media(desk, fake_meta, account, start, [timedelta(days=2, hours=n) for n in range(60)])
    before = len(fake_meta.requests)
    for minute in range(0, 60, 1):  # the job every five minutes, "look now" every minute
        now = start + timedelta(minutes=minute)
        if minute % 5 == 0:
            inbox_poll.tick(desk.app, now=now)
        else:
            ctx = context.build(desk.app, now=now)
            inbox_poll.refresh_workspace(
                ctx, workspace_id=desk.member.workspace.id, now=now, interval=FIVE
            )
    # The job alone spends the share; "look now" adds at most what one look holds.
    assert len(fake_meta.requests) - before <= HOUR_SHARE + HOUR_SHARE / 12


def test_a_post_with_many_pages_of_comments_is_paid_for_by_the_next_looks(
    desk: Desk, fake_meta: FakeMeta, account: Channel
) -> None:
    start = utcnow() + timedelta(minutes=1)
    posts = media(desk, fake_meta, account, start, [timedelta(days=3, hours=n) for n in range(20)])
    busy = posts[5]  # the sixth newest: the last the first look reads
    for n in range(450):  # five pages of a hundred
        fake_meta.add_comment(busy, f"Me too {n}")

    sent = []
    for n in range(12):
        before = len(fake_meta.requests)
        inbox_poll.tick(desk.app, now=start + n * FIVE)
        sent.append(len(fake_meta.requests) - before)

    assert sent[:2] == [5 + 5, 3]  # five posts, the busy one's five pages; then what is left
    assert sum(sent) <= HOUR_SHARE
    desk.session.expire_all()
    assert len(desk.session.exec(select(InboxItem)).all()) == 450


def test_the_shares_leave_room_and_generous_platforms_read_as_before() -> None:
    assert READ_SHARE + INBOX_SHARE < 1  # publishing and answers keep a part of the limit
    instagram = budget(InstagramConnector, FIVE)
    assert instagram is not None and instagram.room(instagram.most) == 6
    linkedin = budget(LinkedInConnector, FIVE)
    assert linkedin is not None and linkedin.room(linkedin.most) == 3  # two reads a post
    # Mastodon and Bluesky: their share covers the cap of 100 posts a look, as before.
    for cls in (MastodonConnector, BlueskyConnector):
        share = budget(cls, FIVE)
        assert share is not None and share.room(share.most) > inbox_poll.MAX_POSTS_PER_LOOK
    # However often the job runs, a look still gets to read a post once the share allows.
    quick = budget(InstagramConnector, timedelta(seconds=30))
    assert quick is not None and quick.room(quick.most) == 1


def test_the_credit_fills_with_time_up_to_one_look() -> None:
    share = budget(InstagramConnector, FIVE)
    assert share is not None
    now = utcnow()
    assert share.credit(None, None, now) == share.most
    assert share.credit(-3.0, now - timedelta(minutes=5), now) == pytest.approx(
        -3.0 + HOUR_SHARE / 12
    )
    assert share.credit(0.0, now - timedelta(hours=2), now) == share.most
    assert share.credit(1.0, now + timedelta(minutes=1), now) == 1.0  # a clock behind: no gift


NOW_T = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def target(n: int, *, hours: float, looked: datetime | None = None) -> Target:
    return Target(n, n, f"m{n}", NOW_T - timedelta(hours=hours), looked)


def test_in_turn_keeps_the_newest_first_when_all_fit() -> None:
    posts = [target(1, hours=200), target(2, hours=1), target(3, hours=60)]
    assert [t.delivery_id for t in in_turn(posts, room=3, now=NOW_T)] == [2, 3, 1]


def test_in_turn_gives_the_newest_half_and_the_rest_to_the_longest_waiting() -> None:
    a_while = NOW_T - timedelta(hours=1)
    posts = [
        target(1, hours=1, looked=a_while),
        target(2, hours=2, looked=a_while),
        target(3, hours=3, looked=a_while),  # fresh, but beyond the newest half: waits its turn
        target(4, hours=100, looked=NOW_T - timedelta(minutes=5)),
        target(5, hours=120, looked=NOW_T - timedelta(hours=3)),
        target(6, hours=150),  # never looked at: first
    ]
    assert [t.delivery_id for t in in_turn(posts, room=4, now=NOW_T)] == [1, 2, 6, 5]
    assert [t.delivery_id for t in in_turn(posts, room=1, now=NOW_T)] == [6]
