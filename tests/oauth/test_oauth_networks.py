"""Threads, LinkedIn and Google Business connected through the web flow against their fakes.

The real routes (start, the fake's consent page, callback, pick), the platforms' own providers
and connectors; then the worker's token upkeep renews each channel's token before it expires.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, select

from planner.connectors_app import EXTENSION, get_connectors
from planner.models import Channel, ChannelStatus
from planner.publishing import context, upkeep
from tests.conftest import Auth
from tests.fakes import FakeGoogleBusiness, FakeLinkedIn, FakeThreads
from tests.fakes.oauth import consent

FAKES: dict[str, Any] = {
    "threads": FakeThreads,
    "linkedin": FakeLinkedIn,
    "google_business": FakeGoogleBusiness,
}
FAMILY = {"threads": "THREADS", "linkedin": "LINKEDIN", "google_business": "GOOGLE"}


@pytest.fixture(params=list(FAKES))
def platform(request: pytest.FixtureRequest, app: Flask) -> Iterator[tuple[str, Any]]:
    """One network's fake, with the app's developer app and host overrides pointing at it."""
    with FAKES[request.param]() as fake:
        prefix = FAMILY[request.param]
        app.config.update(
            HOST_OVERRIDES=json.dumps(fake.overrides),
            **{
                f"{prefix}_CLIENT_ID": fake.desk.client_id,
                f"{prefix}_CLIENT_SECRET": fake.desk.client_secret,
            },
        )
        app.extensions.pop(EXTENSION, None)
        yield request.param, fake


def connect(client: FlaskClient, name: str, *, first_only: bool = True) -> None:
    """Press Connect, Allow on the fake's page, come back, and choose the first pick."""
    resp = client.post(f"/channels/oauth/{name}/start")
    assert resp.status_code == 302, resp.get_data(as_text=True)[:300]
    answer = consent(resp.headers["Location"], {})  # the override is already applied
    resp = client.get(f"/channels/oauth/{name}/callback", query_string=answer)
    assert resp.status_code == 302, resp.get_data(as_text=True)[:300]
    assert resp.headers["Location"].endswith(f"/oauth/{name}/pick")
    page = client.get(f"/channels/oauth/{name}/pick").get_data(as_text=True)
    keys = re.findall(r'name="pick" value="([^"]+)"', page)
    assert keys
    resp = client.post(f"/channels/oauth/{name}/pick", data={"pick": keys[:1]})
    assert resp.status_code == 302


def test_connect_then_renew_before_expiry(
    app: Flask, client: FlaskClient, auth: Auth, session: Session, platform: tuple[str, Any]
) -> None:
    name, fake = platform
    auth.login(client, auth.user())
    connect(client, name)

    [channel] = session.exec(select(Channel)).all()
    assert channel.platform == name and channel.status == ChannelStatus.OK
    assert channel.token_expires_at is not None
    connector = get_connectors(app).for_channel(channel)
    assert connector.check()
    assert "access_token" not in json.dumps(channel.config)

    # The upkeep, run just before the token's end, renews it through the platform.
    expires = channel.token_expires_at
    now = expires - timedelta(minutes=3)
    assert upkeep.keep_tokens_alive(context.build(app, now=now), now=now, last_run=None)
    session.expire_all()
    renewed = session.get(Channel, channel.id)
    assert fake.desk.refreshes == 1
    assert renewed.status == ChannelStatus.OK
    assert renewed.token_expires_at > expires


def test_revoked_access_is_found_by_the_upkeep(
    app: Flask, client: FlaskClient, auth: Auth, session: Session, platform: tuple[str, Any]
) -> None:
    name, fake = platform
    auth.login(client, auth.user())
    connect(client, name)
    [channel] = session.exec(select(Channel)).all()
    fake.desk.revoke_all()

    now = channel.token_expires_at - timedelta(minutes=3)
    upkeep.keep_tokens_alive(context.build(app, now=now), now=now, last_run=None)

    session.expire_all()
    assert session.get(Channel, channel.id).status == ChannelStatus.NEEDS_REAUTH


@pytest.mark.parametrize("name", list(FAKES))
def test_typed_settings_are_refused(client: FlaskClient, auth: Auth, api: Any, name: str) -> None:
    owner = auth.user()
    resp = api(owner).post(
        f"/api/v1/workspaces/{owner.workspace.id}/channels",
        {"name": "Typed", "platform": name, "config": {"access_token": "pasted"}},
    )
    assert resp.status_code == 422
    assert "Connect button" in resp.get_json()["error"]["fields"]["platform"]
    auth.login(client, owner)
    assert f'value="{name}"' not in client.get("/channels/new").get_data(as_text=True)
