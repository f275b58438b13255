"""The API side of connecting: starting a flow, and channels listed with status and expiry."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, select

from planner.models import Channel, ChannelStatus, Role
from planner.oauth_models import OAuthFlow
from tests.conftest import Auth
from tests.fakes.tiny_oauth import FakeTestnet, install
from tests.oauth.conftest import callback, query_of


def test_the_api_returns_the_authorize_url_and_the_owners_browser_finishes(
    app: Flask, client: FlaskClient, auth: Auth, api, testnet: FakeTestnet, session: Session
) -> None:
    owner = auth.user()
    resp = api(owner).post(f"/api/v1/workspaces/{owner.workspace.id}/channels/oauth/testnet/start")
    assert resp.status_code == 201
    url = resp.get_json()["authorize_url"]
    assert url.startswith(f"{testnet.url}/authorize?")
    asked = query_of(url)

    stranger = auth.login(app.test_client(), auth.user())
    refused = callback(stranger, code=testnet.approve(asked), state=asked["state"])
    assert refused.status_code == 400

    auth.login(client, owner)
    back = callback(client, code=testnet.approve(asked), state=asked["state"])
    assert back.status_code == 302 and back.headers["Location"].endswith("/testnet/pick")
    client.post("/channels/oauth/testnet/pick", data={"pick": "p2"})
    listed = api(owner).get(f"/api/v1/workspaces/{owner.workspace.id}/channels").get_json()
    (channel,) = listed["channels"]
    assert channel["name"] == "Bakery Cafe" and channel["status"] == "ok"
    assert channel["expires_at"].endswith("Z")
    assert datetime.fromisoformat(channel["expires_at"]) > datetime.now(UTC)
    assert "access_token" not in str(listed)


def test_unknown_platforms_and_other_roles_are_refused(
    auth: Auth, api, testnet: FakeTestnet, session: Session
) -> None:
    owner = auth.user()
    editor = auth.user(workspace=owner.workspace, role=Role.EDITOR)
    base = f"/api/v1/workspaces/{owner.workspace.id}/channels/oauth"
    unknown = api(owner).post(f"{base}/myspace/start")
    assert unknown.status_code == 404 and unknown.get_json()["error"]["code"] == "not_found"
    assert api(editor).post(f"{base}/testnet/start").status_code == 403
    other = auth.user()
    assert api(other).post(f"{base}/testnet/start").status_code == 404
    assert session.exec(select(OAuthFlow)).all() == []


def test_a_platform_without_an_app_answers_oauth_not_configured(
    app: Flask, auth: Auth, api
) -> None:
    with FakeTestnet() as fake:
        install(app, fake, configured=False)
        owner = auth.user()
        resp = api(owner).post(
            f"/api/v1/workspaces/{owner.workspace.id}/channels/oauth/testnet/start"
        )
    assert resp.status_code == 409
    error = resp.get_json()["error"]
    assert error["code"] == "oauth_not_configured"
    assert "PLANNER_TESTNET_CLIENT_ID" in error["message"]


def test_channels_list_status_and_a_null_expiry_for_tokens_that_do_not_expire(
    auth: Auth, api, session: Session
) -> None:
    owner = auth.user()
    session.add(
        Channel(
            workspace_id=owner.workspace.id,
            name="Box",
            platform="outbox",
            status=ChannelStatus.NEEDS_REAUTH,
            created_at=datetime(2026, 1, 1, tzinfo=UTC),
        )
    )
    session.commit()
    (channel,) = (
        api(owner).get(f"/api/v1/workspaces/{owner.workspace.id}/channels").get_json()["channels"]
    )
    assert channel["status"] == "needs_reauth" and channel["expires_at"] is None
