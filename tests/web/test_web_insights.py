"""Insights over the API and in the UI: the same figures, bad input named, CSV, weights."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from planner.models import Role
from tests.conftest import Auth
from tests.insights_cases import OVERALL, March, build_march


@pytest.fixture
def march(session: Session, auth: Auth) -> March:
    return build_march(session, auth)


API = "/api/v1/workspaces/{wid}/insights"


def by_category(body: dict) -> dict[str, tuple]:
    return {
        row["category"]: (
            row["posts"],
            row["replies"],
            row["reposts"],
            row["quotes"],
            row["likes"],
            row["score"],
        )
        for row in body["by_category"]
    }


def test_api_answers_the_hand_computed_month(api, march: March) -> None:
    member = march.member
    resp = api(member).get(
        API.format(wid=member.workspace.id) + "?start=2026-03-01T00:00&end=2026-04-01T00:00"
    )
    assert resp.status_code == 200
    body = resp.get_json()
    assert by_category(body) == OVERALL
    assert body["response_time_median_minutes"] is None
    assert body["start"] == "2026-03-01T00:00:00Z" and body["end"] == "2026-03-31T23:00:00Z"
    assert [c["name"] for c in body["by_channel"]] == ["A", "B"]
    assert body["weights"] == {"replies": 3.0, "reposts": 2.0, "quotes": 2.0, "likes": 0.5}


def test_api_filters_one_channel(api, march: March) -> None:
    member = march.member
    url = API.format(wid=member.workspace.id)
    resp = api(member).get(f"{url}?start=2026-03-01&end=2026-04-01&channel_id={march.a.id}")
    assert resp.status_code == 200
    assert by_category(resp.get_json())["conversational"] == (2, 7, 1, 0, 10, 28.0)


def test_api_bad_input_is_422_naming_the_field(api, march: March, auth: Auth) -> None:
    member = march.member
    url = API.format(wid=member.workspace.id)
    client = api(member)
    stranger = auth.user()
    cases = {
        "?start=yesterday&end=2026-04-01": "start",
        "?start=2026-03-01&end=2026-13-45": "end",
        "?start=2026-03-01": "end",
        "?start=2026-04-01&end=2026-03-01": "end",
        "?start=2020-01-01&end=2026-01-01": "end",
        "?channel_id=abc": "channel_id",
        "?channel_id=0": "channel_id",
    }
    for query, field in cases.items():
        resp = client.get(url + query)
        assert resp.status_code == 422, query
        error = resp.get_json()["error"]
        assert error["code"] == "validation_error" and field in error["fields"], query
    from tests.factories import make_channel

    theirs = make_channel(auth.session, stranger.workspace, "Theirs")
    resp = client.get(f"{url}?channel_id={theirs.id}")
    assert resp.status_code == 422 and "channel_id" in resp.get_json()["error"]["fields"]
    assert api(stranger).get(url).status_code == 404


def test_api_sets_the_weights_for_owners_only(api, march: March, auth: Auth) -> None:
    member = march.member
    url = API.format(wid=member.workspace.id) + "/weights"
    editor = auth.user(workspace=member.workspace, role=Role.EDITOR)
    assert api(editor).call("PUT", url, {"replies": 1}).status_code == 403
    bad = api(member).call("PUT", url, {"likes": -2, "quotes": "x"})
    assert bad.status_code == 422
    assert set(bad.get_json()["error"]["fields"]) == {"likes", "quotes"}
    resp = api(member).call("PUT", url, {"replies": 1, "reposts": 0, "quotes": 0, "likes": 1})
    assert resp.status_code == 200
    got = api(member).get(API.format(wid=member.workspace.id) + "?start=2026-03-01&end=2026-04-01")
    assert by_category(got.get_json())["conversational"][-1] == 22.0


def test_page_draws_bars_table_and_summary(client, auth: Auth, march: March) -> None:
    auth.login(client, march.member)
    resp = client.get("/insights?month=2026-03")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert "Insights: March 2026" in html
    assert 'aria-current="page">Insights</a>' in html
    for category in ("promotional", "educational", "conversational", "curated"):
        assert f'class="insights-bar" data-category="{category}"' in html
    # Numbers beside the bars, and the chart's title says them too.
    assert "37.5 from 2 posts" in html and '<title id="bars-svg-title">' in html
    assert "Your conversational posts drew 4.5 replies each" in html
    assert "P1 conversational" in html  # a top post
    assert "not measured yet" in html
    assert "<script" not in html.split("<main", 1)[1].split("</main>", 1)[0]


def test_page_by_quarter_and_channel(client, auth: Auth, march: March) -> None:
    auth.login(client, march.member)
    html = client.get(f"/insights?month=2026-02&period=quarter&channel={march.b.id}").get_data(
        as_text=True
    )
    assert "Insights: Q1 2026 on B" in html
    assert "15.5 from 1 post" in html  # educational on B
    assert "28 from 2 posts" not in html  # A's conversational figures stay out


def test_csv_download(client, auth: Auth, march: March) -> None:
    auth.login(client, march.member)
    resp = client.get("/insights.csv?month=2026-03")
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    assert "insights-2026-03-month.csv" in resp.headers["Content-Disposition"]
    text = resp.get_data().decode("utf-8-sig")
    assert "2026-03-01,2026-03-31,All channels,conversational,2,9,1,1,13,37.5" in text


def test_owner_changes_weights_from_the_page(
    client, auth: Auth, march: March, session: Session
) -> None:
    auth.login(client, march.member)
    form = {"replies": "1", "reposts": "0", "quotes": "0", "likes": "1", "month": "2026-03"}
    resp = client.post("/insights/weights", data=form)
    assert resp.status_code == 302 and "month=2026-03" in resp.headers["Location"]
    html = client.get("/insights?month=2026-03").get_data(as_text=True)
    assert "22 from 2 posts" in html
    resp = client.post("/insights/weights", data={**form, "likes": "-1"}, follow_redirects=True)
    assert "Weights not saved: Likes" in resp.get_data(as_text=True)


def test_editors_see_the_page_but_not_the_weights_form(client, auth: Auth, march: March) -> None:
    editor = auth.user(workspace=march.member.workspace, role=Role.EDITOR)
    auth.login(client, editor)
    html = client.get("/insights?month=2026-03").get_data(as_text=True)
    assert "Score weights" not in html
    assert client.post("/insights/weights", data={"replies": "9"}).status_code == 403


def test_without_a_month_the_page_shows_the_latest_month_with_figures(
    client, auth: Auth, march: March
) -> None:
    auth.login(client, march.member)
    html = client.get("/insights").get_data(as_text=True)
    # The real clock is past April 2026, whose only post with figures is P6 (curated).
    assert "Insights: April 2026" in html
    assert "By score, curated posts did best" in html


def test_early_in_a_month_the_page_shows_the_fuller_month_before(
    client, auth: Auth, march: March, monkeypatch: pytest.MonkeyPatch
) -> None:
    from datetime import UTC, datetime

    auth.login(client, march.member)
    # On 3 April, April has one post with figures (P6) and March six: March is shown.
    monkeypatch.setattr("planner.web.insights.utcnow", lambda: datetime(2026, 4, 3, tzinfo=UTC))
    assert "Insights: March 2026" in client.get("/insights").get_data(as_text=True)
    # A month asked for is shown as asked.
    assert "Insights: April 2026" in client.get("/insights?month=2026-04").get_data(as_text=True)
