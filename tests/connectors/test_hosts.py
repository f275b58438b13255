"""Host overrides send a platform's requests to a fake server, and only when allowed."""

from __future__ import annotations

import json

import pytest

from planner.connectors.base import ConnectorOptions, OAuthApp
from planner.connectors.bundle import Connectors, family_of, oauth_apps
from planner.connectors.hosts import HostOverrideError, parse_overrides, rewrite
from planner.connectors.http import HttpClient
from planner.oauth.base import challenge_for, new_state, new_verifier


def test_rewrite_keeps_path_and_query() -> None:
    overrides = {"graph.facebook.com": "http://127.0.0.1:9001"}
    assert (
        rewrite("https://graph.facebook.com/v21.0/me/accounts?fields=id", overrides)
        == "http://127.0.0.1:9001/v21.0/me/accounts?fields=id"
    )
    assert rewrite("https://example.org/x", overrides) == "https://example.org/x"


def test_rewrite_under_a_base_path() -> None:
    assert rewrite(
        "https://api.linkedin.com/rest/posts", {"api.linkedin.com": "http://h:1/li/"}
    ) == ("http://h:1/li/rest/posts")


@pytest.mark.parametrize(
    "raw",
    [
        "not json",
        "[1]",
        json.dumps({"a/b": "http://x"}),
        json.dumps({"h": "ftp://x"}),
        json.dumps({"h": 3}),
    ],
)
def test_bad_overrides_are_refused(raw: str) -> None:
    with pytest.raises(HostOverrideError):
        parse_overrides(raw)


def test_overrides_need_private_hosts(tmp_path) -> None:
    raw = json.dumps({"graph.facebook.com": "http://127.0.0.1:9001"})
    off = Connectors.from_config({"HOST_OVERRIDES": raw}, tmp_path)
    on = Connectors.from_config({"HOST_OVERRIDES": raw, "ALLOW_PRIVATE_HOSTS": True}, tmp_path)
    assert dict(off.options.host_overrides) == {}
    assert dict(on.options.host_overrides) == {"graph.facebook.com": "http://127.0.0.1:9001"}


def test_client_sends_overridden_host_to_the_fake() -> None:
    import http.server
    import threading

    seen: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append(self.path)
            body = b'{"ok": true}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        options = ConnectorOptions(
            allow_private_hosts=True, host_overrides={"graph.facebook.com": base}
        )
        reply = HttpClient(options).request("GET", "https://graph.facebook.com/v21.0/me")
        assert reply.json() == {"ok": True}
        assert seen == ["/v21.0/me"]
    finally:
        server.shutdown()
        server.server_close()


def test_oauth_apps_read_from_config() -> None:
    apps = oauth_apps(
        {
            "FACEBOOK_CLIENT_ID": "fb",
            "FACEBOOK_CLIENT_SECRET": "s1",
            "THREADS_CLIENT_ID": "th",
            "THREADS_SECRET": "s2",
            "LINKEDIN_CLIENT_ID": "li",  # no secret: not configured
        }
    )
    assert apps == {"facebook": OAuthApp("fb", "s1"), "threads": OAuthApp("th", "s2")}
    assert family_of("instagram") == "facebook"
    assert family_of("google_business") == "google"
    assert family_of("mastodon") is None


def test_pkce_challenge_matches_rfc7636_example() -> None:
    # RFC 7636 appendix B.
    verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    assert challenge_for(verifier) == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    assert 43 <= len(new_verifier()) <= 128
    assert new_state() != new_state()
