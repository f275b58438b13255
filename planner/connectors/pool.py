"""Idle keep-alive connections, kept briefly so the next request to the same host reuses one.

A post on Instagram or Threads takes several requests in a row to one API host; opening a new
connection (and on https a TLS handshake) for each costs more than the request. Only plainly
reusable connections come back here: a reply read to its end, on HTTP/1.1, that did not ask to
close. A connection idle longer than ``IDLE_SECONDS`` is closed rather than reused, because a
server may drop idle connections after a few seconds (Apache and Node after 5), and one the
server has already closed is noticed (its socket reads as ready) and dropped before any request
is written to it.
"""

from __future__ import annotations

import http.client
import select
import threading
import time
from collections.abc import Hashable

IDLE_SECONDS = 4.0
PER_HOST = 8  # about one per worker thread: enough for a burst to one API


class ConnectionPool:
    """Idle connections by (scheme, host, port); thread safe, never blocks a caller."""

    def __init__(self, *, idle_seconds: float = IDLE_SECONDS, per_host: int = PER_HOST) -> None:
        self.idle_seconds = idle_seconds
        self.per_host = per_host
        self._idle: dict[Hashable, list[tuple[float, http.client.HTTPConnection]]] = {}
        self._lock = threading.Lock()

    def take(self, key: Hashable) -> http.client.HTTPConnection | None:
        """Return a live idle connection for *key*, newest first, or None to open a new one."""
        now = time.monotonic()
        stale: list[http.client.HTTPConnection] = []
        found = None
        with self._lock:
            idle = self._idle.get(key, [])
            while idle:
                since, connection = idle.pop()
                if now - since < self.idle_seconds and _still_open(connection):
                    found = connection
                    break
                stale.append(connection)
        for connection in stale:
            connection.close()
        return found

    def give_back(self, key: Hashable, connection: http.client.HTTPConnection) -> None:
        """Keep *connection* for the next request to *key*, or close it when enough are kept."""
        with self._lock:
            idle = self._idle.setdefault(key, [])
            if len(idle) < self.per_host:
                idle.append((time.monotonic(), connection))
                return
        connection.close()

    def close_all(self) -> None:
        """Close every idle connection (a worker stopping)."""
        with self._lock:
            idle, self._idle = self._idle, {}
        for connections in idle.values():
            for _since, connection in connections:
                connection.close()


def _still_open(connection: http.client.HTTPConnection) -> bool:
    """An idle connection's socket has nothing to read; readable means closed (or garbage)."""
    sock = connection.sock
    if sock is None:
        return False
    try:
        readable, _, _ = select.select([sock], [], [], 0)
    except (OSError, ValueError):
        return False
    return not readable
