"""Threads Login against the fake: consent, code for a long-lived token, the profile pick."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from planner.connectors.base import ConnectorOptions, OAuthApp
from planner.connectors.errors import AuthError, PermanentError
from planner.connectors.threads import ThreadsConnector
from planner.oauth.base import new_state
from planner.oauth.registry import PROVIDERS
from planner.oauth.threads import ThreadsProvider
from planner.timeutils import utcnow
from tests.fakes.oauth import consent
from tests.fakes.threads import FakeThreads

REDIRECT = "https://planner.example/channels/oauth/threads/callback"


@pytest.fixture
def fake() -> Iterator[FakeThreads]:
    with FakeThreads() as server:
        yield server


def provider(fake: FakeThreads, secret: str = "threads-secret") -> ThreadsProvider:
    options = ConnectorOptions(allow_private_hosts=True, timeout=5, host_overrides=fake.overrides)
    return ThreadsProvider(OAuthApp(fake.desk.client_id, secret), options)


def test_registered() -> None:
    assert PROVIDERS["threads"] is ThreadsProvider
    assert ThreadsProvider.family == "threads"


def test_authorize_url_is_threads_own() -> None:
    url = ThreadsProvider(OAuthApp("id", "s"), ConnectorOptions()).authorize_url(
        redirect_uri=REDIRECT, state="st", code_challenge=None
    )
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "threads.net", "/oauth/authorize")
    query = parse_qs(parts.query)
    assert query["scope"] == [
        "threads_basic,threads_content_publish,threads_manage_insights,"
        "threads_read_replies,threads_manage_replies"
    ]
    assert query["response_type"] == ["code"]
    assert query["redirect_uri"] == [REDIRECT]


def test_allow_then_exchange_gives_a_60_day_token_and_the_profile(
    fake: FakeThreads,
) -> None:
    now = utcnow()
    flow = provider(fake)
    state = new_state()
    url = flow.authorize_url(redirect_uri=REDIRECT, state=state, code_challenge=None)
    reply = consent(url, fake.overrides)
    assert reply["state"] == state
    grant = flow.exchange(code=reply["code"], redirect_uri=REDIRECT, code_verifier=None, now=now)
    assert grant.expires_at is not None and grant.expires_at > now + timedelta(days=59)
    [pick] = flow.picks(grant, now=now)
    assert (pick.key, pick.name) == (fake.user_id, "@bakery")
    assert pick.config == {"user_id": fake.user_id, "username": "bakery"}
    assert pick.expires_at == grant.expires_at
    # The pick becomes a working channel.
    options = ConnectorOptions(allow_private_hosts=True, host_overrides=fake.overrides)
    connector = ThreadsConnector({**pick.config, **pick.secrets}, options=options)
    assert connector.check() == "@bakery"
    assert connector.credentials_expire_at() == grant.expires_at.replace(microsecond=0)


def test_a_code_works_once(fake: FakeThreads) -> None:
    flow = provider(fake)
    url = flow.authorize_url(redirect_uri=REDIRECT, state="s", code_challenge=None)
    code = consent(url, fake.overrides)["code"]
    flow.exchange(code=code, redirect_uri=REDIRECT, code_verifier=None, now=utcnow())
    with pytest.raises(PermanentError, match="verification code"):
        flow.exchange(code=code, redirect_uri=REDIRECT, code_verifier=None, now=utcnow())


def test_a_different_redirect_uri_is_refused(fake: FakeThreads) -> None:
    flow = provider(fake)
    url = flow.authorize_url(redirect_uri=REDIRECT, state="s", code_challenge=None)
    code = consent(url, fake.overrides)["code"]
    with pytest.raises(PermanentError):
        flow.exchange(code=code, redirect_uri=REDIRECT + "x", code_verifier=None, now=utcnow())


def test_a_wrong_client_secret_is_refused(fake: FakeThreads) -> None:
    url = provider(fake).authorize_url(redirect_uri=REDIRECT, state="s", code_challenge=None)
    code = consent(url, fake.overrides)["code"]
    with pytest.raises(PermanentError, match="client secret"):
        provider(fake, "wrong").exchange(
            code=code, redirect_uri=REDIRECT, code_verifier=None, now=utcnow()
        )


def test_deny_comes_back_as_access_denied(fake: FakeThreads) -> None:
    url = provider(fake).authorize_url(redirect_uri=REDIRECT, state="s1", code_challenge=None)
    reply = consent(url, fake.overrides, decision="deny")
    assert reply["error"] == "access_denied"
    assert reply["state"] == "s1"
    assert "code" not in reply


def test_picks_with_a_revoked_token_is_an_auth_error(fake: FakeThreads) -> None:
    flow = provider(fake)
    url = flow.authorize_url(redirect_uri=REDIRECT, state="s", code_challenge=None)
    code = consent(url, fake.overrides)["code"]
    grant = flow.exchange(code=code, redirect_uri=REDIRECT, code_verifier=None, now=utcnow())
    fake.desk.revoke_all()
    with pytest.raises(AuthError):
        flow.picks(grant, now=utcnow())
