"""The inbox job with Threads and LinkedIn: a reply reaches the inbox and is answered once."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlmodel import select

from planner.connectors_app import EXTENSION, get_connectors
from planner.inbox_models import InboxAnswer, InboxItem
from planner.models import Channel
from planner.publishing import inbox_poll
from planner.services import inbox
from planner.timeutils import utcnow
from tests.factories import access_of, make_oauth_channel
from tests.fakes import FakeLinkedIn, FakeThreads
from tests.publishing.conftest import Desk

PAGE_SCOPES = "openid,profile,w_member_social,w_organization_social,r_organization_social"


@dataclass(frozen=True)
class Network:
    """How a test drives one platform's fake: connect, seed a reply, lose an answer, count ours."""

    fake: Any
    config: Callable[[Any], dict[str, Any]]
    seed: Callable[[Any, str, str], str]
    lose: Callable[[Any], None]
    ours: Callable[[Any, str], list[dict[str, Any]]]


NETWORKS = {
    "threads": lambda: Network(
        FakeThreads(),
        lambda f: {
            "user_id": f.user_id,
            "username": f.username,
            "access_token": f.long_lived_token(),
        },
        lambda f, post, text: f.add_reply(post, text)["id"],
        FakeThreads.lose_reply_after_publishing,
        lambda f, item: [r for r in f.replies_to(item) if r["owned"]],
    ),
    "linkedin": lambda: Network(
        FakeLinkedIn(),
        lambda f: {
            "author_urn": f.organization,
            "name": "Baker & Sons",
            "access_token": f.token(PAGE_SCOPES),
        },
        lambda f, post, text: f.add_comment(post, text)["urn"],
        FakeLinkedIn.lose_reply_after_commenting,
        lambda f, item: [c for c in f.comments_under(item) if c["actor"] == f.organization],
    ),
}


@pytest.fixture(params=sorted(NETWORKS))
def network(request: pytest.FixtureRequest, desk: Desk) -> Iterator[tuple[Network, Channel]]:
    """A running fake of the platform, with a channel connected to it as OAuth leaves one."""
    net = NETWORKS[request.param]()
    with net.fake:
        desk.app.config.update(HOST_OVERRIDES=json.dumps(net.fake.overrides))
        desk.app.extensions.pop(EXTENSION, None)  # rebuild the bundle with the overrides
        config = net.config(net.fake)
        cls = get_connectors(desk.app).platform(request.param)
        channel = make_oauth_channel(
            desk.app,
            desk.session,
            desk.member,
            platform=request.param,
            config=config,
            expires_at=cls(config).credentials_expire_at(),
            name=request.param,
        )
        yield net, channel


def items(desk: Desk) -> list[InboxItem]:
    desk.session.expire_all()
    return list(desk.session.exec(select(InboxItem).order_by(InboxItem.id)))


def later(minutes: float = 1) -> datetime:
    return utcnow() + timedelta(minutes=minutes)


def test_a_reply_reaches_the_inbox_and_a_lost_answer_is_sent_once(
    desk: Desk, network: tuple[Network, Channel]
) -> None:
    net, channel = network
    post = desk.approved_post([channel], at=utcnow(), body="Fresh rye today")
    assert desk.tick(utcnow()) == 1
    [published] = net.fake.posts
    theirs = net.seed(net.fake, published["id"], "Open Sunday?")

    looks = inbox_poll.tick(desk.app, now=later())

    assert [look.stored for look in looks] == [1]
    [item] = items(desk)
    assert (item.external_id, item.text, item.post_id) == (theirs, "Open Sunday?", post.id)
    inbox.answer(
        session=desk.session,
        acc=access_of(desk.member),
        item_id=item.id,
        body="9 to 1!",
        connectors=desk.app.extensions[EXTENSION],
        now=later(),
    )
    desk.session.commit()
    net.lose(net.fake)

    desk.tick(later())
    desk.session.expire_all()
    [lost] = desk.session.exec(select(InboxAnswer)).all()
    assert lost.status == "retrying" and len(net.ours(net.fake, theirs)) == 1
    desk.tick(later(5))

    [mine] = net.ours(net.fake, theirs)
    assert mine["text"] == "9 to 1!"
    desk.session.expire_all()
    [sent] = desk.session.exec(select(InboxAnswer)).all()
    assert (sent.status, sent.attempts) == ("published", 2)
    assert sent.external_id == mine.get("urn", mine["id"])
    assert items(desk)[0].status == "done"

    inbox_poll.tick(desk.app, now=later(60))  # our answer is in the thread, not in the inbox
    assert len(items(desk)) == 1


@pytest.mark.parametrize("network", ["threads"], indirect=True)
def test_an_answer_past_the_threads_reply_quota_waits_without_using_an_attempt(
    desk: Desk, network: tuple[Network, Channel]
) -> None:
    net, channel = network
    desk.approved_post([channel], at=utcnow(), body="Fresh rye today")
    desk.tick(utcnow())
    theirs = net.seed(net.fake, net.fake.posts[0]["id"], "Open Sunday?")
    inbox_poll.tick(desk.app, now=later())
    [item] = items(desk)
    inbox.answer(
        session=desk.session,
        acc=access_of(desk.member),
        item_id=item.id,
        body="9 to 1!",
        connectors=desk.app.extensions[EXTENSION],
        now=later(),
    )
    desk.session.commit()
    net.fake.reply_times = [time.time()] * 1000  # the profile's replies of the day, made elsewhere

    desk.tick(later(2))

    desk.session.expire_all()
    [waiting] = desk.session.exec(select(InboxAnswer)).all()
    assert (waiting.status, waiting.attempts) == ("retrying", 0)
    assert "1000 replies in 24 hours" in (waiting.last_error or "")
    assert net.ours(net.fake, theirs) == []
    desk.tick(later(5))  # the wait is not over yet
    assert net.ours(net.fake, theirs) == []

    net.fake.reply_times = []
    desk.tick(later(13))

    [mine] = net.ours(net.fake, theirs)
    desk.session.expire_all()
    [sent] = desk.session.exec(select(InboxAnswer)).all()
    assert (sent.status, sent.attempts, sent.external_id) == ("published", 1, mine["id"])
