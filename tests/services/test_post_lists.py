"""The grid's light listing of posts finds exactly what the full listing finds."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session

from planner.models import PostStatus
from planner.services.post_lists import PostFilters, list_post_rows, list_posts
from tests.conftest import NOW, Auth
from tests.factories import add_post, make_channel


def test_rows_hold_the_fields_of_the_posts_the_full_listing_returns(
    session: Session, auth: Auth
) -> None:
    owner = auth.user()
    other = auth.user(workspace_name="Other")
    feed = make_channel(session, owner.workspace)
    add_post(session, owner, at=NOW + timedelta(days=2), channels=[feed.id], body="Rye <b>")
    add_post(session, owner, at=NOW + timedelta(days=1), category="promotional")
    add_post(session, owner, at=NOW + timedelta(days=1), status=PostStatus.APPROVED)
    add_post(session, owner, at=NOW + timedelta(days=40))
    add_post(session, owner, at=None)
    add_post(session, other, at=NOW + timedelta(days=1))
    for filters in [
        PostFilters(),
        PostFilters(start=NOW, end=NOW + timedelta(days=30)),
        PostFilters(channel_id=feed.id),
        PostFilters(status="approved"),
        PostFilters(category="promotional", scheduled=True),
        PostFilters(text="rye"),
        PostFilters(scheduled=False),
        PostFilters(limit=2),
    ]:
        whole = list_posts(session=session, workspace_id=owner.workspace.id, filters=filters)
        rows = list_post_rows(session=session, workspace_id=owner.workspace.id, filters=filters)
        assert [(r.id, r.body, r.category, r.status, r.scheduled_at) for r in rows] == [
            (p.id, p.body, p.category, p.status, p.scheduled_at) for p in whole
        ], filters
    assert len(list_post_rows(session=session, workspace_id=owner.workspace.id)) == 5
