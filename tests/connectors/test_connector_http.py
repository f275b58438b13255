from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from planner.connectors.base import ConnectorOptions
from planner.connectors.errors import (
    AuthError,
    PermanentError,
    TransientError,
    UnknownOutcomeError,
    UnsafeDestinationError,
)
from planner.connectors.http import HttpClient, clean_url, counting
from planner.connectors.replies import retry_after_seconds
from planner.connectors.ssrf import is_public
from tests.fakes import FakeServer, RecordedRequest, Reply, closed_port_url

NOW = datetime(2025, 3, 14, 9, 30, tzinfo=UTC)


class JsonServer(FakeServer):
    def respond(self, request: RecordedRequest) -> Reply:
        return Reply(200, {"ok": True, "method": request.method, "query": request.query})


@pytest.fixture
def server() -> Iterator[JsonServer]:
    with JsonServer() as running:
        yield running


@pytest.fixture
def client(options: ConnectorOptions) -> HttpClient:
    return HttpClient(options)


def test_get_returns_json_and_sends_query(server: JsonServer, client: HttpClient) -> None:
    response = client.request("GET", f"{server.url}/x?a=1", params={"b": "2 3"})
    assert response.json_object() == {"ok": True, "method": "GET", "query": {"a": "1", "b": "2 3"}}
    assert server.requests[0].headers["user-agent"] == "planner/0.1"


def test_post_sends_json(server: JsonServer, client: HttpClient) -> None:
    client.request("POST", server.url, json={"text": "café ☕"}, headers={"X-Test": "1"})
    [request] = server.requests
    assert request.json == {"text": "café ☕"}
    assert request.headers["content-type"].startswith("application/json")
    assert request.headers["x-test"] == "1"


def test_counting_counts_every_request_sent_inside_the_block_only(
    server: JsonServer, client: HttpClient, options: ConnectorOptions
) -> None:
    client.request("GET", server.url)
    with counting() as sent:
        client.request("GET", server.url)
        server.fail_next(429, {"error": "slow down"})
        with pytest.raises(TransientError):
            HttpClient(options).request("GET", server.url)  # any client, errors included
    client.request("GET", server.url)
    assert sent.requests == 2


@pytest.mark.parametrize("status", [401, 403])
def test_401_and_403_are_auth_errors(server: JsonServer, client: HttpClient, status: int) -> None:
    server.fail_next(status, {"error": "The access token is invalid"})
    with pytest.raises(AuthError) as caught:
        client.request("GET", server.url)
    assert caught.value.message == "The access token is invalid"
    assert caught.value.status == status


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            {"error": "Validation failed: Text can't be blank"},
            "Validation failed: Text can't be blank",
        ),
        (
            {"error": "InvalidRequest", "message": "grapheme too big"},
            "grapheme too big (InvalidRequest)",
        ),
        ({"error": "invalid_grant", "error_description": "Gone"}, "Gone (invalid_grant)"),
        ({"message": "Unknown Webhook", "code": 10015}, "Unknown Webhook"),
        ("invalid_payload", "invalid_payload"),
        (None, "HTTP 422 Unprocessable Entity"),
    ],
)
def test_other_4xx_are_permanent_with_the_platform_words(
    server: JsonServer, client: HttpClient, body: object, message: str
) -> None:
    server.fail_next(422, body)
    with pytest.raises(PermanentError) as caught:
        client.request("POST", server.url, json={})
    assert caught.value.message == message
    assert caught.value.status == 422


def test_error_text_is_cut_to_500_characters(server: JsonServer, client: HttpClient) -> None:
    server.fail_next(400, "x" * 2000)
    with pytest.raises(PermanentError) as caught:
        client.request("POST", server.url, json={})
    assert len(caught.value.message) == 500


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
def test_429_and_5xx_are_transient(server: JsonServer, client: HttpClient, status: int) -> None:
    server.fail_next(status, {"error": "busy"}, {"Retry-After": "7"})
    with pytest.raises(TransientError) as caught:
        client.request("POST", server.url, json={})
    assert caught.value.status == status
    assert caught.value.retry_after == 7


def test_retry_after_http_date(server: JsonServer, client: HttpClient) -> None:
    server.fail_next(429, None, {"Retry-After": "Wed, 21 Oct 2099 07:28:00 GMT"})
    with pytest.raises(TransientError) as caught:
        client.request("GET", server.url)
    assert caught.value.retry_after is not None and caught.value.retry_after > 86400


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"retry-after": "12"}, 12.0),
        ({"retry-after": "1.5"}, 1.5),
        ({"retry-after": "Fri, 14 Mar 2025 09:31:00 GMT"}, 60.0),
        ({"retry-after": "Fri, 14 Mar 2025 09:00:00 GMT"}, 0.0),
        ({"x-ratelimit-reset": "2025-03-14T09:35:00.000Z"}, 300.0),
        ({"ratelimit-reset": str(int(NOW.timestamp()) + 90)}, 90.0),
        ({"retry-after": "soon"}, None),
        ({}, None),
    ],
)
def test_retry_after_seconds(headers: dict[str, str], expected: float | None) -> None:
    assert retry_after_seconds(headers, NOW) == expected


def test_redirects_are_not_followed(server: JsonServer, client: HttpClient) -> None:
    server.fail_next(302, None, {"Location": "http://169.254.169.254/latest/meta-data"})
    with pytest.raises(PermanentError) as caught:
        client.request("GET", server.url)
    assert "169.254.169.254/latest/meta-data" in caught.value.message
    assert len(server.requests) == 1


def test_slow_post_is_an_unknown_outcome(
    server: JsonServer, slow_options: ConnectorOptions
) -> None:
    server.delay_next(2)
    with pytest.raises(UnknownOutcomeError) as caught:
        HttpClient(slow_options).request("POST", server.url, json={}, safe_to_retry=True)
    assert caught.value.safe_to_retry is True


def test_slow_get_is_transient(server: JsonServer, slow_options: ConnectorOptions) -> None:
    server.delay_next(2)
    with pytest.raises(TransientError):
        HttpClient(slow_options).request("GET", server.url)


def test_reset_after_sending_is_an_unknown_outcome(server: JsonServer, client: HttpClient) -> None:
    server.reset_next()
    with pytest.raises(UnknownOutcomeError) as caught:
        client.request("POST", server.url, json={})
    assert caught.value.safe_to_retry is False


def test_refused_connection_is_transient(client: HttpClient) -> None:
    with pytest.raises(TransientError) as caught:
        client.request("POST", closed_port_url(), json={})
    assert "connection refused" in caught.value.message


def test_probe_connects_without_a_request(server: JsonServer, client: HttpClient) -> None:
    client.probe(server.url)
    with pytest.raises(TransientError):
        client.probe(closed_port_url())
    assert server.requests == []


def test_loopback_is_refused_without_allow_private_hosts(server: JsonServer) -> None:
    client = HttpClient(ConnectorOptions())
    port = server.url.rsplit(":", 1)[1]
    with pytest.raises(UnsafeDestinationError, match="127.0.0.1"):
        client.request("GET", f"https://127.0.0.1:{port}/")
    with pytest.raises(UnsafeDestinationError, match="Plain http"):
        client.request("GET", server.url)
    assert server.requests == []


@pytest.mark.parametrize(
    "url",
    [
        "https://10.1.2.3/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/",
        "https://[::ffff:127.0.0.1]/",
        "https://192.168.1.10/",
        "https://100.64.0.1/",
        "https://0.0.0.0/",
        "https://localhost/",
    ],
)
def test_private_addresses_are_refused(url: str) -> None:
    with pytest.raises(UnsafeDestinationError):
        HttpClient(ConnectorOptions()).request("POST", url, json={})


@pytest.mark.parametrize(
    "url", ["ftp://example.com/", "https://user:secret@example.com/", "file:///etc/passwd"]
)
def test_odd_urls_are_refused(url: str) -> None:
    with pytest.raises(UnsafeDestinationError):
        HttpClient(ConnectorOptions(allow_private_hosts=True)).request("GET", url)


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("8.8.8.8", True),
        ("2a00:1450:4001::1", True),
        ("127.0.0.1", False),
        ("10.0.0.1", False),
        ("172.16.0.1", False),
        ("169.254.169.254", False),
        ("100.64.0.1", False),
        ("::1", False),
        ("fe80::1", False),
        ("fc00::1", False),
        ("::ffff:10.0.0.1", False),
        ("224.0.0.1", False),
    ],
)
def test_is_public(address: str, public: bool) -> None:
    assert is_public(ipaddress.ip_address(address)) is public


@pytest.mark.parametrize(
    ("raw", "cleaned"),
    [
        (" https://mastodon.social ", "https://mastodon.social"),
        ("mastodon.social", "https://mastodon.social"),
    ],
)
def test_clean_url(raw: str, cleaned: str) -> None:
    assert clean_url(raw, default_scheme="https") == cleaned


@pytest.mark.parametrize(
    "raw", ["ftp://x.org", "https://", "https://a:b@x.org", "https://x.org:port", "https://x .org"]
)
def test_clean_url_rejects(raw: str) -> None:
    with pytest.raises(ValueError):
        clean_url(raw)
