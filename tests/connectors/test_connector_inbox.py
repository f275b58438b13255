"""Reading replies and mentions and answering them, against the Mastodon and Bluesky fakes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from planner.connectors.base import ConnectorOptions
from planner.connectors.bluesky import BlueskyConnector, new_tid
from planner.connectors.errors import PermanentError, TransientError, UnknownOutcomeError
from planner.connectors.inbox import NotAvailable, plain_text
from planner.connectors.linkedin import LinkedInConnector
from planner.connectors.mastodon import MastodonConnector
from planner.connectors.outbox import OutboxConnector
from planner.connectors.threads import ThreadsConnector
from tests.fakes import FakeBluesky, FakeMastodon

STATUSES = "/api/v1/statuses"


def mastodon(fake: FakeMastodon, options: ConnectorOptions) -> MastodonConnector:
    return MastodonConnector(
        {"instance_url": fake.url, "access_token": "test-token"}, options=options
    )


def bluesky(fake: FakeBluesky, options: ConnectorOptions) -> BlueskyConnector:
    config = {"service_url": fake.url, "handle": fake.handle, "app_password": fake.password}
    return BlueskyConnector(config, options=options)


@pytest.mark.parametrize(
    ("html", "text"),
    [
        (
            "<p>Hi <a href='x'>@shop</a> &amp; you<br>line 2</p><p>again</p>",
            "Hi @shop & you\nline 2\n\nagain",
        ),
        ("<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>", "<script>alert(1)</script>"),
        ("<p>x<script>alert(1)</script><style>p{}</style>y</p>", "xy"),
        ("", ""),
    ],
)
def test_plain_text_drops_markup_and_keeps_what_a_person_reads(html: str, text: str) -> None:
    assert plain_text(html) == text


def test_mastodon_reads_replies_under_a_status_but_not_its_own(
    fake_mastodon: FakeMastodon, options: ConnectorOptions, make_request
) -> None:
    connector = mastodon(fake_mastodon, options)
    ours = connector.publish(make_request()).external_id
    first = fake_mastodon.add_reply(ours, "Is it <b>rye</b>?", acct="alice@elsewhere.example")
    fake_mastodon.add_reply(first["id"], "Following", acct="carol@elsewhere.example")
    connector.reply(first["id"], "@alice Yes, rye!", "answer-1")

    found = connector.replies(ours, None)

    assert [(i.author_handle, i.text) for i in found] == [
        ("@alice@elsewhere.example", "@shop Is it <b>rye</b>?"),
        ("@carol@elsewhere.example", "@shop Following"),
    ]
    assert found[0].kind == "reply" and found[0].in_reply_to == ours
    assert found[0].url.endswith(f"/{first['id']}")
    assert connector.state["account_id"] == "1"  # ours is told apart by the account id


def test_mastodon_replies_of_a_deleted_status_are_none(
    fake_mastodon: FakeMastodon, options: ConnectorOptions
) -> None:
    assert mastodon(fake_mastodon, options).replies("999999", None) == []


def test_mastodon_mentions_come_from_notifications_after_since(
    fake_mastodon: FakeMastodon, options: ConnectorOptions
) -> None:
    fake_mastodon.add_mention("old news", created_at=datetime(2026, 3, 1, tzinfo=UTC))
    fake_mastodon.add_mention("love the croissants", created_at=datetime(2026, 3, 5, tzinfo=UTC))
    found = mastodon(fake_mastodon, options).mentions(datetime(2026, 3, 2, tzinfo=UTC))
    assert [i.text for i in found] == ["@shop love the croissants"]
    assert found[0].kind == "mention" and found[0].in_reply_to is None
    [request] = fake_mastodon.requests_to("/api/v1/notifications")
    assert request.query["types[]"] == "mention"


def test_mastodon_answer_is_a_reply_with_in_reply_to_id_and_the_key(
    fake_mastodon: FakeMastodon, options: ConnectorOptions, make_request
) -> None:
    connector = mastodon(fake_mastodon, options)
    ours = connector.publish(make_request()).external_id
    theirs = fake_mastodon.add_reply(ours, "Open on Sunday?")
    sent = connector.reply(theirs["id"], "@alice@elsewhere.example Yes, 9 to 1.", "key-1")
    [answer] = fake_mastodon.replies_to(theirs["id"])
    assert sent.external_id == answer["id"] and sent.external_url == answer["url"]
    assert answer["text"] == "@alice@elsewhere.example Yes, 9 to 1."
    assert fake_mastodon.requests_to(STATUSES, "POST")[-1].headers["idempotency-key"] == "key-1"


def test_mastodon_retry_after_a_lost_answer_looks_before_posting(
    fake_mastodon: FakeMastodon, options: ConnectorOptions, make_request
) -> None:
    fake_mastodon.idempotency = False  # a compatible server that ignores the key
    connector = mastodon(fake_mastodon, options)
    ours = connector.publish(make_request()).external_id
    theirs = fake_mastodon.add_reply(ours, "Gluten free?")
    fake_mastodon.reset_next(path=STATUSES, method="POST", landed=True)
    with pytest.raises(UnknownOutcomeError) as caught:
        connector.reply(theirs["id"], "Not yet, sorry", "key-2")
    assert caught.value.safe_to_retry

    sent = connector.reply(theirs["id"], "Not yet, sorry", "key-2", attempt=2)

    [answer] = fake_mastodon.replies_to(theirs["id"])
    assert sent.external_id == answer["id"]
    assert len(fake_mastodon.requests_to(STATUSES, "POST")) == 2  # our post and one answer


def test_mastodon_answer_to_a_deleted_post_is_permanent(
    fake_mastodon: FakeMastodon, options: ConnectorOptions
) -> None:
    with pytest.raises(PermanentError, match="deleted"):
        mastodon(fake_mastodon, options).reply("424242", "hello", "key-3")


def test_mastodon_429_is_transient_with_the_wait(
    fake_mastodon: FakeMastodon, options: ConnectorOptions
) -> None:
    fake_mastodon.fail_next(
        429, {"error": "Too many requests"}, {"Retry-After": "120"}, path="/notifications"
    )
    with pytest.raises(TransientError) as caught:
        mastodon(fake_mastodon, options).mentions(None)
    assert caught.value.retry_after == 120


def test_bluesky_reads_the_thread_and_notifications(
    fake_bluesky: FakeBluesky, options: ConnectorOptions, make_request
) -> None:
    connector = bluesky(fake_bluesky, options)
    ours = connector.publish(make_request(idempotency_key=new_tid(datetime.now(UTC)))).external_id
    reply = fake_bluesky.add_reply(ours, "Any vegan options?")
    fake_bluesky.add_reply(reply["uri"], "+1", handle="carol.bsky.social")
    fake_bluesky.add_mention("best bakery in town")

    found = connector.replies(ours, None)
    assert [(i.author_handle, i.text, i.in_reply_to) for i in found] == [
        ("@alice.bsky.social", "Any vegan options?", ours),
        ("@carol.bsky.social", "+1", reply["uri"]),
    ]
    assert found[0].url == f"https://bsky.app/profile/alice.bsky.social/post/{reply['rkey']}"

    noted = connector.mentions(None)
    assert sorted((i.kind, i.text) for i in noted) == [
        ("mention", "@shop.bsky.social best bakery in town"),
        ("reply", "+1"),
        ("reply", "Any vegan options?"),
    ]


def test_bluesky_answer_has_root_and_parent_and_is_made_once(
    fake_bluesky: FakeBluesky, options: ConnectorOptions, make_request
) -> None:
    connector = bluesky(fake_bluesky, options)
    ours = connector.publish(make_request(idempotency_key=new_tid(datetime.now(UTC))))
    first = fake_bluesky.add_reply(ours.external_id, "Vegan?")
    second = fake_bluesky.add_reply(first["uri"], "And nut free?", handle="carol.bsky.social")
    key = new_tid(datetime.now(UTC))

    sent = connector.reply(second["uri"], "Both, on Fridays.", key)
    again = connector.reply(second["uri"], "Both, on Fridays.", key, attempt=2)

    [answer] = [e for e in fake_bluesky.replies_to(second["uri"]) if e["rkey"] == key]
    assert answer["record"]["reply"] == {
        "root": {"uri": ours.external_id, "cid": fake_bluesky.posts[0]["cid"]},
        "parent": {"uri": second["uri"], "cid": second["cid"]},
    }
    assert sent == again and sent.external_id == answer["uri"]
    assert len(fake_bluesky.requests_to("createRecord")) == 2  # the post and one answer


def test_bluesky_answer_to_a_deleted_post_is_permanent(
    fake_bluesky: FakeBluesky, options: ConnectorOptions
) -> None:
    connector = bluesky(fake_bluesky, options)
    gone = f"at://did:plc:nobody/app.bsky.feed.post/{new_tid(datetime.now(UTC))}"
    with pytest.raises(PermanentError, match="deleted"):
        connector.reply(gone, "hello", new_tid(datetime.now(UTC)))
    assert connector.replies(gone, None) == []


def test_other_platforms_say_the_inbox_is_not_available(options: ConnectorOptions) -> None:
    outbox = OutboxConnector({}, options=options)
    assert not OutboxConnector.inbox and MastodonConnector.inbox and BlueskyConnector.inbox
    assert ThreadsConnector.inbox and LinkedInConnector.inbox  # see their own inbox tests
    with pytest.raises(NotAvailable, match="no replies"):
        outbox.replies("1", None)
    with pytest.raises(NotAvailable):
        outbox.reply("1", "hi", "k")
