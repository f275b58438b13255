"""Write posts to a local JSON Lines file, for trying planner out and for tests."""

from __future__ import annotations

import json
import logging
import threading
from pathlib import Path
from typing import IO, Any

from planner.connectors.base import Connector, PublishRequest, PublishResult
from planner.connectors.errors import PermanentError
from planner.timeutils import utcnow

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows has no fcntl; the thread lock still applies
    fcntl = None  # type: ignore[assignment]

logger = logging.getLogger(__name__)

_write_lock = threading.Lock()


class OutboxConnector(Connector):
    """Append each post as one JSON line to ``<outbox_dir>/channel-<id>.jsonl``."""

    platform = "outbox"
    label = "Outbox"
    max_length = None
    secret_fields = ()
    config_fields = ()

    def directory(self) -> Path:
        """Return the outbox directory, which the deployment must configure."""
        if self.options.outbox_dir is None:
            raise PermanentError("No outbox directory is configured for this planner")
        return Path(self.options.outbox_dir)

    def path_for(self, channel_id: int) -> Path:
        """Return the file that holds one channel's posts."""
        return self.directory() / f"channel-{channel_id}.jsonl"

    def check(self) -> str:
        """Make sure the outbox directory exists and can be written to."""
        directory = self.directory()
        try:
            directory.mkdir(parents=True, exist_ok=True)
            probe = directory / ".write-check"
            probe.write_text("ok", encoding="utf-8")
            probe.unlink()
        except OSError as exc:
            raise PermanentError(f"Cannot write to the outbox {directory}: {exc.strerror}") from exc
        return f"Writes to {directory}"

    def publish(self, request: PublishRequest) -> PublishResult:
        """Append the post unless a line with the same idempotency key is already there."""
        self._refuse_too_many_images(request.media)
        path = self.path_for(request.channel_id)
        result = PublishResult(external_id=f"outbox:{request.delivery_id}", external_url=None)
        line = {
            "delivery_id": request.delivery_id,
            "idempotency_key": request.idempotency_key,
            "post_id": request.post_id,
            "channel_id": request.channel_id,
            "category": request.category,
            "scheduled_at": request.scheduled_at.isoformat(),
            "published_at": utcnow().isoformat(),
            "text": self.compose(request.text, request.link),
            "link": request.link,
            "media": [
                {
                    "key": item.key,
                    "url": item.url,
                    "alt": item.alt,
                    "mime": item.mime,
                    "width": item.width,
                    "height": item.height,
                    "sha256": item.digest,
                }
                for item in request.media
            ],
        }
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with _write_lock, path.open("a+b") as handle:
                _lock_file(handle)
                handle.seek(0)
                existing = _find_key(handle, request.idempotency_key)
                if existing is not None:
                    logger.info("Outbox already holds delivery %s", request.delivery_id)
                    return PublishResult(
                        external_id=f"outbox:{existing['delivery_id']}", external_url=None
                    )
                data = json.dumps(line, ensure_ascii=False).encode("utf-8") + b"\n"
                if handle.seek(0, 2) > 0:
                    handle.seek(-1, 2)
                    if handle.read(1) != b"\n":
                        # A crash cut the last line short: start ours on a fresh line.
                        data = b"\n" + data
                handle.write(data)
                handle.flush()
        except OSError as exc:
            raise PermanentError(f"Cannot write to the outbox {path}: {exc.strerror}") from exc
        return result


def _lock_file(handle: IO[bytes]) -> None:
    """Hold an exclusive lock until the file is closed, so two workers never interleave."""
    if fcntl is not None:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)


def _find_key(handle: IO[bytes], key: str) -> dict[str, Any] | None:
    """Return the line written for *key*, skipping (and reporting) lines a crash cut short."""
    for number, raw in enumerate(handle, start=1):
        if not raw.strip():
            continue
        try:
            entry = json.loads(raw)
        except ValueError:
            logger.warning("Skipping unreadable line %d of outbox %s", number, handle.name)
            continue
        if isinstance(entry, dict) and entry.get("idempotency_key") == key:
            return entry
    return None
