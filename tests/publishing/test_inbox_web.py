"""The Inbox page, the inbox API's edges, response time and the daily digest."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from planner.connectors.inbox import Incoming
from planner.inbox_models import InboxAnswer, InboxDigest, InboxItem
from planner.models import Channel, Role
from planner.publishing import context, inbox_digest
from planner.services import inbox
from planner.timeutils import utcnow
from tests.conftest import NOW
from tests.factories import access_of, add_inbox_item
from tests.fakes import FakeMastodon
from tests.publishing.conftest import Desk


@pytest.fixture()
def toots(desk: Desk, fake_mastodon: FakeMastodon) -> Channel:
    return desk.channel(
        "mastodon", {"instance_url": fake_mastodon.url, "access_token": "test-token"}, "Toots"
    )


def fresh(desk: Desk, item: InboxItem) -> InboxItem:
    desk.session.expire_all()
    return desk.session.get(InboxItem, item.id)


def test_page_shows_text_escaped_the_count_and_a_reply_waiting_too_long(
    desk: Desk, toots: Channel, client, auth
) -> None:
    add_inbox_item(desk.session, toots, text="<script>alert(1)</script> nice", received_at=utcnow())
    add_inbox_item(
        desk.session, toots, text="Old question", received_at=utcnow() - timedelta(hours=30)
    )
    page = auth.login(client, desk.member).get("/inbox/").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt; nice" in page
    assert "<script>alert(1)" not in page
    assert 'Inbox <span class="badge">2' in page
    assert page.count("inbox-item overdue") == 1 and "Waiting over a day" in page
    assert page.index("nice") < page.index("Old question")  # newest first


def test_marking_done_from_the_page_takes_it_off_the_count(
    desk: Desk, toots: Channel, client, auth
) -> None:
    item = add_inbox_item(desk.session, toots, received_at=utcnow())
    logged_in = auth.login(client, desk.member)
    assert logged_in.post(f"/inbox/{item.id}/done").status_code == 302
    assert fresh(desk, item).status == "done"
    page = logged_in.get("/inbox/").get_data(as_text=True)
    assert 'Inbox <span class="badge">' not in page
    assert "Is it gluten free?" in logged_in.get("/inbox/?status=done").get_data(as_text=True)


def test_answer_from_the_page_is_counted_against_the_platform(
    desk: Desk, toots: Channel, client, auth
) -> None:
    item = add_inbox_item(desk.session, toots, received_at=utcnow())
    logged_in = auth.login(client, desk.member)
    refused = logged_in.post(f"/inbox/{item.id}/answer", data={"body": "x" * 501})
    assert desk.session.exec(select(InboxAnswer)).all() == []
    assert refused.status_code == 422
    assert "501 of 500 characters on Mastodon" in refused.get_data(as_text=True)

    logged_in.post(f"/inbox/{item.id}/answer", data={"body": "Yes, it is!"})
    [answer] = desk.session.exec(select(InboxAnswer)).all()
    assert (answer.body, answer.status, answer.author_id) == (
        "Yes, it is!",
        "queued",
        desk.member.user.id,
    )
    assert fresh(desk, item).assignee_id == desk.member.user.id
    activity = logged_in.get("/settings/activity").get_data(as_text=True)
    assert "Answered a reply on Toots" in activity


def test_assigning_takes_members_only(desk: Desk, toots: Channel, client, auth) -> None:
    helper = auth.user("helper@example.com", workspace=desk.member.workspace, role=Role.EDITOR)
    stranger = auth.user("stranger@example.com")
    item = add_inbox_item(desk.session, toots, received_at=utcnow())
    logged_in = auth.login(client, desk.member)
    logged_in.post(f"/inbox/{item.id}/assign", data={"assignee_id": str(stranger.user.id)})
    assert fresh(desk, item).assignee_id is None
    logged_in.post(f"/inbox/{item.id}/assign", data={"assignee_id": str(helper.user.id)})
    assert fresh(desk, item).assignee_id == helper.user.id


def test_contributors_read_and_mark_done_but_do_not_answer(
    desk: Desk, toots: Channel, client, auth, api
) -> None:
    writer = auth.user("writer@example.com", workspace=desk.member.workspace, role=Role.CONTRIBUTOR)
    item = add_inbox_item(desk.session, toots, received_at=utcnow())
    as_writer = api(writer)
    assert as_writer.post(f"/api/v1/inbox/{item.id}/reply", {"body": "hi"}).status_code == 403
    assert as_writer.post(f"/api/v1/inbox/{item.id}/done").get_json()["status"] == "done"


def test_api_edges(desk: Desk, toots: Channel, auth, api) -> None:
    item = add_inbox_item(desk.session, toots, received_at=utcnow())
    owner, stranger = api(desk.member), api(auth.user("stranger@example.com"))
    wid = desk.member.workspace.id
    assert stranger.get(f"/api/v1/workspaces/{wid}/inbox").status_code == 404
    for path in (f"/api/v1/inbox/{item.id}/done", f"/api/v1/inbox/{item.id}/reply"):
        answer = stranger.post(path, {"body": "hi"})
        assert answer.status_code == 404 and answer.get_json()["error"]["code"] == "not_found"
    bad = owner.get(f"/api/v1/workspaces/{wid}/inbox?status=later")
    assert bad.status_code == 400 and "status" in bad.get_json()["error"]["fields"]
    for body, status in (({"body": 5}, 422), ({"body": "  "}, 422), ({}, 422)):
        answer = owner.post(f"/api/v1/inbox/{item.id}/reply", body)
        assert answer.status_code == status and "body" in answer.get_json()["error"]["fields"]
    assert owner.get(f"/api/v1/workspaces/{wid}/inbox?status=done").get_json() == {"replies": []}
    [listed] = owner.get(f"/api/v1/workspaces/{wid}/inbox?status=open").get_json()["replies"]
    assert listed["author"]["handle"] == "@alice@elsewhere.example"


def test_stored_links_are_web_links_only(desk: Desk, toots: Channel) -> None:
    found = Incoming(
        external_id="1",
        kind="mention",
        author_name="Mallory",
        author_handle="@mallory",
        author_url="javascript:alert(1)",
        text="hi",
        url="https://elsewhere.example/@mallory/1",
        received_at=NOW,
    )
    assert inbox.store_found(session=desk.session, channel=toots, found=[found], now=NOW) == 1
    assert inbox.store_found(session=desk.session, channel=toots, found=[found], now=NOW) == 0
    desk.session.commit()
    [item] = desk.session.exec(select(InboxItem)).all()
    assert item.author_url is None and item.url == "https://elsewhere.example/@mallory/1"


def test_response_time_is_the_median_to_our_published_answer(
    desk: Desk, toots: Channel, session
) -> None:
    march = datetime(2026, 3, 1, tzinfo=UTC)
    for day, minutes, kind in (
        (2, 10, "reply"),
        (3, 30, "reply"),
        (4, 50, "reply"),
        (5, None, "reply"),  # marked done without an answer from planner: not counted
        (6, 1, "mention"),  # not a reply to one of our posts: not counted
    ):
        received = march.replace(day=day)
        answered = received + timedelta(minutes=minutes) if minutes is not None else None
        add_inbox_item(
            session, toots, text=f"q{day}", received_at=received, answered_at=answered, kind=kind
        )
    add_inbox_item(  # received in April: another month
        session, toots, text="april", received_at=datetime(2026, 4, 2, tzinfo=UTC),
        answered_at=datetime(2026, 4, 2, 5, tzinfo=UTC), kind="reply",
    )  # fmt: skip
    wid = desk.member.workspace.id
    april = datetime(2026, 4, 1, tzinfo=UTC)
    assert inbox.response_time_median_minutes(session, wid, march, april) == 30.0
    assert inbox.response_time_median_minutes(session, wid, april, april.replace(month=5)) == 300
    assert inbox.response_time_median_minutes(session, wid, april.replace(month=6), april.replace(month=7)) is None  # fmt: skip


def test_the_digest_goes_to_owners_who_asked_once_a_morning(
    desk: Desk, toots: Channel, client, auth
) -> None:
    app = desk.app
    auth.login(client, desk.member).post("/inbox/digest", data={"wanted": "y"})
    assert desk.session.exec(select(InboxDigest)).one().user_id == desk.member.user.id
    add_inbox_item(desk.session, toots, text="Still waiting", received_at=NOW)
    mail = Path(app.instance_path) / "mail"
    london_7am = datetime(2026, 3, 5, 7, 0, tzinfo=UTC)  # London is on UTC in March
    ctx = context.build(app, now=london_7am)

    assert inbox_digest.send_due(app, ctx, now=london_7am) == 0
    assert inbox_digest.send_due(app, ctx, now=london_7am + timedelta(hours=1, minutes=5)) == 1
    assert inbox_digest.send_due(app, ctx, now=london_7am + timedelta(hours=5)) == 0
    assert inbox_digest.send_due(app, ctx, now=london_7am + timedelta(days=1, hours=2)) == 1
    [first, _second] = sorted(mail.glob("*.eml"))
    text = first.read_text()
    assert "1 unanswered reply" in text and "Still waiting" in text and "/inbox/" in text

    inbox.set_digest(session=desk.session, acc=access_of(desk.member), wanted=False, now=london_7am)
    desk.session.commit()
    assert inbox_digest.send_due(app, ctx, now=london_7am + timedelta(days=2, hours=2)) == 0


def test_look_now_from_the_page_fetches_at_once(
    desk: Desk, toots: Channel, fake_mastodon: FakeMastodon, client, auth
) -> None:
    desk.approved_post([toots], at=utcnow(), body="Fresh rye")
    assert desk.tick(utcnow()) == 1
    [ours] = fake_mastodon.posts
    fake_mastodon.add_reply(ours["id"], "Sliced?")
    logged_in = auth.login(client, desk.member)
    page = logged_in.post("/inbox/refresh", follow_redirects=True).get_data(as_text=True)
    assert "1 new." in page and "@shop Sliced?" in page
    again = logged_in.post("/inbox/refresh", follow_redirects=True).get_data(as_text=True)
    assert "Nothing new." in again
    assert len(desk.session.exec(select(InboxItem)).all()) == 1


def test_only_owners_ask_for_the_digest(desk: Desk, client, auth) -> None:
    editor = auth.user("editor@example.com", workspace=desk.member.workspace, role=Role.EDITOR)
    answer = auth.login(client, editor).post("/inbox/digest", data={"wanted": "y"})
    assert answer.status_code == 403
    assert desk.session.exec(select(InboxDigest)).all() == []
    assert "Daily digest" not in client.get("/inbox/").get_data(as_text=True)
