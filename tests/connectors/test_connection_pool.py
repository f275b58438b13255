"""Keep-alive: requests to one host reuse an idle connection, never a stale or closed one."""

from __future__ import annotations

import dataclasses
import http.client
import socket
from collections.abc import Iterator

import pytest

from planner.connectors.base import ConnectorOptions
from planner.connectors.errors import UnknownOutcomeError
from planner.connectors.http import HttpClient
from planner.connectors.pool import ConnectionPool
from tests.fakes import FakeServer, RecordedRequest, Reply


class JsonServer(FakeServer):
    """Answers every request; ``closing`` makes it ask to close the connection after replying."""

    closing = False

    def respond(self, request: RecordedRequest) -> Reply:
        headers = {"Connection": "close"} if self.closing else {}
        return Reply(200, {"ok": True}, headers)


@pytest.fixture
def server() -> Iterator[JsonServer]:
    with JsonServer() as running:
        yield running


def ports(server: FakeServer) -> list[int]:
    return [request.client_port for request in server.requests]


def test_requests_in_a_row_share_one_connection(
    server: JsonServer, options: ConnectorOptions
) -> None:
    for method in ("GET", "POST", "GET"):
        HttpClient(options).request(
            method, f"{server.url}/x", json={} if method == "POST" else None
        )
    assert len(set(ports(server))) == 1
    assert server.requests[0].headers["connection"] == "keep-alive"


def test_without_a_pool_each_request_has_its_own_connection(
    server: JsonServer, options: ConnectorOptions
) -> None:
    options = dataclasses.replace(options, connection_pool=None)
    for _ in range(3):
        HttpClient(options).request("GET", server.url)
    assert len(set(ports(server))) == 3
    assert server.requests[0].headers["connection"] == "close"


def test_a_connection_idle_too_long_is_not_reused(
    server: JsonServer, options: ConnectorOptions
) -> None:
    options = dataclasses.replace(options, connection_pool=ConnectionPool(idle_seconds=0))
    for _ in range(2):
        HttpClient(options).request("GET", server.url)
    assert len(set(ports(server))) == 2


def test_a_reply_that_closes_the_connection_is_not_reused(
    server: JsonServer, options: ConnectorOptions
) -> None:
    server.closing = True
    for _ in range(2):
        HttpClient(options).request("GET", server.url)
    assert len(set(ports(server))) == 2


def test_hosts_do_not_share_connections(options: ConnectorOptions) -> None:
    with JsonServer() as one, JsonServer() as two:
        for fake in (one, two, one):
            HttpClient(options).request("GET", fake.url)
        assert len(set(ports(one))) == 1
        assert len(ports(two)) == 1


def test_a_lost_reply_never_returns_its_connection_to_the_pool(
    server: JsonServer, options: ConnectorOptions
) -> None:
    HttpClient(options).request("GET", server.url)
    server.reset_next()
    with pytest.raises(UnknownOutcomeError):
        HttpClient(options).request("POST", server.url, json={})
    HttpClient(options).request("GET", server.url)
    first, lost, after = ports(server)
    assert lost == first  # the idle connection was reused for the POST...
    assert after != first  # ...and, once reset, never again


def connection_to() -> tuple[http.client.HTTPConnection, socket.socket]:
    ours, theirs = socket.socketpair()
    connection = http.client.HTTPConnection("example.test")
    connection.sock = ours
    return connection, theirs


def test_the_pool_drops_a_connection_the_server_closed_while_idle() -> None:
    pool = ConnectionPool()
    connection, theirs = connection_to()
    pool.give_back("key", connection)
    theirs.close()  # the server's idle timeout: its end goes away
    assert pool.take("key") is None
    assert connection.sock is None  # closed, not leaked


def test_the_pool_hands_back_a_live_connection_once() -> None:
    pool = ConnectionPool()
    connection, theirs = connection_to()
    pool.give_back("key", connection)
    assert pool.take("other") is None
    assert pool.take("key") is connection
    assert pool.take("key") is None
    theirs.close()
    connection.close()


def test_the_pool_keeps_at_most_its_share_per_host() -> None:
    pool = ConnectionPool(per_host=1)
    kept, theirs_kept = connection_to()
    extra, theirs_extra = connection_to()
    pool.give_back("key", kept)
    pool.give_back("key", extra)
    assert extra.sock is None  # closed at once
    assert pool.take("key") is kept
    pool.close_all()
    for sock in (theirs_kept, theirs_extra):
        sock.close()
    kept.close()
