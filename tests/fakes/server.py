"""A scriptable loopback HTTP server that the platform fakes build on."""

from __future__ import annotations

import json
import logging
import socket
import ssl
import struct
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qsl, urlsplit

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the fake received it; header names are lower case."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    client_port: int = 0  # which connection it came on: the client's port

    @property
    def json(self) -> Any:
        """Return the decoded JSON body, or ``None`` when the body is not JSON."""
        try:
            return json.loads(self.body) if self.body else None
        except ValueError:
            return None

    @property
    def form(self) -> list[FormPart]:
        """Return the parts of a ``multipart/form-data`` body (``ValueError`` if it is not one)."""
        return parse_multipart(self.headers.get("content-type", ""), self.body)

    @property
    def bearer(self) -> str | None:
        """Return the bearer token from the Authorization header, if any."""
        value = self.headers.get("authorization", "")
        scheme, _, token = value.partition(" ")
        return token.strip() if scheme.lower() == "bearer" and token.strip() else None


@dataclass(frozen=True)
class FormPart:
    """One field of a ``multipart/form-data`` body; ``filename`` is set for a file."""

    name: str
    value: bytes
    filename: str | None = None
    mime: str | None = None

    @property
    def text(self) -> str:
        """Return the value decoded as UTF-8."""
        return self.value.decode("utf-8")


def parse_multipart(content_type: str, body: bytes) -> list[FormPart]:
    """Split a multipart body into its parts, strictly enough to catch a malformed upload."""
    kind, _, params = content_type.partition(";")
    if kind.strip().lower() != "multipart/form-data" or "boundary=" not in params:
        raise ValueError(f"not a multipart body: {content_type!r}")
    boundary = params.split("boundary=", 1)[1].split(";")[0].strip().strip('"').encode()
    sections = body.split(b"--" + boundary)
    if len(sections) < 2 or not sections[-1].startswith(b"--"):
        raise ValueError("multipart body without its closing boundary")
    parts = []
    for section in sections[1:-1]:
        if not section.startswith(b"\r\n") or not section.endswith(b"\r\n"):
            raise ValueError("multipart part not framed by CRLF")
        head, separator, value = section[2:-2].partition(b"\r\n\r\n")
        if not separator:
            raise ValueError("multipart part without headers")
        headers = {}
        for line in head.decode("utf-8").split("\r\n"):
            name, _, header_value = line.partition(":")
            headers[name.strip().lower()] = header_value.strip()
        disposition = headers.get("content-disposition", "")
        found = dict(
            (key.strip(), raw.strip().strip('"'))
            for key, _, raw in (item.partition("=") for item in disposition.split(";")[1:])
        )
        parts.append(
            FormPart(
                name=found.get("name", ""),
                value=value,
                filename=found.get("filename"),
                mime=headers.get("content-type"),
            )
        )
    return parts


@dataclass
class Reply:
    """What a fake answers: a dict or list becomes JSON, a str plain text."""

    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)

    def encode(self) -> tuple[bytes, str]:
        """Return the body bytes and their content type."""
        if self.body is None:
            return b"", "text/plain; charset=utf-8"
        if isinstance(self.body, bytes):
            return self.body, "application/octet-stream"
        if isinstance(self.body, str):
            return self.body.encode("utf-8"), "text/plain; charset=utf-8"
        return json.dumps(self.body).encode("utf-8"), "application/json; charset=utf-8"


@dataclass
class _Scripted:
    kind: str
    remaining: int
    path: str | None
    reply: Reply | None = None
    seconds: float = 0.0
    landed: bool = True
    method: str | None = None

    def matches(self, request: RecordedRequest) -> bool:
        if self.method is not None and request.method != self.method:
            return False
        if self.path is not None and self.path.endswith("$"):  # "/publish$": the path's end
            return request.path.endswith(self.path[:-1])
        return self.path is None or self.path in request.path


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # Do not wait for handlers sleeping in delay_next(); stop() wakes them instead.
    block_on_close = False


class FakeServer:
    """Serve ``respond()`` on 127.0.0.1 with an ephemeral port, logging every request.

    Failures are scripted per request with ``fail_next``, ``delay_next`` and
    ``reset_next``; an optional *path* restricts a scripted failure to requests
    whose path contains it.
    """

    host = "127.0.0.1"  # any loopback address; a test may serve from a second one

    def __init__(self, *, tls: ssl.SSLContext | None = None) -> None:
        self.tls = tls
        self.lock = threading.RLock()
        self._requests: list[RecordedRequest] = []
        self._script: list[_Scripted] = []
        self._stopping = threading.Event()
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """Return the base URL, like ``http://127.0.0.1:54321``."""
        if self._httpd is None:
            raise RuntimeError(f"{type(self).__name__} is not started")
        host, port = self._httpd.server_address[:2]
        return f"{'https' if self.tls else 'http'}://{host}:{port}"

    def start(self) -> Self:
        """Start serving in a daemon thread."""
        self._stopping.clear()
        self._httpd = _Server((self.host, 0), _handler_for(self))
        if self.tls is not None:
            self._httpd.socket = self.tls.wrap_socket(self._httpd.socket, server_side=True)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            # A short poll keeps stop() quick: shutdown() waits for the next poll.
            kwargs={"poll_interval": 0.02},
            name=type(self).__name__,
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and wake any reply that is being delayed."""
        self._stopping.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = None
        self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def requests(self) -> list[RecordedRequest]:
        """Return a copy of every request received so far."""
        with self.lock:
            return list(self._requests)

    def requests_to(self, path: str, method: str | None = None) -> list[RecordedRequest]:
        """Return the requests whose path contains *path* (and whose method is *method*)."""
        return [
            request
            for request in self.requests
            if path in request.path and (method is None or request.method == method)
        ]

    def fail_next(
        self,
        status: int,
        body: Any = None,
        headers: dict[str, str] | None = None,
        times: int = 1,
        *,
        path: str | None = None,
    ) -> None:
        """Answer the next *times* requests with *status* instead of handling them."""
        reply = Reply(status, body, dict(headers or {}))
        self._add(_Scripted("fail", times, path, reply=reply))

    def delay_next(self, seconds: float, *, times: int = 1, path: str | None = None) -> None:
        """Handle the next requests normally but wait *seconds* before replying."""
        self._add(_Scripted("delay", times, path, seconds=seconds))

    def reset_next(
        self,
        *,
        times: int = 1,
        path: str | None = None,
        landed: bool = True,
        method: str | None = None,
    ) -> None:
        """Read the next requests, then reset the connection without replying.

        With *landed* (the default) the request is handled first, like a server whose
        reply is lost; without it the request has no effect. *method* limits it to one method.
        """
        self._add(_Scripted("reset", times, path, landed=landed, method=method))

    def respond(self, request: RecordedRequest) -> Reply:
        """Answer one request; subclasses implement the platform."""
        return Reply(404, {"error": "Not found"})

    def _add(self, entry: _Scripted) -> None:
        with self.lock:
            self._script.append(entry)

    def _take(self, request: RecordedRequest) -> _Scripted | None:
        with self.lock:
            for entry in self._script:
                if entry.matches(request):
                    entry.remaining -= 1
                    if entry.remaining <= 0:
                        self._script.remove(entry)
                    return entry
        return None

    def _serve(self, handler: BaseHTTPRequestHandler) -> None:
        """Record the request, apply any scripted failure, and reply."""
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        parts = urlsplit(handler.path)
        request = RecordedRequest(
            method=handler.command,
            path=parts.path,
            query=dict(parse_qsl(parts.query, keep_blank_values=True)),
            headers={name.lower(): value for name, value in handler.headers.items()},
            body=body,
            client_port=int(handler.client_address[1]),
        )
        with self.lock:
            self._requests.append(request)
        action = self._take(request)
        if action is not None and action.kind == "fail":
            assert action.reply is not None
            _write(handler, action.reply)
            return
        if action is not None and action.kind == "reset":
            if action.landed:
                self.respond(request)
            _reset(handler)
            return
        reply = self.respond(request)
        if action is not None and action.kind == "delay":
            self._stopping.wait(action.seconds)
        _write(handler, reply)


def _write(handler: BaseHTTPRequestHandler, reply: Reply) -> None:
    data, content_type = reply.encode()
    try:
        handler.send_response(reply.status)
        headers = {"Content-Type": content_type, **reply.headers}
        for name, value in headers.items():
            handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)
        handler.wfile.flush()
    except (BrokenPipeError, ConnectionResetError):
        # The client gave up waiting (a delayed reply): exactly what the test wanted.
        logger.debug("Client left before the reply to %s %s", handler.command, handler.path)


def _reset(handler: BaseHTTPRequestHandler) -> None:
    """Close the connection with a TCP reset instead of a reply."""
    handler.close_connection = True
    handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    handler.connection.close()


def _handler_for(fake: FakeServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        # Keep-alive, as the platforms' servers: planner's client reuses idle connections.
        # A reply goes out in one write with Nagle off, or every kept-alive reply would wait
        # for the client's delayed ACK of its headers (40 ms on Linux).
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True
        wbufsize = 64 * 1024

        def do_GET(self) -> None:
            fake._serve(self)

        do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_GET

        def log_message(self, format: str, *args: Any) -> None:
            logger.debug("%s: " + format, type(fake).__name__, *args)

    return Handler


def closed_port_url() -> str:
    """Return an http URL on 127.0.0.1 where nothing listens, for connection-refused tests."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"
