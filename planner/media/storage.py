"""Where image bytes live: files under the instance folder, or an S3-compatible bucket.

Both answer the same four calls, so the services and the connectors never know which one
they hold. Keys are made by planner (``<workspace>/<random>.<ext>``), never by a user.
"""

from __future__ import annotations

import os
import re
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from planner.media.signing import UrlSigner

_KEY = re.compile(r"^[A-Za-z0-9_-]+(/[A-Za-z0-9_-]+)*\.[a-z0-9.]+$")
_MIMES = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp", "gif": "image/gif"}


class MissingFile(LookupError):
    """The storage holds nothing under this key."""


def check_key(key: str) -> str:
    """Return *key* when it is one planner could have made (no ``..``, no absolute path)."""
    if not _KEY.match(key) or ".." in key:
        raise ValueError(f"not a media storage key: {key!r}")
    return key


def mime_of(key: str) -> str:
    """The MIME type of the file stored under *key*, read from its extension."""
    return _MIMES.get(key.rsplit(".", 1)[-1], "application/octet-stream")


class Storage(Protocol):
    """The four things the media service and the connectors ask of a storage."""

    def put(self, key: str, data: bytes, mime: str) -> None: ...

    def get(self, key: str) -> bytes: ...

    def delete(self, key: str) -> None: ...

    def signed_url(self, key: str, expires_in: int) -> str | None: ...


class LocalStorage:
    """Files under *root* (``instance/media/`` by default); public URLs are signed by *signer*."""

    def __init__(
        self,
        root: str | Path,
        signer: UrlSigner | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.root = Path(root)
        self.signer = signer
        self.clock = clock

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)

    def put(self, key: str, data: bytes, mime: str) -> None:
        """Write *data* whole or not at all (a temporary file renamed into place)."""
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def get(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            raise MissingFile(key) from None

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def signed_url(self, key: str, expires_in: int) -> str | None:
        """A URL served without login until *expires_in* seconds from now, or None unsigned."""
        if self.signer is None:
            return None
        return self.signer.url(check_key(key), expires_at=int(self.clock()) + expires_in)


class S3Storage:
    """An S3-compatible bucket through boto3; public URLs are the bucket's presigned GETs."""

    def __init__(
        self,
        *,
        bucket: str,
        endpoint_url: str | None = None,
        region: str | None = None,
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
        client: Any = None,
    ) -> None:
        self.bucket = bucket
        if client is None:
            import boto3
            from botocore.config import Config

            client = boto3.client(
                "s3",
                endpoint_url=endpoint_url or None,
                region_name=region or None,
                aws_access_key_id=access_key_id or None,
                aws_secret_access_key=secret_access_key or None,
                config=Config(signature_version="s3v4", retries={"max_attempts": 3}),
            )
        self.client = client

    def put(self, key: str, data: bytes, mime: str) -> None:
        self.client.put_object(Bucket=self.bucket, Key=check_key(key), Body=data, ContentType=mime)

    def get(self, key: str) -> bytes:
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=check_key(key))
        except self.client.exceptions.NoSuchKey:
            raise MissingFile(key) from None
        return answer["Body"].read()

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=check_key(key))

    def signed_url(self, key: str, expires_in: int) -> str | None:
        return self.client.generate_presigned_url(
            "get_object",
            Params={"Bucket": self.bucket, "Key": check_key(key)},
            ExpiresIn=expires_in,
        )
