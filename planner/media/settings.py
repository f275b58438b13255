"""Build the media storage and limits from the app's settings (a plain mapping, no Flask)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from planner.media.processing import DEFAULT_MAX_BYTES, DEFAULT_MAX_PIXELS
from planner.media.signing import UrlSigner
from planner.media.storage import LocalStorage, S3Storage, Storage


@dataclass(frozen=True)
class MediaLimits:
    """How large an upload may be, in bytes and in pixels."""

    max_bytes: int = DEFAULT_MAX_BYTES
    max_pixels: int = DEFAULT_MAX_PIXELS


def limits_from_config(config: Mapping[str, Any]) -> MediaLimits:
    return MediaLimits(
        max_bytes=int(config.get("MEDIA_MAX_BYTES") or DEFAULT_MAX_BYTES),
        max_pixels=int(config.get("MEDIA_MAX_PIXELS") or DEFAULT_MAX_PIXELS),
    )


def signer_from_config(config: Mapping[str, Any]) -> UrlSigner:
    return UrlSigner(str(config["SECRET_KEY"]), str(config.get("BASE_URL") or ""))


def storage_from_config(config: Mapping[str, Any], instance_path: str | Path) -> Storage:
    """``MEDIA_STORAGE`` picks ``local`` (files under instance/media/, the default) or ``s3``."""
    kind = str(config.get("MEDIA_STORAGE") or "local").lower()
    if kind == "s3":
        bucket = config.get("S3_BUCKET")
        if not bucket:
            raise ValueError("PLANNER_MEDIA_STORAGE=s3 needs PLANNER_S3_BUCKET.")
        return S3Storage(
            bucket=str(bucket),
            endpoint_url=config.get("S3_ENDPOINT_URL"),
            region=config.get("S3_REGION"),
            access_key_id=config.get("S3_ACCESS_KEY_ID"),
            secret_access_key=config.get("S3_SECRET_ACCESS_KEY"),
        )
    if kind != "local":
        raise ValueError(f"PLANNER_MEDIA_STORAGE must be 'local' or 's3', not {kind!r}.")
    return LocalStorage(Path(instance_path) / "media", signer=signer_from_config(config))
