"""Suggestions for warnings: each one checked with the engine, and applied through the services."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from fractions import Fraction

import pytest
from sqlmodel import select

from planner.guardrails import GuardrailWarning, Policy, compare
from planner.models import AuditEvent, PostStatus
from planner.services import guardrail_apply, guardrail_checks
from planner.services import guardrail_suggestions as gs
from planner.services.errors import Conflict, ValidationError
from tests.conftest import NOW
from tests.factories import access_of, add_post, make_channel

MONTH = (datetime(2027, 3, 1, tzinfo=UTC), datetime(2027, 4, 1, tzinfo=UTC))


def _at(day: int, hour: int = 9) -> datetime:
    return datetime(2027, 3, day, hour, tzinfo=UTC)


@pytest.fixture()
def shop(auth, session):
    """A UTC shop posting three or four times a week in March 2027, promoting twice in the
    six posts of the week of 8 March; the weeks around it have room for one promotion."""
    owner = auth.user(timezone="UTC")
    ch = make_channel(session, owner.workspace, "Crumb feed")
    plan = {
        1: "educational", 2: "curated", 3: "conversational", 5: "curated",
        8: "promotional", 9: "educational", 10: "promotional", 11: "conversational",
        12: "curated", 13: "educational",
        15: "educational", 16: "curated", 17: "conversational", 19: "curated",
        22: "educational", 24: "conversational", 26: "curated",
        29: "educational", 31: "conversational",
    }  # fmt: skip
    posts = {
        day: add_post(session, owner, at=_at(day), category=c, channels=[ch.id], commit=False)
        for day, c in plan.items()
    }
    for day in (2, 5, 9):
        add_post(
            session, owner, at=datetime(2027, 4, day, 9, tzinfo=UTC), channels=[ch.id], commit=False
        )
    session.commit()
    return owner, ch, posts


def _warnings(session, workspace):
    return guardrail_checks.evaluate_range(
        session=session, workspace=workspace, start=MONTH[0], end=MONTH[1], now=NOW
    ).warnings


def test_too_many_promotions_get_checked_moves_and_category_changes(shop, session) -> None:
    owner, ch, posts = shop
    warnings = _warnings(session, owner.workspace)
    assert [w.rule for w in warnings] == ["max_share"]
    found = gs.suggest(session=session, workspace=owner.workspace, warnings=warnings, now=NOW)
    offered = [c.to_dict() for c in found[warnings[0]]]
    assert len(offered) == len({s["action"] for s in offered})  # one of each kind
    actions = {s["action"] for s in offered}
    assert actions == {"move", "recategorize"}
    for s in offered:
        assert s["post_id"] in (posts[8].id, posts[10].id)
        assert s["message"]
    move = next(s for s in offered if s["action"] == "move")
    # The nearest week with room: the week before or after, same weekday, same time.
    assert date.fromisoformat(move["to"]) in (
        date(2027, 3, 17),
        date(2027, 3, 3),
        date(2027, 3, 15),
        date(2027, 3, 1),
    )
    recat = next(s for s in offered if s["action"] == "recategorize")
    assert recat["category"] != "promotional"


def test_an_approved_or_past_post_is_never_offered(shop, session) -> None:
    owner, ch, posts = shop
    for day in (8, 10):
        posts[day].status = PostStatus.APPROVED
        session.add(posts[day])
    session.commit()
    warnings = _warnings(session, owner.workspace)
    found = gs.suggest(session=session, workspace=owner.workspace, warnings=warnings, now=NOW)
    assert found[warnings[0]] == []
    # A clock after 8 March: only the post of the 10th may still change.
    posts[10].status = PostStatus.DRAFT
    session.add(posts[10])
    session.commit()
    later = _at(8, 12)
    found = gs.suggest(session=session, workspace=owner.workspace, warnings=warnings, now=later)
    assert found[warnings[0]]
    assert {c.post_id for c in found[warnings[0]]} == {posts[10].id}


def test_every_offered_suggestion_reduces_the_warnings_and_adds_none(shop, session) -> None:
    owner, ch, posts = shop
    warnings = _warnings(session, owner.workspace)
    found = gs.suggest(session=session, workspace=owner.workspace, warnings=warnings, now=NOW)
    wide = (MONTH[0] - timedelta(days=40), MONTH[1] + timedelta(days=40))
    for candidate in found[warnings[0]]:
        judged = guardrail_checks.judge(
            session=session,
            workspace=owner.workspace,
            span=wide,
            now=NOW,
            edits=guardrail_checks.Edits(changed=candidate.changed, added=candidate.added),
            report="both",
        )
        assert not compare(judged.warnings_before, judged.warnings).added
        assert len(judged.warnings) < len(judged.warnings_before)


def test_a_streak_offers_to_change_the_middle_post(shop, session) -> None:
    owner, ch, posts = shop
    posts[9].category = "promotional"  # 8, 9 and 10 March: three in a row
    session.add(posts[9])
    session.commit()
    warnings = _warnings(session, owner.workspace)
    streak = next(w for w in warnings if w.rule == "streak")
    found = gs.suggest(session=session, workspace=owner.workspace, warnings=warnings, now=NOW)
    recat = next(c for c in found[streak] if c.action == "recategorize")
    assert recat.post_id == posts[9].id
    assert "to break the run" in recat.message


def test_too_little_conversation_says_how_many_posts_fix_the_month(shop, session) -> None:
    owner, ch, posts = shop
    owner.workspace.policy = Policy(
        preset="custom", max_share={}, min_share={"conversational": "40%"}, streak={}
    ).to_dict()
    session.add(owner.workspace)
    session.commit()
    warnings = _warnings(session, owner.workspace)
    short = next(w for w in warnings if w.rule == "min_share")
    found = gs.suggest(session=session, workspace=owner.workspace, warnings=warnings, now=NOW)
    (fix,) = found[short]
    # 5 of 19: (5 + n) / (19 + n) >= 2/5 needs n = 5.
    assert fix.to_dict()["count"] == 5 and fix.action == "add"
    assert "Add 5 conversational posts on Crumb feed in March 2027" in fix.message


def test_a_quiet_gap_names_the_dates_to_fill(shop, session) -> None:
    owner, ch, posts = shop
    for day in (15, 16, 17, 19):
        session.delete(posts[day])
    session.commit()
    warnings = _warnings(session, owner.workspace)
    gap = next(w for w in warnings if w.rule == "quiet_gap")
    found = gs.suggest(session=session, workspace=owner.workspace, warnings=warnings, now=NOW)
    (fix,) = found[gap]
    # 13 March to 22 March is 9 days: one post in the middle leaves two short gaps.
    assert fix.to_dict()["count"] == 1
    assert fix.to_dict()["to"] == "2027-03-17"


def test_apply_moves_the_post_through_the_posts_service(shop, session) -> None:
    owner, ch, posts = shop
    warnings = _warnings(session, owner.workspace)
    found = gs.suggest(session=session, workspace=owner.workspace, warnings=warnings, now=NOW)
    move = next(c for c in found[warnings[0]] if c.action == "move")
    guardrail_apply.apply(
        session=session,
        acc=access_of(owner),
        applied=guardrail_apply.Applied(action="move", post_id=move.post_id, to=move.to),
        now=NOW,
    )
    session.commit()
    assert _warnings(session, owner.workspace) == []
    events = session.exec(select(AuditEvent).where(AuditEvent.post_id == move.post_id)).all()
    assert any(e.action == "edited" and "scheduled_at" in (e.detail or "") for e in events)


def test_apply_refuses_approved_and_past_posts(shop, session) -> None:
    owner, ch, posts = shop
    posts[8].status = PostStatus.APPROVED
    session.add(posts[8])
    session.commit()
    acc = access_of(owner)
    with pytest.raises(Conflict, match="approved"):
        guardrail_apply.apply(
            session=session,
            acc=acc,
            applied=guardrail_apply.Applied(
                action="recategorize", post_id=posts[8].id, category="educational"
            ),
            now=NOW,
        )
    with pytest.raises(ValidationError, match="passed"):
        guardrail_apply.apply(
            session=session,
            acc=acc,
            applied=guardrail_apply.Applied(
                action="recategorize", post_id=posts[10].id, category="educational"
            ),
            now=_at(20),
        )


def test_apply_refuses_a_fix_that_no_longer_helps(shop, session) -> None:
    owner, ch, posts = shop
    with pytest.raises(ValidationError, match="no longer help"):
        guardrail_apply.apply(
            session=session,
            acc=access_of(owner),
            applied=guardrail_apply.Applied(
                action="recategorize", post_id=posts[9].id, category="promotional"
            ),
            now=NOW,
        )
    assert posts[9].category == "educational"


def test_a_post_that_keeps_a_warning_away_is_found(shop, session) -> None:
    owner, ch, posts = shop
    for day in (16, 17, 19):
        session.delete(posts[day])
    session.commit()
    kept_away = gs.fixes(session=session, workspace=owner.workspace, post=posts[15], now=NOW)
    assert [w.rule for w in kept_away] == ["quiet_gap"]  # without it, 13 to 22 March is silent
    assert gs.fixes(session=session, workspace=owner.workspace, post=posts[8], now=NOW) == []


def test_a_week_two_over_gets_a_first_step(shop, session) -> None:
    owner, ch, posts = shop
    posts[12].category = "promotional"  # 3 of 6 promotional: one change is not enough
    session.add(posts[12])
    session.commit()
    warnings = _warnings(session, owner.workspace)
    share = next(w for w in warnings if w.rule == "max_share")
    found = gs.suggest(session=session, workspace=owner.workspace, warnings=warnings, now=NOW)
    recat = next(c for c in found[share] if c.action == "recategorize")
    assert recat.message.endswith(gs.STEP)


def test_a_first_step_applies(shop, session) -> None:
    owner, ch, posts = shop
    posts[12].category = "promotional"  # 3 of 6 promotional
    session.add(posts[12])
    session.commit()
    guardrail_apply.apply(
        session=session,
        acc=access_of(owner),
        applied=guardrail_apply.Applied(
            action="recategorize", post_id=posts[12].id, category="educational"
        ),
        now=NOW,
    )
    assert posts[12].category == "educational"


def test_assess_refuses_a_change_that_makes_another_warning_worse() -> None:
    owner_week = GuardrailWarning(
        rule="max_share",
        severity="warn",
        channel_id=1,
        category="promotional",
        window_start=_at(8),
        window_end=_at(15),
        actual=Fraction(1, 2),
        limit=Fraction(1, 5),
        post_ids=(1, 2),
        message="Week of 8 Mar is 50% promotional.",
    )
    other = replace(owner_week, window_start=_at(15), window_end=_at(22), message="other")
    worse = replace(other, actual=Fraction(2, 3), message="other, worse")
    assert gs.assess([owner_week, other], [other]) == "fixes"
    assert gs.assess([owner_week, other], [worse]) is None
    assert gs.assess([owner_week], [replace(owner_week, actual=Fraction(1, 3))]) == "improves"
    assert gs.assess([owner_week], [owner_week]) is None
