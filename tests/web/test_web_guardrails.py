from __future__ import annotations

import random
import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from planner.models import AuditEvent, Role, Workspace
from planner.services import calendar, guardrail_checks, guardrail_posts
from tests.conftest import NOW
from tests.factories import add_post, make_channel

UTC_ZONE = ZoneInfo("UTC")


@pytest.fixture()
def shop(auth, session):
    """A UTC workspace with one channel and the week of Monday 2 March 2027 planned."""
    owner = auth.user(timezone="UTC")
    return owner, make_channel(session, owner.workspace, "Mastodon")


def march_day(day: int) -> datetime:
    """9:00 UTC on *day* March 2027, the month these tests plan."""
    return datetime(2027, 3, day, 9, tzinfo=UTC)


def test_range_warnings_and_mix(api, shop, session) -> None:
    owner, ch = shop
    posts = [
        add_post(session, owner, at=march_day(d), category=c, channels=[ch.id])
        for d, c in [(1, "promotional"), (2, "promotional"), (3, "promotional"), (4, "educational")]
    ]
    resp = api(owner).get(
        f"/api/v1/workspaces/{owner.workspace.id}/guardrails"
        "?start=2027-03-01T00:00Z&end=2027-03-08T00:00Z"
    )
    assert resp.status_code == 200
    body = resp.get_json()
    rules = sorted((w["rule"], w["channel_id"]) for w in body["warnings"])
    assert ("streak", ch.id) in rules and ("max_share", ch.id) in rules
    streak = next(w for w in body["warnings"] if w["rule"] == "streak")
    assert (
        streak["post_ids"] == [p.id for p in posts[:3]]
        and streak["actual"] == 3
        and streak["limit"] == 2
    )
    assert set(streak) == {
        "key",
        "allowed",
        "needed",
        "count",
        "total",
        "topic",
        "figure",
        "rule",
        "severity",
        "channel_id",
        "category",
        "window_start",
        "window_end",
        "actual",
        "limit",
        "post_ids",
        "message",
    }
    week = next(
        m
        for m in body["mix"]
        if m["channel_id"] == ch.id
        and m["window_start"].startswith("2027-03-01")
        and m["window_end"].startswith("2027-03-08")
    )
    assert week["counts"] == {"promotional": 3, "educational": 1, "conversational": 0, "curated": 0}
    post = api(owner).get(f"/api/v1/posts/{posts[0].id}").get_json()
    assert {w["rule"] for w in post["warnings"]} == {"streak", "max_share"}
    edu = api(owner).get(f"/api/v1/posts/{posts[3].id}").get_json()
    assert "streak" not in {w["rule"] for w in edu["warnings"]}  # not part of the promotional run
    bad = api(owner).get(
        f"/api/v1/workspaces/{owner.workspace.id}/guardrails?start=2027-03-08&end=2027-03-01"
    )
    assert bad.status_code == 400 and "end" in bad.get_json()["error"]["fields"]


def test_preview_new_post_and_move(api, shop, session) -> None:
    owner, ch = shop
    cats = ["promotional", "educational"] * 3
    posts = [
        add_post(session, owner, at=march_day(d), category=c, channels=[ch.id])
        for d, c in zip(range(1, 7), cats, strict=True)
    ]
    client = api(owner)
    url = f"/api/v1/workspaces/{owner.workspace.id}/guardrails/preview"

    def weekly(items):
        return [w for w in items if w["rule"] == "max_share" and w["window_end"] < "2027-03-09"]

    # 3 promotions of 6 posts, where 80/20 allows 1. A seventh, educational post dilutes the
    # week: the same warning, better, never one cleared and another added.
    seventh = client.post(
        url,
        {"category": "educational", "scheduled_at": "2027-03-07T09:00Z", "channel_ids": [ch.id]},
    ).get_json()
    assert weekly(seventh["added"]) == weekly(seventh["removed"]) == []
    [week] = [c for c in seventh["changed"] if c["after"]["window_end"] < "2027-03-09"]
    assert (week["before"]["count"], week["before"]["total"]) == (3, 6)
    assert (week["after"]["count"], week["after"]["total"], week["after"]["allowed"]) == (3, 7, 1)
    assert week["before"]["key"] == week["after"]["key"]
    assert week["verdict"] == "better"
    assert week["text"] == "promotional in the week of 1 Mar on Mastodon: 3 of 6 → 3 of 7, allows 1"
    # A category change that lowers the share (3 of 6 to 2 of 6): changed, not added/removed.
    recategorized = client.post(
        url,
        {
            "post_id": posts[4].id,
            "category": "educational",
            "scheduled_at": "2027-03-05T09:00Z",
            "channel_ids": [ch.id],
        },
    ).get_json()
    assert recategorized["added"] == recategorized["removed"] == []
    assert {c["verdict"] for c in recategorized["changed"]} == {"better"}
    assert [c["after"]["count"] for c in recategorized["changed"]] == [2, 2]
    # Moving an educational post out of the week (3 of 5): the same warning, worse.
    moved = client.post(
        url,
        {
            "post_id": posts[1].id,
            "category": "educational",
            "scheduled_at": "2027-03-10T09:00Z",
            "channel_ids": [ch.id],
        },
    ).get_json()
    assert weekly(moved["added"]) == []
    [week] = [c for c in moved["changed"] if c["after"]["window_end"] < "2027-03-09"]
    assert week["verdict"] == "worse" and week["after"]["total"] == 5
    err = client.post(url, {"category": "ads", "scheduled_at": "soon", "channel_ids": "x"})
    assert err.status_code == 422 and set(err.get_json()["error"]["fields"]) == {
        "category",
        "scheduled_at",
        "channel_ids",
    }


def test_a_change_that_starts_a_streak_lists_it_as_added(api, shop, session) -> None:
    owner, ch = shop
    for day, category in [(1, "promotional"), (2, "promotional"), (4, "educational")]:
        add_post(session, owner, at=march_day(day), category=category, channels=[ch.id])
    preview = api(owner).post(
        f"/api/v1/workspaces/{owner.workspace.id}/guardrails/preview",
        {"category": "promotional", "scheduled_at": "2027-03-03T09:00Z", "channel_ids": [ch.id]},
    )
    assert preview.status_code == 200
    body = preview.get_json()
    [streak] = [w for w in body["added"] if w["rule"] == "streak"]
    assert streak["actual"] == 3 and streak["key"].startswith(f"streak:{ch.id}:promotional:")
    assert [c for c in body["changed"] if c["after"]["rule"] == "streak"] == []


def test_policy_get_put_and_validation(api, auth, shop, session) -> None:
    owner, _ch = shop
    editor = auth.user(workspace=owner.workspace, role=Role.EDITOR)
    url = f"/api/v1/workspaces/{owner.workspace.id}/guardrails/policy"
    got = api(owner).get(url).get_json()
    assert got["preset"] == "80-20" and got["max_share"]["promotional"] == 0.2
    assert api(editor).call("PUT", url, json={"preset": "thirds"}).status_code == 403
    bad = api(owner).call("PUT", url, json={"preset": "custom", "max_share": {"promotional": 1.5}})
    assert bad.status_code == 422 and "max_share.promotional" in bad.get_json()["error"]["fields"]
    ok = api(owner).call("PUT", url, json={"preset": "thirds", "severity": {"streak": "block"}})
    assert ok.status_code == 200 and ok.get_json()["preset"] == "thirds"
    session.expire_all()
    assert session.get(Workspace, owner.workspace.id).policy["preset"] == "thirds"
    assert api(editor).get(url).get_json()["severity"]["streak"] == "block"
    assert (
        session.exec(select(AuditEvent).where(AuditEvent.action == "policy_changed")).first()
        is not None
    )


def test_month_view_marks_days_and_lists_warnings(client, auth, shop, session) -> None:
    owner, ch = shop
    promos = [
        add_post(session, owner, at=march_day(d), category="promotional", channels=[ch.id])
        for d in (1, 2, 3)
    ]
    auth.login(client, owner)
    html = client.get("/?month=2027-03").get_data(as_text=True)
    assert "3 promotional posts in a row on Mastodon (limit 2)" in html
    assert html.count('class="day has-warning"') == 3
    for p in promos:
        assert f'href="/posts/{p.id}"' in html
    assert "guardrail warnings this month" in html
    # The week of 1 March carries the marks (promotional share and the streak); others none.
    marked = re.findall(
        r'aria-label="Week of (\d+ \w+)">(?:(?!</section>).)*?class="week-mix has-warning"',
        html,
        re.S,
    )
    assert marked == ["1 March"]


def test_policy_page_previews_before_saving(client, auth, shop, session) -> None:
    owner, ch = shop
    for d, c in [(1, "promotional"), (2, "educational"), (3, "educational")]:
        add_post(session, owner, at=march_day(d), category=c, channels=[ch.id])
    auth.login(client, owner)
    form = {
        "preset": "custom",
        "max_promotional": "10",
        "streak_promotional": "2",
        "quiet_gap_days": "0",
        "severity_max_share": "block",
        "severity_min_share": "warn",
        "severity_streak": "warn",
        "severity_quiet_gap": "warn",
        "action": "preview",
    }
    page = client.post("/settings/guardrails", data=form)
    assert page.status_code == 200
    assert "With these settings:" in page.get_data(as_text=True)
    session.expire_all()
    assert session.get(Workspace, owner.workspace.id).policy == {}  # a preview saves nothing
    bad = client.post("/settings/guardrails", data={**form, "max_promotional": "150"})
    assert bad.status_code == 422 and 'value="150"' in bad.get_data(as_text=True)
    saved = client.post("/settings/guardrails", data={**form, "action": "save"})
    assert saved.status_code == 302
    session.expire_all()
    policy = session.get(Workspace, owner.workspace.id).policy
    assert policy["preset"] == "custom" and policy["max_share"]["promotional"] == 0.1
    assert policy["severity"]["max_share"] == "block" and policy["quiet_gap_days"] is None


def test_ui_preview_endpoint_for_the_composer(client, auth, shop, session) -> None:
    owner, ch = shop
    add_post(session, owner, at=march_day(1), category="promotional", channels=[ch.id])
    add_post(session, owner, at=march_day(2), category="promotional", channels=[ch.id])
    auth.login(client, owner)
    resp = client.post(
        "/guardrails/preview",
        json={
            "category": "promotional",
            "scheduled_at": "2027-03-03T09:00",
            "channel_ids": [ch.id],
        },
    )
    assert resp.status_code == 200
    assert any(w["rule"] == "streak" for w in resp.get_json()["added"])


def test_blocking_rules_refuse_approval_but_a_quiet_gap_never_does(shop, session) -> None:
    from planner.guardrails import Policy

    owner, ch = shop
    ws = session.get(Workspace, owner.workspace.id)
    ws.policy = Policy.from_dict(
        {"preset": "80-20", "severity": {"streak": "block", "quiet_gap": "block"}}
    ).to_dict()
    session.add(ws)
    session.commit()
    first = add_post(session, owner, at=march_day(1), category="promotional", channels=[ch.id])
    add_post(session, owner, at=march_day(2), category="promotional", channels=[ch.id])
    add_post(session, owner, at=march_day(10), category="educational", channels=[ch.id])
    # The third ends a long silence; it is not in a run.
    third = add_post(session, owner, at=march_day(20), category="promotional", channels=[ch.id])
    now = datetime(2027, 2, 1, tzinfo=UTC)
    assert guardrail_checks.blocking_for(session=session, workspace=ws, post=first, now=now) == []
    add_post(session, owner, at=march_day(3), category="promotional", channels=[ch.id])
    blocked = guardrail_checks.blocking_for(session=session, workspace=ws, post=first, now=now)
    assert [w["rule"] for w in blocked] == ["streak"]
    gap_bound = guardrail_checks.impact_of_approval(
        session=session, workspace=ws, post=third, now=now
    )
    assert any(w["rule"] == "quiet_gap" for w in gap_bound)
    assert guardrail_checks.blocking_for(session=session, workspace=ws, post=third, now=now) == []


def test_listed_posts_carry_the_share_warnings_a_wide_evaluation_finds(api, shop, session) -> None:
    """The posts API reads only the weeks and months around the listed posts; for every share
    rule its answer must match an evaluation of the whole quarter."""

    from planner.services import guardrail_checks

    owner, ch = shop
    rng = random.Random(5)
    weights = {"promotional": 3, "educational": 2, "conversational": 1, "curated": 1}
    for month in (2, 3, 4):
        for _ in range(14):
            when = datetime(2027, month, rng.randrange(1, 29), rng.randrange(24), tzinfo=UTC)
            category = rng.choices(list(weights), list(weights.values()))[0]
            add_post(session, owner, at=when, category=category, channels=[ch.id])
    session.commit()
    wid = owner.workspace.id
    listed = api(owner).get(
        f"/api/v1/workspaces/{wid}/posts?start=2027-03-01T00:00Z&end=2027-04-01T00:00Z"
    )
    posts = listed.get_json()["posts"]
    assert len(posts) == 14

    wide = guardrail_checks.evaluate_range(
        session=session,
        workspace=session.get(Workspace, wid),
        start=datetime(2027, 1, 1, tzinfo=UTC),
        end=datetime(2027, 6, 1, tzinfo=UTC),
        now=NOW,
    ).warnings
    shares = {"max_share", "min_share"}
    for post in posts:
        expected = sorted(
            (w.rule, w.to_dict()["window_start"])
            for w in wide
            if w.rule in shares and post["id"] in w.post_ids
        )
        got = sorted(
            (w["rule"], w["window_start"]) for w in post["warnings"] if w["rule"] in shares
        )
        assert got == expected, post["scheduled_at"]
    assert any(p["warnings"] for p in posts)  # the mix above does trip the 20% limit

    # The month view evaluates from the posts its grid loaded: the same warnings as a fresh read.
    workspace = session.get(Workspace, wid)
    view = calendar.month(session=session, workspace_id=wid, tz=UTC_ZONE, first=date(2027, 3, 1))
    assert view.unfiltered
    start, end = calendar.month_bounds(date(2027, 3, 1), UTC_ZONE)
    from_grid = calendar.month_warnings(session=session, workspace=workspace, view=view, now=NOW)
    fresh = guardrail_checks.evaluate_range(
        session=session, workspace=workspace, start=start, end=end, now=NOW
    ).warnings
    assert [w.to_dict() for w in from_grid] == [w.to_dict() for w in fresh]
    assert len(fresh) > 3


def test_a_streak_across_the_month_edge_is_seen_whole_from_either_side(
    api, auth, shop, session
) -> None:
    owner, ch = shop
    client = api(owner)
    wid = owner.workspace.id
    before = datetime(2027, 2, 20, 9, tzinfo=UTC)
    add_post(session, owner, at=before, category="educational", channels=[ch.id])
    run = [
        add_post(session, owner, at=at, category="promotional", channels=[ch.id])
        for at in (
            datetime(2027, 2, 26, 9, tzinfo=UTC),
            datetime(2027, 2, 27, 9, tzinfo=UTC),
            datetime(2027, 3, 2, 9, tzinfo=UTC),
        )
    ]
    ids = [p.id for p in run]

    march = client.get(
        f"/api/v1/workspaces/{wid}/guardrails?start=2027-03-01T00:00Z&end=2027-04-01T00:00Z"
    ).get_json()["warnings"]
    [streak] = [w for w in march if w["rule"] == "streak"]
    assert streak["post_ids"] == ids and streak["actual"] == 3
    assert (
        "3 promotional posts in a row on Mastodon (limit 2), from 26 Feb to 2 Mar."
        in (streak["message"])
    )
    # Every post of the run carries it, whichever month it is in.
    for post in run:
        got = client.get(f"/api/v1/posts/{post.id}").get_json()["warnings"]
        assert [w["post_ids"] for w in got if w["rule"] == "streak"] == [ids]

    # The March page names the run and links its February posts too.
    browser = auth.login(client.client, owner)
    page = browser.get("/?month=2027-03").get_data(as_text=True)
    assert "3 promotional posts in a row on Mastodon (limit 2), from 26 Feb to 2 Mar." in page
    assert f'href="/posts/{run[0].id}">Fri 26 Feb, 09:00</a>' in page

    # A fourth promotion on 3 March turns the run of 3 into a run of 4.
    preview = client.post(
        f"/api/v1/workspaces/{wid}/guardrails/preview",
        json={
            "category": "promotional",
            "scheduled_at": "2027-03-03T09:00Z",
            "channel_ids": [ch.id],
        },
    ).get_json()
    assert [w for w in preview["added"] + preview["removed"] if w["rule"] == "streak"] == []
    [streak] = [c for c in preview["changed"] if c["after"]["rule"] == "streak"]
    assert (streak["before"]["actual"], streak["after"]["actual"]) == (3, 4)
    assert streak["verdict"] == "worse"

    # Set to block, the run refuses approval of its March post.
    workspace = session.get(Workspace, wid)
    workspace.policy = {**(workspace.policy or {}), "severity": {"streak": "block"}}
    session.add(workspace)
    session.commit()
    blocking = guardrail_checks.blocking_for(
        session=session, workspace=workspace, post=run[-1], now=NOW
    )
    assert [w["rule"] for w in blocking] == ["streak"]


def test_a_long_run_is_followed_page_by_page(api, shop, session) -> None:
    owner, ch = shop
    start = datetime(2027, 1, 20, 9, tzinfo=UTC)
    add_post(session, owner, at=start - timedelta(days=1), category="curated", channels=[ch.id])
    for day in range(41):  # 20 Jan to 1 Mar: longer than one page of RUN_PAGE posts
        add_post(
            session, owner, at=start + timedelta(days=day), category="promotional", channels=[ch.id]
        )
    march = guardrail_checks.evaluate_range(
        session=session,
        workspace=session.get(Workspace, owner.workspace.id),
        start=datetime(2027, 3, 1, tzinfo=UTC),
        end=datetime(2027, 4, 1, tzinfo=UTC),
        now=NOW,
    ).warnings
    [streak] = [w for w in march if w.rule == "streak"]
    assert streak.actual == 41 > guardrail_posts.RUN_PAGE
