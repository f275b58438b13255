"""Housekeeping in the worker's tick never stops publishing: each item fails on its own, logged."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from sqlmodel import Session, func, select

from planner.models import Post, PostStatus, RecurringSeries
from planner.publishing import claims
from planner.services import lifecycle
from tests.conftest import NOW, Auth
from tests.factories import make_post
from tests.publishing.conftest import UNTIL_9999, Desk, occurrence_count, stored_series


def failures(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.exc_info is not None]


@pytest.mark.parametrize("until", ["99991231T235959Z", "99991231", "00010101T000000Z"])
def test_an_until_beyond_the_span_is_refused_with_422_and_nothing_saved(
    auth: Auth, api, session: Session, until: str
) -> None:
    member = auth.user(timezone="Asia/Tokyo")
    resp = api(member).post(
        f"/api/v1/workspaces/{member.workspace.id}/posts",
        {
            "body": "Weekly special",
            "category": "promotional",
            "scheduled_at": "2026-03-10T10:00",
            "rrule": f"FREQ=WEEKLY;UNTIL={until}",
        },
    )
    assert resp.status_code == 422, resp.data[:500]
    error = resp.get_json()["error"]
    assert "UNTIL must be a date from 1970 to 2200" in error["fields"]["rrule"]
    session.expire_all()
    assert session.exec(select(func.count()).select_from(Post)).one() == 0
    assert session.exec(select(func.count()).select_from(RecurringSeries)).one() == 0


def test_a_series_until_9999_in_tokyo_is_extended_and_publishing_goes_on(
    desk: Desk, auth: Auth, session: Session, caplog: pytest.LogCaptureFixture
) -> None:
    tokyo = auth.user(timezone="Asia/Tokyo", workspace_name="Tokyo")
    series = stored_series(session, tokyo, UNTIL_9999, start=NOW + timedelta(hours=1))
    post = desk.approved_post([desk.channel("outbox", {})])

    assert desk.tick() == 1

    assert desk.post(post).status == PostStatus.PUBLISHED
    assert occurrence_count(session, series) == 53  # a year of weeks: the clamped rule expands
    assert failures(caplog) == []


def test_a_series_that_cannot_be_read_is_logged_and_the_others_are_extended(
    desk: Desk, auth: Auth, session: Session, caplog: pytest.LogCaptureFixture
) -> None:
    other = auth.user(workspace_name="Other")
    broken = stored_series(session, other, "FREQ=SECONDLY", start=NOW + timedelta(hours=1))
    fine = stored_series(session, other, "FREQ=WEEKLY", start=NOW + timedelta(hours=2))
    post = desk.approved_post([desk.channel("outbox", {})])

    with caplog.at_level(logging.ERROR, logger="planner.publishing"):
        assert desk.tick() == 1

    assert desk.post(post).status == PostStatus.PUBLISHED
    assert occurrence_count(session, broken) == 1
    assert occurrence_count(session, fine) == 53
    assert failures(caplog) == [f"Could not settle series {broken.id}; it is tried again next tick"]


def test_a_review_expiry_that_fails_is_logged_and_the_others_expire(
    desk: Desk, session: Session, caplog: pytest.LogCaptureFixture, monkeypatch
) -> None:
    late = NOW - timedelta(hours=1)
    bad, good = (
        make_post(session, desk.member, at=late, status=PostStatus.IN_REVIEW, body=body)
        for body in ("Bad apple", "Good egg")
    )
    change_status = lifecycle.change_status

    def failing_for_bad(*, post: Post, **kw):
        if post.id == bad.id:
            raise RuntimeError("this post cannot move")
        return change_status(post=post, **kw)

    monkeypatch.setattr(lifecycle, "change_status", failing_for_bad)
    post = desk.approved_post([desk.channel("outbox", {})])

    assert desk.tick() == 1

    assert desk.post(post).status == PostStatus.PUBLISHED
    assert desk.post(good).status == PostStatus.EXPIRED
    assert desk.post(bad).status == PostStatus.IN_REVIEW  # rolled back, tried next tick
    assert failures(caplog) == [
        f"Could not settle expiry of post {bad.id}; it is tried again next tick"
    ]


def test_a_housekeeping_step_that_fails_whole_does_not_stop_publishing(
    desk: Desk, caplog: pytest.LogCaptureFixture, monkeypatch
) -> None:
    def broken(*_a, **_kw):
        raise RuntimeError("the database said no")

    monkeypatch.setattr(claims, "expired_leases", broken)
    post = desk.approved_post([desk.channel("outbox", {})])

    assert desk.tick() == 1

    assert desk.post(post).status == PostStatus.PUBLISHED
    assert failures(caplog) == [
        "Housekeeping step recover_expired_leases failed; publishing goes on"
    ]
