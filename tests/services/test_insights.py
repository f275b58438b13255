"""Insights for a month with known numbers, checked against a table worked out by hand."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlmodel import Session

from planner.services import insights
from planner.services.errors import Forbidden, ValidationError
from planner.services.insights_export import insights_csv
from tests.conftest import Auth
from tests.factories import access_of
from tests.insights_cases import CHANNEL_A, CHANNEL_B, MARCH, OVERALL, March, build_march


@pytest.fixture
def march(session: Session, auth: Auth) -> March:
    return build_march(session, auth)


def compute(session: Session, march: March, channel_id: int | None = None) -> insights.Insights:
    ws = march.member.workspace
    return insights.insights(
        session=session,
        workspace_id=ws.id,
        settings=ws.settings,
        timezone="Europe/London",
        start=MARCH[0],
        end=MARCH[1],
        channel_id=channel_id,
    )


def table(rows: tuple[insights.Figures, ...]) -> dict[str, tuple]:
    return {f.category: (f.posts, f.replies, f.reposts, f.quotes, f.likes, f.score) for f in rows}


def test_a_month_matches_the_hand_computed_table(session: Session, march: March) -> None:
    found = compute(session, march)

    assert table(found.by_category) == OVERALL
    [a, b] = found.by_channel
    assert (a.name, table(a.by_category)) == ("A", CHANNEL_A)
    assert (b.name, table(b.by_category)) == ("B", CHANNEL_B)
    assert found.planned == {"conversational": 2, "promotional": 3, "educational": 2}
    assert [(w.start.isoformat(), w.posts, w.score) for w in found.weeks] == [
        ("2026-02-23", 0, 0.0),
        ("2026-03-02", 1, 26.5),
        ("2026-03-09", 2, 17.0),
        ("2026-03-16", 1, 15.5),
        ("2026-03-23", 0, 0.0),
        ("2026-03-30", 1, 7.5),
    ]
    assert found.response_time_median_minutes is None


def test_one_channel_counts_only_its_own_figures(session: Session, march: March) -> None:
    found = compute(session, march, channel_id=march.b.id)
    assert table(found.by_category) == CHANNEL_B
    assert found.planned == {"conversational": 1, "promotional": 1, "educational": 1}


def test_the_summary_says_it_in_plain_words(session: Session, march: March) -> None:
    found = compute(session, march)
    assert found.summary == (
        "Your conversational posts drew 4.5 replies each, your educational posts 1.0, "
        "your promotional posts 0.5.",
        "Educational posts were shared most: 3.0 reposts and 2.0 quotes each.",
        "By score, conversational posts did best (18.8 per post).",
    )


def test_top_posts_rank_by_score(session: Session, march: March) -> None:
    found = compute(session, march)
    p = march.posts
    assert [t.post_id for t in found.top_posts["conversational"]] == [p["P1"].id, p["P2"].id]
    assert [t.score for t in found.top_posts["promotional"]] == [7.5, 6.0]
    assert "curated" not in found.top_posts


def test_the_workspace_weights_change_the_score(session: Session, march: March) -> None:
    acc = access_of(march.member)
    insights.set_weights(
        session=session, acc=acc, weights={"replies": 1, "reposts": 0, "quotes": 0, "likes": 1}
    )
    session.commit()
    found = compute(session, march)
    assert {f.category: f.score for f in found.by_category} == {
        "promotional": 10.0,
        "educational": 6.0,
        "conversational": 22.0,
        "curated": 0.0,
    }


@pytest.mark.parametrize(
    ("weights", "field"),
    [({"replies": -1}, "replies"), ({"likes": "lots"}, "likes"), ({"quotes": 101}, "quotes")],
)
def test_bad_weights_are_refused_by_field(
    session: Session, march: March, weights: dict, field: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        insights.set_weights(session=session, acc=access_of(march.member), weights=weights)
    assert list(caught.value.fields) == [field]


def test_only_owners_set_weights(session: Session, march: March, auth: Auth) -> None:
    from planner.models import Role

    editor = auth.user(workspace=march.member.workspace, role=Role.EDITOR)
    with pytest.raises(Forbidden):
        insights.set_weights(session=session, acc=access_of(editor), weights={})


def test_a_response_time_source_is_used_when_given(session: Session, march: March) -> None:
    ws = march.member.workspace
    asked = []

    def median(db: Session, workspace_id: int, start: datetime, end: datetime) -> float:
        asked.append((workspace_id, start, end))
        return 42.0

    found = insights.insights(
        session=session,
        workspace_id=ws.id,
        settings=ws.settings,
        timezone="Europe/London",
        start=MARCH[0],
        end=MARCH[1],
        response_times=median,
    )
    assert found.response_time_median_minutes == 42.0
    assert asked == [(ws.id, MARCH[0], MARCH[1])]


def test_csv_has_a_row_per_channel_and_category(session: Session, march: March) -> None:
    data = insights_csv(compute(session, march), start_label="2026-03-01", end_label="2026-03-31")
    lines = data.decode("utf-8-sig").splitlines()
    assert lines[0] == (
        "period_start,period_end,channel,category,posts,replies,reposts,quotes,likes,score"
    )
    assert "2026-03-01,2026-03-31,All channels,conversational,2,9,1,1,13,37.5" in lines
    assert "2026-03-01,2026-03-31,B,educational,1,1,3,2,5,15.5" in lines
    assert len(lines) == 1 + 4 * 3


def test_a_channel_name_cannot_become_a_spreadsheet_formula(session: Session, march: March) -> None:
    march.a.name = "=HYPERLINK(1)"
    session.add(march.a)
    session.commit()
    data = insights_csv(compute(session, march), start_label="a", end_label="b")
    assert ",'=HYPERLINK(1),conversational," in data.decode("utf-8-sig")


def test_the_demo_gives_insights_something_to_show(session: Session) -> None:
    from collections import Counter

    from sqlmodel import select

    from planner.demo import DEMO_WORKSPACE, load_demo
    from planner.engagement_models import EngagementReading
    from planner.services.workspaces import find_workspace_by_name
    from planner.timeutils import utcnow

    now = utcnow()
    assert load_demo(session=session, now=now, password_method="pbkdf2:sha256:1000")
    session.commit()
    ws = find_workspace_by_name(session=session, name=DEMO_WORKSPACE)
    readings = session.exec(select(EngagementReading)).all()
    assert readings and all(r.read_at <= now for r in readings)
    latest = Counter((r.post_id, r.channel_id) for r in readings if r.latest)
    assert set(latest.values()) == {1}
    assert len(latest) == len({(r.post_id, r.channel_id) for r in readings})
    found = insights.insights(
        session=session,
        workspace_id=ws.id,
        settings=ws.settings,
        timezone=ws.timezone,
        start=now - timedelta(days=40),
        end=now,
    )
    measured = {f.category for f in found.by_category if f.posts}
    assert measured == {"conversational", "educational", "curated", "promotional"}
    conversational, promotional = (
        next(f for f in found.by_category if f.category == c)
        for c in ("conversational", "promotional")
    )
    assert conversational.each("replies") > promotional.each("replies")
