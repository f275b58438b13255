"""The worker publishing to Threads, LinkedIn and Google Business fakes: once, and tokens kept."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from planner.connectors.base import PublishRequest
from planner.connectors.tokens import iso
from planner.connectors_app import EXTENSION, get_connectors
from planner.models import Channel, ChannelStatus
from planner.publishing import claims
from planner.timeutils import utcnow
from tests.conftest import NOW
from tests.factories import make_oauth_channel
from tests.fakes import FakeGoogleBusiness, FakeLinkedIn, FakeThreads
from tests.publishing.conftest import Desk


@pytest.fixture
def fakes() -> Iterator[dict[str, Any]]:
    with FakeThreads() as threads, FakeLinkedIn() as linkedin, FakeGoogleBusiness() as google:
        yield {"threads": threads, "linkedin": linkedin, "google_business": google}


@pytest.fixture
def networks(desk: Desk, fakes: dict[str, Any]) -> Desk:
    """The desk with the three fakes' hosts overridden and their developer apps configured."""
    overrides: dict[str, str] = {}
    for fake in fakes.values():
        overrides |= fake.overrides
    desk.app.config.update(
        HOST_OVERRIDES=json.dumps(overrides),
        THREADS_CLIENT_ID="threads-app",
        THREADS_CLIENT_SECRET="threads-secret",
        LINKEDIN_CLIENT_ID="linkedin-app",
        LINKEDIN_CLIENT_SECRET="linkedin-secret",
        GOOGLE_CLIENT_ID=fakes["google_business"].desk.client_id,
        GOOGLE_CLIENT_SECRET="google-secret",
    )
    desk.app.extensions.pop(EXTENSION, None)  # rebuild the bundle with these settings
    return desk


def connected(desk: Desk, platform: str, config: dict[str, Any], name: str = "") -> Channel:
    """A channel as the OAuth pick page creates it: plain config, sealed secrets."""
    cls = get_connectors(desk.app).platform(platform)
    expires = cls(config).credentials_expire_at()
    return make_oauth_channel(
        desk.app,
        desk.session,
        desk.member,
        platform=platform,
        config=config,
        expires_at=expires,
        name=name or platform,
    )


def threads_channel(desk: Desk, fake: FakeThreads) -> Channel:
    return connected(
        desk,
        "threads",
        {
            "user_id": fake.user_id,
            "username": fake.username,
            "access_token": fake.long_lived_token(),
        },
    )


def linkedin_channel(desk: Desk, fake: FakeLinkedIn, *, page: bool = True) -> Channel:
    scopes = "openid,profile,w_member_social,w_organization_social,r_organization_social"
    return connected(
        desk,
        "linkedin",
        {
            "author_urn": fake.organization if page else fake.member,
            "name": "Baker & Sons",
            "access_token": fake.token(scopes),
        },
    )


def google_channel(desk: Desk, fake: FakeGoogleBusiness, *, fresh: bool = True) -> Channel:
    access, refresh = fake.tokens()
    config = {"account": fake.account, "location": "locations/4321", "refresh_token": refresh}
    if fresh:
        config |= {"access_token": access, "expires_at": iso(utcnow() + timedelta(minutes=50))}
    return connected(desk, "google_business", config)


MAKERS = {
    "threads": threads_channel,
    "linkedin": linkedin_channel,
    "google_business": google_channel,
}
LOSE = {
    "threads": FakeThreads.lose_reply_after_publishing,
    "linkedin": FakeLinkedIn.lose_reply_after_posting,
    "google_business": FakeGoogleBusiness.lose_reply_after_posting,
}


@pytest.mark.parametrize("platform", ["threads", "linkedin", "google_business"])
def test_lost_reply_is_retried_and_published_once(
    networks: Desk, fakes: dict[str, Any], platform: str
) -> None:
    fake = fakes[platform]
    post = networks.approved_post([MAKERS[platform](networks, fake)], body="Only once, please")
    LOSE[platform](fake)

    networks.tick()
    delivery = networks.delivery(post)
    assert delivery.status == "retrying"
    assert len(fake.posts) == 1  # it was made; only the reply was lost
    networks.tick(delivery.next_attempt_at)

    delivery = networks.delivery(post)
    assert delivery.status == "published"
    assert len(fake.posts) == 1
    assert delivery.external_id
    assert delivery.external_url and delivery.external_url.startswith("https://")


def test_linkedin_member_lost_reply_is_unconfirmed(networks: Desk, fakes: dict[str, Any]) -> None:
    fake = fakes["linkedin"]
    post = networks.approved_post([linkedin_channel(networks, fake, page=False)])
    fake.lose_reply_after_posting()

    networks.tick()
    delivery = networks.delivery(post)
    networks.tick(delivery.next_attempt_at)

    delivery = networks.delivery(post)
    assert delivery.status == "unconfirmed"
    assert "does not let planner read" in delivery.last_error
    assert len(fake.posts) == 1


def test_google_token_is_renewed_and_kept_for_the_next_post(
    networks: Desk, fakes: dict[str, Any]
) -> None:
    fake = fakes["google_business"]
    channel = google_channel(networks, fake, fresh=False)
    first = networks.approved_post([channel], body="One")
    second = networks.approved_post([channel], at=NOW + timedelta(minutes=5), body="Two")

    networks.tick()
    networks.tick(NOW + timedelta(minutes=5))

    assert [networks.delivery(p).status for p in (first, second)] == ["published", "published"]
    assert fake.desk.refreshes == 1  # the renewed token was saved and reused
    sealed = networks.reload(channel).state
    assert sealed and "access_token" not in sealed
    state = get_connectors(networks.app).box.open(sealed)
    assert fake.desk.valid(state["access_token"]) is not None


def test_revoked_google_access_marks_the_channel_for_reconnecting(
    networks: Desk, fakes: dict[str, Any]
) -> None:
    fake = fakes["google_business"]
    channel = google_channel(networks, fake, fresh=False)
    post = networks.approved_post([channel])
    fake.desk.revoke_all()

    networks.tick()

    assert networks.reload(channel).status == ChannelStatus.NEEDS_REAUTH
    delivery = networks.delivery(post)
    assert delivery.status == "queued"
    assert "revoked" in delivery.last_error
    assert fake.posts == []


def test_a_used_up_threads_quota_waits_and_sends_nothing(
    networks: Desk, fakes: dict[str, Any]
) -> None:
    fake = fakes["threads"]
    fake.quota_total = 0
    post = networks.approved_post([threads_channel(networks, fake)])

    networks.tick()

    delivery = networks.delivery(post)
    assert delivery.status == "retrying"
    assert "250" not in delivery.last_error and "0 posts in 24 hours" in delivery.last_error
    assert delivery.next_attempt_at >= NOW + timedelta(minutes=9)
    assert fake.posts == []
    assert fake.containers == {}


@pytest.mark.parametrize("platform", ["threads", "google_business"])
def test_a_worker_that_died_after_posting_is_followed_by_one_that_finds_the_post(
    networks: Desk, fakes: dict[str, Any], platform: str
) -> None:
    fake = fakes[platform]
    channel = MAKERS[platform](networks, fake)
    post = networks.approved_post([channel], body="Made before the crash")
    claims.claim_due(networks.session, now=NOW, limit=10, lease=timedelta(minutes=2), token="gone")
    networks.session.commit()
    # The vanished worker got as far as making the post.
    made = (
        get_connectors(networks.app)
        .for_channel(channel)
        .publish(
            PublishRequest(
                delivery_id=0,
                idempotency_key="gone",
                text="Made before the crash",
                link=None,
                post_id=post.id,
                channel_id=channel.id,
                category="promotional",
                scheduled_at=NOW,
            )
        )
    )

    networks.tick(NOW + timedelta(minutes=3))

    delivery = networks.delivery(post)
    assert delivery.status == "published"
    assert delivery.attempts == 2
    assert delivery.external_id == made.external_id
    assert len(fake.posts) == 1
