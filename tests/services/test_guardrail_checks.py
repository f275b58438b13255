"""The one guardrail evaluation around a change: edits, and the reports it answers with."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from planner.guardrails import PostSnapshot
from planner.services import guardrail_checks
from planner.services.guardrail_checks import Edits
from tests.conftest import NOW
from tests.factories import add_post, make_channel


def _snap(pid: int, day: int, category: str = "promotional") -> PostSnapshot:
    return PostSnapshot(
        id=pid,
        category=category,
        scheduled_at=datetime(2027, 3, day, 9, tzinfo=UTC),
        status="draft",
        channel_ids=(1,),
    )


def test_edits_add_replace_and_remove_posts_by_id() -> None:
    stored = [_snap(1, 1), _snap(2, 2), _snap(3, 3)]
    moved, new = _snap(2, 9, "educational"), _snap(-1, 4)
    edits = Edits(added=(new,), changed=(moved,), removed=(3,))
    assert edits.apply(stored) == [stored[0], moved, new]
    assert Edits().apply(stored) == stored


@pytest.fixture()
def calendar(auth, session):
    """A UTC shop promoting daily from 20 February to 2 March 2027, then on 9 and 11 March."""
    owner = auth.user(timezone="UTC")
    ch = make_channel(session, owner.workspace)
    start = datetime(2027, 2, 20, 9, tzinfo=UTC)
    planned = [(start - timedelta(days=1), "curated")]
    planned += [(start + timedelta(days=n), "promotional") for n in range(11)]
    planned.append((datetime(2027, 3, 5, 9, tzinfo=UTC), "educational"))
    planned += [(datetime(2027, 3, d, 9, tzinfo=UTC), "promotional") for d in (9, 11)]
    for at, category in planned:
        add_post(session, owner, at=at, category=category, channels=[ch.id], commit=False)
    session.commit()
    return owner.workspace, ch


def _forms(warnings) -> list[dict]:
    return [w.to_dict() for w in warnings]


def test_every_report_tells_the_same_story(calendar, session) -> None:
    """A promotion on 10 March joins 9 and 11 March into a run; the run from February, which it
    does not touch, is followed past the loaded edge whenever whole lists are reported."""
    workspace, ch = calendar
    span = (datetime(2027, 3, 1, tzinfo=UTC), datetime(2027, 4, 1, tzinfo=UTC))
    new = PostSnapshot(
        id=-1,
        category="promotional",
        scheduled_at=datetime(2027, 3, 10, 9, tzinfo=UTC),
        status="draft",
        channel_ids=(ch.id,),
    )

    def judge(**kwargs) -> guardrail_checks.Findings:
        return guardrail_checks.judge(
            session=session, workspace=workspace, span=span, now=NOW, **kwargs
        )

    edits = Edits(added=(new,))
    both = judge(edits=edits, report="both")
    changes = judge(edits=edits, report="changes")
    assert [w.actual for w in both.added if w.rule == "streak"] == [3]
    assert _forms(changes.added) == _forms(both.added)
    assert _forms(changes.removed) == _forms(both.removed)
    assert _forms(both.warnings) == _forms(judge(edits=edits).warnings)
    assert _forms(both.warnings_before) == _forms(judge().warnings)
    # The February run is seen whole on both sides, though only two of its posts are in March.
    for side in (both.warnings_before, both.warnings):
        assert [w.actual for w in side if w.rule == "streak" and w.actual > 3] == [11]
    assert changes.warnings == changes.warnings_before == []


def test_the_review_impact_says_what_the_post_does(auth, session) -> None:
    owner = auth.user(timezone="UTC")
    ch = make_channel(session, owner.workspace, "Feed")
    week = [(1, "promotional"), (2, "educational"), (3, "promotional"), (4, "educational")]
    for day, category in week:
        add_post(
            session,
            owner,
            at=datetime(2027, 3, day, 9, tzinfo=UTC),
            category=category,
            channels=[ch.id],
        )
    promo = add_post(
        session,
        owner,
        at=datetime(2027, 3, 5, 9, tzinfo=UTC),
        category="promotional",
        channels=[ch.id],
    )
    chat = add_post(
        session,
        owner,
        at=datetime(2027, 3, 6, 9, tzinfo=UTC),
        category="conversational",
        channels=[ch.id],
    )
    workspace = owner.workspace

    def impact(post):
        return {
            w["key"].split(":")[3]: w["impact"]
            for w in guardrail_checks.impact_of_approval(
                session=session, workspace=workspace, post=post, now=NOW
            )
            if w["rule"] == "max_share"
        }

    # Without the promotion the week had 2 of 5; with it 3 of 6: the same warning, worse.
    assert impact(promo)["week"] == {
        "verdict": "worse",
        "text": "promotional in the week of 1 Mar on Feed: 2 of 5 → 3 of 6, allows 1",
    }
    # A conversational post is not part of the promotional warning: nothing to weigh there.
    assert impact(chat) == {}
