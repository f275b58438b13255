"""A member of workspace A never sees workspace B's objects: 404, never 403 or the object."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from planner.services import workspaces
from planner.timeutils import utcnow
from tests.conftest import NOW
from tests.factories import access_of, add_post, make_channel


@pytest.fixture()
def two_shops(auth, session):
    a = auth.user("a@example.com", workspace_name="Shop A")
    b = auth.user("b@example.com", workspace_name="Shop B")
    ch = make_channel(session, b.workspace, "B feed")
    post = add_post(
        session,
        b,
        at=datetime(2026, 3, 10, 9, tzinfo=UTC),
        category="promotional",
        body="B's secret plan",
        channels=[ch.id],
    )
    inv, _token = workspaces.create_invitation(
        session=session,
        acc=access_of(b),
        role="editor",
        now=NOW,
    )
    session.commit()
    return a, b, post, ch, inv


def test_ui_returns_404_for_every_object_of_another_workspace(client, auth, two_shops) -> None:
    a, b, post, ch, inv = two_shops
    auth.login(client, a)
    for method, path in [
        ("GET", f"/posts/{post.id}"),
        ("GET", f"/posts/{post.id}/edit"),
        ("POST", f"/posts/{post.id}/edit"),
        ("POST", f"/posts/{post.id}/duplicate"),
        ("POST", f"/posts/{post.id}/delete"),
        ("POST", f"/posts/{post.id}/move"),
        ("POST", f"/channels/{ch.id}/delete"),
        ("POST", f"/settings/members/{b.user.id}/role"),
        ("POST", f"/settings/members/{b.user.id}/remove"),
        ("POST", f"/settings/invitations/{inv.id}/revoke"),
    ]:
        resp = client.open(path, method=method, data={"date": "2026-03-11", "role": "editor"})
        assert resp.status_code == 404, (method, path, resp.status_code)
        assert "B&#39;s secret plan" not in resp.get_data(as_text=True)
    # Switching into B is refused too, and A's calendar never lists B's post.
    assert (
        client.post(
            "/settings/workspaces/switch", data={"workspace_id": b.workspace.id}
        ).status_code
        == 404
    )
    for path in ["/?month=2026-03", "/list", "/week?date=2026-03-10", "/ideas", "/channels/"]:
        html = client.get(path).get_data(as_text=True)
        assert "secret plan" not in html and "B feed" not in html, path


def test_api_returns_404_for_every_object_of_another_workspace(api, two_shops) -> None:
    a, b, post, ch, _inv = two_shops
    as_a = api(a)
    wid = b.workspace.id
    for method, path in [
        ("GET", f"/api/v1/posts/{post.id}"),
        ("PATCH", f"/api/v1/posts/{post.id}"),
        ("DELETE", f"/api/v1/posts/{post.id}"),
        ("GET", f"/api/v1/workspaces/{wid}/posts"),
        ("POST", f"/api/v1/workspaces/{wid}/posts"),
        ("GET", f"/api/v1/workspaces/{wid}/channels"),
        ("POST", f"/api/v1/workspaces/{wid}/channels"),
        ("POST", f"/api/v1/workspaces/{wid}/channels/{ch.id}/test"),
        ("GET", f"/api/v1/workspaces/{wid}/guardrails"),
        ("POST", f"/api/v1/workspaces/{wid}/guardrails/preview"),
        ("GET", f"/api/v1/workspaces/{wid}/guardrails/policy"),
        ("PUT", f"/api/v1/workspaces/{wid}/guardrails/policy"),
        ("GET", f"/api/v1/workspaces/{wid}/export.csv"),
        ("POST", f"/api/v1/workspaces/{wid}/plan"),
        ("GET", f"/api/v1/workspaces/{wid}/slots"),
        ("POST", f"/api/v1/workspaces/{wid}/imports"),
        ("GET", f"/api/v1/posts/{post.id}/deliveries"),
        ("GET", f"/api/v1/posts/{post.id}/comments"),
        ("GET", f"/api/v1/posts/{post.id}/history"),
        ("POST", f"/api/v1/posts/{post.id}/submit"),
        ("POST", f"/api/v1/posts/{post.id}/queue"),
        ("PUT", f"/api/v1/posts/{post.id}/evergreen"),
        ("DELETE", f"/api/v1/posts/{post.id}/evergreen"),
    ]:
        resp = as_a.call(
            method,
            path,
            json={"body": "x", "category": "curated", "name": "n", "platform": "outbox"},
        )
        assert resp.status_code == 404, (method, path, resp.status_code)
        assert resp.get_json()["error"]["code"] == "not_found"
    listed = as_a.get("/api/v1/workspaces").get_json()["workspaces"]
    assert [w["name"] for w in listed] == ["Shop A"]
    # A what-if in A's own workspace about B's post does not reveal it either.
    resp = as_a.post(
        f"/api/v1/workspaces/{a.workspace.id}/guardrails/preview",
        json={"category": "curated", "scheduled_at": "2026-03-11T10:00", "post_id": post.id},
    )
    assert resp.status_code == 404


def test_channels_of_another_workspace_cannot_be_targeted(api, two_shops) -> None:
    a, _b, _post, ch, _inv = two_shops
    resp = api(a).post(
        f"/api/v1/workspaces/{a.workspace.id}/posts",
        json={"body": "x", "category": "curated", "channel_ids": [ch.id]},
    )
    assert resp.status_code == 422
    assert "channel_ids" in resp.get_json()["error"]["fields"]


def test_invitation_is_one_time(client, session, two_shops) -> None:
    _a, b, _post, _ch, _inv = two_shops
    acc = access_of(b)
    _invite, token = workspaces.create_invitation(
        session=session, acc=acc, role="contributor", now=utcnow()
    )
    session.commit()
    resp = client.post(
        f"/invite/{token}", data={"email": "new@example.com", "password": "long-enough-pw"}
    )
    assert resp.status_code == 302
    client.post("/logout")
    again = client.post(
        f"/invite/{token}", data={"email": "other@example.com", "password": "long-enough-pw"}
    )
    assert again.status_code == 404
