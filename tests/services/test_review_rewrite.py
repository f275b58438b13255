"""Second pair of eyes: whoever last rewrote a post's body counts as an author when approving."""

from __future__ import annotations

from datetime import timedelta

import pytest

from planner.models import PostStatus
from planner.services import posts as post_service
from planner.services import review
from planner.services.errors import Forbidden
from planner.services.posts import PostInput
from tests.conftest import NOW
from tests.factories import access_of, make_post
from tests.review_cases import Team

SOON = NOW + timedelta(days=6)


def _edit(session, team, member, post, **changes) -> None:
    data = PostInput(
        body=changes.get("body", post.body),
        category=changes.get("category", post.category),
        scheduled_at=SOON,
        channel_ids=(team.channel.id,),
    )
    post_service.update_post(
        session=session, acc=access_of(member), post_id=post.id, data=data, now=NOW
    )
    session.commit()


@pytest.fixture()
def team(auth, session) -> Team:
    team = Team(auth, session)
    team.workspace.settings = {"second_pair_of_eyes": True}
    session.add(team.workspace)
    session.commit()
    return team


def test_an_editor_who_rewrote_a_contributors_post_cannot_approve_it(
    session, team, connectors
) -> None:
    post = make_post(
        session, team.author, at=SOON, channels=(team.channel.id,), status=PostStatus.IN_REVIEW
    )
    _edit(session, team, team.editor, post, body="Entirely new words from the editor")
    editor = access_of(team.editor)
    assert post.body_edited_by_id == team.editor.user.id
    assert not review.may_approve(editor, post)
    with pytest.raises(Forbidden, match="second pair of eyes"):
        review.approve(session=session, acc=editor, post_id=post.id, connectors=connectors, now=NOW)
    session.rollback()
    review.approve(
        session=session, acc=access_of(team.owner), post_id=post.id, connectors=connectors, now=NOW
    )
    session.commit()
    assert post.status == PostStatus.APPROVED


def test_changing_only_other_fields_does_not_make_an_author(session, team, connectors) -> None:
    post = make_post(
        session, team.author, at=SOON, channels=(team.channel.id,), status=PostStatus.IN_REVIEW
    )
    _edit(session, team, team.editor, post, category="promotional")
    assert post.body_edited_by_id is None
    review.approve(
        session=session, acc=access_of(team.editor), post_id=post.id, connectors=connectors, now=NOW
    )
    session.commit()
    assert post.status == PostStatus.APPROVED


def test_without_second_pair_of_eyes_the_rewriter_may_approve(session, team, connectors) -> None:
    team.workspace.settings = {}
    session.add(team.workspace)
    session.commit()
    post = make_post(
        session, team.author, at=SOON, channels=(team.channel.id,), status=PostStatus.IN_REVIEW
    )
    _edit(session, team, team.editor, post, body="Entirely new words from the editor")
    review.approve(
        session=session, acc=access_of(team.editor), post_id=post.id, connectors=connectors, now=NOW
    )
    session.commit()
    assert post.status == PostStatus.APPROVED
