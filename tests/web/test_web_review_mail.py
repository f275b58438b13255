from __future__ import annotations

import logging
import smtplib
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from planner import create_app
from planner import mail as mailer
from planner.db import get_engine
from planner.models import Notification, Post, PostStatus, Role
from planner.publishing.worker import tick
from planner.services import expiry
from tests.conftest import NOW, ApiClient
from tests.factories import ahead, make_post
from tests.fakes.smtp import FakeSmtp, free_port
from tests.review_cases import Team

S = PostStatus
BASE_URL = "https://planner.example"


@pytest.fixture()
def smtp() -> Iterator[FakeSmtp]:
    with FakeSmtp() as server:
        yield server


@pytest.fixture()
def app_config(app_config: dict[str, Any], smtp: FakeSmtp) -> dict[str, Any]:
    return {**app_config, **smtp.config(), "BASE_URL": BASE_URL, "SMTP_FROM": "planner@shop.test"}


def test_submitting_mails_each_editor_and_owner_a_link(app, auth, session, smtp) -> None:
    team = Team(auth, session)
    post = make_post(session, team.author, at=ahead(), channels=(team.channel.id,))
    author = auth.login(app.test_client(), team.author)
    assert author.post(f"/posts/{post.id}/submit").status_code == 302
    assert sorted(m.rcpt_tos for m in smtp.received) == [
        ("editor@example.com",),
        ("owner@example.com",),
    ]
    for mail in smtp.received:
        assert mail.mail_from == "planner@shop.test"
        assert mail.message["Subject"] == "[Shop] Review needed: Spring hours start Monday"
        assert f"{BASE_URL}/posts/{post.id}" in mail.text
        assert "author@example.com submitted “Spring hours start Monday” for review." in mail.text


def test_approval_and_rejection_mail_the_author(app, auth, session, smtp) -> None:
    team = Team(auth, session)
    ch = (team.channel.id,)
    good = make_post(session, team.author, at=ahead(), channels=ch, status=S.IN_REVIEW)
    poor = make_post(
        session, team.author, at=ahead(), channels=ch, status=S.IN_REVIEW, body="Buy now"
    )
    editor = ApiClient(app.test_client(), auth.token(team.editor))
    assert editor.post(f"/api/v1/posts/{good.id}/approve").status_code == 200
    resp = editor.post(
        f"/api/v1/posts/{poor.id}/reject", json={"comment": "Too pushy.\nAsk a question?"}
    )
    assert resp.status_code == 200
    approved, rejected = smtp.received
    assert approved.rcpt_tos == rejected.rcpt_tos == ("author@example.com",)
    assert approved.message["Subject"] == "[Shop] Approved: Spring hours start Monday"
    assert f"{BASE_URL}/posts/{good.id}" in approved.text
    assert rejected.message["Subject"] == "[Shop] Changes requested: Buy now"
    assert "> Too pushy.\n> Ask a question?" in rejected.text
    assert f"{BASE_URL}/posts/{poor.id}" in rejected.text


def test_expiry_in_review_mails_the_owners(app, auth, session, smtp) -> None:
    team = Team(auth, session)
    post = make_post(
        session,
        team.author,
        at=NOW - timedelta(hours=1),
        channels=(team.channel.id,),
        status=S.IN_REVIEW,
    )
    make_post(session, team.author, at=NOW - timedelta(hours=1), body="A forgotten draft")
    # What the worker does on each tick: expire, commit, then send.
    expired = expiry.expire_overdue(session=session, now=NOW)
    notices = expiry.expiry_notices(session=session, posts=expired)
    session.commit()
    assert mailer.send(app, notices, now=NOW) == 1
    (mail,) = smtp.received
    assert mail.rcpt_tos == ("owner@example.com",)
    assert mail.message["Subject"] == "[Shop] Expired in review: Spring hours start Monday"
    assert f"{BASE_URL}/posts/{post.id}" in mail.text


def test_a_missed_publish_mails_the_author_editors_and_owners(app, auth, session, smtp) -> None:
    team = Team(auth, session)
    at = ahead()
    post = make_post(session, team.author, at=at, channels=(team.channel.id,), status=S.IN_REVIEW)
    editor = auth.login(app.test_client(), team.editor)
    assert editor.post(f"/posts/{post.id}/approve").status_code == 302
    smtp.received.clear()

    tick(app, now=at + timedelta(hours=2))  # the worker was down past the allowed 60 minutes

    assert sorted(m.rcpt_tos for m in smtp.received) == [
        ("author@example.com",),
        ("editor@example.com",),
        ("owner@example.com",),
    ]
    for mail in smtp.received:
        assert mail.message["Subject"] == "[Shop] Missed its time: Spring hours start Monday"
        assert "missed its time" in mail.text
        assert f"{BASE_URL}/posts/{post.id}" in mail.text


def test_actions_succeed_when_the_mail_server_is_down(app_config, auth, session, caplog) -> None:
    app = create_app({**app_config, "SMTP_PORT": free_port()})  # nothing listens there
    team = Team(auth, session)
    post = make_post(session, team.author, at=ahead(), channels=(team.channel.id,))
    author = auth.login(app.test_client(), team.author)
    with caplog.at_level(logging.ERROR, logger="planner.mail"):
        resp = author.post(f"/posts/{post.id}/submit")
    assert resp.status_code == 302
    session.expire_all()
    assert session.get(Post, post.id).status == "in_review"
    # The in-app notifications were committed with the action; only the email was lost.
    assert len(session.exec(select(Notification)).all()) == 2
    (record,) = [r for r in caplog.records if "Could not send" in r.getMessage()]
    assert record.exc_info is not None
    editor = ApiClient(app.test_client(), auth.token(team.editor))
    with caplog.at_level(logging.ERROR, logger="planner.mail"):
        assert editor.post(f"/api/v1/posts/{post.id}/approve").status_code == 200
    get_engine(app).dispose()


def test_without_an_smtp_host_mail_is_written_to_the_instance_folder(
    app_config, auth, session
) -> None:
    app = create_app({**app_config, "SMTP_HOST": None})
    team = Team(auth, session)
    post = make_post(session, team.author, at=ahead(), channels=(team.channel.id,))
    author = auth.login(app.test_client(), team.author)
    assert author.post(f"/posts/{post.id}/submit").status_code == 302
    files = sorted((Path(app.instance_path) / "mail").glob("*.eml"))
    assert len(files) == 2
    text = "\n".join(f.read_text() for f in files)
    assert "To: owner@example.com" in text and "To: editor@example.com" in text
    assert f"{BASE_URL}/posts/{post.id}" in text
    get_engine(app).dispose()


BAD_NAME = "Mallory\r\nBcc: x@evil.test"
BAD_ADDRESS = "owner@example.com\r\nBcc: x@evil.test"


def _store(session, member, **values) -> None:
    """Write a user's row directly, as one saved before names and addresses were checked."""
    for key, value in values.items():
        setattr(member.user, key, value)
    session.add(member.user)
    session.commit()


def test_a_name_with_a_line_break_adds_no_header_and_the_reject_stands(
    app, auth, session, smtp
) -> None:
    team = Team(auth, session)
    _store(session, team.author, name=BAD_NAME)
    post = make_post(
        session, team.author, at=ahead(), channels=(team.channel.id,), status=S.IN_REVIEW
    )
    editor = ApiClient(app.test_client(), auth.token(team.editor))

    resp = editor.post(f"/api/v1/posts/{post.id}/reject", json={"comment": "Shorter, please."})

    assert resp.status_code == 200, resp.data[:500]
    assert resp.get_json()["status"] == "rejected"
    (mail,) = smtp.received
    assert mail.rcpt_tos == ("author@example.com",)
    assert mail.message["Bcc"] is None
    assert mail.message["To"] == '"Mallory Bcc: x@evil.test" <author@example.com>'
    assert "Hello Mallory Bcc: x@evil.test," in mail.text


def test_one_email_that_cannot_be_built_loses_none_of_the_others(
    app, auth, session, smtp, caplog
) -> None:
    team = Team(auth, session)
    _store(session, team.owner, email=BAD_ADDRESS)
    post = make_post(session, team.author, at=ahead(), channels=(team.channel.id,))
    author = auth.login(app.test_client(), team.author)

    with caplog.at_level(logging.ERROR, logger="planner.mail"):
        assert author.post(f"/posts/{post.id}/submit").status_code == 302

    assert [m.rcpt_tos for m in smtp.received] == [("editor@example.com",)]
    (record,) = [r for r in caplog.records if r.exc_info is not None]
    assert record.getMessage().startswith(
        f"Could not build the submitted email about post {post.id}"
    )
    session.expire_all()
    assert session.get(Post, post.id).status == S.IN_REVIEW


@pytest.mark.parametrize("stored", [{"name": BAD_NAME}, {"email": BAD_ADDRESS}])
def test_an_expiry_whose_email_fails_does_not_stop_the_tick(
    app, auth, session, smtp, stored
) -> None:
    team = Team(auth, session)
    auth.user("second-owner@example.com", workspace=team.workspace, role=Role.OWNER)
    at = ahead()
    due = make_post(session, team.author, at=at, channels=(team.channel.id,), status=S.IN_REVIEW)
    editor = auth.login(app.test_client(), team.editor)
    assert editor.post(f"/posts/{due.id}/approve").status_code == 302
    late = make_post(
        session,
        team.author,
        at=at - timedelta(hours=1),
        channels=(team.channel.id,),
        status=S.IN_REVIEW,
    )
    _store(session, team.owner, **stored)
    smtp.received.clear()

    assert tick(app, now=at) == 1

    session.expire_all()
    assert session.get(Post, late.id).status == S.EXPIRED
    assert session.get(Post, due.id).status == S.PUBLISHED
    expired_to = sorted(
        m.rcpt_tos for m in smtp.received if m.message["Subject"].startswith("[Shop] Expired")
    )
    kept = [("owner@example.com",)] if "name" in stored else []
    assert expired_to == [*kept, ("second-owner@example.com",)]


def test_a_message_that_fails_on_the_way_out_loses_none_of_the_others(
    app, auth, session, smtp, caplog, monkeypatch
) -> None:
    team = Team(auth, session)
    post = make_post(session, team.author, at=ahead(), channels=(team.channel.id,))
    send_message = smtplib.SMTP.send_message

    def failing_for_the_owner(self, msg, *args, **kwargs):
        if "owner@example.com" in msg["To"]:
            raise ValueError("the library could not encode this message")
        return send_message(self, msg, *args, **kwargs)

    monkeypatch.setattr(smtplib.SMTP, "send_message", failing_for_the_owner)
    author = auth.login(app.test_client(), team.author)

    with caplog.at_level(logging.ERROR, logger="planner.mail"):
        assert author.post(f"/posts/{post.id}/submit").status_code == 302

    assert [m.rcpt_tos for m in smtp.received] == [("editor@example.com",)]
    (record,) = [r for r in caplog.records if r.exc_info is not None]
    assert record.getMessage().startswith("Could not send the email to 'owner@example.com'")
