"""An answer is held to its platform's limit on answers when it is written, not when it is sent.

LinkedIn takes 3,000 characters in a post but 1,250 in a comment, and a comment is plain text
(a post's reserved characters are escaped, so count double); the UI, the API and the service
refuse a longer answer at once, so nothing is queued that the worker would fail to send.
"""

from __future__ import annotations

import pytest
from sqlmodel import select

from planner.connectors_app import get_connectors
from planner.inbox_models import InboxAnswer, InboxItem
from planner.models import Channel
from planner.services import inbox
from planner.services.errors import ValidationError
from planner.timeutils import utcnow
from tests.factories import access_of, add_inbox_item, make_oauth_channel
from tests.publishing.conftest import Desk

TOO_LONG = "Too long: 1,300 of 1,250 characters on LinkedIn."
FITS = "(" * 1250  # 1,250 as a comment; 2,500 as a post's escaped commentary


@pytest.fixture()
def page(desk: Desk) -> Channel:
    return make_oauth_channel(
        desk.app,
        desk.session,
        desk.member,
        platform="linkedin",
        config={"author_urn": "urn:li:organization:5515715", "access_token": "page-token"},
        expires_at=None,
        name="Baker page",
    )


@pytest.fixture()
def comment(desk: Desk, page: Channel) -> InboxItem:
    return add_inbox_item(
        desk.session,
        page,
        text="Do you deliver?",
        external_id="urn:li:comment:(urn:li:activity:7000000000000000001,7000000000000000002)",
        author_handle="urn:li:person:abc123",
        received_at=utcnow(),
    )


def answers(desk: Desk) -> list[InboxAnswer]:
    desk.session.expire_all()
    return list(desk.session.exec(select(InboxAnswer)))


def test_the_service_refuses_an_answer_longer_than_a_linkedin_comment(
    desk: Desk, comment: InboxItem
) -> None:
    def write(body: str) -> InboxAnswer:
        return inbox.answer(
            session=desk.session,
            acc=access_of(desk.member),
            item_id=comment.id,
            body=body,
            connectors=get_connectors(desk.app),
            now=utcnow(),
        )

    with pytest.raises(ValidationError) as caught:
        write("x" * 1300)  # within a post's 3,000
    assert (caught.value.message, caught.value.fields) == (TOO_LONG, {"body": TOO_LONG})
    desk.session.rollback()
    assert answers(desk) == []

    write(FITS)
    desk.session.commit()
    [queued] = answers(desk)
    assert (queued.body, queued.status) == (FITS, "queued")


def test_the_page_refuses_a_long_answer_and_keeps_what_was_typed(
    desk: Desk, comment: InboxItem, client, auth
) -> None:
    logged_in = auth.login(client, desk.member)
    assert 'data-limit="1250"' in logged_in.get("/inbox/").get_data(as_text=True)
    typed = "Yes, on Fridays & Saturdays <b>" + "x" * 1269

    refused = logged_in.post(f"/inbox/{comment.id}/answer", data={"body": typed})

    page = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert f'<p class="field-error" id="answer-{comment.id}-error">{TOO_LONG}</p>' in page
    assert "Yes, on Fridays &amp; Saturdays &lt;b&gt;" + "x" * 1269 + "</textarea>" in page
    assert answers(desk) == []

    sent = logged_in.post(f"/inbox/{comment.id}/answer", data={"body": FITS})
    assert sent.status_code == 302
    [queued] = answers(desk)
    assert (queued.body, queued.status) == (FITS, "queued")


def test_the_api_refuses_a_long_answer_with_the_field_at_fault(
    desk: Desk, comment: InboxItem, api
) -> None:
    owner = api(desk.member)

    refused = owner.post(f"/api/v1/inbox/{comment.id}/reply", {"body": "x" * 1300})

    assert refused.status_code == 422
    assert refused.get_json() == {
        "error": {"code": "validation_error", "message": TOO_LONG, "fields": {"body": TOO_LONG}}
    }
    assert answers(desk) == []
    accepted = owner.post(f"/api/v1/inbox/{comment.id}/reply", {"body": FITS})
    assert accepted.status_code == 202 and accepted.get_json()["status"] == "queued"
    assert [a.body for a in answers(desk)] == [FITS]
