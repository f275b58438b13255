"""Encryption of channel credentials at rest (Fernet; MultiFernet for key rotation).

The key lives outside the database: ``PLANNER_ENCRYPTION_KEY`` (comma-separated keys, newest
first, to rotate) or a key generated once into ``instance/encryption.key``.
"""

from __future__ import annotations

import json
import os
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
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(Fernet.generate_key().decode())
    return [path.read_text().strip()]
