"""The generic OAuth flow against Testnet: state, expiry, single use, PKCE, picks, roles."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, select

from planner.connectors_app import EXTENSION, get_connectors
from planner.models import AuditEvent, Channel, Role
from planner.oauth_models import OAuthFlow
from planner.services import workspaces
from planner.timeutils import utcnow
from tests.conftest import Auth
from tests.fakes.mastodon_oauth import s256
from tests.fakes.tiny_oauth import FakeTestnet, install
from tests.oauth.conftest import callback, connect, start


def channels(session: Session) -> list[Channel]:
    session.expire_all()
    return list(session.exec(select(Channel).order_by(Channel.id)))


def test_connect_sends_the_owner_to_the_platform_with_state_pkce_and_the_redirect_uri(
    app: Flask, client: FlaskClient, auth: Auth, testnet: FakeTestnet
) -> None:
    auth.login(client, auth.user())
    resp = client.post("/channels/oauth/testnet/start")
    location = resp.headers["Location"]
    assert location.startswith(f"{testnet.url}/authorize?")  # the host override applied
    asked = start(client)
    assert asked["redirect_uri"] == app.config["BASE_URL"] + "/channels/oauth/testnet/callback"
    assert asked["client_id"] == "testnet-client"
    assert len(asked["state"]) >= 40 and asked["code_challenge"]
    with client.session_transaction() as cookie:
        assert asked["state"] not in str(dict(cookie))  # only a hash of it is kept


def test_several_picks_become_several_channels_with_sealed_tokens(
    app: Flask, client: FlaskClient, auth: Auth, testnet: FakeTestnet, session: Session
) -> None:
    owner = auth.user()
    auth.login(client, owner)
    resp = connect(client, testnet)
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/oauth/testnet/pick")
    page = client.get("/channels/oauth/testnet/pick").get_data(as_text=True)
    assert "Bakery Cafe" in page and "checked" not in page  # two: none preselected

    resp = client.post("/channels/oauth/testnet/pick", data={"pick": ["p1", "p2"]})
    assert resp.status_code == 302
    made = channels(session)
    assert [(c.name, c.platform, c.config) for c in made] == [
        ("Bakery", "testnet", {"page_id": "p1"}),
        ("Bakery Cafe", "testnet", {"page_id": "p2"}),
    ]
    token = get_connectors(app).box.open(made[0].secrets)["access_token"]
    assert token in testnet.tokens and token not in made[0].secrets
    expires = made[0].token_expires_at
    assert expires is not None and abs(expires - utcnow() - timedelta(hours=1)) < timedelta(
        minutes=1
    )
    actions = session.exec(select(AuditEvent.action)).all()
    assert actions.count("channel_created") == 2
    assert session.exec(select(OAuthFlow)).all() == []  # picks are used once
    follow = client.get("/channels/")
    assert "Connected Bakery, Bakery Cafe" in follow.get_data(as_text=True)


def test_the_pkce_verifier_sent_with_the_code_matches_the_challenge(
    client: FlaskClient, auth: Auth, testnet: FakeTestnet
) -> None:
    auth.login(client, auth.user())
    asked = start(client)
    callback(client, code=testnet.approve(asked), state=asked["state"])
    (exchange,) = testnet.requests_to("/token")
    sent = dict(p.split("=", 1) for p in exchange.body.decode().split("&"))
    assert s256(sent["code_verifier"]) == asked["code_challenge"]


def test_one_pick_is_preselected_and_names_already_used_get_a_number(
    client: FlaskClient, auth: Auth, testnet: FakeTestnet, session: Session
) -> None:
    testnet.pages = [{"id": "p9", "name": "Bakery"}]
    owner = auth.user()
    auth.login(client, owner)
    session.add(
        Channel(
            workspace_id=owner.workspace.id, name="Bakery", platform="outbox", created_at=utcnow()
        )
    )
    session.commit()
    connect(client, testnet)
    assert "checked" in client.get("/channels/oauth/testnet/pick").get_data(as_text=True)
    client.post("/channels/oauth/testnet/pick", data={"pick": "p9"})
    assert [c.name for c in channels(session)] == ["Bakery", "Bakery (2)"]


def test_choosing_nothing_asks_again_and_creates_nothing(
    client: FlaskClient, auth: Auth, testnet: FakeTestnet, session: Session
) -> None:
    auth.login(client, auth.user())
    connect(client, testnet)
    resp = client.post("/channels/oauth/testnet/pick", data={})
    assert resp.status_code == 422
    assert "Choose at least one account" in resp.get_data(as_text=True)
    assert channels(session) == []


def test_a_state_that_does_not_match_is_refused_and_nothing_is_created(
    client: FlaskClient, auth: Auth, testnet: FakeTestnet, session: Session
) -> None:
    auth.login(client, auth.user())
    asked = start(client)
    resp = callback(client, code=testnet.approve(asked), state=asked["state"] + "x")
    assert resp.status_code == 400
    assert "does not match a connection you started" in resp.get_data(as_text=True)
    assert callback(client, code="abc").status_code == 400  # no state at all
    assert testnet.requests_to("/token") == [] and channels(session) == []


def test_signing_in_again_on_the_way_back_keeps_the_flow(
    client: FlaskClient, auth: Auth, testnet: FakeTestnet, session: Session
) -> None:
    owner = auth.user()
    auth.login(client, owner)
    asked = start(client)
    with client.session_transaction() as cookie:
        cookie.clear()  # planner's session ran out while the owner was on the platform
    resp = callback(client, code=testnet.approve(asked), state=asked["state"])
    assert resp.status_code == 302 and "/login?next=" in resp.headers["Location"]
    next_url = resp.headers["Location"].split("/login", 1)[1]
    resp = client.post(
        f"/login{next_url}", data={"email": owner.user.email, "password": owner.password}
    )
    assert (
        resp.status_code == 302 and "/channels/oauth/testnet/callback?" in resp.headers["Location"]
    )
    resp = client.get(resp.headers["Location"])
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/oauth/testnet/pick")
    client.post("/channels/oauth/testnet/pick", data={"pick": ["p1"]})
    assert [c.name for c in channels(session)] == ["Bakery"]
    # The state is spent and forgotten: the same answer again is refused.
    again = callback(client, code="x", state=asked["state"])
    assert again.status_code == 400


def test_a_forged_states_cookie_is_ignored(
    client: FlaskClient, auth: Auth, testnet: FakeTestnet
) -> None:
    auth.login(client, auth.user())
    asked = start(client)
    cookie = client.get_cookie("planner_oauth", domain="planner.test", path="/channels/oauth")
    assert cookie is not None and asked["state"] not in cookie.value  # a hash, signed
    forged = cookie.value[:-2] + "xx"
    client.set_cookie("planner_oauth", forged, domain="planner.test", path="/channels/oauth")
    resp = callback(client, code=testnet.approve(asked), state=asked["state"])
    assert resp.status_code == 400
    assert "another browser" in resp.get_data(as_text=True)


def test_a_flow_started_in_another_browser_is_refused(
    app: Flask, client: FlaskClient, auth: Auth, testnet: FakeTestnet, session: Session
) -> None:
    owner = auth.user()
    auth.login(client, owner)
    asked = start(client)
    other_browser = auth.login(app.test_client(), owner)
    resp = callback(other_browser, code=testnet.approve(asked), state=asked["state"])
    assert resp.status_code == 400
    assert "another browser" in resp.get_data(as_text=True)
    assert channels(session) == []


def test_a_callback_after_ten_minutes_is_refused(
    client: FlaskClient, auth: Auth, testnet: FakeTestnet, session: Session
) -> None:
    auth.login(client, auth.user())
    asked = start(client)
    flow = session.exec(select(OAuthFlow)).one()
    flow.created_at = utcnow() - timedelta(minutes=11)
    session.add(flow)
    session.commit()
    resp = callback(client, code=testnet.approve(asked), state=asked["state"])
    assert resp.status_code == 400
    assert "longer than 10 minutes" in resp.get_data(as_text=True)
    assert testnet.requests_to("/token") == []


def test_a_callback_is_accepted_once(
    client: FlaskClient, auth: Auth, testnet: FakeTestnet, session: Session
) -> None:
    auth.login(client, auth.user())
    asked = start(client)
    code = testnet.approve(asked)
    assert callback(client, code=code, state=asked["state"]).status_code == 302
    again = callback(client, code=code, state=asked["state"])
    assert again.status_code == 400
    assert len(testnet.requests_to("/token")) == 1


def test_picks_wait_fifteen_minutes_at_most(
    client: FlaskClient, auth: Auth, testnet: FakeTestnet, session: Session
) -> None:
    auth.login(client, auth.user())
    connect(client, testnet)
    flow = session.exec(select(OAuthFlow)).one()
    flow.called_back_at = utcnow() - timedelta(minutes=16)
    session.add(flow)
    session.commit()
    resp = client.post("/channels/oauth/testnet/pick", data={"pick": "p1"})
    assert resp.status_code == 400 and channels(session) == []


def test_access_denied_on_the_platform_is_a_calm_message(
    client: FlaskClient, auth: Auth, testnet: FakeTestnet, session: Session
) -> None:
    auth.login(client, auth.user())
    asked = start(client)
    resp = callback(client, error="access_denied", state=asked["state"])
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/channels/")
    page = client.get("/channels/").get_data(as_text=True)
    assert "Nothing was connected: access was not allowed" in page
    # The flow is spent: a code arriving later for the same state is refused.
    assert callback(client, code=testnet.approve(asked), state=asked["state"]).status_code == 400
    assert channels(session) == []


def test_a_refused_code_is_said_and_creates_nothing(
    client: FlaskClient, auth: Auth, testnet: FakeTestnet, session: Session
) -> None:
    auth.login(client, auth.user())
    asked = start(client)
    resp = callback(client, code="never-granted", state=asked["state"])
    assert resp.status_code == 302
    assert "Nothing was connected" in client.get("/channels/").get_data(as_text=True)
    assert channels(session) == []


def test_editors_cannot_connect(
    client: FlaskClient, auth: Auth, testnet: FakeTestnet, session: Session
) -> None:
    owner = auth.user()
    editor = auth.user(workspace=owner.workspace, role=Role.EDITOR)
    auth.login(client, editor)
    assert client.post("/channels/oauth/testnet/start").status_code == 403
    assert session.exec(select(OAuthFlow)).all() == []
    assert "Connect Testnet" not in client.get("/channels/").get_data(as_text=True)


def test_someone_else_cannot_use_the_owners_state_or_picks(
    app: Flask, client: FlaskClient, auth: Auth, testnet: FakeTestnet, session: Session
) -> None:
    owner = auth.user()
    stranger = auth.user()
    auth.login(client, owner)
    asked = start(client)
    theirs = auth.login(app.test_client(), stranger)
    resp = callback(theirs, code=testnet.approve(asked), state=asked["state"])
    assert resp.status_code == 400
    # The owner's own callback still works: the stranger's try did not spend it.
    assert callback(client, code=testnet.approve(asked), state=asked["state"]).status_code == 302
    with client.session_transaction() as cookie:
        picks_key = cookie["oauth_picks"]
    with theirs.session_transaction() as cookie:
        cookie["oauth_picks"] = picks_key
    assert theirs.post("/channels/oauth/testnet/pick", data={"pick": "p1"}).status_code == 400
    assert channels(session) == []


def test_channels_land_in_the_workspace_the_flow_started_in(
    client: FlaskClient, auth: Auth, testnet: FakeTestnet, session: Session
) -> None:
    owner = auth.user(workspace_name="Bakery")
    auth.login(client, owner)
    asked = start(client)
    second = auth.user(workspace_name="Other")
    # The owner opens another workspace they own in the meantime.
    workspaces.add_member(
        session=session, workspace=second.workspace, user=owner.user, role=Role.OWNER, now=utcnow()
    )
    session.commit()
    with client.session_transaction() as cookie:
        cookie["workspace_id"] = second.workspace.id
    callback(client, code=testnet.approve(asked), state=asked["state"])
    client.post("/channels/oauth/testnet/pick", data={"pick": "p1"})
    assert [(c.name, c.workspace_id) for c in channels(session)] == [("Bakery", owner.workspace.id)]


def test_without_an_app_the_page_shows_how_to_register_one(
    app: Flask, client: FlaskClient, auth: Auth, session: Session
) -> None:
    with FakeTestnet() as fake:
        install(app, fake, configured=False)
        auth.login(client, auth.user())
        page = client.get("/channels/").get_data(as_text=True)
        assert "Set up Testnet" in page
        assert app.config["BASE_URL"] + "/channels/oauth/testnet/callback" in page
        assert "PLANNER_TESTNET_CLIENT_ID" in page and "Connect Testnet" not in page
        resp = client.post("/channels/oauth/testnet/start")
        assert resp.status_code == 302 and resp.headers["Location"].endswith("/channels/")
        assert "no developer app configured" in client.get("/channels/").get_data(as_text=True)
        assert session.exec(select(OAuthFlow)).all() == []


def test_an_oauth_only_platform_cannot_be_added_by_typing_settings(
    app: Flask, client: FlaskClient, auth: Auth, api, testnet: FakeTestnet, session: Session
) -> None:
    owner = auth.user()
    resp = api(owner).post(
        f"/api/v1/workspaces/{owner.workspace.id}/channels",
        {"name": "Page", "platform": "testnet", "config": {"page_id": "p1", "access_token": "t"}},
    )
    assert resp.status_code == 422
    assert "Connect button" in resp.get_json()["error"]["fields"]["platform"]
    auth.login(client, owner)
    form = client.get("/channels/new").get_data(as_text=True)
    assert 'value="testnet"' not in form and 'value="mastodon"' in form
    assert channels(session) == []


def test_only_pages_with_connect_buttons_let_forms_lead_to_other_sites(
    client: FlaskClient, auth: Auth
) -> None:
    auth.login(client, auth.user())
    channels_page = client.get("/channels/").headers["Content-Security-Policy"]
    assert "form-action 'self' https: http:" in channels_page  # http: as private hosts are on
    calendar = client.get("/").headers["Content-Security-Policy"]
    assert calendar.endswith("form-action 'self'")


def test_a_pick_on_a_platform_without_a_connector_is_refused_politely(
    app: Flask, client: FlaskClient, auth: Auth, testnet: FakeTestnet, session: Session
) -> None:
    auth.login(client, auth.user())
    connect(client, testnet)
    bundle = get_connectors(app)
    registry = {k: v for k, v in bundle.registry.items() if k != "testnet"}
    app.extensions[EXTENSION] = dataclasses.replace(bundle, registry=registry)
    resp = client.post("/channels/oauth/testnet/pick", data={"pick": "p1"})
    assert resp.status_code == 422
    assert "cannot publish to yet" in resp.get_data(as_text=True)
    assert channels(session) == []
