"""Suggestions on the calendar: shown with each warning, applied in one click, in the JSON too."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlmodel import Session, select

from planner.models import AuditEvent, Post, PostStatus
from planner.services import guardrail_checks
from planner.timeutils import utcnow
from tests.conftest import Member
from tests.factories import add_post, make_channel

SHARE_WORDS = "promotional"


def busy_month() -> tuple[date, date]:
    """The first day of a month about two months ahead, and its second Monday."""
    first = (utcnow().date() + timedelta(days=45)).replace(day=1)
    monday = first + timedelta(days=(7 - first.weekday()) % 7 + 7)
    return first, monday


def plan_promo_week(session: Session, member: Member, channel_id: int) -> dict[str, Post]:
    """A UTC month posting every few days, with 2 promotions among the 6 posts of one week.

    The weeks around it hold 4 posts and no promotion, so either has room for one (1 of 5 is
    within 80/20 read as a fraction or as an allowance). Returns the week's two promotions.
    """
    first, monday = busy_month()
    plan: dict[int, str] = {}
    for offset in (-7, 7):  # the week before and after: Mon, Tue, Wed, Fri
        for day, category in zip(
            (0, 1, 2, 4), ("educational", "curated", "conversational", "curated"), strict=True
        ):
            plan[offset + day] = category
    plan.update(
        {
            0: "promotional",
            1: "educational",
            2: "promotional",
            3: "conversational",
            4: "curated",
            5: "educational",
        }
    )
    for offset in (14, 16, 18, 21, 23, 25):  # and on to the month's end
        plan[offset] = "educational" if offset % 2 else "curated"
    made = {}
    for offset, category in sorted(plan.items()):
        day = monday + timedelta(days=offset)
        if day.month != first.month:
            continue
        made[offset] = add_post(
            session,
            member,
            at=datetime.combine(day, time(9), tzinfo=UTC),
            category=category,
            channels=[channel_id],
            commit=False,
        )
    session.commit()
    return {"monday": made[0], "wednesday": made[2]}


@pytest.fixture()
def shop(auth, session, client):
    owner = auth.user(timezone="UTC")
    ch = make_channel(session, owner.workspace, "Crumb feed")
    promos = plan_promo_week(session, owner, ch.id)
    auth.login(client, owner)
    return owner, ch, promos


def _share_warning(session, owner):
    first, _monday = busy_month()
    start = datetime.combine(first, time(0), tzinfo=UTC)
    found = guardrail_checks.evaluate_range(
        session=session,
        workspace=owner.workspace,
        start=start,
        end=start + timedelta(days=31),
        now=utcnow(),
    ).warnings
    return [w for w in found if w.rule == "max_share"]


def test_month_view_shows_suggestions_and_apply_moves_the_post(shop, client, session) -> None:
    owner, ch, promos = shop
    first, monday = busy_month()
    # The page shows the warnings at once and fetches their checked fixes afterwards...
    page = client.get(f"/?month={first:%Y-%m}").get_data(as_text=True)
    assert 'data-rule="max_share"' in page and 'class="suggestions"' not in page
    assert f'data-suggestions-url="/suggestions?month={first:%Y-%m}"' in page
    panel = client.get(f"/suggestions?month={first:%Y-%m}").get_data(as_text=True)
    # ...or, without JavaScript, shows them when asked.
    inline = client.get(f"/?month={first:%Y-%m}&fixes=1").get_data(as_text=True)
    for shown in (panel, inline):
        assert 'data-rule="max_share"' in shown and 'class="suggestions"' in shown
        assert 'name="action" value="move"' in shown
        assert 'name="action" value="recategorize"' in shown
        assert ">Apply</button>" in shown
    assert f'name="next" value="/?month={first:%Y-%m}"' in panel
    (warning,) = _share_warning(session, owner)
    moved = promos["wednesday"]
    resp = client.post(
        "/suggestions/apply",
        data={
            "action": "move",
            "post_id": moved.id,
            "to": (monday + timedelta(days=9)).isoformat(),
            "next": f"/?month={first:%Y-%m}",
        },
    )
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/?month={first:%Y-%m}")
    session.expire_all()
    assert session.get(Post, moved.id).scheduled_at.date() == monday + timedelta(days=9)
    assert _share_warning(session, owner) == []
    events = session.exec(select(AuditEvent).where(AuditEvent.post_id == moved.id)).all()
    assert any(e.action == "edited" and "scheduled_at" in e.detail for e in events)
    assert "Moved to" in client.get(f"/?month={first:%Y-%m}").get_data(as_text=True)


def test_apply_refuses_an_approved_post_with_a_message(shop, client, session) -> None:
    owner, ch, promos = shop
    post = promos["monday"]
    post.status = PostStatus.APPROVED
    session.add(post)
    session.commit()
    resp = client.post(
        "/suggestions/apply",
        data={"action": "recategorize", "post_id": post.id, "category": "educational", "next": "/"},
        follow_redirects=True,
    )
    assert "a suggestion cannot change it" in resp.get_data(as_text=True)
    session.expire_all()
    assert session.get(Post, post.id).category == "promotional"


def test_apply_refuses_a_fix_that_would_not_help(shop, client, session) -> None:
    owner, ch, promos = shop
    _first, monday = busy_month()
    resp = client.post(
        "/suggestions/apply",
        data={
            "action": "move",
            "post_id": promos["monday"].id,
            "to": (monday + timedelta(days=1)).isoformat(),
            "next": "/",
        },
        follow_redirects=True,
    )
    assert "no longer help" in resp.get_data(as_text=True)


def test_week_view_marks_days_and_lists_warnings_with_suggestions(shop, client) -> None:
    owner, ch, promos = shop
    _first, monday = busy_month()
    page = client.get(f"/week?date={monday.isoformat()}").get_data(as_text=True)
    assert "Guardrails this week" in page
    assert 'data-rule="max_share"' in page and 'class="suggestions"' in page
    assert f'has-warning" data-date="{monday.isoformat()}"' in page
    quiet = client.get(f"/week?date={(monday + timedelta(days=7)).isoformat()}").get_data(
        as_text=True
    )
    assert 'data-rule="max_share"' not in quiet


def test_list_view_filters_posts_with_warnings(shop, client) -> None:
    owner, ch, promos = shop
    page = client.get("/list?warned=1").get_data(as_text=True)
    assert "2 posts" in page
    assert f"/posts/{promos['monday'].id}" in page and f"/posts/{promos['wednesday'].id}" in page
    assert "2 posts" not in client.get("/list").get_data(as_text=True)


def test_review_queue_puts_posts_that_fix_a_warning_first(auth, session, client) -> None:
    owner = auth.user(timezone="UTC")
    ch = make_channel(session, owner.workspace)
    _first, monday = busy_month()

    def at(days: int) -> datetime:
        return datetime.combine(monday + timedelta(days=days), time(9), tzinfo=UTC)

    early = add_post(
        session, owner, at=at(0), body="Early post", status=PostStatus.IN_REVIEW, channels=[ch.id]
    )
    add_post(session, owner, at=at(1), body="Next day", channels=[ch.id])
    # Alone between 2 and 13 days out: without it the channel goes quiet for 11 days.
    filler = add_post(
        session, owner, at=at(7), body="Gap filler", status=PostStatus.IN_REVIEW, channels=[ch.id]
    )
    add_post(session, owner, at=at(13), body="Later", channels=[ch.id])
    auth.login(client, owner)
    page = client.get("/review").get_data(as_text=True)
    assert page.index("Gap filler") < page.index("Early post")
    assert "Fixes a warning. Without this post:" in page
    assert page.index(f"post-{filler.id}") < page.index(f"post-{early.id}")


def test_api_warnings_carry_suggestions(shop, api, session) -> None:
    owner, ch, promos = shop
    first, _monday = busy_month()
    start, end = f"{first:%Y-%m}-01T00:00Z", f"{first:%Y-%m}-28T00:00Z"
    body = (
        api(owner)
        .get(f"/api/v1/workspaces/{owner.workspace.id}/guardrails?start={start}&end={end}")
        .get_json()
    )
    share = next(w for w in body["warnings"] if w["rule"] == "max_share")
    actions = {s["action"] for s in share["suggestions"]}
    assert actions == {"move", "recategorize"}
    for s in share["suggestions"]:
        assert s["post_id"] in (promos["monday"].id, promos["wednesday"].id) and s["message"]
    listed = f"/api/v1/workspaces/{owner.workspace.id}/posts?start={start}&end={end}"
    for query, present in (("", False), ("&suggestions=1", True)):
        posts = api(owner).get(listed + query).get_json()["posts"]
        mine = next(p for p in posts if p["id"] == promos["monday"].id)
        assert ("suggestions" in mine["warnings"][0]) is present
    one = api(owner).get(f"/api/v1/posts/{promos['monday'].id}").get_json()
    assert one["warnings"][0]["suggestions"]


def test_composer_shows_the_posts_warnings_with_suggestions(shop, client) -> None:
    owner, ch, promos = shop
    page = client.get(f"/posts/{promos['monday'].id}/edit").get_data(as_text=True)
    assert "This post now" in page
    assert 'data-rule="max_share"' in page and 'class="suggestions"' in page
    assert f'name="next" value="/posts/{promos["monday"].id}/edit?"' in page
