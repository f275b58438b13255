"""Recurring posts: series materialised a horizon ahead, kept at local time, extended safely."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from planner.models import (
    Channel,
    Delivery,
    Post,
    PostStatus,
    RecurringSeries,
    Role,
    SeriesOccurrence,
)
from planner.publishing.worker import SERIES_KEY, tick
from planner.services import posts as post_service
from planner.services import recurrence, review, workspaces
from planner.services.errors import Forbidden, ValidationError
from planner.services.posts import PostInput
from planner.timeutils import combine_local, get_zone, to_local
from tests.factories import access_of, make_channel, make_post

MARCH_1 = datetime(2026, 3, 1, 12, tzinfo=UTC)


@pytest.fixture()
def owner(auth):
    return auth.user(timezone="Europe/London")


@pytest.fixture()
def feed(session, owner) -> Channel:
    return make_channel(session, owner.workspace)


def _start(session, member, when: datetime, rule: str, channels=(), now=MARCH_1, body="Tip"):
    acc = access_of(member)
    post = make_post(session, member, at=when, channels=channels, body=body, now=now)
    series = recurrence.start_series(session=session, acc=acc, post=post, rrule=rule, now=now)
    session.commit()
    return post, series


def _posts(session, series_id: int) -> list[Post]:
    return list(
        session.exec(
            select(Post)
            .join(SeriesOccurrence, SeriesOccurrence.post_id == Post.id)
            .where(SeriesOccurrence.series_id == series_id)
            .order_by(Post.scheduled_at)
        )
    )


@pytest.mark.parametrize(
    ("zone", "first"),
    [
        ("Europe/London", datetime(2026, 3, 3)),  # clocks go forward on Sunday 29 March
        ("America/New_York", datetime(2026, 3, 3)),  # and on Sunday 8 March
    ],
)
def test_weekly_post_stays_at_ten_local_across_the_spring_change(
    auth, session, zone, first
) -> None:
    member = auth.user(timezone=zone)
    tz = get_zone(zone)
    when = combine_local(first.date(), datetime(2000, 1, 1, 10).time(), tz)
    post, series = _start(session, member, when, "FREQ=WEEKLY;BYDAY=TU;COUNT=8", now=MARCH_1)
    found = _posts(session, series.id)
    assert len(found) == 8 and found[0].id == post.id
    assert {to_local(p.scheduled_at, tz).strftime("%a %H:%M") for p in found} == {"Tue 10:00"}
    assert len({to_local(p.scheduled_at, tz).utcoffset() for p in found}) == 2
    assert all(p.status == PostStatus.DRAFT for p in found)
    assert recurrence.describe(series, zone) == "Every week on Tuesday at 10:00, 8 times"
    assert series.finished  # all eight exist: nothing left to extend


def test_occurrences_are_materialised_only_a_horizon_ahead(session, owner, feed) -> None:
    when = datetime(2026, 3, 2, 9, tzinfo=UTC)
    _post, series = _start(session, owner, when, "FREQ=WEEKLY", channels=[feed.id])
    found = _posts(session, series.id)
    assert (
        found[-1].scheduled_at
        <= MARCH_1 + timedelta(days=60)
        < found[-1].scheduled_at + timedelta(days=7)
    )
    assert len(found) == 9
    ids = post_service.channel_ids_for(session=session, post_ids=[p.id for p in found])
    assert all(ids[p.id] == [feed.id] for p in found)
    assert not series.finished


def test_workspace_setting_changes_the_horizon(session, owner) -> None:
    owner.workspace.settings = {"recurrence_horizon_days": 14}
    session.add(owner.workspace)
    session.commit()
    _post, series = _start(session, owner, datetime(2026, 3, 2, 9, tzinfo=UTC), "FREQ=WEEKLY")
    assert len(_posts(session, series.id)) == 2  # Mondays 2 and 9 March; 16 is too far


def test_extend_after_downtime_never_creates_occurrences_in_the_past(session, owner) -> None:
    _post, series = _start(session, owner, datetime(2026, 3, 2, 9, tzinfo=UTC), "FREQ=DAILY")
    before = {p.id for p in _posts(session, series.id)}
    assert len(before) == 60  # 2 March to 30 April
    back = MARCH_1 + timedelta(days=100)  # the app was down from 1 May to 9 June
    created = recurrence.extend_series(session=session, now=back)
    session.commit()
    new = [p for p in _posts(session, series.id) if p.id not in before]
    assert created == len(new) == 60
    assert all(p.scheduled_at > back for p in new)
    assert min(p.scheduled_at for p in new) - back <= timedelta(days=1)
    assert recurrence.extend_series(session=session, now=back) == 0  # nothing more to do
    later = recurrence.extend_series(session=session, now=back + timedelta(days=2))
    assert later == 2


def test_the_worker_tick_extends_series(app, session, owner) -> None:
    _post, series = _start(session, owner, datetime(2026, 3, 2, 9, tzinfo=UTC), "FREQ=DAILY")
    assert len(_posts(session, series.id)) == 60
    day_later = MARCH_1 + timedelta(days=1, hours=1)

    tick(app, now=day_later)
    session.expire_all()
    assert len(_posts(session, series.id)) == 61  # 1 May joined the horizon

    # Ticks within the same minute do not look again; the next day's tick does.
    tick(app, now=day_later + timedelta(seconds=30))
    assert app.extensions[SERIES_KEY] == day_later
    tick(app, now=day_later + timedelta(days=1))
    session.expire_all()
    assert len(_posts(session, series.id)) == 62
    assert app.extensions[SERIES_KEY] == day_later + timedelta(days=1)


def test_deleted_or_edited_occurrences_are_not_brought_back(session, owner) -> None:
    acc = access_of(owner)
    _post, series = _start(session, owner, datetime(2026, 3, 2, 9, tzinfo=UTC), "FREQ=WEEKLY")
    found = _posts(session, series.id)
    gone, moved = found[2], found[3]
    gone_at, moved_at = gone.scheduled_at, moved.scheduled_at
    post_service.delete_post(session=session, acc=acc, post_id=gone.id, now=MARCH_1)
    post_service.update_post(
        session=session,
        acc=acc,
        post_id=moved.id,
        now=MARCH_1,
        data=PostInput(
            body="Moved to Tuesday",
            category="educational",
            scheduled_at=moved_at + timedelta(days=1),
        ),
    )
    session.commit()
    recurrence.extend_series(session=session, now=MARCH_1 + timedelta(days=20))
    session.commit()
    times = [p.scheduled_at for p in _posts(session, series.id)]
    assert gone_at not in times
    assert moved_at not in times and moved_at + timedelta(days=1) in times
    assert len(times) == len(set(times))


def test_edit_from_an_occurrence_on_replaces_the_later_unsent_ones(session, owner) -> None:
    acc = access_of(owner)
    _post, series = _start(
        session, owner, datetime(2026, 3, 3, 10, tzinfo=UTC), "FREQ=WEEKLY;COUNT=6"
    )
    found = _posts(session, series.id)
    # The first went out already; the fifth is being sent right now.
    found[0].status = PostStatus.PUBLISHED
    found[4].status = PostStatus.PUBLISHING
    session.add_all([found[0], found[4]])
    session.commit()
    third = found[2]
    new_time = third.scheduled_at + timedelta(hours=2)
    edited = recurrence.edit_following(
        session=session,
        acc=acc,
        post_id=third.id,
        now=MARCH_1,
        rrule="FREQ=WEEKLY;COUNT=3",
        data=PostInput(body="New tip", category="curated", scheduled_at=new_time),
    )
    session.commit()
    old = _posts(session, series.id)
    assert [p.id for p in old] == [found[0].id, found[1].id, found[4].id]  # kept: before, and sent
    tips = session.exec(select(Post.id).where(Post.body == "Tip").order_by(Post.id)).all()
    assert tips == [found[0].id, found[1].id, found[4].id]  # the fourth and sixth are gone
    split = session.exec(select(RecurringSeries).where(RecurringSeries.id != series.id)).one()
    renewed = _posts(session, split.id)
    assert [p.id for p in renewed][0] == edited.id == third.id
    assert [(p.body, p.category) for p in renewed] == [("New tip", "curated")] * 3
    tz = get_zone("Europe/London")
    assert [to_local(p.scheduled_at, tz).strftime("%d %b %H:%M") for p in renewed] == [
        "17 Mar 12:00",
        "24 Mar 12:00",
        "31 Mar 12:00",
    ]
    session.refresh(series)
    assert series.finished and series.ends_before == third.scheduled_at - timedelta(hours=2)


def test_stop_repeating_from_an_occurrence(session, owner) -> None:
    acc = access_of(owner)
    _post, series = _start(session, owner, datetime(2026, 3, 3, 10, tzinfo=UTC), "FREQ=WEEKLY")
    found = _posts(session, series.id)
    second = found[1]
    recurrence.edit_following(
        session=session,
        acc=acc,
        post_id=second.id,
        now=MARCH_1,
        rrule=None,
        data=PostInput(body="Last one", category="educational", scheduled_at=second.scheduled_at),
    )
    session.commit()
    assert [p.id for p in _posts(session, series.id)] == [found[0].id]
    assert session.get(Post, second.id).body == "Last one"
    assert recurrence.series_of(session=session, post_ids=[second.id]) == {}
    assert recurrence.extend_series(session=session, now=MARCH_1 + timedelta(days=90)) == 0


def test_remaining_count_counts_from_the_occurrence(session, owner) -> None:
    _post, series = _start(
        session, owner, datetime(2026, 3, 3, 10, tzinfo=UTC), "FREQ=WEEKLY;COUNT=8"
    )
    found = _posts(session, series.id)
    assert recurrence.remaining_count(session=session, acc=access_of(owner), post=found[5]) == 3


def test_bad_rules_and_missing_times_name_their_field(session, owner) -> None:
    acc = access_of(owner)
    idea = post_service.create_post(
        session=session,
        acc=acc,
        now=MARCH_1,
        data=PostInput(body="Idea", category="educational", scheduled_at=None),
    )
    with pytest.raises(ValidationError) as info:
        recurrence.start_series(
            session=session, acc=acc, post=idea, rrule="FREQ=WEEKLY", now=MARCH_1
        )
    assert "scheduled_at" in info.value.fields
    with pytest.raises(ValidationError) as info:
        recurrence.start_series(
            session=session, acc=acc, post=idea, rrule="EVERY=TUESDAY", now=MARCH_1
        )
    assert "rrule" in info.value.fields
    idea.scheduled_at = datetime(2026, 3, 3, 10, tzinfo=UTC)
    with pytest.raises(ValidationError) as info:
        recurrence.start_series(
            session=session, acc=acc, post=idea, rrule="FREQ=WEEKLY;COUNT=1", now=MARCH_1
        )
    assert "never repeats" in info.value.fields["rrule"]


def test_series_of_a_member_who_left_stops_growing(auth, session, owner) -> None:
    editor = auth.user(workspace=owner.workspace, role=Role.EDITOR)
    _post, series = _start(session, editor, datetime(2026, 3, 2, 9, tzinfo=UTC), "FREQ=WEEKLY")
    count = len(_posts(session, series.id))
    workspaces.remove_member(
        session=session, acc=access_of(owner), user_id=editor.user.id, now=MARCH_1
    )
    session.commit()
    assert recurrence.extend_series(session=session, now=MARCH_1 + timedelta(days=30)) == 0
    session.refresh(series)
    assert series.finished and len(_posts(session, series.id)) == count


def test_contributors_change_only_their_own_series(auth, session, owner) -> None:
    helper = auth.user(workspace=owner.workspace, role=Role.CONTRIBUTOR)
    _post, series = _start(session, owner, datetime(2026, 3, 3, 10, tzinfo=UTC), "FREQ=WEEKLY")
    later = _posts(session, series.id)[1]
    with pytest.raises(Forbidden):
        recurrence.edit_following(
            session=session,
            acc=access_of(helper),
            post_id=later.id,
            now=MARCH_1,
            rrule=None,
            data=PostInput(
                body="Mine now", category="educational", scheduled_at=later.scheduled_at
            ),
        )


def test_occurrences_skip_a_deleted_channel(session, owner, feed) -> None:
    other = make_channel(session, owner.workspace, "Other")
    _post, series = _start(
        session,
        owner,
        datetime(2026, 3, 2, 9, tzinfo=UTC),
        "FREQ=WEEKLY",
        channels=[feed.id, other.id],
    )
    session.delete(other)
    session.commit()
    created = recurrence.extend_series(session=session, now=MARCH_1 + timedelta(days=14))
    session.commit()
    newest = _posts(session, series.id)[-1]
    assert created == 2
    assert post_service.channel_ids_for(session=session, post_ids=[newest.id])[newest.id] == [
        feed.id
    ]


def test_occurrences_carry_the_first_posts_campaign_tag(session, owner) -> None:
    acc = access_of(owner)
    post = post_service.create_post(
        session=session,
        acc=acc,
        now=MARCH_1,
        data=PostInput(
            body="Tip",
            category="educational",
            scheduled_at=datetime(2026, 3, 2, 9, tzinfo=UTC),
            link="https://shop.example/tips",
            utm_campaign="tuesday tips",
        ),
    )
    series = recurrence.start_series(
        session=session, acc=acc, post=post, rrule="FREQ=WEEKLY;COUNT=3", now=MARCH_1
    )
    session.commit()
    found = _posts(session, series.id)
    assert [p.utm_campaign for p in found] == ["tuesday tips"] * 3
    assert [p.link for p in found] == ["https://shop.example/tips"] * 3


def test_approved_occurrences_missed_while_the_worker_was_down_are_never_sent(
    app, session, owner, feed, connectors
) -> None:
    _post, series = _start(
        session, owner, datetime(2026, 3, 3, 9, tzinfo=UTC), "FREQ=WEEKLY;COUNT=4", (feed.id,)
    )
    acc = access_of(owner)
    for post in _posts(session, series.id):
        review.approve(
            session=session, acc=acc, post_id=post.id, connectors=connectors, now=MARCH_1
        )
    session.commit()

    # The worker comes back on 1 April: all four Tuesdays are long past their allowed lateness.
    tick(app, now=datetime(2026, 4, 1, 9, tzinfo=UTC))

    session.expire_all()
    statuses = [d.status for d in session.exec(select(Delivery).order_by(Delivery.due_at))]
    assert statuses == ["missed"] * 4
    assert [p.status for p in _posts(session, series.id)] == ["missed"] * 4
    assert not (Path(app.instance_path) / "outbox" / f"channel-{feed.id}.jsonl").exists()


@pytest.mark.parametrize(
    ("zone", "when"),
    [
        ("Asia/Tokyo", datetime(9999, 12, 31, 20, tzinfo=UTC)),  # local time is past year 9999
        ("America/New_York", datetime(1, 1, 1, 2, tzinfo=UTC)),  # local time is before year 1
        ("UTC", datetime(2201, 1, 1, 10, tzinfo=UTC)),
    ],
)
def test_a_series_cannot_start_outside_the_years_a_rule_may_use(auth, session, zone, when) -> None:
    member = auth.user(timezone=zone)
    with pytest.raises(ValidationError) as info:
        _start(session, member, when, "FREQ=WEEKLY")
    assert info.value.fields == {"scheduled_at": "Choose a time between 1970 and 2200."}


def _edit(session, owner, post: Post, *, following: bool, rrule, body: str) -> Post:
    data = PostInput(body=body, category=post.category, scheduled_at=post.scheduled_at)
    saved = recurrence.save_edit(
        session=session,
        acc=access_of(owner),
        post_id=post.id,
        data=data,
        following=following,
        rrule=rrule,
        now=MARCH_1,
    )
    session.commit()
    return saved


def test_save_edit_decides_this_post_or_the_rest_of_the_series(session, owner) -> None:
    """The one decision the composer and PATCH /posts/{id} share."""
    _post, series = _start(
        session, owner, datetime(2026, 3, 3, 10, tzinfo=UTC), "FREQ=WEEKLY;COUNT=8"
    )
    found = _posts(session, series.id)
    # Only this post: the series keeps its rule and its other occurrences.
    _edit(session, owner, found[2], following=False, rrule=recurrence.KEEP_RULE, body="One")
    assert [p.body for p in _posts(session, series.id)].count("One") == 1
    # From the sixth on, keeping the rule: a new series of the three left, with the new text.
    saved = _edit(session, owner, found[5], following=True, rrule=recurrence.KEEP_RULE, body="New")
    newer = recurrence.series_of(session=session, post_ids=[saved.id])[saved.id]
    assert newer.id != series.id and newer.rrule == "FREQ=WEEKLY;COUNT=3"
    assert [p.body for p in _posts(session, newer.id)] == ["New"] * 3
    # A post that does not repeat starts a series when a rule is given, and only then.
    single = post_service.create_post(
        session=session,
        acc=access_of(owner),
        now=MARCH_1,
        data=PostInput(
            body="Solo", category="curated", scheduled_at=datetime(2026, 4, 1, 9, tzinfo=UTC)
        ),
    )
    _edit(session, owner, single, following=True, rrule=recurrence.KEEP_RULE, body="Solo 2")
    assert recurrence.series_of(session=session, post_ids=[single.id]) == {}
    _edit(session, owner, single, following=False, rrule="FREQ=WEEKLY;COUNT=2", body="Solo 3")
    assert single.id in recurrence.series_of(session=session, post_ids=[single.id])
