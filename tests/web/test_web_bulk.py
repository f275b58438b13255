"""Bulk actions: submit ticked drafts or a whole series, select all to approve, several posting
days at once, and invitations emailed; each person gets one email per action."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from sqlmodel import select

from planner import create_app
from planner.db import get_engine
from planner.models import Post, PostingSlot, PostStatus, SeriesOccurrence
from planner.services import recurrence
from planner.timeutils import utcnow
from tests.factories import access_of, ahead, make_channel, make_post
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


def _status(session, post) -> str:
    session.expire_all()
    return session.get(type(post), post.id).status


def test_ticked_drafts_go_to_review_together_and_each_reviewer_gets_one_email(
    app, auth, session, smtp
) -> None:
    team = Team(auth, session)
    ch = (team.channel.id,)
    first = make_post(session, team.author, at=ahead(3), channels=ch, body="Croissant Friday")
    second = make_post(session, team.author, at=ahead(4), channels=ch, body="Rye is back")
    lonely = make_post(session, team.author, at=ahead(5), body="No channel yet")
    theirs = make_post(session, team.other, at=ahead(6), channels=ch, body="Someone else's")
    web = auth.login(app.test_client(), team.author)

    page = web.get("/list").get_data(as_text=True)
    assert 'id="bulk-submit"' in page and "data-select-all" in page
    ticks = set(re.findall(r'name="post_ids" value="(\d+)" form="bulk-submit"', page))
    assert ticks == {str(first.id), str(second.id), str(lonely.id)}  # not another's post

    resp = web.post(
        "/review/submit",
        data={"post_ids": [first.id, second.id, lonely.id], "next": "/list"},
        follow_redirects=True,
    )

    text = resp.get_data(as_text=True)
    assert "Submitted 2 posts for review." in text
    assert "“No channel yet” was not submitted: " in text
    assert "post #" not in text.lower()
    assert [_status(session, p) for p in (first, second, lonely, theirs)] == [
        S.IN_REVIEW,
        S.IN_REVIEW,
        S.DRAFT,
        S.DRAFT,
    ]
    # One email per reviewer, naming both posts.
    assert sorted(m.rcpt_tos for m in smtp.received) == [
        ("editor@example.com",),
        ("owner@example.com",),
    ]
    for mail in smtp.received:
        assert mail.message["Subject"] == "[Shop] Review needed: 2 posts"
        assert "“Croissant Friday”" in mail.text and "“Rye is back”" in mail.text
        assert f"{BASE_URL}/posts/{first.id}" in mail.text
        assert f"{BASE_URL}/posts/{second.id}" in mail.text


def test_approving_several_posts_sends_the_author_one_email(app, auth, session, smtp) -> None:
    team = Team(auth, session)
    ch = (team.channel.id,)
    posts = [
        make_post(session, team.author, at=ahead(3 + i), channels=ch, status=S.IN_REVIEW)
        for i in range(3)
    ]
    web = auth.login(app.test_client(), team.editor)

    page = web.get("/review").get_data(as_text=True)
    assert 'data-select-all="bulk-approve"' in page
    resp = web.post("/review/approve", data={"post_ids": [p.id for p in posts]})

    assert resp.status_code == 302
    assert [m.rcpt_tos for m in smtp.received] == [("author@example.com",)]
    assert smtp.received[0].message["Subject"] == "[Shop] Approved: 3 posts"


def test_a_whole_series_is_submitted_from_one_occurrence(app, auth, session, smtp) -> None:
    team = Team(auth, session)
    first = make_post(
        session, team.author, at=ahead(2), channels=(team.channel.id,), body="Weekly bake"
    )
    series = recurrence.start_series(
        session=session,
        acc=access_of(team.author),
        post=first,
        rrule="FREQ=WEEKLY;COUNT=4",
        now=utcnow(),
    )
    session.commit()
    web = auth.login(app.test_client(), team.author)

    page = web.get(f"/posts/{first.id}").get_data(as_text=True)
    assert "Submit the whole series (4 drafts)" in page
    resp = web.post(f"/posts/{first.id}/submit-series", follow_redirects=True)

    assert "Submitted 4 posts of this series for review." in resp.get_data(as_text=True)
    statuses = [p.status for p in _series_posts(session, series.id)]
    assert statuses == [S.IN_REVIEW] * 4
    assert len(smtp.received) == 2  # the editor and the owner, one email each
    # Submitted, the series offers the button no more.
    assert "Submit the whole series" not in web.get(f"/posts/{first.id}").get_data(as_text=True)


def _series_posts(session, series_id: int):
    session.expire_all()
    return list(
        session.exec(
            select(Post)
            .join(SeriesOccurrence, SeriesOccurrence.post_id == Post.id)
            .where(SeriesOccurrence.series_id == series_id)
            .order_by(Post.scheduled_at)
        )
    )


def test_submitting_says_who_was_told_and_names_no_editor_when_there_is_none(
    app, auth, session, smtp
) -> None:
    owner = auth.user("solo@example.com")
    feed = make_channel(session, owner.workspace)
    post = make_post(session, owner, at=ahead(), channels=(feed.id,))
    web = auth.login(app.test_client(), owner)

    text = web.post(f"/posts/{post.id}/submit", follow_redirects=True).get_data(as_text=True)

    assert "Submitted for review." in text
    assert "Editors have been told" not in text
    assert "Nobody else reviews posts here yet" in text
    assert smtp.received == []


def test_a_posting_time_is_added_on_several_days_at_once(app, auth, session) -> None:
    team = Team(auth, session)
    web = auth.login(app.test_client(), team.owner)
    form = {"channel_id": team.channel.id, "weekday": [0, 2], "local_time": "10:00"}
    assert web.post("/slots", data=form).status_code == 302

    again = {**form, "weekday": [0, 2, 4]}
    resp = web.post("/slots", data=again, follow_redirects=True)

    text = resp.get_data(as_text=True)
    assert "Posting time added on Friday. Monday and Wednesday already had it." in text
    days = session.exec(select(PostingSlot.weekday).order_by(PostingSlot.weekday)).all()
    assert days == [0, 2, 4]
    none = web.post("/slots", data={**form, "weekday": []})
    assert none.status_code == 422 and "Tick at least one day." in none.get_data(as_text=True)


def test_an_invitation_with_an_address_is_emailed(app, auth, session, smtp) -> None:
    owner = auth.user("owner@example.com")
    web = auth.login(app.test_client(), owner)

    resp = web.post("/settings/members/invite", data={"role": "editor", "email": "Ed@Example.com"})

    page = resp.get_data(as_text=True)
    link = re.search(r'value="(http[^"]+/invite/[^"]+)"', page).group(1)
    assert "Invitation emailed to ed@example.com." in page
    assert 'data-copy="invite-link"' in page
    [mail] = smtp.received
    assert mail.rcpt_tos == ("ed@example.com",)
    assert link in mail.text
    assert "invites you to plan posts for Shop as editor" in mail.text

    smtp.received.clear()
    bad = web.post("/settings/members/invite", data={"role": "editor", "email": "not an email"})
    assert bad.status_code == 302 and smtp.received == []
    web.post("/settings/members/invite", data={"role": "editor"})
    assert smtp.received == []


def test_an_invitation_whose_email_fails_still_shows_the_link(app_config, auth, session) -> None:
    app = create_app({**app_config, "SMTP_PORT": free_port()})  # nothing listens there
    owner = auth.user("owner@example.com")
    web = auth.login(app.test_client(), owner)

    page = web.post(
        "/settings/members/invite", data={"role": "editor", "email": "ed@example.com"}
    ).get_data(as_text=True)

    assert "could not be sent" in page
    assert re.search(r'value="(http[^"]+/invite/[^"]+)"', page)
    get_engine(app).dispose()
