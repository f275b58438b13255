from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import select

from planner.models import Channel, Post
from planner.web.api import core
from tests.factories import make_channel


def test_workspaces_list_and_create(auth, api) -> None:
    owner = auth.user(workspace_name="Bakery", timezone="Europe/Berlin")
    client = api(owner)
    assert client.get("/api/v1/workspaces").get_json() == {
        "workspaces": [
            {
                "id": owner.workspace.id,
                "name": "Bakery",
                "timezone": "Europe/Berlin",
                "role": "owner",
            }
        ]
    }
    resp = client.post("/api/v1/workspaces", {"name": "Second shop", "timezone": "Asia/Tokyo"})
    assert resp.status_code == 201
    body = resp.get_json()
    assert (
        body["name"] == "Second shop"
        and body["role"] == "owner"
        and body["timezone"] == "Asia/Tokyo"
    )
    bad = client.post("/api/v1/workspaces", {"name": "", "timezone": "Mars/Base"})
    assert bad.status_code == 422
    assert (
        set(bad.get_json()["error"]["fields"]) == {"name"}
        or "timezone" in bad.get_json()["error"]["fields"]
    )


def test_create_post_with_local_time_and_read_it_back(auth, api, session) -> None:
    owner = auth.user(timezone="America/Los_Angeles")
    ch = make_channel(session, owner.workspace)
    client = api(owner)
    resp = client.post(
        f"/api/v1/workspaces/{owner.workspace.id}/posts",
        {
            "body": "Tip: rest your dough",
            "category": "educational",
            "scheduled_at": "2026-03-08T10:00",
            "channel_ids": [ch.id],
            "link": "https://shop.example/tips",
        },
    )
    assert resp.status_code == 201, resp.get_json()
    post = resp.get_json()
    # 8 March 2026 is the US spring-forward day: 10:00 PDT is 17:00 UTC.
    assert post["scheduled_at"] == "2026-03-08T17:00:00Z"
    assert post["scheduled_at_local"] == "2026-03-08T10:00:00-07:00"
    assert post["channel_ids"] == [ch.id] and post["status"] == "draft" and post["warnings"] == []
    assert set(post) >= {
        "id",
        "workspace_id",
        "author_id",
        "body",
        "category",
        "status",
        "scheduled_at",
        "scheduled_at_local",
        "channel_ids",
        "link",
        "created_at",
        "updated_at",
        "warnings",
    }
    same = client.get(f"/api/v1/posts/{post['id']}").get_json()
    assert same == post


def test_offset_input_is_exact(auth, api) -> None:
    owner = auth.user(timezone="Europe/London")
    resp = api(owner).post(
        f"/api/v1/workspaces/{owner.workspace.id}/posts",
        {"body": "x", "category": "curated", "scheduled_at": "2026-07-01T09:00:00+02:00"},
    )
    assert resp.get_json()["scheduled_at"] == "2026-07-01T07:00:00Z"
    assert resp.get_json()["scheduled_at_local"] == "2026-07-01T08:00:00+01:00"


def test_validation_errors_name_every_field(auth, api) -> None:
    owner = auth.user()
    resp = api(owner).post(
        f"/api/v1/workspaces/{owner.workspace.id}/posts",
        {"body": 5, "category": "ads", "scheduled_at": "tomorrow", "channel_ids": "all"},
    )
    assert resp.status_code == 422
    err = resp.get_json()["error"]
    assert err["code"] == "validation_error"
    assert set(err["fields"]) == {"body", "scheduled_at", "channel_ids"}
    resp = api(owner).post(
        f"/api/v1/workspaces/{owner.workspace.id}/posts",
        {"body": "  ", "category": "ads", "link": "javascript:alert(1)"},
    )
    assert resp.status_code == 422
    assert set(resp.get_json()["error"]["fields"]) == {"body", "category", "link"}


def test_malformed_json_is_a_400(auth, api, client) -> None:
    owner = auth.user()
    token = auth.token(owner)
    resp = client.post(
        f"/api/v1/workspaces/{owner.workspace.id}/posts",
        data="{not json",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    assert resp.status_code == 400
    assert resp.get_json()["error"]["code"] == "bad_request"


def test_list_filters(auth, api, session) -> None:
    owner = auth.user(timezone="UTC")
    ch = make_channel(session, owner.workspace)
    client = api(owner)
    wid = owner.workspace.id
    for day, cat, chans in [
        (2, "promotional", [ch.id]),
        (3, "educational", []),
        (20, "promotional", []),
    ]:
        client.post(
            f"/api/v1/workspaces/{wid}/posts",
            {
                "body": f"d{day}",
                "category": cat,
                "scheduled_at": f"2026-03-{day:02d}T09:00Z",
                "channel_ids": chans,
            },
        )

    def bodies(query: str) -> list[str]:
        resp = client.get(f"/api/v1/workspaces/{wid}/posts?{query}")
        assert resp.status_code == 200, resp.get_json()
        return [p["body"] for p in resp.get_json()["posts"]]

    assert bodies("") == ["d2", "d3", "d20"]
    assert bodies("category=promotional") == ["d2", "d20"]
    assert bodies(f"channel_id={ch.id}") == ["d2"]
    assert bodies("start=2026-03-03T00:00Z&end=2026-03-21T00:00Z") == ["d3", "d20"]
    assert bodies("status=draft&end=2026-03-03") == ["d2"]
    bad = client.get(f"/api/v1/workspaces/{wid}/posts?status=gone&start=soon")
    assert bad.status_code == 400 and set(bad.get_json()["error"]["fields"]) == {"status", "start"}


def test_patch_and_delete(auth, api, session) -> None:
    owner = auth.user(timezone="UTC")
    client = api(owner)
    pid = client.post(
        f"/api/v1/workspaces/{owner.workspace.id}/posts",
        {"body": "first", "category": "curated", "scheduled_at": "2026-03-02T09:00Z"},
    ).get_json()["id"]
    resp = client.patch(f"/api/v1/posts/{pid}", {"body": "second"})
    assert resp.status_code == 200
    assert (
        resp.get_json()["body"] == "second"
        and resp.get_json()["scheduled_at"] == "2026-03-02T09:00:00Z"
    )
    resp = client.patch(f"/api/v1/posts/{pid}", {"scheduled_at": None})
    assert resp.get_json()["scheduled_at"] is None and resp.get_json()["scheduled_at_local"] is None
    assert client.delete(f"/api/v1/posts/{pid}").status_code == 204
    assert client.get(f"/api/v1/posts/{pid}").status_code == 404
    assert session.exec(select(Post)).all() == []


def test_channels_owner_only_and_never_echo_credentials(auth, api, session) -> None:
    from planner.models import Role

    owner = auth.user()
    contributor = auth.user(workspace=owner.workspace, role=Role.CONTRIBUTOR)
    editor = auth.user(workspace=owner.workspace, role=Role.EDITOR)
    wid = owner.workspace.id
    resp = api(owner).post(
        f"/api/v1/workspaces/{wid}/channels", {"name": "Outbox", "platform": "outbox", "config": {}}
    )
    assert resp.status_code == 201
    assert resp.get_json() == {
        "id": resp.get_json()["id"],
        "name": "Outbox",
        "platform": "outbox",
        "status": "ok",
        "config": {},
        "expires_at": None,
    }
    for member in (contributor, editor):
        denied = api(member).post(
            f"/api/v1/workspaces/{wid}/channels", {"name": "X", "platform": "outbox", "config": {}}
        )
        assert denied.status_code == 403 and denied.get_json()["error"]["code"] == "forbidden"
    hook = api(owner).post(
        f"/api/v1/workspaces/{wid}/channels",
        {
            "name": "Team chat",
            "platform": "webhook",
            "config": {
                "url": "https://hooks.example.com/services/T000/B000/SECRETSECRET",
                "format": "slack",
            },
        },
    )
    assert hook.status_code == 201, hook.get_json()
    listed = api(contributor).get(f"/api/v1/workspaces/{wid}/channels").get_json()["channels"]
    assert "SECRETSECRET" not in str(listed)
    stored = session.get(Channel, hook.get_json()["id"])
    assert "SECRETSECRET" not in stored.secrets and "SECRETSECRET" not in str(stored.config)
    unknown = api(owner).post(
        f"/api/v1/workspaces/{wid}/channels", {"name": "X", "platform": "myspace"}
    )
    assert unknown.status_code == 422 and "platform" in unknown.get_json()["error"]["fields"]


def test_revoked_token_stops_working(auth, client, session) -> None:
    from planner.services import tokens

    owner = auth.user()
    plaintext = auth.token(owner)
    headers = {"Authorization": f"Bearer {plaintext}"}
    assert client.get("/api/v1/workspaces", headers=headers).status_code == 200
    token = tokens.list_tokens(session=session, user=owner.user)[0]
    assert token.token_hash != plaintext and plaintext.startswith("pln_")
    tokens.revoke_token(session=session, user=owner.user, token_id=token.id, now=datetime.now(UTC))
    session.commit()
    assert client.get("/api/v1/workspaces", headers=headers).status_code == 401


def test_a_list_too_long_is_cut_and_says_so(auth, api, monkeypatch) -> None:
    owner = auth.user()
    client = api(owner)
    wid = owner.workspace.id
    for hour in (9, 10, 11):
        created = client.post(
            f"/api/v1/workspaces/{wid}/posts",
            json={
                "body": f"At {hour}",
                "category": "curated",
                "scheduled_at": f"2026-03-10T{hour:02d}:00",
            },
        )
        assert created.status_code == 201
    monkeypatch.setattr(core, "LIST_LIMIT", 2)
    cut = client.get(f"/api/v1/workspaces/{wid}/posts").get_json()
    assert cut["truncated"] is True and [p["body"] for p in cut["posts"]] == ["At 9", "At 10"]
    monkeypatch.setattr(core, "LIST_LIMIT", 3)
    whole = client.get(f"/api/v1/workspaces/{wid}/posts").get_json()
    assert whole["truncated"] is False and len(whole["posts"]) == 3
