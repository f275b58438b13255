"""Google sign-in against the fake: PKCE, offline access, one pick per location."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from planner.connectors.base import ConnectorOptions, OAuthApp
from planner.connectors.errors import AuthError, PermanentError
from planner.connectors.google_business import GoogleBusinessConnector
from planner.oauth.base import challenge_for, new_verifier
from planner.oauth.google_business import GoogleBusinessProvider
from planner.oauth.registry import PROVIDERS
from planner.timeutils import utcnow
from tests.fakes.google_business import FakeGoogleBusiness
from tests.fakes.oauth import consent

REDIRECT = "https://planner.example/channels/oauth/google_business/callback"


@pytest.fixture
def fake() -> Iterator[FakeGoogleBusiness]:
    with FakeGoogleBusiness() as server:
        yield server


def provider(fake: FakeGoogleBusiness) -> GoogleBusinessProvider:
    options = ConnectorOptions(allow_private_hosts=True, timeout=5, host_overrides=fake.overrides)
    return GoogleBusinessProvider(OAuthApp(fake.desk.client_id, "google-secret"), options)


def test_registered_and_authorize_url_asks_for_offline_access_with_pkce() -> None:
    assert PROVIDERS["google_business"] is GoogleBusinessProvider
    assert GoogleBusinessProvider.uses_pkce
    url = GoogleBusinessProvider(OAuthApp("id", "s"), ConnectorOptions()).authorize_url(
        redirect_uri=REDIRECT, state="st", code_challenge="abc"
    )
    parts = urlsplit(url)
    assert f"{parts.netloc}{parts.path}" == "accounts.google.com/o/oauth2/v2/auth"
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert query["access_type"] == "offline"
    assert query["prompt"] == "consent"
    assert query["code_challenge"] == "abc"
    assert query["code_challenge_method"] == "S256"
    assert query["scope"] == "https://www.googleapis.com/auth/business.manage"


def test_sign_in_lists_every_location_with_the_refresh_token(
    fake: FakeGoogleBusiness,
) -> None:
    now = utcnow()
    flow = provider(fake)
    verifier = new_verifier()
    url = flow.authorize_url(
        redirect_uri=REDIRECT, state="st", code_challenge=challenge_for(verifier)
    )
    code = consent(url, fake.overrides)["code"]
    grant = flow.exchange(code=code, redirect_uri=REDIRECT, code_verifier=verifier, now=now)
    assert grant.refresh_token
    assert grant.expires_at is not None and grant.expires_at < now + timedelta(hours=1, seconds=1)
    picks = flow.picks(grant, now=now)
    assert [pick.name for pick in picks] == [
        "Baker & Sons, High Street",
        "Baker & Sons, Market Hall",
    ]
    first = picks[0]
    assert first.config["account"] == fake.account
    assert first.config["location"] == "locations/4321"
    assert first.secrets["refresh_token"] == grant.refresh_token
    assert first.expires_at == grant.expires_at
    assert "1 High Street" in first.detail
    options = ConnectorOptions(
        allow_private_hosts=True,
        host_overrides=fake.overrides,
        oauth_apps={"google": OAuthApp(fake.desk.client_id, "google-secret")},
    )
    connector = GoogleBusinessConnector({**first.config, **first.secrets}, options=options)
    assert connector.check() == "Baker & Sons, High Street"


def test_a_wrong_verifier_is_refused(fake: FakeGoogleBusiness) -> None:
    flow = provider(fake)
    url = flow.authorize_url(
        redirect_uri=REDIRECT, state="st", code_challenge=challenge_for(new_verifier())
    )
    code = consent(url, fake.overrides)["code"]
    with pytest.raises(PermanentError, match="invalid_grant"):
        flow.exchange(code=code, redirect_uri=REDIRECT, code_verifier=new_verifier(), now=utcnow())


def test_deny(fake: FakeGoogleBusiness) -> None:
    url = provider(fake).authorize_url(redirect_uri=REDIRECT, state="s", code_challenge="c")
    reply = consent(url, fake.overrides, decision="deny")
    assert reply == {
        "error": "access_denied",
        "error_description": "The user denied access",
        "state": "s",
    }


def test_revoked_before_listing_is_an_auth_error(fake: FakeGoogleBusiness) -> None:
    flow = provider(fake)
    verifier = new_verifier()
    url = flow.authorize_url(
        redirect_uri=REDIRECT, state="s", code_challenge=challenge_for(verifier)
    )
    code = consent(url, fake.overrides)["code"]
    grant = flow.exchange(code=code, redirect_uri=REDIRECT, code_verifier=verifier, now=utcnow())
    fake.desk.revoke_all()
    with pytest.raises(AuthError, match="invalid authentication credentials"):
        flow.picks(grant, now=utcnow())
