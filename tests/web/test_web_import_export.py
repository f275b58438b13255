"""Import & export through the UI and the API: upload, preview, commit, CSV export, printable month."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import func, select

from planner.models import ImportBatch, Post, Role
from planner.services import channels as channel_service
from planner.services import posts as post_service
from planner.timeutils import to_local
from tests.factories import make_import_channels, make_post

DATA = Path(__file__).resolve().parent.parent / "data" / "csv"


@pytest.fixture()
def shop(app, auth, session):
    owner = auth.user(timezone="Europe/London")
    mastodon, bluesky = make_import_channels(app, session, owner)
    return owner, mastodon, bluesky


def _file(name: str) -> tuple[io.BytesIO, str]:
    return io.BytesIO((DATA / name).read_bytes()), name


def _count(session, model) -> int:
    return session.exec(select(func.count()).select_from(model)).one()


# ---- The page ------------------------------------------------------------------------------


def test_upload_preview_and_import_in_the_ui(client, auth, session, shop) -> None:
    owner, _m, _b = shop
    auth.login(client, owner)
    page = client.get("/import/").get_data(as_text=True)
    assert "Import &amp; export" in page and 'enctype="multipart/form-data"' in page
    assert 'aria-current="page">Import &amp; export' in page

    resp = client.post(
        "/import/", data={"file": _file("template_problems.csv"), "format": "template"}
    )
    assert resp.status_code == 303
    preview_url = resp.headers["Location"]
    page = client.get(preview_url).get_data(as_text=True)
    assert "2 of 8 rows ready to import" in page
    assert "Line 3</a>, column “date”" in page and "Line 7</a>, column “body”" in page
    assert "Too long for Bluesky" in page
    assert page.count('name="lines"') == 2 and _count(session, Post) == 0

    batch_id = int(preview_url.rstrip("/").rsplit("/", 1)[1])
    resp = client.post(f"/import/{batch_id}/commit", data={"lines": ["9"]})
    assert resp.status_code == 302 and "month=2026-03" in resp.headers["Location"]
    assert session.exec(select(Post.body)).all() == ["Another good row"]
    again = client.post(f"/import/{batch_id}/commit", data={"lines": ["2"]}, follow_redirects=True)
    assert "already imported" in again.get_data(as_text=True)
    assert _count(session, Post) == 1


def test_upload_errors_stay_next_to_the_field(client, auth, shop) -> None:
    owner, _m, _b = shop
    auth.login(client, owner)
    resp = client.post("/import/", data={"format": "buffer"})
    assert resp.status_code == 422
    page = resp.get_data(as_text=True)
    assert 'id="file-error"' in page and "Choose a CSV file." in page
    resp = client.post("/import/", data={"file": _file("buffer.csv"), "format": "buffer"})
    assert resp.status_code == 422
    assert "Choose the channel this Buffer file is for." in resp.get_data(as_text=True)


def test_the_upload_script_gets_json(client, auth, shop) -> None:
    owner, mastodon, _b = shop
    auth.login(client, owner)
    headers = {"Accept": "application/json"}
    resp = client.post(
        "/import/",
        data={"file": _file("buffer.csv"), "format": "buffer", "channel_id": str(mastodon.id)},
        headers=headers,
    )
    assert resp.status_code == 201 and resp.get_json()["location"].startswith("/import/")
    resp = client.post(
        "/import/",
        data={"file": (io.BytesIO(b"no,columns\n1,2\n"), "x.csv"), "format": "template"},
        headers=headers,
    )
    assert resp.status_code == 422
    assert "Missing: date, time, body, category" in resp.get_json()["error"]["fields"]["file"]


def test_template_download_imports_cleanly(client, auth, session, shop) -> None:
    owner, _m, _b = shop
    auth.login(client, owner)
    resp = client.get("/import/template.csv")
    assert resp.mimetype == "text/csv" and resp.data.startswith(b"\xef\xbb\xbfdate,time,body")
    resp = client.post(
        "/import/", data={"file": (io.BytesIO(resp.data), "t.csv"), "format": "template"}
    )
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "2 of 2 rows ready to import" in page


# ---- The API -------------------------------------------------------------------------------


def _api_upload(client, member_api, wid: int, name: str, **fields):
    return member_api.call(
        "POST",
        f"/api/v1/workspaces/{wid}/imports",
        data={"file": _file(name), **{k: str(v) for k, v in fields.items()}},
        content_type="multipart/form-data",
    )


def test_api_import_preview_shape_and_commit(client, api, shop, session) -> None:
    owner, mastodon, bluesky = shop
    me = api(owner)
    wid = owner.workspace.id
    resp = _api_upload(client, me, wid, "template_problems.csv", format="template")
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    assert set(body) >= {"id", "rows", "errors", "mix", "warnings"}
    assert [r["line"] for r in body["rows"]] == [2, 3, 4, 5, 6, 7, 8, 9]
    first = body["rows"][0]
    assert first["ok"] is True and first["errors"] == []
    assert first["post"]["body"] == "A good row" and first["post"]["channel_ids"] == [mastodon.id]
    bad = body["rows"][1]
    assert bad["ok"] is False and bad["post"] is None and bad["errors"][0]["column"] == "date"
    assert {(e["line"], e["column"]) for e in body["errors"]} >= {(3, "date"), (5, "channels")}
    assert body["mix"] == {"promotional": 0, "educational": 1, "conversational": 0, "curated": 1}

    done = me.post(f"/api/v1/workspaces/{wid}/imports/{body['id']}/commit")
    assert done.status_code == 200
    result = done.get_json()
    assert result["created"] == 2 and len(result["post_ids"]) == 2
    posts = [session.get(Post, pid) for pid in result["post_ids"]]
    assert all(p.status == "draft" for p in posts)
    again = me.post(f"/api/v1/workspaces/{wid}/imports/{body['id']}/commit")
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "conflict"


def test_api_commit_chosen_lines_and_bad_lines(api, client, shop, session) -> None:
    owner, _m, _b = shop
    me = api(owner)
    wid = owner.workspace.id
    batch = _api_upload(client, me, wid, "template.csv").get_json()
    bad = me.post(f"/api/v1/workspaces/{wid}/imports/{batch['id']}/commit", {"lines": [3, 4]})
    assert bad.status_code == 422 and "4" in bad.get_json()["error"]["fields"]["lines"]
    wrong = me.post(f"/api/v1/workspaces/{wid}/imports/{batch['id']}/commit", {"lines": "all"})
    assert wrong.status_code == 400
    ok = me.post(f"/api/v1/workspaces/{wid}/imports/{batch['id']}/commit", {"lines": [3, 5]})
    assert ok.get_json()["created"] == 2 and _count(session, Post) == 2


def test_api_import_option_errors(api, client, shop) -> None:
    owner, _m, _b = shop
    me = api(owner)
    wid = owner.workspace.id
    resp = _api_upload(client, me, wid, "hootsuite.csv", format="hootsuite", channel_id="x")
    assert resp.status_code == 400 and "channel_id" in resp.get_json()["error"]["fields"]
    resp = _api_upload(client, me, wid, "hootsuite.csv", format="hootsuite")
    assert resp.status_code == 422 and "date_format" in resp.get_json()["error"]["fields"]
    resp = me.call(
        "POST", f"/api/v1/workspaces/{wid}/imports", data={}, content_type="multipart/form-data"
    )
    assert resp.status_code == 400 and "file" in resp.get_json()["error"]["fields"]


def test_other_workspaces_imports_are_404(api, auth, client, shop) -> None:
    owner, _m, _b = shop
    batch = _api_upload(client, api(owner), owner.workspace.id, "template.csv").get_json()
    stranger = auth.user(workspace_name="Elsewhere")
    them = api(stranger)
    assert _api_upload(client, them, owner.workspace.id, "template.csv").status_code == 404
    assert (
        them.post(
            f"/api/v1/workspaces/{owner.workspace.id}/imports/{batch['id']}/commit"
        ).status_code
        == 404
    )
    path = f"/api/v1/workspaces/{stranger.workspace.id}/imports/{batch['id']}/commit"
    assert them.post(path).status_code == 404
    assert them.get(f"/api/v1/workspaces/{owner.workspace.id}/export.csv").status_code == 404


def test_contributors_may_import(api, auth, client, shop, session) -> None:
    owner, _m, _b = shop
    writer = auth.user(workspace=owner.workspace, role=Role.CONTRIBUTOR)
    me = api(writer)
    batch = _api_upload(client, me, owner.workspace.id, "template.csv").get_json()
    done = me.post(f"/api/v1/workspaces/{owner.workspace.id}/imports/{batch['id']}/commit")
    assert done.get_json()["created"] == 4
    assert {session.get(Post, pid).author_id for pid in done.get_json()["post_ids"]} == {
        writer.user.id
    }


def test_a_committed_batch_keeps_its_rows_for_the_api(api, client, shop, session) -> None:
    owner, _m, _b = shop
    me = api(owner)
    batch = _api_upload(client, me, owner.workspace.id, "template.csv").get_json()
    me.post(f"/api/v1/workspaces/{owner.workspace.id}/imports/{batch['id']}/commit")
    got = me.get(f"/api/v1/workspaces/{owner.workspace.id}/imports/{batch['id']}").get_json()
    assert got["status"] == "committed" and len(got["rows"]) == 4
    assert session.get(ImportBatch, batch["id"]).committed_at is not None


# ---- Export --------------------------------------------------------------------------------


def test_export_csv_in_the_ui(client, auth, session, shop) -> None:
    owner, mastodon, bluesky = shop
    make_post(
        session,
        owner,
        at=datetime(2026, 3, 30, 9, tzinfo=UTC),
        channels=[mastodon.id, bluesky.id],
        body='Say "cheese", then: eat it',
        link="https://shop.example/c",
    )
    make_post(session, owner, at=datetime(2026, 5, 1, 9, tzinfo=UTC), body="Outside the range")
    auth.login(client, owner)
    resp = client.get("/export.csv?start=2026-03-01&end=2026-04-30")
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    assert "attachment" in resp.headers["Content-Disposition"]
    assert resp.headers["Cache-Control"] == "private, no-store"
    text = resp.data.decode("utf-8-sig")
    assert text.splitlines() == [
        "date,time,body,category,channels,link",
        '2026-03-30,10:00,"Say ""cheese"", then: eat it",educational,Mastodon; Bluesky,https://shop.example/c',
    ]
    bad = client.get("/export.csv?start=2026-04-30&end=2026-03-01", follow_redirects=True)
    assert "comes before the first day" in bad.get_data(as_text=True)


def test_api_export_takes_iso_instants(api, session, shop) -> None:
    owner, mastodon, _b = shop
    make_post(
        session, owner, at=datetime(2026, 3, 10, 9, tzinfo=UTC), channels=[mastodon.id], body="In"
    )
    make_post(
        session, owner, at=datetime(2026, 3, 20, 9, tzinfo=UTC), channels=[mastodon.id], body="Out"
    )
    resp = api(owner).get(
        f"/api/v1/workspaces/{owner.workspace.id}/export.csv?start=2026-03-01T00:00&end=2026-03-15T00:00"
    )
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    lines = resp.data.decode("utf-8-sig").splitlines()
    assert len(lines) == 2 and lines[1].startswith("2026-03-10,09:00,In,")


def test_export_reimports_to_the_same_posts(api, auth, app, client, session, shop) -> None:
    owner, mastodon, bluesky = shop
    made = [
        make_post(
            session,
            owner,
            at=datetime(2026, 3, 27, 10, tzinfo=UTC),
            channels=[mastodon.id],
            body="Before the clocks change",
            category="promotional",
            link="https://shop.example/a?x=1",
        ),
        make_post(
            session,
            owner,
            at=datetime(2026, 3, 30, 9, tzinfo=UTC),
            channels=[mastodon.id, bluesky.id],
            body='After, with\ntwo lines; a semicolon, and "quotes"',
            category="conversational",
        ),
        make_post(
            session,
            owner,
            at=datetime(2026, 4, 2, 16, 45, tzinfo=UTC),
            channels=[bluesky.id],
            body="=1+1 is not a formula here",
            category="curated",
        ),
        make_post(
            session,
            owner,
            at=datetime(2026, 4, 4, 8, tzinfo=UTC),
            body="-20% on Saturday, @everyone",
            category="promotional",
        ),
    ]
    exported = (
        api(owner)
        .get(
            f"/api/v1/workspaces/{owner.workspace.id}/export.csv?start=2026-03-01T00:00&end=2026-05-01T00:00"
        )
        .data
    )

    # A second workspace with channels of the same names, in the same zone.
    other = auth.user(workspace_name="Copy", timezone="Europe/London")
    make_import_channels(app, session, other)
    resp = api(other).call(
        "POST",
        f"/api/v1/workspaces/{other.workspace.id}/imports",
        data={"file": (io.BytesIO(exported), "export.csv"), "format": "template"},
        content_type="multipart/form-data",
    )
    batch = resp.get_json()
    assert batch["errors"] == [] and len(batch["rows"]) == 4
    done = api(other).post(f"/api/v1/workspaces/{other.workspace.id}/imports/{batch['id']}/commit")
    copies = [session.get(Post, pid) for pid in done.get_json()["post_ids"]]

    def shape(post: Post, ws_id: int) -> tuple:
        names = {
            c.id: c.name for c in channel_service.list_channels(session=session, workspace_id=ws_id)
        }
        ids = post_service.channel_ids_for(session=session, post_ids=[post.id]).get(post.id, [])
        local = to_local(post.scheduled_at, owner_zone)
        return (
            post.body,
            post.category,
            local.replace(tzinfo=None),
            sorted(names[i] for i in ids),
            post.link,
        )

    from zoneinfo import ZoneInfo

    owner_zone = ZoneInfo("Europe/London")
    assert [shape(p, other.workspace.id) for p in copies] == [
        shape(p, owner.workspace.id) for p in made
    ]


# ---- Printable month -----------------------------------------------------------------------


def test_printable_month(client, auth, session, shop) -> None:
    owner, mastodon, _b = shop
    make_post(
        session,
        owner,
        at=datetime(2026, 3, 10, 9, tzinfo=UTC),
        channels=[mastodon.id],
        body="Printed post",
        category="curated",
    )
    auth.login(client, owner)
    month = client.get("/?month=2026-03").get_data(as_text=True)
    assert 'href="/print?month=2026-03"' in month
    page = client.get("/print?month=2026-03").get_data(as_text=True)
    assert "<h1>March 2026</h1>" in page and "Printed post" in page and "Mastodon" in page
    assert 'id="print-button"' in page and "css/print.css" in page
    assert 'class="mainnav"' not in page
    assert re.search(r'<li class="p cat-curated">\s*<span class="t">09:00</span>', page)
    css = client.get("/static/css/print.css").get_data(as_text=True)
    assert "@media print" in css and "@page" in css
    assert client.get("/print?month=garbage").status_code == 200
