"""A small JSON-over-HTTP client that knows which failures are safe to retry.

It resolves each host once and connects to the checked addresses (see ``ssrf``),
refuses plain ``http`` unless private hosts are allowed (a local or test setup:
tokens must not cross the internet in clear text), never follows redirects, and
turns every failure into one of the typed errors in ``errors``.
"""

from __future__ import annotations

import functools
import http.client
import json as jsonlib
import logging
import socket
import ssl
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode, urlsplit

from planner.connectors import hosts, ssrf
from planner.connectors.errors import (
    PermanentError,
    TransientError,
    UnknownOutcomeError,
    UnsafeDestinationError,
)
from planner.connectors.replies import ERROR_TEXT_LIMIT, Response, error_for_response

if TYPE_CHECKING:
    from planner.connectors.base import ConnectorOptions

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 2 * 1024 * 1024
SAFE_METHODS = frozenset({"GET", "HEAD"})


@dataclass
class Sent:
    """How many requests went out inside a ``counting()`` block."""

    requests: int = 0


_sent: ContextVar[Sent | None] = ContextVar("planner_requests_sent", default=None)


@contextmanager
def counting() -> Iterator[Sent]:
    """Count the requests this thread sends inside the block, whichever client sends them.

    The inbox spends each account's read budget by what a look really cost (pages, replies
    of comments, a token refresh), which only the client sees.
    """
    sent = Sent()
    token = _sent.set(sent)
    try:
        yield sent
    finally:
        _sent.reset(token)


@dataclass(frozen=True)
class Target:
    """Where a request goes, split the way ``http.client`` needs it."""

    scheme: str
    host: str
    port: int
    path: str

    @property
    def origin(self) -> str:
        """Return scheme, host and port: the part of a URL that is safe to log."""
        return f"{self.scheme}://{self.host}:{self.port}"


def parse_target(url: str, *, allow_private: bool) -> Target:
    """Split *url*, refusing schemes other than https (and http when private hosts are allowed)."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise UnsafeDestinationError(f"Only https URLs can be used, not {scheme or 'no'} scheme")
    if scheme == "http" and not allow_private:
        raise UnsafeDestinationError(
            "Plain http is refused because credentials would travel unencrypted; use https"
        )
    if parts.username is not None or parts.password is not None:
        raise UnsafeDestinationError("URLs with a user name or password in them are refused")
    host = parts.hostname
    if not host:
        raise UnsafeDestinationError("The URL has no host name")
    try:
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError as exc:
        raise UnsafeDestinationError("The URL has an invalid port") from exc
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return Target(scheme=scheme, host=host, port=port, path=path)


def with_query(url: str, params: Mapping[str, str] | None) -> str:
    """Append *params* to *url*, keeping any query it already has."""
    if not params:
        return url
    separator = "&" if urlsplit(url).query else "?"
    return f"{url}{separator}{urlencode(params)}"


@functools.cache
def tls_context() -> ssl.SSLContext:
    """Return the shared TLS settings, built once because loading CA certificates is slow."""
    return ssl.create_default_context()


class HttpClient:
    """Send requests and return whole replies, reusing idle connections from the options' pool."""

    def __init__(self, options: ConnectorOptions) -> None:
        self.options = options

    def request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, str] | None = None,
        json: Any = None,
        data: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        safe_to_retry: bool = False,
        check: bool = True,
    ) -> Response:
        """Send a request and return the reply; with *check*, a non-2xx reply raises.

        *safe_to_retry* says whether the platform de-duplicates this request, which
        decides ``UnknownOutcomeError.safe_to_retry`` when the reply is lost.
        A 3xx always raises ``PermanentError``: redirects are never followed. *data* is sent
        as it is (an upload); its ``Content-Type`` goes in *headers*.
        """
        target = parse_target(
            hosts.rewrite(with_query(url, params), self.options.host_overrides),
            allow_private=self.options.allow_private_hosts,
        )
        body = data
        pool = self.options.connection_pool
        all_headers = {
            "User-Agent": self.options.user_agent,
            "Accept": "application/json",
            "Connection": "close" if pool is None else "keep-alive",
        }
        if json is not None:
            body = jsonlib.dumps(json, ensure_ascii=False).encode("utf-8")
            all_headers["Content-Type"] = "application/json; charset=utf-8"
        all_headers.update(headers or {})
        started = time.monotonic()
        key = (target.scheme, target.host, target.port)
        connection = pool.take(key) if pool is not None else None
        if connection is None:
            connection = self._connect(target)
        if (sent := _sent.get()) is not None:
            sent.requests += 1
        reusable = False
        try:
            response, reusable = self._exchange(
                connection, method, target, body, all_headers, safe_to_retry
            )
        finally:
            if reusable and pool is not None:
                pool.give_back(key, connection)
            else:
                connection.close()
        logger.debug(
            "%s %s -> %s in %.0f ms",
            method,
            target.origin,
            response.status,
            (time.monotonic() - started) * 1000,
        )
        if 300 <= response.status < 400:
            location = response.headers.get("location", "(no Location header)")
            raise PermanentError(
                f"{target.host} redirected to {location[:ERROR_TEXT_LIMIT]}; "
                "redirects are not followed, so enter the final address",
                status=response.status,
            )
        if check and not response.ok:
            raise error_for_response(response)
        return response

    def fetch(
        self, url: str, *, max_bytes: int, deadline: float, accept: str = "*/*"
    ) -> tuple[Response, bool]:
        """GET a public page for reading (a link card): the reply and whether it was cut short.

        Unlike ``request``, plain http is allowed (no credentials travel), a 3xx comes back as
        a reply for the caller to check and follow, at most *max_bytes* of the body are read,
        and the whole exchange must end by *deadline* (a ``time.monotonic()`` value), so a site
        that drips its reply cannot hold the caller past it.
        """
        target = parse_target(hosts.rewrite(url, self.options.host_overrides), allow_private=True)
        started = time.monotonic()
        if deadline - started <= 0:
            raise TransientError(f"No time was left to fetch from {target.host}")
        connection = self._connect(target, timeout=min(self.options.timeout, deadline - started))
        headers = {"User-Agent": self.options.user_agent, "Accept": accept, "Connection": "close"}
        try:
            connection.request("GET", target.path, headers=headers)
            reply = connection.getresponse()
            chunks: list[bytes] = []
            size = 0
            while size <= max_bytes:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError
                if connection.sock is not None:
                    connection.sock.settimeout(left)
                chunk = reply.read1(64 * 1024)
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
        except (OSError, http.client.HTTPException) as exc:
            raise TransientError(f"No reply from {target.host}: {_reason(exc)}") from exc
        finally:
            connection.close()
        body = b"".join(chunks)
        logger.debug(
            "GET %s -> %s, %d bytes in %.0f ms",
            target.origin,
            reply.status,
            len(body),
            (time.monotonic() - started) * 1000,
        )
        response = Response(
            status=reply.status,
            reason=reply.reason,
            headers={name.lower(): value for name, value in reply.getheaders()},
            body=body[:max_bytes],
            host=target.host,
        )
        return response, size > max_bytes

    def probe(self, url: str) -> None:
        """Open and close a connection to *url*'s host without sending a request."""
        target = parse_target(
            hosts.rewrite(url, self.options.host_overrides),
            allow_private=self.options.allow_private_hosts,
        )
        self._connect(target).close()

    def _connect(self, target: Target, timeout: float | None = None) -> http.client.HTTPConnection:
        """Connect to a checked address of the target; failing here means nothing was sent."""
        addresses = ssrf.resolve(
            target.host, target.port, allow_private=self.options.allow_private_hosts
        )
        timeout = self.options.timeout if timeout is None else timeout
        if target.scheme == "https":
            connection: http.client.HTTPConnection = http.client.HTTPSConnection(
                target.host, target.port, timeout=timeout, context=tls_context()
            )
        else:
            connection = http.client.HTTPConnection(target.host, target.port, timeout=timeout)
        failure: OSError | None = None
        for address in addresses:
            try:
                sock = socket.create_connection((address, target.port), timeout=timeout)
            except OSError as exc:
                failure = exc
                continue
            # A kept-alive connection must not hold a small request back for an ACK (Nagle).
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            try:
                if target.scheme == "https":
                    sock = tls_context().wrap_socket(sock, server_hostname=target.host)
            except OSError as exc:
                sock.close()
                raise TransientError(
                    f"Secure connection to {target.host} failed: {_reason(exc)}"
                ) from exc
            connection.sock = sock
            # Never let http.client reconnect on its own: it would resolve the name again,
            # past the address check above.
            connection.auto_open = 0
            return connection
        assert failure is not None
        raise TransientError(
            f"Could not connect to {target.host}:{target.port}: {_reason(failure)}"
        ) from failure

    def _exchange(
        self,
        connection: http.client.HTTPConnection,
        method: str,
        target: Target,
        body: bytes | None,
        headers: Mapping[str, str],
        safe_to_retry: bool,
    ) -> tuple[Response, bool]:
        """Send the request and read the reply, and tell whether the connection can be reused.

        Failing here may leave the outcome unknown.
        """
        try:
            connection.request(method, target.path, body=body, headers=dict(headers))
            reply = connection.getresponse()
            data = reply.read(MAX_BODY_BYTES + 1)
        except (OSError, http.client.HTTPException) as exc:
            reason = _reason(exc)
            if method.upper() in SAFE_METHODS:
                raise TransientError(f"No reply from {target.host}: {reason}") from exc
            raise UnknownOutcomeError(
                f"The request reached {target.host} but no reply came back ({reason}); "
                "it may or may not have been published",
                safe_to_retry=safe_to_retry,
            ) from exc
        if len(data) > MAX_BODY_BYTES:
            raise PermanentError(f"{target.host} sent a reply larger than {MAX_BODY_BYTES} bytes")
        # Reusable: HTTP/1.1, no "Connection: close", and the whole reply was read.
        reusable = reply.version == 11 and not reply.will_close and reply.isclosed()
        response = Response(
            status=reply.status,
            reason=reply.reason,
            headers={name.lower(): value for name, value in reply.getheaders()},
            body=data,
            host=target.host,
        )
        return response, reusable


def _reason(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError):
        return "timed out"
    if isinstance(exc, http.client.RemoteDisconnected):
        return "connection closed without a reply"
    if isinstance(exc, ConnectionResetError):
        return "connection reset"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, http.client.IncompleteRead):
        return "reply cut short"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) or type(exc).__name__


def clean_url(raw: str, *, default_scheme: str | None = None) -> str:
    """Return *raw* as a tidy http(s) URL or raise ``ValueError`` saying what is wrong.

    This is the syntax check for channel settings; whether the host is public is
    decided when connecting, because names can resolve differently later.
    """
    value = raw.strip()
    if default_scheme and "://" not in value:
        value = f"{default_scheme}://{value}"
    parts = urlsplit(value)
    if parts.scheme.lower() not in ("http", "https"):
        raise ValueError("Enter an address starting with https://")
    if parts.username is not None or parts.password is not None:
        raise ValueError("Leave the user name and password out of the address")
    if not parts.hostname:
        raise ValueError("Enter a full address including the host name")
    try:
        parts.port  # noqa: B018 - parsing the port is the check
    except ValueError as exc:
        raise ValueError("The port in the address is not a number") from exc
    if any(char.isspace() for char in value):
        raise ValueError("The address cannot contain spaces")
    return value
