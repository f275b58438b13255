"""Comments on Facebook Page posts and Instagram media in the inbox, against the Graph API fake."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from planner.connectors.base import ConnectorOptions, PublishRequest
from planner.connectors.errors import (
    AuthError,
    PermanentError,
    TransientError,
    UnknownOutcomeError,
)
from planner.connectors.facebook import FacebookConnector
from planner.connectors.instagram import InstagramConnector
from tests.connectors.test_connector_engagement_meta import ig_media, page_post
from tests.connectors.test_connector_facebook import connect as facebook
from tests.connectors.test_connector_instagram import IG
from tests.connectors.test_connector_instagram import connect as instagram
from tests.fakes import FakeMeta

Build = Callable[..., PublishRequest]


def posts_to(fake: FakeMeta, suffix: str) -> int:
    return sum(1 for r in fake.requests if r.method == "POST" and r.path.endswith(suffix))


# --- Facebook -----------------------------------------------------------------------------------


def test_both_have_an_inbox_without_mentions(
    fake_meta: FakeMeta, options: ConnectorOptions
) -> None:
    assert FacebookConnector.inbox and InstagramConnector.inbox
    assert facebook(fake_meta, options).mentions(None) == []
    assert instagram(fake_meta, options).mentions(None) == []
    assert fake_meta.requests == []  # nothing is asked: Graph offers no mentions to planner


def test_facebook_reads_comments_and_their_replies_but_not_the_pages_own(
    fake_meta: FakeMeta, options: ConnectorOptions, make_request: Build
) -> None:
    post = page_post(fake_meta, options, make_request)
    connector = facebook(fake_meta, options)
    first = fake_meta.add_comment(post, "Is it rye?", name="Alice Example")
    under = fake_meta.add_comment(first["id"], "Following", name="Carol Baker", user_id="7002")
    connector.reply(first["id"], "Yes, rye!", "answer-1")

    found = connector.replies(post, None)

    assert [(i.author_name, i.text) for i in found] == [
        ("Carol Baker", "Following"),  # newest first; the Page's answer is left out
        ("Alice Example", "Is it rye?"),
    ]
    assert found[1].in_reply_to == post and found[0].in_reply_to == first["id"]
    assert found[0].external_id == under["id"] and found[0].url == under["permalink_url"]
    assert found[1].kind == "reply" and found[1].author_handle == ""
    assert found[1].received_at.tzinfo is not None
    [read] = [r for r in fake_meta.requests_to(f"/{post}/comments") if r.method == "GET"]
    assert read.query["filter"] == "stream" and read.query["order"] == "reverse_chronological"
    assert "from{id,name}" in read.query["fields"]
    assert read.bearer == fake_meta.page("1001").token


def test_facebook_comments_are_read_page_by_page_and_after_since(
    fake_meta: FakeMeta, options: ConnectorOptions, make_request: Build
) -> None:
    post = page_post(fake_meta, options, make_request)
    start = datetime(2026, 3, 1, tzinfo=UTC)
    for n in range(130):
        fake_meta.add_comment(post, f"comment {n}", at=start + timedelta(minutes=n))
    connector = facebook(fake_meta, options)

    assert len(connector.replies(post, None)) == 130
    assert len(fake_meta.requests_to(f"/{post}/comments")) == 2  # 100, then the next page

    recent = connector.replies(post, start + timedelta(minutes=127))
    assert [i.text for i in recent] == ["comment 129", "comment 128"]


def test_facebook_answer_is_a_comment_on_the_comment_by_the_page(
    fake_meta: FakeMeta, options: ConnectorOptions, make_request: Build
) -> None:
    post = page_post(fake_meta, options, make_request)
    theirs = fake_meta.add_comment(post, "Open on Sunday?")

    sent = facebook(fake_meta, options).reply(theirs["id"], "Yes, 9 to 1.", "key-1")

    [answer] = fake_meta.comments_under(theirs["id"])
    assert answer["author"]["id"] == "1001" and answer["text"] == "Yes, 9 to 1."
    assert sent.external_id == answer["id"] and sent.external_url == answer["permalink_url"]
    [request] = fake_meta.requests_to(f"/{theirs['id']}/comments", "POST")
    assert request.json == {"message": "Yes, 9 to 1."}
    assert request.bearer == fake_meta.page("1001").token


def test_facebook_retry_after_a_lost_answer_does_not_post_twice(
    fake_meta: FakeMeta, options: ConnectorOptions, make_request: Build
) -> None:
    post = page_post(fake_meta, options, make_request)
    theirs = fake_meta.add_comment(post, "Gluten free?")
    connector = facebook(fake_meta, options)
    fake_meta.reset_next(path="/comments", method="POST", landed=True)
    with pytest.raises(UnknownOutcomeError) as caught:
        connector.reply(theirs["id"], "Not yet, sorry", "key-2")
    assert caught.value.safe_to_retry

    sent = connector.reply(theirs["id"], "Not yet, sorry", "key-2", attempt=2)

    [answer] = fake_meta.comments_under(theirs["id"])
    assert sent.external_id == answer["id"] and sent.external_url == answer["permalink_url"]
    assert posts_to(fake_meta, "/comments") == 1


def test_facebook_retry_after_an_answer_that_never_arrived_sends_it(
    fake_meta: FakeMeta, options: ConnectorOptions, make_request: Build
) -> None:
    post = page_post(fake_meta, options, make_request)
    theirs = fake_meta.add_comment(post, "Gluten free?")
    fake_meta.add_comment(theirs["id"], "Not yet, sorry", name="Someone Else")  # not the Page
    connector = facebook(fake_meta, options)
    fake_meta.reset_next(path="/comments", method="POST", landed=False)
    with pytest.raises(UnknownOutcomeError):
        connector.reply(theirs["id"], "Not yet, sorry", "key-3")

    sent = connector.reply(theirs["id"], "Not yet, sorry", "key-3", attempt=2)

    ours = [c for c in fake_meta.comments_under(theirs["id"]) if c["author"]["id"] == "1001"]
    assert [c["id"] for c in ours] == [sent.external_id]


def test_facebook_deleted_post_has_no_comments_and_a_deleted_comment_no_answer(
    fake_meta: FakeMeta, options: ConnectorOptions, make_request: Build
) -> None:
    post = page_post(fake_meta, options, make_request)
    theirs = fake_meta.add_comment(post, "Hello?")
    connector = facebook(fake_meta, options)
    fake_meta.delete(theirs["id"])
    with pytest.raises(PermanentError, match="deleted") as caught:
        connector.reply(theirs["id"], "Hi!", "key-4")
    assert caught.value.code == "100/33"
    with pytest.raises(PermanentError, match="deleted"):
        connector.reply(theirs["id"], "Hi!", "key-4", attempt=2)

    fake_meta.delete(post)
    assert connector.replies(post, None) == []


def test_facebook_revoked_token_needs_reconnecting(
    fake_meta: FakeMeta, options: ConnectorOptions, make_request: Build
) -> None:
    post = page_post(fake_meta, options, make_request)
    theirs = fake_meta.add_comment(post, "Hello?")
    connector = facebook(fake_meta, options)
    fake_meta.revoke(fake_meta.page("1001").token)

    with pytest.raises(AuthError) as caught:
        connector.replies(post, None)
    assert caught.value.code == "190/460"
    with pytest.raises(AuthError):
        connector.reply(theirs["id"], "Hi!", "key-5")
    assert fake_meta.comments_under(theirs["id"]) == []


def test_facebook_rate_limit_says_when_to_come_back(
    fake_meta: FakeMeta, options: ConnectorOptions, make_request: Build
) -> None:
    post = page_post(fake_meta, options, make_request)
    theirs = fake_meta.add_comment(post, "Hello?")
    connector = facebook(fake_meta, options)

    fake_meta.rate_limit(32)
    with pytest.raises(TransientError) as caught:
        connector.replies(post, None)
    assert caught.value.retry_after == 7 * 60
    fake_meta.rate_limit(613)
    with pytest.raises(TransientError):
        connector.reply(theirs["id"], "Hi!", "key-6")

    assert fake_meta.comments_under(theirs["id"]) == []
    assert [i.text for i in connector.replies(post, None)] == ["Hello?"]


# --- Instagram ----------------------------------------------------------------------------------


def test_instagram_reads_comments_and_replies_but_not_the_accounts_own(
    fake_meta: FakeMeta, options: ConnectorOptions
) -> None:
    media = ig_media(fake_meta)
    connector = instagram(fake_meta, options)
    first = fake_meta.add_comment(media, "Love it", username="alice")
    fake_meta.add_comment(first["id"], "Me too", username="carol", user_id="7002")
    connector.reply(first["id"], "Thank you!", "answer-1")

    found = connector.replies(media, None)

    assert [(i.author_handle, i.text, i.in_reply_to) for i in found] == [
        ("@alice", "Love it", media),
        ("@carol", "Me too", first["id"]),
    ]
    assert found[0].author_url == "https://www.instagram.com/alice/"
    assert found[0].url is None  # Instagram gives a comment no address
    [read] = fake_meta.requests_to(f"/{media}/comments")
    assert "replies{" in read.query["fields"] and "username" in read.query["fields"]


def test_instagram_reads_its_username_once_when_the_connection_lacks_it(
    fake_meta: FakeMeta, options: ConnectorOptions
) -> None:
    media = ig_media(fake_meta)
    connector = instagram(fake_meta, options)
    connector.config.pop("username")
    fake_meta.add_comment(media, "Nice", username="alice")
    fake_meta.add_comment(media, "Posted by us", username="cornerbakery", user_id=IG)

    assert [i.text for i in connector.replies(media, None)] == ["Nice"]
    assert connector.state["username"] == "cornerbakery" and connector.state_changed


def test_instagram_answer_goes_to_the_comments_replies(
    fake_meta: FakeMeta, options: ConnectorOptions
) -> None:
    media = ig_media(fake_meta)
    theirs = fake_meta.add_comment(media, "Open late?")

    sent = instagram(fake_meta, options).reply(theirs["id"], "Until 8!", "key-1")

    [answer] = fake_meta.comments_under(theirs["id"])
    assert sent.external_id == answer["id"] and sent.external_url is None
    assert answer["author"]["username"] == "cornerbakery"
    [request] = fake_meta.requests_to(f"/{theirs['id']}/replies", "POST")
    assert request.json == {"message": "Until 8!"}


def test_instagram_retry_of_a_lost_answer_to_a_reply_looks_in_the_thread(
    fake_meta: FakeMeta, options: ConnectorOptions
) -> None:
    media = ig_media(fake_meta)
    top = fake_meta.add_comment(media, "Open late?")
    theirs = fake_meta.add_comment(top["id"], "And on Sundays?", username="carol")
    connector = instagram(fake_meta, options)
    fake_meta.reset_next(path="/replies", method="POST", landed=True)
    with pytest.raises(UnknownOutcomeError) as caught:
        connector.reply(theirs["id"], "Sundays too", "key-2")
    assert caught.value.safe_to_retry

    sent = connector.reply(theirs["id"], "Sundays too", "key-2", attempt=2)

    # Instagram filed the answer under the top-level comment, where the retry found it.
    ours = [c for c in fake_meta.comments_under(top["id"]) if c["text"] == "Sundays too"]
    assert [c["id"] for c in ours] == [sent.external_id]
    assert posts_to(fake_meta, "/replies") == 1


def test_instagram_deleted_media_and_comment(
    fake_meta: FakeMeta, options: ConnectorOptions
) -> None:
    media = ig_media(fake_meta)
    theirs = fake_meta.add_comment(media, "Hello?")
    connector = instagram(fake_meta, options)
    fake_meta.delete(theirs["id"])
    with pytest.raises(PermanentError, match="Instagram comment you are answering was deleted"):
        connector.reply(theirs["id"], "Hi!", "key-3")

    fake_meta.delete(media)
    assert connector.replies(media, None) == []


def test_instagram_revoked_token_and_rate_limit(
    fake_meta: FakeMeta, options: ConnectorOptions
) -> None:
    media = ig_media(fake_meta)
    theirs = fake_meta.add_comment(media, "Hello?")
    connector = instagram(fake_meta, options)
    fake_meta.rate_limit(4)
    with pytest.raises(TransientError) as caught:
        connector.reply(theirs["id"], "Hi!", "key-4")
    assert caught.value.retry_after == 7 * 60

    fake_meta.revoke(fake_meta.page("1001").token)
    with pytest.raises(AuthError):
        connector.replies(media, None)
    assert fake_meta.comments_under(theirs["id"]) == []
