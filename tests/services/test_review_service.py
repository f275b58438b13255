from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from planner.models import AuditEvent, Comment, Delivery, Notification, Post, PostStatus, Role
from planner.services import comments, expiry, review
from planner.services import posts as post_service
from planner.services.errors import (
    Conflict,
    Forbidden,
    GuardrailBlocked,
    ServiceError,
    ValidationError,
)
from planner.services.posts import PostInput
from tests.conftest import NOW
from tests.factories import access_of, make_channel, make_post
from tests.review_cases import ACTORS, Team, expected

S = PostStatus
SOON = NOW + timedelta(days=6)  # Tuesday 10 March 2026, 12:00 UTC


def _act(session, action: str, post: Post, member, connectors) -> None:
    acc = access_of(member)
    if action == "submit":
        review.submit(session=session, acc=acc, post_id=post.id, connectors=connectors, now=NOW)
    elif action == "approve":
        review.approve(session=session, acc=acc, post_id=post.id, connectors=connectors, now=NOW)
    elif action == "reject":
        review.reject(session=session, acc=acc, post_id=post.id, comment="Add a photo", now=NOW)
    elif action == "edit":
        channels = post_service.channel_ids_for(session=session, post_ids=[post.id])[post.id]
        data = PostInput(
            body=post.body + " (changed)",
            category=post.category,
            scheduled_at=post.scheduled_at,
            channel_ids=tuple(channels),
        )
        post_service.update_post(session=session, acc=acc, post_id=post.id, data=data, now=NOW)
    elif action == "delete":
        post_service.delete_post(session=session, acc=acc, post_id=post.id, now=NOW)


@pytest.mark.parametrize("action", ["submit", "approve", "reject", "edit", "delete"])
def test_every_status_and_role_against_each_action(action, auth, session, connectors) -> None:
    team = Team(auth, session)
    wrong = []
    for status in PostStatus:
        for actor in ACTORS:
            post = make_post(
                session, team.author, at=SOON, channels=(team.channel.id,), status=status
            )
            pid = post.id
            want = expected(action, status, actor)
            try:
                _act(session, action, post, team.member(actor), connectors)
            except (Forbidden, Conflict) as exc:
                session.rollback()
                got = exc.status
                if isinstance(exc, Conflict):
                    # The refusal names the status the post is in.
                    assert status.value.replace("_", " ") in exc.message, exc.message
            else:
                session.commit()
                session.expire_all()
                fresh = session.get(Post, pid)
                got = "gone" if fresh is None else PostStatus(fresh.status)
            if got != want:
                wrong.append((status.value, actor, want, got))
    assert wrong == []


def test_submit_needs_a_future_time_and_a_channel(auth, session, connectors) -> None:
    team = Team(auth, session)
    acc = access_of(team.author)
    no_channel = make_post(session, team.author, at=SOON)
    idea = make_post(session, team.author, at=None, channels=(team.channel.id,))
    late = make_post(session, team.author, at=NOW - timedelta(hours=1), channels=(team.channel.id,))
    expectations = [
        (no_channel, {"channel_ids"}),
        (idea, {"scheduled_at"}),
        (late, {"scheduled_at"}),
    ]
    for post, fields in expectations:
        with pytest.raises(ValidationError) as caught:
            review.submit(session=session, acc=acc, post_id=post.id, connectors=connectors, now=NOW)
        assert set(caught.value.fields) == fields
        session.rollback()
    assert {p.status for p in session.exec(select(Post))} == {"draft"}


def test_submit_tells_editors_and_owners_but_not_the_submitter(auth, session, connectors) -> None:
    team = Team(auth, session)
    mine = make_post(session, team.author, at=SOON, channels=(team.channel.id,))
    result = review.submit(
        session=session, acc=access_of(team.author), post_id=mine.id, connectors=connectors, now=NOW
    )
    session.commit()
    assert sorted(n.email for n in result.notices) == ["editor@example.com", "owner@example.com"]
    assert {n.kind for n in result.notices} == {"submitted"}
    assert "author@example.com submitted" in result.notices[0].message
    editors_post = make_post(session, team.editor, at=SOON, channels=(team.channel.id,))
    result = review.submit(
        session=session,
        acc=access_of(team.editor),
        post_id=editors_post.id,
        connectors=connectors,
        now=NOW,
    )
    session.commit()
    assert [n.email for n in result.notices] == ["owner@example.com"]
    stored = session.exec(select(Notification).order_by(Notification.id)).all()
    assert [(n.user_id, n.kind, n.read_at) for n in stored] == [
        (team.owner.user.id, "submitted", None),
        (team.editor.user.id, "submitted", None),
        (team.owner.user.id, "submitted", None),
    ]
    history = session.exec(select(AuditEvent.action).where(AuditEvent.post_id == mine.id)).all()
    assert history == ["created", "submitted"]


def test_approve_queues_one_delivery_per_channel_and_tells_the_author(
    auth, session, connectors
) -> None:
    team = Team(auth, session)
    second = make_channel(session, team.workspace, "Second")
    post = make_post(
        session, team.author, at=SOON, channels=(team.channel.id, second.id), status=S.IN_REVIEW
    )
    result = review.approve(
        session=session, acc=access_of(team.editor), post_id=post.id, connectors=connectors, now=NOW
    )
    session.commit()
    assert result.post.status == "approved"
    assert [(n.email, n.kind) for n in result.notices] == [("author@example.com", "approved")]
    rows = session.exec(select(Delivery).where(Delivery.post_id == post.id)).all()
    assert sorted(d.channel_id for d in rows) == [team.channel.id, second.id]
    assert {(d.status, d.due_at) for d in rows} == {("queued", SOON)}


def test_editor_approves_a_draft_directly(auth, session, connectors) -> None:
    team = Team(auth, session)
    post = make_post(session, team.editor, at=SOON, channels=(team.channel.id,))
    result = review.approve(
        session=session, acc=access_of(team.editor), post_id=post.id, connectors=connectors, now=NOW
    )
    session.commit()
    assert result.post.status == "approved" and result.notices == ()  # nobody else to tell
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "approved")).one()
    assert event.detail == '{"from": "draft"}' and event.actor_id == team.editor.user.id


def test_reject_needs_a_comment_and_sends_it_to_the_author(auth, session) -> None:
    team = Team(auth, session)
    post = make_post(session, team.author, at=SOON, channels=(team.channel.id,), status=S.IN_REVIEW)
    with pytest.raises(ValidationError) as caught:
        review.reject(
            session=session, acc=access_of(team.owner), post_id=post.id, comment=" ", now=NOW
        )
    assert caught.value.fields == {"comment": "Say what should change: a comment is required."}
    session.rollback()
    result = review.reject(
        session=session,
        acc=access_of(team.owner),
        post_id=post.id,
        comment="Too salesy for a Monday.\nTry a question?",
        now=NOW,
    )
    session.commit()
    assert result.post.status == "rejected"
    (notice,) = result.notices
    assert notice.email == "author@example.com" and notice.kind == "rejected"
    assert notice.detail == "Too salesy for a Monday.\nTry a question?"
    (note,) = session.exec(select(Comment)).all()
    assert (note.author_id, note.body) == (team.owner.user.id, notice.detail)
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "rejected")).one()
    assert "Too salesy" in event.detail


def test_rejected_post_reworked_by_its_author_goes_back_through_review(
    auth, session, connectors
) -> None:
    team = Team(auth, session)
    acc = access_of(team.author)
    post = make_post(session, team.author, at=SOON, channels=(team.channel.id,), status=S.REJECTED)
    with pytest.raises(Conflict, match="This post is rejected"):
        review.submit(session=session, acc=acc, post_id=post.id, connectors=connectors, now=NOW)
    session.rollback()
    data = PostInput(
        body="Spring hours: what would you like?",
        category="conversational",
        scheduled_at=SOON,
        channel_ids=(team.channel.id,),
    )
    post_service.update_post(session=session, acc=acc, post_id=post.id, data=data, now=NOW)
    assert post.status == "draft"
    review.submit(session=session, acc=acc, post_id=post.id, connectors=connectors, now=NOW)
    session.commit()
    actions = session.exec(select(AuditEvent.action).where(AuditEvent.post_id == post.id)).all()
    assert actions == ["created", "edited", "returned_to_draft", "submitted"]


def test_second_pair_of_eyes_stops_self_approval_only(auth, session, connectors) -> None:
    team = Team(auth, session)
    own = make_post(session, team.owner, at=SOON, channels=(team.channel.id,), status=S.IN_REVIEW)
    theirs = make_post(
        session, team.author, at=SOON, channels=(team.channel.id,), status=S.IN_REVIEW
    )
    owner = access_of(team.owner)
    assert review.may_approve(owner, own)  # off by default
    team.workspace.settings = {"second_pair_of_eyes": True}
    session.add(team.workspace)
    session.commit()
    assert not review.may_approve(owner, own) and review.may_approve(owner, theirs)
    with pytest.raises(Forbidden, match="second pair of eyes"):
        review.approve(session=session, acc=owner, post_id=own.id, connectors=connectors, now=NOW)
    session.rollback()
    draft = make_post(session, team.owner, at=SOON, channels=(team.channel.id,))
    with pytest.raises(Forbidden):
        review.approve(session=session, acc=owner, post_id=draft.id, connectors=connectors, now=NOW)
    session.rollback()
    review.approve(
        session=session, acc=access_of(team.editor), post_id=own.id, connectors=connectors, now=NOW
    )
    review.approve(session=session, acc=owner, post_id=theirs.id, connectors=connectors, now=NOW)
    session.commit()
    assert (own.status, theirs.status, draft.status) == ("approved", "approved", "draft")


def test_editing_an_approved_post_sends_it_back_and_cancels_its_deliveries(
    auth, session, connectors
) -> None:
    team = Team(auth, session)
    post = make_post(session, team.author, at=SOON, channels=(team.channel.id,), status=S.IN_REVIEW)
    review.approve(
        session=session, acc=access_of(team.owner), post_id=post.id, connectors=connectors, now=NOW
    )
    session.commit()
    data = PostInput(
        body=post.body, category="promotional", scheduled_at=SOON, channel_ids=(team.channel.id,)
    )
    post_service.update_post(
        session=session, acc=access_of(team.editor), post_id=post.id, data=data, now=NOW
    )
    session.commit()
    assert post.status == "in_review"
    (delivery,) = session.exec(select(Delivery)).all()
    assert delivery.status == "cancelled" and delivery.next_attempt_at is None
    # Approving the new version queues a fresh delivery, never the cancelled one.
    review.approve(
        session=session, acc=access_of(team.owner), post_id=post.id, connectors=connectors, now=NOW
    )
    session.commit()
    rows = session.exec(select(Delivery).order_by(Delivery.id)).all()
    assert [d.status for d in rows] == ["cancelled", "queued"]
    assert rows[0].idempotency_key != rows[1].idempotency_key
    actions = session.exec(select(AuditEvent.action).where(AuditEvent.post_id == post.id)).all()
    assert actions == ["created", "approved", "edited", "returned_to_review", "approved"]


def test_a_no_op_edit_keeps_the_approval(auth, session) -> None:
    team = Team(auth, session)
    post = make_post(session, team.author, at=SOON, channels=(team.channel.id,), status=S.APPROVED)
    data = PostInput(
        body=post.body, category=post.category, scheduled_at=SOON, channel_ids=(team.channel.id,)
    )
    post_service.update_post(
        session=session, acc=access_of(team.owner), post_id=post.id, data=data, now=NOW
    )
    assert post.status == "approved"


def test_expire_overdue_expires_unapproved_posts_and_tells_owners(
    auth, session, connectors
) -> None:
    team = Team(auth, session)
    second_owner = auth.user("partner@example.com", workspace=team.workspace, role=Role.OWNER)
    past = NOW - timedelta(minutes=1)
    ch = (team.channel.id,)
    waiting = make_post(session, team.author, at=past, channels=ch, status=S.IN_REVIEW, body="A")
    draft = make_post(session, team.author, at=past, channels=ch, body="B")
    approved = make_post(session, team.author, at=past, channels=ch, status=S.APPROVED)
    future = make_post(session, team.author, at=SOON, channels=ch, status=S.IN_REVIEW)
    idea = make_post(session, team.author, at=None)
    expired = expiry.expire_overdue(session=session, now=NOW)
    notices = expiry.expiry_notices(session=session, posts=expired)
    session.commit()
    assert [p.id for p in expired] == [waiting.id, draft.id]
    assert [p.status for p in (waiting, draft, approved, future, idea)] == [
        "expired",
        "expired",
        "approved",
        "in_review",
        "draft",
    ]
    assert sorted((n.email, n.post_id, n.kind) for n in notices) == [
        ("owner@example.com", waiting.id, "expired"),
        ("partner@example.com", waiting.id, "expired"),
    ]
    assert second_owner.user.id in {
        n.user_id for n in session.exec(select(Notification).where(Notification.kind == "expired"))
    }
    event = session.exec(
        select(AuditEvent)
        .where(AuditEvent.post_id == waiting.id)
        .where(AuditEvent.action == "expired")
    ).one()
    assert event.actor_id is None and event.detail == '{"from": "in_review"}'
    # Running again finds nothing new, and an expired post cannot be approved.
    assert expiry.expire_overdue(session=session, now=NOW + timedelta(hours=1)) == []
    with pytest.raises(Conflict, match="This post is expired"):
        review.approve(
            session=session,
            acc=access_of(team.owner),
            post_id=waiting.id,
            connectors=connectors,
            now=NOW,
        )


def _block_promotional_excess(session, team) -> None:
    team.workspace.policy = {"severity": {"max_share": "block"}}
    session.add(team.workspace)
    session.commit()


def test_blocking_guardrail_refuses_approval_unless_an_owner_gives_a_reason(
    auth, session, connectors
) -> None:
    team = Team(auth, session)
    _block_promotional_excess(session, team)
    # One promotion fits any short week (issue 12's allowance): this one is the week's second.
    make_post(
        session,
        team.author,
        at=SOON - timedelta(hours=1),
        channels=(team.channel.id,),
        status=S.APPROVED,
        category="promotional",
    )
    post = make_post(
        session,
        team.author,
        at=SOON,
        channels=(team.channel.id,),
        status=S.IN_REVIEW,
        category="promotional",
    )
    for member, reason, error in [
        (team.editor, None, GuardrailBlocked),
        (team.editor, "Launch week", Forbidden),
        (team.owner, "  ", GuardrailBlocked),
    ]:
        with pytest.raises(error) as caught:
            review.approve(
                session=session,
                acc=access_of(member),
                post_id=post.id,
                connectors=connectors,
                now=NOW,
                override_reason=reason,
            )
        session.rollback()
        if error is GuardrailBlocked:
            assert caught.value.status == 409 and caught.value.code == "guardrail_blocked"
            assert [w["rule"] for w in caught.value.warnings] == ["max_share", "max_share"]
            assert "2 of 2 posts" in caught.value.message
    assert session.get(Post, post.id).status == "in_review"
    review.approve(
        session=session,
        acc=access_of(team.owner),
        post_id=post.id,
        connectors=connectors,
        now=NOW,
        override_reason="Launch week: we agreed to shout.",
    )
    session.commit()
    override = session.exec(
        select(AuditEvent).where(AuditEvent.action == "guardrail_override")
    ).one()
    assert override.actor_id == team.owner.user.id
    assert "Launch week: we agreed to shout." in override.detail
    assert "promotional" in override.detail


def test_approve_many_approves_what_it_may_and_says_why_not_for_the_rest(
    auth, session, connectors
) -> None:
    team = Team(auth, session)
    team.workspace.settings = {"second_pair_of_eyes": True}
    session.add(team.workspace)
    session.commit()
    ch = (team.channel.id,)
    a = make_post(session, team.author, at=SOON, channels=ch, status=S.IN_REVIEW)
    own = make_post(session, team.editor, at=SOON, channels=ch, status=S.IN_REVIEW)
    b = make_post(
        session, team.author, at=SOON + timedelta(days=1), channels=ch, status=S.IN_REVIEW
    )
    done, refused = review.approve_many(
        session=session,
        acc=access_of(team.editor),
        post_ids=[a.id, own.id, b.id],
        connectors=connectors,
        now=NOW,
    )
    session.commit()
    assert [r.post.id for r in done] == [a.id, b.id]
    assert list(refused) == [own.id] and "second pair of eyes" in refused[own.id]
    assert [p.status for p in (a, own, b)] == ["approved", "in_review", "approved"]
    assert len(session.exec(select(Delivery)).all()) == 2


def test_queue_is_in_time_order_and_filters_by_channel_and_author(auth, session) -> None:
    team = Team(auth, session)
    other_channel = make_channel(session, team.workspace, "Other")
    late = make_post(
        session,
        team.author,
        at=SOON + timedelta(days=2),
        channels=(team.channel.id,),
        status=S.IN_REVIEW,
    )
    early = make_post(
        session, team.editor, at=SOON, channels=(other_channel.id,), status=S.IN_REVIEW
    )
    make_post(session, team.author, at=SOON, channels=(team.channel.id,))  # a draft
    wid = team.workspace.id
    assert [p.id for p in review.queue(session=session, workspace_id=wid)] == [early.id, late.id]
    by_channel = review.queue(session=session, workspace_id=wid, channel_id=team.channel.id)
    assert [p.id for p in by_channel] == [late.id]
    by_author = review.queue(session=session, workspace_id=wid, author_id=team.editor.user.id)
    assert [p.id for p in by_author] == [early.id]
    assert review.in_review_count(session=session, workspace_id=wid) == 2


def test_comments_are_kept_in_order_and_empty_ones_refused(auth, session) -> None:
    team = Team(auth, session)
    post = make_post(session, team.author, at=SOON)
    review.add_comment(
        session=session, acc=access_of(team.editor), post_id=post.id, body="Nice", now=NOW
    )
    later = NOW + timedelta(minutes=5)
    review.add_comment(
        session=session, acc=access_of(team.author), post_id=post.id, body="Thanks!", now=later
    )
    session.commit()
    with pytest.raises(ServiceError):
        review.add_comment(
            session=session, acc=access_of(team.author), post_id=post.id, body="", now=NOW
        )
    session.rollback()
    found = comments.for_post(session=session, post_id=post.id)
    assert [(c.author_id, c.body) for c in found] == [
        (team.editor.user.id, "Nice"),
        (team.author.user.id, "Thanks!"),
    ]
    assert set(comments.comment_json(found[0])) == {
        "id",
        "post_id",
        "author_id",
        "body",
        "created_at",
    }
