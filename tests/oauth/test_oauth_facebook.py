"""Facebook Login for Pages and Instagram against the fake Graph API: dialog, exchange, picks."""

from __future__ import annotations

import http.client
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from planner.connectors.base import ConnectorOptions, OAuthApp
from planner.connectors.errors import AuthError, PermanentError
from planner.connectors.hosts import rewrite
from planner.oauth.facebook import FacebookProvider, InstagramProvider
from planner.oauth.registry import PROVIDERS
from tests.fakes.meta import APP_ID, APP_SECRET, FakeMeta

NOW = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)
REDIRECT = "http://planner.test/channels/oauth/facebook/callback"


@pytest.fixture
def fake_meta() -> Iterator[FakeMeta]:
    with FakeMeta() as server:
        yield server


def options_for(fake: FakeMeta) -> ConnectorOptions:
    overrides = {"graph.facebook.com": fake.url, "www.facebook.com": fake.url}
    return ConnectorOptions(allow_private_hosts=True, timeout=5, host_overrides=overrides)


def provider(fake: FakeMeta, cls=FacebookProvider, secret: str = APP_SECRET):
    return cls(OAuthApp(APP_ID, secret), options_for(fake))


def send(url: str, method: str = "GET", body: str | None = None) -> http.client.HTTPResponse:
    """One browser request without following redirects."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)
    headers = {"Content-Type": "application/x-www-form-urlencoded"} if body else {}
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    connection.request(method, path, body=body, headers=headers)
    return connection.getresponse()


def log_in(fake: FakeMeta, authorize_url: str, decision: str = "allow") -> dict[str, list[str]]:
    """Press Allow (or Cancel) on the fake's dialog; return the callback's query."""
    page = send(rewrite(authorize_url, options_for(fake).host_overrides))
    html = page.read().decode()
    assert page.status == 200 and "Allow" in html
    action = re.search(r'action="([^"]+)"', html).group(1)
    fields = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', html))
    answer = send(fake.url + action, "POST", urlencode({**fields, "decision": decision}))
    assert answer.status == 302
    location = answer.getheader("Location")
    assert location.startswith(REDIRECT + "?")
    return parse_qs(urlsplit(location).query)


def test_both_are_registered_in_the_facebook_family() -> None:
    assert PROVIDERS["facebook"] is FacebookProvider
    assert PROVIDERS["instagram"] is InstagramProvider
    assert FacebookProvider.family == InstagramProvider.family == "facebook"
    assert FacebookProvider.uses_pkce is False
    assert set(FacebookProvider.scopes) == {
        "pages_show_list",
        "pages_manage_posts",
        "pages_read_engagement",
        "pages_read_user_content",
        "pages_manage_engagement",
    }
    assert {
        "instagram_basic",
        "instagram_content_publish",
        "instagram_manage_comments",
        "instagram_manage_insights",
    } <= set(InstagramProvider.scopes)
    assert "pages_manage_engagement" not in InstagramProvider.scopes


def test_authorize_url_is_facebooks_login_dialog(fake_meta: FakeMeta) -> None:
    url = provider(fake_meta).authorize_url(redirect_uri=REDIRECT, state="s1", code_challenge=None)
    parts = urlsplit(url)
    assert (parts.scheme, parts.hostname) == ("https", "www.facebook.com")
    assert re.fullmatch(r"/v\d+\.0/dialog/oauth", parts.path)
    query = parse_qs(parts.query)
    assert query == {
        "client_id": [APP_ID],
        "redirect_uri": [REDIRECT],
        "state": ["s1"],
        "response_type": ["code"],
        "scope": [
            "pages_show_list,pages_manage_posts,pages_read_engagement,"
            "pages_read_user_content,pages_manage_engagement"
        ],
    }


def test_the_code_becomes_a_long_lived_token_and_one_pick_per_page(fake_meta: FakeMeta) -> None:
    facebook = provider(fake_meta)
    callback = log_in(
        fake_meta, facebook.authorize_url(redirect_uri=REDIRECT, state="s1", code_challenge=None)
    )
    assert callback["state"] == ["s1"]
    grant = facebook.exchange(
        code=callback["code"][0], redirect_uri=REDIRECT, code_verifier=None, now=NOW
    )
    assert fake_meta.user_tokens[grant.access_token] == "long"
    assert grant.expires_at == NOW + timedelta(days=60)
    picks = facebook.picks(grant, now=NOW)
    # Three Pages, two per page of results: the second page came from paging.next.
    assert (
        len(fake_meta.requests_to("/me/accounts"))
        + len(fake_meta.requests_to("/555000111/accounts"))
        == 2
    )
    assert [(p.key, p.name, dict(p.config)) for p in picks] == [
        ("facebook:1001", "Corner Bakery", {"page_id": "1001", "page_name": "Corner Bakery"}),
        (
            "facebook:1002",
            "Corner Bakery Events",
            {"page_id": "1002", "page_name": "Corner Bakery Events"},
        ),
        ("facebook:1003", "Second Shop", {"page_id": "1003", "page_name": "Second Shop"}),
    ]
    assert [p.secrets["access_token"] for p in picks] == [p.token for p in fake_meta.pages]
    assert {p.expires_at for p in picks} == {None}
    assert {p.platform for p in picks} == {"facebook"}


def test_instagram_picks_are_the_accounts_linked_to_pages(fake_meta: FakeMeta) -> None:
    instagram = provider(fake_meta, InstagramProvider)
    url = instagram.authorize_url(redirect_uri=REDIRECT, state="s2", code_challenge=None)
    assert "instagram_content_publish" in parse_qs(urlsplit(url).query)["scope"][0]
    callback = log_in(fake_meta, url)
    grant = instagram.exchange(
        code=callback["code"][0], redirect_uri=REDIRECT, code_verifier=None, now=NOW
    )
    picks = instagram.picks(grant, now=NOW)
    assert [(p.key, p.name) for p in picks] == [
        ("instagram:17841400000001", "@cornerbakery"),
        ("instagram:17841400000003", "@secondshop"),
    ]
    assert dict(picks[0].config) == {
        "ig_user_id": "17841400000001",
        "username": "cornerbakery",
        "page_id": "1001",
        "page_name": "Corner Bakery",
    }
    assert picks[0].secrets["access_token"] == fake_meta.page("1001").token
    assert {p.platform for p in picks} == {"instagram"}


def test_cancel_on_the_dialog_returns_access_denied(fake_meta: FakeMeta) -> None:
    url = provider(fake_meta).authorize_url(redirect_uri=REDIRECT, state="s3", code_challenge=None)
    callback = log_in(fake_meta, url, decision="cancel")
    assert callback["error"] == ["access_denied"]
    assert callback["state"] == ["s3"]
    assert "code" not in callback


def test_a_different_redirect_uri_is_refused_with_metas_words(fake_meta: FakeMeta) -> None:
    facebook = provider(fake_meta)
    callback = log_in(
        fake_meta, facebook.authorize_url(redirect_uri=REDIRECT, state="s", code_challenge=None)
    )
    with pytest.raises(PermanentError, match="redirect_uri is identical"):
        facebook.exchange(
            code=callback["code"][0], redirect_uri=REDIRECT + "x", code_verifier=None, now=NOW
        )


def test_a_wrong_app_secret_is_refused(fake_meta: FakeMeta) -> None:
    facebook = provider(fake_meta, secret="wrong")
    callback = log_in(
        fake_meta, facebook.authorize_url(redirect_uri=REDIRECT, state="s", code_challenge=None)
    )
    with pytest.raises(PermanentError, match="client secret"):
        facebook.exchange(
            code=callback["code"][0], redirect_uri=REDIRECT, code_verifier=None, now=NOW
        )


def test_a_code_works_once(fake_meta: FakeMeta) -> None:
    facebook = provider(fake_meta)
    code = log_in(
        fake_meta, facebook.authorize_url(redirect_uri=REDIRECT, state="s", code_challenge=None)
    )["code"][0]
    facebook.exchange(code=code, redirect_uri=REDIRECT, code_verifier=None, now=NOW)
    with pytest.raises(PermanentError, match="has been used"):
        facebook.exchange(code=code, redirect_uri=REDIRECT, code_verifier=None, now=NOW)


def test_picks_with_a_revoked_token_are_an_auth_error(fake_meta: FakeMeta) -> None:
    facebook = provider(fake_meta)
    code = log_in(
        fake_meta, facebook.authorize_url(redirect_uri=REDIRECT, state="s", code_challenge=None)
    )["code"][0]
    grant = facebook.exchange(code=code, redirect_uri=REDIRECT, code_verifier=None, now=NOW)
    fake_meta.revoke(grant.access_token)
    with pytest.raises(AuthError):
        facebook.picks(grant, now=NOW)
