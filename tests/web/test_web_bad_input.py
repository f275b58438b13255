"""Bad input gets a 4xx and nothing is saved (issue 11, items 3-5 and strict JSON types)."""

from __future__ import annotations

import io
import time

import pytest
from sqlmodel import func, select

from planner.models import Channel, Post, RecurringSeries, Workspace
from tests.conftest import NOW

HUGE = "99999999999999999999999"
FAR_TIMES = ["9999-12-31T23:59:59Z", "0001-01-01T00:00+01:00", "2200-01-01T00:00Z"]


def _channel(session, member) -> Channel:
    ch = Channel(workspace_id=member.workspace.id, name="Feed", platform="outbox", created_at=NOW)
    session.add(ch)
    session.commit()
    return ch


def _posts(session) -> int:
    return session.exec(select(func.count()).select_from(Post)).one()


def _post(api_client, wid: int, **extra):
    body = {"body": "Hello", "category": "curated", "scheduled_at": "2026-03-02T09:00Z", **extra}
    resp = api_client.post(f"/api/v1/workspaces/{wid}/posts", body)
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()


# ---- Item 3: times outside 1970..2200 ------------------------------------------------------


@pytest.mark.parametrize("when", FAR_TIMES)
def test_far_times_are_refused_and_nothing_is_saved(auth, api, session, when) -> None:
    owner = auth.user(timezone="Asia/Tokyo")
    client = api(owner)
    wid = owner.workspace.id
    made = client.post(
        f"/api/v1/workspaces/{wid}/posts",
        {"body": "x", "category": "curated", "scheduled_at": when},
    )
    assert made.status_code == 422 and set(made.get_json()["error"]["fields"]) == {"scheduled_at"}
    assert _posts(session) == 0
    pid = _post(client, wid)["id"]
    patched = client.patch(f"/api/v1/posts/{pid}", {"scheduled_at": when})
    assert patched.status_code == 422 and "scheduled_at" in patched.get_json()["error"]["fields"]
    assert client.get(f"/api/v1/posts/{pid}").get_json()["scheduled_at"] == "2026-03-02T09:00:00Z"
    preview = client.post(
        f"/api/v1/workspaces/{wid}/guardrails/preview",
        {"category": "curated", "scheduled_at": when},
    )
    assert preview.status_code == 422 and "scheduled_at" in preview.get_json()["error"]["fields"]
    listed = client.get(f"/api/v1/workspaces/{wid}/posts?start={when.replace('+', '%2B')}")
    assert listed.status_code == 400 and "start" in listed.get_json()["error"]["fields"]
    ranged = client.get(f"/api/v1/workspaces/{wid}/guardrails?start=2026-01-01&end={when[:10]}")
    assert ranged.status_code == 400 and ranged.get_json()["error"]["fields"]


def test_plan_month_out_of_range_is_a_422(auth, api) -> None:
    owner = auth.user()
    resp = api(owner).post(f"/api/v1/workspaces/{owner.workspace.id}/plan", {"month": "9999-12"})
    assert resp.status_code == 422 and "month" in resp.get_json()["error"]["fields"]


def test_csv_rows_far_in_time_are_row_errors_not_500s(auth, api, session) -> None:
    owner = auth.user(timezone="Asia/Tokyo")
    csv = "date,time,body,category\n9999-12-31,23:59,Far,curated\n0001-01-01,00:00,Old,curated\n"
    resp = api(owner).call(
        "POST",
        f"/api/v1/workspaces/{owner.workspace.id}/imports",
        data={"file": (io.BytesIO(csv.encode()), "far.csv")},
        content_type="multipart/form-data",
    )
    assert resp.status_code in (201, 422), resp.get_data(as_text=True)[:300]
    if resp.status_code == 201:
        batch = resp.get_json()
        commit = api(owner).post(
            f"/api/v1/workspaces/{owner.workspace.id}/imports/{batch['id']}/commit"
        )
        assert commit.status_code in (409, 422)
    assert _posts(session) == 0


@pytest.mark.parametrize(
    "path",
    [
        "/?month=9999-12",
        "/?month=0001-01",
        "/week?date=0001-01-01",
        "/week?date=9999-12-31",
        "/print?month=9999-12",
        "/plan?month=9999-12",
        "/export.csv?start=0001-01-01&end=9999-12-31",
        "/list?start=0001-01-01&end=9999-12-31",
    ],
)
def test_ui_pages_never_fail_on_far_dates(auth, client, path) -> None:
    owner = auth.user(timezone="Asia/Tokyo")
    auth.login(client, owner)
    resp = client.get(path)
    assert resp.status_code in (200, 302, 400, 404), (path, resp.status_code)


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"date": "0001-01-01", "time": "00:00"}, "date"),
        ({"date": "9999-12-31", "time": "23:59"}, "date"),
        ({"channels": HUGE}, "channels"),
        ({"channels": str(2**31)}, "channels"),
        ({"date": "2026-03-02", "time": "10:00", "kind": "weekly", "weekdays": "99"}, "weekdays"),
        (
            {"date": "2026-03-02", "time": "10:00", "kind": "weekly", "ends": "until"}
            | {"until": "9999-12-31"},
            "until",
        ),
    ],
)
def test_the_composer_refuses_far_dates_and_huge_ids(auth, client, session, extra, field) -> None:
    owner = auth.user(timezone="Asia/Tokyo")
    auth.login(client, owner)
    resp = client.post("/posts/new", data={"body": "Hi", "category": "curated", **extra})
    assert resp.status_code == 422, resp.status_code
    assert _posts(session) == 0


def test_ui_month_out_of_range_falls_back_to_this_month_with_a_message(auth, client) -> None:
    owner = auth.user()
    auth.login(client, owner)
    page = client.get("/?month=9999-12", follow_redirects=True).get_data(as_text=True)
    assert "Showing this month instead." in page


# ---- Item 4: ids, text and JSON at the boundary --------------------------------------------


def test_huge_and_unicode_ids_are_404_or_400(auth, api, session) -> None:
    owner = auth.user()
    client = api(owner)
    wid = owner.workspace.id
    assert client.get(f"/api/v1/posts/{HUGE}").status_code == 404
    assert client.get(f"/api/v1/posts/{2**63}").status_code == 404
    assert client.get(f"/api/v1/posts/{2**31}").status_code == 404  # past PostgreSQL's INTEGER
    assert client.get(f"/api/v1/workspaces/{HUGE}/posts").status_code == 404
    for raw in (HUGE, "²", "٣"):
        resp = client.get(f"/api/v1/workspaces/{wid}/posts", query_string={"channel_id": raw})
        assert resp.status_code == 400 and "channel_id" in resp.get_json()["error"]["fields"]
    made = client.post(
        f"/api/v1/workspaces/{wid}/posts",
        {"body": "x", "category": "curated", "channel_ids": [int(HUGE)]},
    )
    assert made.status_code == 422 and "channel_ids" in made.get_json()["error"]["fields"]
    upload = client.call(
        "POST",
        f"/api/v1/workspaces/{wid}/imports",
        data={"file": (io.BytesIO(b"date,time,body,category\n"), "a.csv"), "channel_id": "²"},
        content_type="multipart/form-data",
    )
    assert upload.status_code == 400 and "channel_id" in upload.get_json()["error"]["fields"]


def test_huge_ids_in_the_ui_are_not_found_or_ignored(auth, client) -> None:
    owner = auth.user()
    auth.login(client, owner)
    assert client.get(f"/posts/{HUGE}").status_code == 404
    assert client.get(f"/posts/{HUGE}/edit").status_code == 404
    assert client.get("/list", query_string={"channel_id": "²"}).status_code == 200
    assert client.get("/list", query_string={"channel_id": HUGE}).status_code == 200
    switched = client.post("/settings/workspaces/switch", data={"workspace_id": "²"})
    assert switched.status_code == 302
    bulk = client.post("/review/approve", data={"post_ids": [HUGE, "²"]})
    assert bulk.status_code in (302, 303)


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"body": "a\x00b", "category": "curated"}, "body"),
        ({"body": "a\ud800b", "category": "curated"}, "body"),
        ({"body": "ok", "category": "curated", "link": "https://x.example/\x00"}, "link"),
    ],
)
def test_unstorable_text_in_json_is_a_422_naming_the_field(auth, api, session, payload, field):
    owner = auth.user()
    resp = api(owner).post(f"/api/v1/workspaces/{owner.workspace.id}/posts", payload)
    assert resp.status_code == 422 and field in resp.get_json()["error"]["fields"]
    assert _posts(session) == 0


def test_nul_in_forms_and_queries_is_refused(auth, client, session) -> None:
    owner = auth.user()
    auth.login(client, owner)
    assert client.get("/list?q=%00").status_code == 422
    resp = client.post("/posts/new", data={"body": "a\x00b", "category": "curated"})
    assert resp.status_code == 422 and _posts(session) == 0
    login = client.post("/login", data={"email": "a\x00@example.com", "password": "x"})
    assert login.status_code == 422


def test_text_longer_than_its_column_is_a_422(auth, api, session) -> None:
    owner = auth.user()
    client = api(owner)
    wid = owner.workspace.id
    resp = client.post(
        f"/api/v1/workspaces/{wid}/channels", {"name": "x" * 81, "platform": "outbox"}
    )
    assert resp.status_code == 422 and "name" in resp.get_json()["error"]["fields"]
    long_rule = "FREQ=MONTHLY;BYMONTHDAY=" + ",".join(["1"] * 260)  # valid, but 534 characters
    made = client.post(
        f"/api/v1/workspaces/{wid}/posts",
        {
            "body": "x",
            "category": "curated",
            "scheduled_at": "2026-03-02T09:00Z",
            "rrule": long_rule,
        },
    )
    assert made.status_code == 422 and "rrule" in made.get_json()["error"]["fields"]
    assert _posts(session) == 0


def test_json_that_is_not_an_object_or_nests_too_deep_is_a_400(auth, api, client) -> None:
    owner = auth.user()
    token = auth.token(owner)
    url = f"/api/v1/workspaces/{owner.workspace.id}/posts"
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    for body in (
        "[1, 2]",
        '"text"',
        "null",
        "[" * 100_000 + "]" * 100_000,
        '{"a":' * 50 + "1" + "}" * 50,
    ):
        resp = client.post(url, data=body, headers=headers)
        assert resp.status_code == 400, body[:20]
        assert resp.get_json()["error"]["code"] == "bad_request"


def test_links_preview_with_a_non_object_body_is_a_400(auth, client) -> None:
    owner = auth.user()
    auth.login(client, owner)
    resp = client.post("/links/preview", data="[1]", content_type="application/json")
    assert resp.status_code == 400 and resp.get_json()["error"]["code"] == "bad_request"


def test_unmatched_api_urls_answer_the_json_error_shape(auth, api) -> None:
    owner = auth.user()
    for path in ("/api/v1/nothing-here", "/api/v1/posts/abc", "/api/v2/posts"):
        resp = api(owner).get(path)
        assert resp.status_code == 404 and resp.is_json, path
        assert resp.get_json()["error"] == {
            "code": "not_found",
            "message": "Not found.",
            "fields": {},
        }


# ---- Item 10: wrong JSON types are refused, not coerced ------------------------------------


def test_wrong_json_types_are_refused_not_coerced(auth, api, session) -> None:
    owner = auth.user()
    client = api(owner)
    resp = client.post("/api/v1/workspaces", {"name": 5, "timezone": "UTC"})
    assert resp.status_code == 422 and set(resp.get_json()["error"]["fields"]) == {"name"}
    assert session.exec(select(Workspace).where(Workspace.name == "5")).first() is None
    wid = owner.workspace.id
    chan = client.post(f"/api/v1/workspaces/{wid}/channels", {"name": 7, "platform": "outbox"})
    assert chan.status_code == 422 and "name" in chan.get_json()["error"]["fields"]
    for bad in ({"channel_ids": [True]}, {"channel_ids": ["1"]}, {"link": 5}, {"category": 1}):
        resp = client.post(
            f"/api/v1/workspaces/{wid}/posts", {"body": "x", "category": "curated", **bad}
        )
        assert resp.status_code == 422 and set(resp.get_json()["error"]["fields"]) == set(bad)
    assert _posts(session) == 0


# ---- Item 5: ranges are capped, rules are bounded ------------------------------------------


def test_wide_ranges_are_a_400_with_the_maximum(auth, api) -> None:
    owner = auth.user()
    client = api(owner)
    wid = owner.workspace.id
    huge = client.get(f"/api/v1/workspaces/{wid}/guardrails?start=1970-01-02&end=2199-01-01")
    assert huge.status_code == 400 and "end" in huge.get_json()["error"]["fields"]
    year = client.get(f"/api/v1/workspaces/{wid}/guardrails?start=2026-01-01&end=2027-01-01")
    assert year.status_code == 200
    export = client.get(f"/api/v1/workspaces/{wid}/export.csv?start=2000-01-01&end=2026-01-01")
    assert export.status_code == 400
    posts = client.get(f"/api/v1/workspaces/{wid}/posts?start=2000-01-01&end=2026-01-01")
    assert posts.status_code == 400


def test_ui_export_range_is_capped(auth, client) -> None:
    owner = auth.user()
    auth.login(client, owner)
    resp = client.get("/export.csv?start=2000-01-01&end=2026-01-01")
    assert resp.status_code == 302


def test_a_rule_with_no_real_day_is_refused_fast(auth, api, session) -> None:
    owner = auth.user()
    started = time.process_time()
    resp = api(owner).post(
        f"/api/v1/workspaces/{owner.workspace.id}/posts",
        {
            "body": "x",
            "category": "curated",
            "scheduled_at": "2026-03-02T09:00Z",
            "rrule": "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30",
        },
    )
    assert resp.status_code == 422 and "rrule" in resp.get_json()["error"]["fields"]
    assert time.process_time() - started < 1.0
    assert session.exec(select(RecurringSeries)).first() is None
