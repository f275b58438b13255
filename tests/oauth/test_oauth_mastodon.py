"""Connecting a Mastodon account end to end: app registration, sign-in page, token, channel.

The fake server runs on loopback; ``mastodon.example`` is sent to it by host overrides, so
the browser side (followed by hand here with urllib) and the API calls reach the same fake.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from html import unescape
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, select

from planner.connectors_app import get_connectors
from planner.models import Channel
from planner.oauth.mastodon import clean_server
from planner.oauth_models import MastodonApp
from tests.conftest import Auth
from tests.fakes.mastodon import FakeMastodon

SERVER = "mastodon.example"


@pytest.fixture()
def app_config(app_config: dict[str, Any], fake_mastodon: FakeMastodon) -> dict[str, Any]:
    return {**app_config, "HOST_OVERRIDES": json.dumps({SERVER: fake_mastodon.url})}


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def browser_get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as reply:
        return reply.read().decode()


def browser_post(url: str, form: dict[str, str]) -> str:
    """POST a form without following the redirect; return the Location it answers with."""
    opener = urllib.request.build_opener(_NoRedirects)
    try:
        opener.open(url, data=urlencode(form).encode(), timeout=5)
    except urllib.error.HTTPError as exc:
        assert exc.code == 302, exc.read()[:300]
        return exc.headers["Location"]
    raise AssertionError("the sign-in form did not redirect")


def sign_in(authorize_url: str, decision: str = "authorize", password: str = "") -> str:
    """Do what the owner does on the server's page; return where it sends the browser."""
    page = browser_get(authorize_url)
    fields = {k: unescape(v) for k, v in re.findall(r'name="(\w+)" value="([^"]*)"', page)}
    fields.pop("decision", None)
    action = urlsplit(authorize_url)._replace(path="/oauth/authorize", query="").geturl()
    return browser_post(
        action,
        {
            **fields,
            "email": "owner@shop.test",
            "password": password or "bread-and-butter",
            "decision": decision,
        },
    )


def come_back(client: FlaskClient, location: str):
    parts = urlsplit(location)
    return client.get(f"{parts.path}?{parts.query}")


def connect(client: FlaskClient) -> Any:
    resp = client.post("/channels/oauth/mastodon/start", data={"server": SERVER})
    assert resp.status_code == 302, resp.data[:300]
    return come_back(client, sign_in(resp.headers["Location"]))


def test_a_mastodon_account_is_connected_through_the_servers_own_sign_in(
    app: Flask,
    client: FlaskClient,
    auth: Auth,
    fake_mastodon: FakeMastodon,
    session: Session,
) -> None:
    auth.login(client, auth.user())
    resp = connect(client)
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/mastodon/pick")
    page = client.get("/channels/oauth/mastodon/pick").get_data(as_text=True)
    assert f"@shop@{SERVER}" in page and "checked" in page
    key = re.search(r'name="pick" value="([^"]+)"', page).group(1)
    assert client.post("/channels/oauth/mastodon/pick", data={"pick": key}).status_code == 302

    (channel,) = session.exec(select(Channel)).all()
    assert channel.name == f"@shop@{SERVER}"
    assert channel.config == {"instance_url": f"https://{SERVER}", "account": f"@shop@{SERVER}"}
    assert channel.token_expires_at is None  # Mastodon tokens live until revoked
    connector = get_connectors(app).for_channel(channel)
    assert connector.config["access_token"] in fake_mastodon.oauth.tokens
    assert connector.check() == f"@shop@{SERVER}"  # the new token works on the server

    (registration,) = fake_mastodon.requests_to("/api/v1/apps")
    assert registration.json == {
        "client_name": "planner",
        "redirect_uris": app.config["BASE_URL"] + "/channels/oauth/mastodon/callback",
        "scopes": "read write:statuses write:media",
        "website": app.config["BASE_URL"],
    }
    (token_request,) = fake_mastodon.requests_to("/oauth/token")
    assert b"code_verifier=" in token_request.body and b"client_secret=" in token_request.body


def test_the_app_is_registered_once_per_server_and_its_secret_sealed(
    app: Flask, client: FlaskClient, auth: Auth, fake_mastodon: FakeMastodon, session: Session
) -> None:
    auth.login(client, auth.user())
    connect(client)
    connect(client)
    assert len(fake_mastodon.requests_to("/api/v1/apps")) == 1
    (row,) = session.exec(select(MastodonApp)).all()
    (registered,) = fake_mastodon.oauth.apps.values()
    assert row.server == SERVER and row.client_id == registered["client_id"]
    assert registered["client_secret"] not in row.client_secret
    box = get_connectors(app).box
    assert box.open(row.client_secret) == {"client_secret": registered["client_secret"]}


def test_connecting_the_same_account_again_renews_its_channel(
    app: Flask, client: FlaskClient, auth: Auth, fake_mastodon: FakeMastodon, session: Session
) -> None:
    auth.login(client, auth.user())
    for _ in range(2):
        connect(client)
        page = client.get("/channels/oauth/mastodon/pick").get_data(as_text=True)
        key = re.search(r'name="pick" value="([^"]+)"', page).group(1)
        client.post("/channels/oauth/mastodon/pick", data={"pick": key})
    (channel,) = session.exec(select(Channel)).all()
    token = get_connectors(app).box.open(channel.secrets)["access_token"]
    assert len(fake_mastodon.oauth.tokens) == 2 and token in fake_mastodon.oauth.tokens
    assert token == fake_mastodon.requests_to("/verify_credentials")[-1].bearer


def test_the_reconnect_page_offers_signing_in_on_the_channels_server_again(
    app: Flask, client: FlaskClient, auth: Auth, fake_mastodon: FakeMastodon, session: Session
) -> None:
    auth.login(client, auth.user())
    connect(client)
    page = client.get("/channels/oauth/mastodon/pick").get_data(as_text=True)
    key = re.search(r'name="pick" value="([^"]+)"', page).group(1)
    client.post("/channels/oauth/mastodon/pick", data={"pick": key})
    (channel,) = session.exec(select(Channel)).all()

    resp = client.get(f"/channels/{channel.id}/reconnect")
    page = resp.get_data(as_text=True)
    assert f"Sign in on {SERVER}" in page
    assert f'name="server" value="{SERVER}"' in page
    assert "form-action 'self' https:" in resp.headers["Content-Security-Policy"]
    assert 'name="access_token"' in page  # pasting a token stays possible

    # The button's form, as the browser sends it: the server's sign-in renews the channel.
    start = client.post("/channels/oauth/mastodon/start", data={"server": SERVER})
    come_back(client, sign_in(start.headers["Location"]))
    page = client.get("/channels/oauth/mastodon/pick").get_data(as_text=True)
    key = re.search(r'name="pick" value="([^"]+)"', page).group(1)
    client.post("/channels/oauth/mastodon/pick", data={"pick": key})
    session.expire_all()
    (renewed,) = session.exec(select(Channel)).all()
    token = get_connectors(app).box.open(renewed.secrets)["access_token"]
    assert renewed.id == channel.id and len(fake_mastodon.oauth.tokens) == 2
    assert token in fake_mastodon.oauth.tokens


def test_denying_on_the_server_connects_nothing(
    client: FlaskClient, auth: Auth, fake_mastodon: FakeMastodon, session: Session
) -> None:
    auth.login(client, auth.user())
    resp = client.post("/channels/oauth/mastodon/start", data={"server": SERVER})
    location = sign_in(resp.headers["Location"], decision="deny")
    assert "error=access_denied" in location
    back = come_back(client, location)
    assert back.status_code == 302
    assert "access was not allowed" in client.get("/channels/").get_data(as_text=True)
    assert session.exec(select(Channel)).all() == []
    assert fake_mastodon.requests_to("/oauth/token") == []


@pytest.mark.parametrize(
    "typed", ["https://evil.example/path", "user:pw@mastodon.social", "localhost", "a b.social"]
)
def test_only_a_server_domain_is_accepted(
    client: FlaskClient, auth: Auth, fake_mastodon: FakeMastodon, session: Session, typed: str
) -> None:
    auth.login(client, auth.user())
    resp = client.post("/channels/oauth/mastodon/start", data={"server": typed})
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/channels/")
    assert "domain" in client.get("/channels/").get_data(as_text=True)
    assert fake_mastodon.requests == [] and session.exec(select(MastodonApp)).all() == []


@pytest.mark.parametrize(
    ("typed", "server"),
    [
        ("mastodon.social", "mastodon.social"),
        (" Mastodon.Social ", "mastodon.social"),
        ("https://mastodon.social/", "mastodon.social"),
        ("@shop@mastodon.social", "mastodon.social"),
        ("social.example:8443", "social.example:8443"),
        ("bäckerei.social", "xn--bckerei-5wa.social"),
    ],
)
def test_clean_server_reads_what_people_type(typed: str, server: str) -> None:
    assert clean_server(typed) == server


def test_a_server_that_is_private_is_refused_when_private_hosts_are_off(
    app: Flask, client: FlaskClient, auth: Auth, session: Session
) -> None:
    app.config["ALLOW_PRIVATE_HOSTS"] = False
    app.extensions.pop("planner.connectors", None)  # rebuilt from the new settings
    auth.login(client, auth.user())
    resp = client.post("/channels/oauth/mastodon/start", data={"server": "localhost.localdomain"})
    assert resp.status_code == 302
    page = client.get("/channels/").get_data(as_text=True)
    assert "Could not start connecting" in page
    assert session.exec(select(MastodonApp)).all() == []


def test_pasting_a_token_stays_possible(
    client: FlaskClient, auth: Auth, fake_mastodon: FakeMastodon, session: Session
) -> None:
    auth.login(client, auth.user())
    resp = client.post(
        "/channels/new",
        data={
            "name": "Toots",
            "platform": "mastodon",
            "instance_url": fake_mastodon.url,
            "access_token": "test-token",
        },
    )
    assert resp.status_code == 302
    assert [c.name for c in session.exec(select(Channel))] == ["Toots"]


def test_the_api_starts_a_mastodon_flow_the_owners_browser_finishes(
    client: FlaskClient, auth: Auth, api, fake_mastodon: FakeMastodon, session: Session
) -> None:
    owner = auth.user()
    resp = api(owner).post(
        f"/api/v1/workspaces/{owner.workspace.id}/channels/oauth/mastodon/start",
        {"server": SERVER},
    )
    assert resp.status_code == 201, resp.data
    url = resp.get_json()["authorize_url"]
    assert url.startswith(f"{fake_mastodon.url}/oauth/authorize?")
    client.delete_cookie("session")
    auth.login(client, owner)  # the browser has no state of this flow, only the user
    back = come_back(client, sign_in(url))
    assert back.status_code == 302 and back.headers["Location"].endswith("/mastodon/pick")

    missing = api(owner).post(
        f"/api/v1/workspaces/{owner.workspace.id}/channels/oauth/mastodon/start", {}
    )
    assert missing.status_code == 422 and "server" in missing.get_json()["error"]["fields"]


def test_a_server_that_cannot_be_reached_answers_the_api_with_502(
    auth: Auth, api, fake_mastodon: FakeMastodon, session: Session
) -> None:
    owner = auth.user()
    fake_mastodon.fail_next(503, {"error": "Down for maintenance"}, path="/api/v1/apps")
    resp = api(owner).post(
        f"/api/v1/workspaces/{owner.workspace.id}/channels/oauth/mastodon/start",
        {"server": SERVER},
    )
    assert resp.status_code == 502
    assert resp.get_json()["error"]["code"] == "platform_error"
    assert session.exec(select(MastodonApp)).all() == []
