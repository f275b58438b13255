"""The inbox job against the loopback fakes: fetching once, answering once, waiting when told."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlmodel import select

from planner.inbox_models import InboxAnswer, InboxItem, InboxPoll
from planner.publishing import inbox_poll
from planner.services import inbox
from planner.timeutils import utcnow
from tests.factories import access_of
from tests.fakes import FakeBluesky, FakeMastodon
from tests.publishing.conftest import Desk

STATUSES = "/api/v1/statuses"


@pytest.fixture()
def shop(desk: Desk, fake_mastodon: FakeMastodon, fake_bluesky: FakeBluesky):
    """One post published just now to a Mastodon and a Bluesky channel, with its live copies.

    The real clock is used throughout: the API's "look now" and answers read it.
    """
    toots = desk.channel(
        "mastodon", {"instance_url": fake_mastodon.url, "access_token": "test-token"}, "Toots"
    )
    sky = desk.bluesky(fake_bluesky, "Sky")
    post = desk.approved_post([toots, sky], at=utcnow(), body="Fresh rye today")
    assert desk.tick(utcnow()) == 2
    [status] = fake_mastodon.posts
    [record] = fake_bluesky.posts
    return desk, post, status, record


def items(desk: Desk) -> list[InboxItem]:
    desk.session.expire_all()
    return list(desk.session.exec(select(InboxItem).order_by(InboxItem.id)))


def answers(desk: Desk) -> list[InboxAnswer]:
    desk.session.expire_all()
    return list(desk.session.exec(select(InboxAnswer).order_by(InboxAnswer.id)))


def test_replies_on_both_platforms_are_listed_once_however_often_fetched(
    shop, fake_mastodon: FakeMastodon, fake_bluesky: FakeBluesky, api
) -> None:
    desk, post, status, record = shop
    fake_mastodon.add_reply(status["id"], "Is it <b>rye</b>?")
    fake_mastodon.add_reply(status["id"], "Yum", acct="carol@elsewhere.example")
    fake_bluesky.add_reply(record["uri"], "Vegan?")

    looks = inbox_poll.tick(desk.app, now=later())
    inbox_poll.tick(desk.app, now=later(10))  # due again: fetched twice

    assert sorted(look.stored for look in looks) == [1, 2]
    assert len(fake_mastodon.requests_to("/context")) == 2
    stored = items(desk)
    assert sorted(i.text for i in stored) == ["@shop Is it <b>rye</b>?", "@shop Yum", "Vegan?"]
    assert {(i.kind, i.post_id, i.status) for i in stored} == {("reply", post.id, "open")}
    body = api(desk.member).get(f"/api/v1/workspaces/{desk.member.workspace.id}/inbox").get_json()
    assert len(body["replies"]) == 3
    first = body["replies"][0]
    assert set(first) >= {"id", "post_id", "channel_id", "author", "text", "url", "received_at"}
    assert {"status", "assignee_id"} <= set(first)


def test_a_mention_that_is_not_about_our_posts_is_a_mention(
    shop, fake_mastodon: FakeMastodon
) -> None:
    desk, *_ = shop
    fake_mastodon.add_mention("who bakes the best bread?")
    inbox_poll.tick(desk.app, now=later())
    [item] = items(desk)
    assert (item.kind, item.post_id) == ("mention", None)


def test_answering_posts_once_in_the_thread_and_marks_done(
    shop, fake_mastodon: FakeMastodon, fake_bluesky: FakeBluesky, api, session
) -> None:
    desk, post, status, record = shop
    theirs = fake_mastodon.add_reply(status["id"], "Open Sunday?")
    sky_reply = fake_bluesky.add_reply(record["uri"], "Vegan?")
    inbox_poll.tick(desk.app, now=later())
    by_text = {i.text: i for i in items(desk)}
    client = api(desk.member)

    for text, body in (("@shop Open Sunday?", "9 to 1!"), ("Vegan?", "On Fridays.")):
        answer = client.post(f"/api/v1/inbox/{by_text[text].id}/reply", {"body": body})
        assert answer.status_code == 202, answer.get_json()
    again = client.post(f"/api/v1/inbox/{by_text['Vegan?'].id}/reply", {"body": "Twice?"})
    assert again.status_code == 409  # one answer on its way at a time
    desk.tick(utcnow() + timedelta(seconds=1))  # answers given through the API are due now

    [toot] = fake_mastodon.replies_to(theirs["id"])
    assert toot["text"] == "9 to 1!"
    assert toot["in_reply_to_id"] == theirs["id"]
    [skeet] = [e for e in fake_bluesky.replies_to(sky_reply["uri"]) if e["did"] == fake_bluesky.did]
    assert skeet["record"]["reply"] == {
        "root": {"uri": record["uri"], "cid": record["cid"]},
        "parent": {"uri": sky_reply["uri"], "cid": sky_reply["cid"]},
    }
    done = {i.text: i for i in items(desk)}
    assert {i.status for i in done.values()} == {"done"}
    assert (
        done["Vegan?"].answer_url
        == f"https://bsky.app/profile/{fake_bluesky.handle}/post/{skeet['rkey']}"
    )
    day = timedelta(days=1)
    minutes = inbox.response_time_median_minutes(
        session, desk.member.workspace.id, utcnow() - day, utcnow() + day
    )
    waits = [(i.answered_at - i.received_at).total_seconds() / 60 for i in done.values()]
    assert minutes == pytest.approx(sum(waits) / 2)  # the median of two

    # Our answers are in the thread, but a later look does not list them as replies.
    inbox_poll.tick(desk.app, now=later(60))
    assert len(items(desk)) == 2


@pytest.mark.parametrize("idempotency", [True, False], ids=["key-honoured", "key-ignored"])
def test_a_lost_mastodon_answer_is_retried_without_posting_twice(
    shop, fake_mastodon: FakeMastodon, idempotency: bool
) -> None:
    desk, _post, status, _record = shop
    fake_mastodon.idempotency = idempotency
    theirs = fake_mastodon.add_reply(status["id"], "Open Sunday?")
    inbox_poll.tick(desk.app, now=later())
    [item] = items(desk)
    inbox.answer(
        session=desk.session,
        acc=access_of(desk.member),
        item_id=item.id,
        body="9 to 1!",
        connectors=desk.app.extensions["planner.connectors"],
        now=later(),
    )
    desk.session.commit()
    fake_mastodon.reset_next(path=STATUSES, method="POST", landed=True)

    desk.tick(later())
    [lost] = answers(desk)
    assert lost.status == "retrying" and lost.attempts == 1
    desk.tick(later(5))

    assert len(fake_mastodon.replies_to(theirs["id"])) == 1
    [sent] = answers(desk)
    assert (sent.status, sent.attempts) == ("published", 2)
    assert sent.external_id == fake_mastodon.replies_to(theirs["id"])[0]["id"]
    assert items(desk)[0].status == "done"


def test_a_lost_bluesky_answer_is_found_at_its_record_key(shop, fake_bluesky: FakeBluesky) -> None:
    desk, _post, _status, record = shop
    sky_reply = fake_bluesky.add_reply(record["uri"], "Vegan?")
    inbox_poll.tick(desk.app, now=later())
    [item] = items(desk)
    inbox.answer(
        session=desk.session,
        acc=access_of(desk.member),
        item_id=item.id,
        body="On Fridays.",
        connectors=desk.app.extensions["planner.connectors"],
        now=later(),
    )
    desk.session.commit()
    fake_bluesky.reset_next(path="createRecord", landed=True)

    desk.tick(later())
    desk.tick(later(5))

    mine = [e for e in fake_bluesky.replies_to(sky_reply["uri"]) if e["did"] == fake_bluesky.did]
    assert len(mine) == 1
    [sent] = answers(desk)
    assert sent.status == "published" and sent.idempotency_key == mine[0]["rkey"]


def test_429_defers_the_channel_until_the_platform_says(
    shop, fake_mastodon: FakeMastodon, api
) -> None:
    desk, _post, status, _record = shop
    fake_mastodon.add_reply(status["id"], "Hello?")
    fake_mastodon.fail_next(
        429,
        {"error": "Too many requests"},
        {"Retry-After": "1800", "X-RateLimit-Remaining": "0"},
        path="/context",
    )
    inbox_poll.tick(desk.app, now=later())
    toots_id = next(c for c in fake_channels(desk) if c.platform == "mastodon").id
    desk.session.expire_all()
    poll = desk.session.get(InboxPoll, toots_id)
    assert poll.deferred_until is not None
    assert poll.deferred_until - later() >= timedelta(minutes=29)
    assert "asked planner to wait" in (poll.last_error or "")
    calls = len(fake_mastodon.requests)

    inbox_poll.tick(desk.app, now=later(10))
    body = (
        api(desk.member)
        .post(f"/api/v1/workspaces/{desk.member.workspace.id}/inbox/refresh")
        .get_json()
    )
    assert len(fake_mastodon.requests) == calls  # neither the job nor "look now" asked again
    [waiting] = [c for c in body["channels"] if c["channel_id"] == toots_id]
    assert waiting["looked"] is False and waiting["deferred_until"]

    inbox_poll.tick(desk.app, now=later(32))
    assert [i.text for i in items(desk)] == ["@shop Hello?"]


def test_refresh_looks_now_and_answers_the_inbox(shop, fake_mastodon: FakeMastodon, api) -> None:
    desk, _post, status, _record = shop
    inbox_poll.tick(desk.app, now=later())  # the job looked: not due again for five minutes
    fake_mastodon.add_reply(status["id"], "New one")
    body = (
        api(desk.member)
        .post(f"/api/v1/workspaces/{desk.member.workspace.id}/inbox/refresh")
        .get_json()
    )
    assert [r["text"] for r in body["replies"]] == ["@shop New one"]
    assert {c["looked"] for c in body["channels"]} == {True}


def fake_channels(desk: Desk):
    from planner.models import Channel

    return desk.session.exec(
        select(Channel).where(Channel.workspace_id == desk.member.workspace.id)
    )


def later(minutes: float = 1) -> datetime:
    """A moment shortly after now, when the worker's job runs."""
    return utcnow() + timedelta(minutes=minutes)


def test_a_look_another_worker_holds_is_not_made_twice(shop, fake_mastodon: FakeMastodon) -> None:
    desk, _post, status, _record = shop
    fake_mastodon.add_reply(status["id"], "Hello?")
    inbox_poll.tick(desk.app, now=later())  # creates the rows and looks once
    toots_id = next(c for c in fake_channels(desk) if c.platform == "mastodon").id
    desk.session.expire_all()
    poll = desk.session.get(InboxPoll, toots_id)
    poll.claimed_by, poll.lease_expires_at = "other-worker", later(20)
    desk.session.add(poll)
    desk.session.commit()
    looked = len(fake_mastodon.requests_to("/context"))

    inbox_poll.tick(desk.app, now=later(10))  # due, but the other worker is looking
    assert len(fake_mastodon.requests_to("/context")) == looked
    inbox_poll.tick(desk.app, now=later(25))  # its lease ran out: taken over
    assert len(fake_mastodon.requests_to("/context")) == looked + 1
    assert len(items(desk)) == 1


def test_an_answer_left_publishing_by_a_vanished_worker_goes_out_once(
    shop, fake_mastodon: FakeMastodon
) -> None:
    desk, _post, status, _record = shop
    fake_mastodon.idempotency = False
    theirs = fake_mastodon.add_reply(status["id"], "Open Sunday?")
    inbox_poll.tick(desk.app, now=later())
    [item] = items(desk)
    answer = inbox.answer(
        session=desk.session,
        acc=access_of(desk.member),
        item_id=item.id,
        body="9 to 1!",
        connectors=desk.app.extensions["planner.connectors"],
        now=later(),
    )
    # A worker claimed it, sent it, and died before recording the outcome.
    answer.status, answer.attempts, answer.claimed_by = "publishing", 1, "gone-worker"
    answer.lease_expires_at = later(2)
    desk.session.add(answer)
    desk.session.commit()
    desk.app.extensions["planner.connectors"].for_channel(
        next(c for c in fake_channels(desk) if c.platform == "mastodon")
    ).reply(theirs["id"], "9 to 1!", answer.idempotency_key)

    desk.tick(later(1))  # lease still held: nothing happens
    assert [a.status for a in answers(desk)] == ["publishing"]
    desk.tick(later(3))  # recovered, retried, found in the thread
    [sent] = answers(desk)
    assert sent.status == "published"
    assert len(fake_mastodon.replies_to(theirs["id"])) == 1


def test_the_first_look_takes_two_weeks_of_mentions_not_the_whole_history(
    shop, fake_mastodon: FakeMastodon
) -> None:
    desk, *_ = shop
    fake_mastodon.add_mention("last year", created_at=utcnow() - timedelta(days=300))
    fake_mastodon.add_mention("this week", created_at=utcnow() - timedelta(days=3))
    inbox_poll.tick(desk.app, now=later())
    assert [i.text for i in items(desk)] == ["@shop this week"]
