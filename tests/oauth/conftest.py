"""Fixtures for connecting channels with OAuth: the Testnet platform, and walking its flow."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.fakes.fixtures import fake_mastodon  # noqa: F401
from tests.fakes.tiny_oauth import FakeTestnet, install


@pytest.fixture()
def testnet(app: Flask) -> Iterator[FakeTestnet]:
    """A running Testnet, known to the app's connectors bundle, with its developer app set."""
    with FakeTestnet() as fake:
        install(app, fake)
        yield fake


def query_of(url: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(url).query))


def start(client: FlaskClient, platform: str = "testnet", **form: str) -> dict[str, str]:
    """Press Connect; return the query of the authorize URL the browser is sent to."""
    resp = client.post(f"/channels/oauth/{platform}/start", data=form)
    assert resp.status_code == 302, resp.data[:500]
    return query_of(resp.headers["Location"])


def callback(client: FlaskClient, platform: str = "testnet", **answer: Any):
    """Come back from the platform with *answer* (code and state, or an error)."""
    return client.get(f"/channels/oauth/{platform}/callback?{urlencode(answer)}")


def connect(client: FlaskClient, fake: FakeTestnet) -> Any:
    """Start, approve on the fake and come back: the response of the callback."""
    asked = start(client)
    return callback(client, code=fake.approve(asked), state=asked["state"])
