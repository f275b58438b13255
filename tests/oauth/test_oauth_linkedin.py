"""Sign In with LinkedIn against the fake: the member and the pages the member administers."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from planner.connectors.base import ConnectorOptions, OAuthApp
from planner.connectors.errors import AuthError, PermanentError
from planner.connectors.linkedin import LinkedInConnector
from planner.oauth.linkedin import LinkedInProvider
from planner.oauth.registry import PROVIDERS
from planner.timeutils import utcnow
from tests.fakes.linkedin import FakeLinkedIn
from tests.fakes.oauth import consent

REDIRECT = "https://planner.example/channels/oauth/linkedin/callback"


@pytest.fixture
def fake() -> Iterator[FakeLinkedIn]:
    with FakeLinkedIn() as server:
        yield server


def provider(fake: FakeLinkedIn, secret: str = "linkedin-secret") -> LinkedInProvider:
    options = ConnectorOptions(allow_private_hosts=True, timeout=5, host_overrides=fake.overrides)
    return LinkedInProvider(OAuthApp(fake.desk.client_id, secret), options)


def sign_in(fake: FakeLinkedIn, scopes: tuple[str, ...] | None = None):
    flow = provider(fake)
    if scopes is not None:
        flow.scopes = scopes  # an app without the Community Management API
    url = flow.authorize_url(redirect_uri=REDIRECT, state="st", code_challenge=None)
    code = consent(url, fake.overrides)["code"]
    return flow, flow.exchange(code=code, redirect_uri=REDIRECT, code_verifier=None, now=utcnow())


def test_registered_and_authorize_url() -> None:
    assert PROVIDERS["linkedin"] is LinkedInProvider
    url = LinkedInProvider(OAuthApp("id", "s"), ConnectorOptions()).authorize_url(
        redirect_uri=REDIRECT, state="st", code_challenge=None
    )
    parts = urlsplit(url)
    assert f"{parts.netloc}{parts.path}" == "www.linkedin.com/oauth/v2/authorization"
    scopes = parse_qs(parts.query)["scope"][0].split(" ")
    assert {"openid", "profile", "w_member_social", "r_organization_admin"} <= set(scopes)


def test_member_and_page_picks_with_refresh_tokens(fake: FakeLinkedIn) -> None:
    now = utcnow()
    flow, grant = sign_in(fake)
    assert grant.refresh_token
    assert grant.expires_at is not None and grant.expires_at > now + timedelta(days=59)
    assert grant.refresh_expires_at is not None and grant.refresh_expires_at > now + timedelta(
        days=364
    )
    member, page = flow.picks(grant, now=now)
    assert member.config == {"author_urn": fake.member, "name": "Ada Baker"}
    assert page.config == {"author_urn": fake.organization, "name": "Baker & Sons"}
    assert page.secrets["refresh_token"] == grant.refresh_token
    options = ConnectorOptions(allow_private_hosts=True, host_overrides=fake.overrides)
    connector = LinkedInConnector({**member.config, **member.secrets}, options=options)
    assert connector.check() == "Ada Baker"


def test_without_page_scopes_only_the_member_is_offered(fake: FakeLinkedIn) -> None:
    flow, grant = sign_in(fake, ("openid", "profile", "w_member_social"))
    [member] = flow.picks(grant, now=utcnow())
    assert member.key == fake.member


def test_no_refresh_token_where_linkedin_grants_none() -> None:
    with FakeLinkedIn(grant_refresh_tokens=False) as fake:
        flow, grant = sign_in(fake)
        assert grant.refresh_token is None
        assert "refresh_token" not in flow.picks(grant, now=utcnow())[0].secrets


def test_code_reuse_and_wrong_secret_are_refused(fake: FakeLinkedIn) -> None:
    flow = provider(fake)
    url = flow.authorize_url(redirect_uri=REDIRECT, state="st", code_challenge=None)
    code = consent(url, fake.overrides)["code"]
    with pytest.raises(AuthError, match="Client authentication failed"):
        provider(fake, "wrong").exchange(
            code=code, redirect_uri=REDIRECT, code_verifier=None, now=utcnow()
        )
    flow.exchange(code=code, redirect_uri=REDIRECT, code_verifier=None, now=utcnow())
    with pytest.raises(PermanentError, match="invalid, expired or revoked"):
        flow.exchange(code=code, redirect_uri=REDIRECT, code_verifier=None, now=utcnow())


def test_deny(fake: FakeLinkedIn) -> None:
    url = provider(fake).authorize_url(redirect_uri=REDIRECT, state="s", code_challenge=None)
    assert consent(url, fake.overrides, decision="deny")["error"] == "access_denied"
