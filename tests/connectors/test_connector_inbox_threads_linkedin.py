"""Reading replies and comments and answering them, against the Threads and LinkedIn fakes."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import parse_qs, unquote

import pytest

from planner.connectors.base import ConnectorOptions
from planner.connectors.errors import (
    AuthError,
    PermanentError,
    QuotaWait,
    TransientError,
    UnknownOutcomeError,
)
from planner.connectors.linkedin import LinkedInConnector
from planner.connectors.threads import ThreadsConnector
from tests.fakes import FakeLinkedIn, FakeThreads

PAGE_SCOPES = "openid,profile,w_member_social,w_organization_social,r_organization_social"


def threads(fake: FakeThreads, options: ConnectorOptions, token: str | None = None):
    config = {
        "user_id": fake.user_id,
        "username": fake.username,
        "access_token": token or fake.long_lived_token(),
    }
    return ThreadsConnector(config, options=_routed(options, fake))


def linkedin(fake: FakeLinkedIn, options: ConnectorOptions, token: str | None = None):
    config = {"author_urn": fake.organization, "access_token": token or fake.token(PAGE_SCOPES)}
    return LinkedInConnector(config, options=_routed(options, fake))


def _routed(options: ConnectorOptions, fake: FakeThreads | FakeLinkedIn) -> ConnectorOptions:
    return ConnectorOptions(
        allow_private_hosts=True,
        timeout=options.timeout,
        media_poll_seconds=options.media_poll_seconds,
        host_overrides=fake.overrides,
    )


# Threads --------------------------------------------------------------------------------


def test_threads_reads_the_conversation_but_not_our_own_replies(
    fake_threads: FakeThreads, options: ConnectorOptions, make_request
) -> None:
    connector = threads(fake_threads, options)
    ours = connector.publish(make_request()).external_id
    first = fake_threads.add_reply(ours, "Is it rye?")
    nested = fake_threads.add_reply(first["id"], "I hope so", username="carol")
    connector.reply(first["id"], "Yes, rye!", "answer-1")

    found = connector.replies(ours, None)

    assert [(i.author_handle, i.text, i.in_reply_to) for i in found] == [
        ("@alice", "Is it rye?", ours),
        ("@carol", "I hope so", first["id"]),
    ]
    assert found[0].kind == "reply" and found[0].external_id == first["id"]
    assert found[1].url == nested["permalink"]
    assert found[0].author_url == "https://www.threads.net/@alice"
    [read] = fake_threads.requests_to(f"/{ours}/conversation")
    assert read.query["reverse"] == "false"
    assert "is_reply_owned_by_me" in read.query["fields"]


def test_threads_replies_after_since_only(
    fake_threads: FakeThreads, options: ConnectorOptions, make_request
) -> None:
    connector = threads(fake_threads, options)
    ours = connector.publish(make_request()).external_id
    fake_threads.add_reply(ours, "old", at=datetime(2026, 3, 1, tzinfo=UTC))
    fake_threads.add_reply(ours, "new", at=datetime(2026, 3, 5, tzinfo=UTC))
    found = connector.replies(ours, datetime(2026, 3, 2, tzinfo=UTC))
    assert [i.text for i in found] == ["new"]
    assert found[0].received_at == datetime(2026, 3, 5, tzinfo=UTC)


def test_threads_answer_is_a_text_container_with_reply_to_id(
    fake_threads: FakeThreads, options: ConnectorOptions, make_request
) -> None:
    connector = threads(fake_threads, options)
    ours = connector.publish(make_request()).external_id
    theirs = fake_threads.add_reply(ours, "Open Sunday?")

    sent = connector.reply(theirs["id"], "9 to 1!", "key-1")

    [answer] = fake_threads.replies_to(theirs["id"])
    assert (answer["text"], answer["username"], answer["owned"]) == ("9 to 1!", "bakery", True)
    assert sent.external_id == answer["id"] and sent.external_url == answer["permalink"]
    [container] = [
        r
        for r in fake_threads.requests_to("/threads", "POST")
        if r.path.endswith("/threads") and b"reply_to_id" in r.body
    ]
    assert parse_qs(container.body.decode()) | {"access_token": ["-"]} == {
        "media_type": ["TEXT"],
        "text": ["9 to 1!"],
        "reply_to_id": [theirs["id"]],
        "access_token": ["-"],
    }
    assert len(fake_threads.posts) == 1  # an answer is not one of the profile's posts


def test_threads_retry_after_a_lost_answer_does_not_publish_twice(
    fake_threads: FakeThreads, options: ConnectorOptions, make_request
) -> None:
    connector = threads(fake_threads, options)
    ours = connector.publish(make_request()).external_id
    theirs = fake_threads.add_reply(ours, "Gluten free?")
    fake_threads.lose_reply_after_publishing()
    with pytest.raises(UnknownOutcomeError) as caught:
        connector.reply(theirs["id"], "Not yet, sorry", "key-2")
    assert caught.value.safe_to_retry
    assert len(fake_threads.replies_to(theirs["id"])) == 1  # it landed; the reply was lost

    sent = connector.reply(theirs["id"], "Not yet, sorry", "key-2", attempt=2)

    [answer] = fake_threads.replies_to(theirs["id"])
    assert sent.external_id == answer["id"]
    assert len(fake_threads.requests_to("/threads_publish", "POST")) == 2  # the post, one answer
    look = fake_threads.requests_to(f"/{theirs['id']}/replies")[-1]
    assert look.query["reverse"] == "true"  # newest first: our answer is among the latest


def test_threads_retry_publishes_when_the_first_try_never_landed(
    fake_threads: FakeThreads, options: ConnectorOptions, make_request
) -> None:
    connector = threads(fake_threads, options)
    ours = connector.publish(make_request()).external_id
    theirs = fake_threads.add_reply(ours, "Gluten free?")
    fake_threads.add_reply(theirs["id"], "Not yet, sorry", username="carol")  # not ours
    sent = connector.reply(theirs["id"], "Not yet, sorry", "key-3", attempt=2)
    mine = [r for r in fake_threads.replies_to(theirs["id"]) if r["owned"]]
    assert [r["id"] for r in mine] == [sent.external_id]


def test_threads_deleted_post_has_no_replies_and_cannot_be_answered(
    fake_threads: FakeThreads, options: ConnectorOptions, make_request
) -> None:
    connector = threads(fake_threads, options)
    ours = connector.publish(make_request()).external_id
    theirs = fake_threads.add_reply(ours, "Hello?")
    fake_threads.delete(theirs["id"])
    with pytest.raises(PermanentError, match="was deleted"):
        connector.reply(theirs["id"], "hello", "key-4")
    fake_threads.delete(ours)
    assert connector.replies(ours, None) == []
    assert connector.mentions(None) == []


def test_threads_answers_wait_once_the_profiles_1000_replies_are_used(
    fake_threads: FakeThreads, options: ConnectorOptions, make_request
) -> None:
    fake_threads.reply_quota_total = 2
    fake_threads.quota_total = 1  # the posts' quota is used up: answers have their own
    connector = threads(fake_threads, options)
    ours = connector.publish(make_request()).external_id
    theirs = fake_threads.add_reply(ours, "Open Sunday?")
    connector.reply(theirs["id"], "Yes", "key-6")
    connector.reply(theirs["id"], "9 to 1", "key-7")

    with pytest.raises(QuotaWait, match="2 replies in 24 hours") as caught:
        connector.reply(theirs["id"], "See you", "key-8")

    assert caught.value.retry_after and caught.value.retry_after > 0
    assert [r["text"] for r in fake_threads.replies_to(theirs["id"])] == ["Yes", "9 to 1"]
    reads = [r.query["fields"] for r in fake_threads.requests_to("/threads_publishing_limit")]
    assert reads[0] == "quota_usage,config"  # the post's
    assert set(reads[1:]) == {"reply_quota_usage,reply_config"}
    containers = [
        r for r in fake_threads.requests_to("/threads", "POST") if b"reply_to_id" in r.body
    ]
    assert len(containers) == 2  # no container for the third answer


def test_threads_replies_used_up_elsewhere_since_the_reading_wait_instead_of_failing(
    fake_threads: FakeThreads, options: ConnectorOptions, make_request
) -> None:
    connector = threads(fake_threads, options)
    ours = connector.publish(make_request()).external_id
    theirs = fake_threads.add_reply(ours, "Rye?")
    connector.reply(theirs["id"], "Yes", "key-9")  # reads the quota: plenty of room
    fake_threads.reply_quota_total = 1  # another app's replies took the rest meanwhile

    with pytest.raises(QuotaWait, match="replies in 24 hours"):
        connector.reply(theirs["id"], "And spelt", "key-10")  # trusts the reading, Threads refuses
    with pytest.raises(QuotaWait):
        connector.reply(theirs["id"], "And spelt", "key-10")  # reads again: none left

    reads = [r.query["fields"] for r in fake_threads.requests_to("/threads_publishing_limit")]
    assert reads.count("reply_quota_usage,reply_config") == 2
    assert [r["text"] for r in fake_threads.replies_to(theirs["id"])] == ["Yes"]


def test_threads_expired_token_and_rate_limit(
    fake_threads: FakeThreads, options: ConnectorOptions
) -> None:
    connector = threads(fake_threads, options, token="expired-or-revoked")
    with pytest.raises(AuthError):
        connector.replies("18000000000000001", None)
    with pytest.raises(AuthError):
        connector.reply("18000000000000001", "hi", "key-5")

    fake_threads.rate_limited = 1
    with pytest.raises(TransientError) as caught:
        threads(fake_threads, options).replies("18000000000000001", None)
    assert caught.value.retry_after == 120


# LinkedIn -------------------------------------------------------------------------------


def test_linkedin_reads_comments_and_their_replies_but_not_our_own(
    fake_linkedin: FakeLinkedIn, options: ConnectorOptions, make_request
) -> None:
    connector = linkedin(fake_linkedin, options)
    ours = connector.publish(make_request()).external_id
    first = fake_linkedin.add_comment(ours, "Is it rye?")
    nested = fake_linkedin.add_comment(
        ours, "Me too", actor="urn:li:person:s3c0nd", parent=first["urn"]
    )
    connector.reply(first["urn"], "Yes, rye!", "answer-1")

    found = connector.replies(ours, None)

    assert [(i.author_handle, i.text, i.in_reply_to) for i in found] == [
        ("urn:li:person:c0mm3nt3r", "Is it rye?", ours),
        ("urn:li:person:s3c0nd", "Me too", first["urn"]),
    ]
    assert found[0].external_id == first["urn"] and found[1].external_id == nested["urn"]
    assert found[0].author_name == "LinkedIn member"
    assert found[0].url.startswith("https://www.linkedin.com/feed/update/urn:li:activity:")
    assert unquote(found[0].url.split("commentUrn=")[1]) == first["urn"]
    read = fake_linkedin.requests_to("/comments", "GET")[0]
    assert read.headers["x-restli-protocol-version"] == "2.0.0"
    assert read.headers["linkedin-version"]


def test_linkedin_answer_is_a_comment_under_its_parent(
    fake_linkedin: FakeLinkedIn, options: ConnectorOptions, make_request
) -> None:
    connector = linkedin(fake_linkedin, options)
    ours = connector.publish(make_request()).external_id
    top = fake_linkedin.add_comment(ours, "Open Sunday?")
    nested = fake_linkedin.add_comment(
        ours, "And Monday?", actor="urn:li:person:s3c0nd", parent=top["urn"]
    )

    sent = connector.reply(top["urn"], "9 to 1!", "key-1")
    deeper = connector.reply(nested["urn"], "Closed Mondays.", "key-2")

    answers = [c for c in fake_linkedin.comments_under(top["urn"]) if c["actor"] != nested["actor"]]
    assert [(c["text"], c["actor"]) for c in answers] == [
        ("9 to 1!", fake_linkedin.organization),
        ("Closed Mondays.", fake_linkedin.organization),  # two levels: under the top comment
    ]
    assert sent.external_id == answers[0]["urn"] and deeper.external_id == answers[1]["urn"]
    body = fake_linkedin.requests_to("/comments", "POST")[0].json
    assert body == {
        "actor": fake_linkedin.organization,
        "object": top["activity"],
        "message": {"text": "9 to 1!"},
        "parentComment": top["urn"],
    }
    assert sent.external_url and "commentUrn=" in sent.external_url


def test_linkedin_retry_after_a_lost_answer_does_not_comment_twice(
    fake_linkedin: FakeLinkedIn, options: ConnectorOptions, make_request
) -> None:
    connector = linkedin(fake_linkedin, options)
    ours = connector.publish(make_request()).external_id
    theirs = fake_linkedin.add_comment(ours, "Gluten free?")
    fake_linkedin.lose_reply_after_commenting()
    with pytest.raises(UnknownOutcomeError) as caught:
        connector.reply(theirs["urn"], "Not yet, sorry", "key-3")
    assert caught.value.safe_to_retry
    assert len(fake_linkedin.comments_under(theirs["urn"])) == 1  # it landed

    sent = connector.reply(theirs["urn"], "Not yet, sorry", "key-3", attempt=2)

    [answer] = fake_linkedin.comments_under(theirs["urn"])
    assert sent.external_id == answer["urn"]
    assert len(fake_linkedin.requests_to("/comments", "POST")) == 1


def test_linkedin_deleted_post_and_comment(
    fake_linkedin: FakeLinkedIn, options: ConnectorOptions, make_request
) -> None:
    connector = linkedin(fake_linkedin, options)
    ours = connector.publish(make_request()).external_id
    theirs = fake_linkedin.add_comment(ours, "Hello?")
    fake_linkedin.delete(theirs["urn"])
    with pytest.raises(PermanentError, match="was deleted"):
        connector.reply(theirs["urn"], "hello", "key-4")
    fake_linkedin.delete(ours)
    assert connector.replies(ours, None) == []
    assert connector.mentions(None) == []


def test_linkedin_refuses_an_answer_longer_than_a_comment(
    fake_linkedin: FakeLinkedIn, options: ConnectorOptions, make_request
) -> None:
    connector = linkedin(fake_linkedin, options)
    ours = connector.publish(make_request()).external_id
    theirs = fake_linkedin.add_comment(ours, "Tell me everything")
    with pytest.raises(PermanentError, match="1,251 of 1,250 characters on LinkedIn"):
        connector.reply(theirs["urn"], "x" * 1251, "key-5")
    assert not fake_linkedin.requests_to("/comments", "POST")


def test_linkedin_expired_token_and_rate_limit(
    fake_linkedin: FakeLinkedIn, options: ConnectorOptions, make_request
) -> None:
    connector = linkedin(fake_linkedin, options)
    ours = connector.publish(make_request()).external_id
    theirs = fake_linkedin.add_comment(ours, "Hello?")
    expired = fake_linkedin.token(PAGE_SCOPES, seconds=-5)
    with pytest.raises(AuthError, match="expired"):
        linkedin(fake_linkedin, options, token=expired).replies(ours, None)
    with pytest.raises(AuthError):
        linkedin(fake_linkedin, options, token=expired).reply(theirs["urn"], "hi", "key-6")

    fake_linkedin.rate_limited = 1
    with pytest.raises(TransientError) as caught:
        connector.replies(ours, None)
    assert caught.value.retry_after == 90


def test_linkedin_without_read_permission_is_told_apart(
    fake_linkedin: FakeLinkedIn, options: ConnectorOptions, make_request
) -> None:
    member = LinkedInConnector(
        {"author_urn": fake_linkedin.member, "access_token": fake_linkedin.token()},
        options=_routed(options, fake_linkedin),
    )
    ours = member.publish(make_request()).external_id
    with pytest.raises(AuthError, match="does not let planner read"):
        member.replies(ours, None)
