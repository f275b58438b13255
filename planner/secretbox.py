"""Encryption of channel credentials at rest (Fernet; MultiFernet for key rotation).

The key lives outside the database: ``PLANNER_ENCRYPTION_KEY`` (comma-separated keys, newest
first, to rotate) or a key generated once into ``instance/encryption.key``.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet


class SecretBoxError(RuntimeError):
    """A stored secret cannot be decrypted (wrong or rotated-away key)."""


class SecretBox:
    """Encrypts JSON-able dicts to Fernet tokens and back."""

    def __init__(self, keys: list[str]) -> None:
        if not keys:
            raise ValueError("at least one encryption key is needed")
        self._fernet = MultiFernet([Fernet(k.encode()) for k in keys])

    def seal(self, data: dict[str, Any]) -> str:
        if not data:
            return ""
        return self._fernet.encrypt(json.dumps(data, sort_keys=True).encode()).decode()

    def open(self, token: str) -> dict[str, Any]:
        if not token:
            return {}
        try:
            return json.loads(self._fernet.decrypt(token.encode()))
        except InvalidToken as exc:
            raise SecretBoxError(
                "Stored credentials cannot be decrypted with the configured key."
            ) from exc

    def rotate(self, token: str) -> str:
        """Re-encrypt *token* under the newest key."""
        return self._fernet.rotate(token.encode()).decode() if token else ""


def load_keys(configured: str | None, instance_path: str | Path) -> list[str]:
    """Return the configured keys, or the instance key file's, creating it (mode 600) once."""
    if configured:
        return [k.strip() for k in configured.split(",") if k.strip()]
    path = Path(instance_path) / "encryption.key"
    if not path.exists():
        _create_key_file(path)
    key = path.read_text().strip()
    if not key:
        raise SecretBoxError(f"{path} is empty; restore the key (or set PLANNER_ENCRYPTION_KEY).")
    return [key]


def _create_key_file(path: Path) -> None:
    """Write a new key to a private temporary file, then link it into place.

    Several processes may start at once on a fresh instance: the link either appears complete
    or fails because another process's key is already there (that key wins), so nobody ever
    reads a half-written or empty key, and nobody overwrites a key already in use.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".encryption.key.")  # mode 600
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write(Fernet.generate_key().decode())
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
    finally:
        os.unlink(tmp)
