"""Encode ``multipart/form-data`` bodies, the way Mastodon and Discord take file uploads."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class FilePart:
    """One uploaded file: the form field it fills, its name, type and bytes."""

    name: str
    filename: str
    mime: str
    data: bytes = field(repr=False)


def encode(fields: Iterable[tuple[str, str]], files: Iterable[FilePart] = ()) -> tuple[bytes, str]:
    """Return the body and its ``Content-Type`` header value (which carries the boundary)."""
    boundary = f"planner-{secrets.token_hex(16)}"
    chunks: list[bytes] = []
    for name, value in fields:
        chunks.append(_head(boundary, f'form-data; name="{_quoted(name)}"'))
        chunks.append(value.encode("utf-8"))
        chunks.append(b"\r\n")
    for part in files:
        disposition = f'form-data; name="{_quoted(part.name)}"; filename="{_quoted(part.filename)}"'
        chunks.append(_head(boundary, disposition, part.mime))
        chunks.append(part.data)
        chunks.append(b"\r\n")
    chunks.append(f"--{boundary}--\r\n".encode("ascii"))
    return b"".join(chunks), f"multipart/form-data; boundary={boundary}"


def _head(boundary: str, disposition: str, mime: str | None = None) -> bytes:
    lines = [f"--{boundary}", f"Content-Disposition: {disposition}"]
    if mime:
        lines.append(f"Content-Type: {mime}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8")


def _quoted(value: str) -> str:
    """Escape a name for a quoted header parameter, as browsers do (RFC 7578)."""
    return value.replace("\\", "\\\\").replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")


def extension(mime: str) -> str:
    """Return the usual file name extension for an image type."""
    return {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp", "image/gif": "gif"}.get(
        mime, "bin"
    )
