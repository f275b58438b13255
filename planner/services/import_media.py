"""Images named in an imported file: downloaded at preview time, so the preview shows each
row's problems (an address that answers 404, a file that is no image) before anything is saved.

Downloads go through the connectors' SSRF-guarded client: public addresses only, no
redirects, a time and size cap.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session

from planner.connectors.bundle import Connectors
from planner.connectors.errors import ConnectorError
from planner.connectors.http import MAX_BODY_BYTES, HttpClient
from planner.csvformats import SourceRow
from planner.media.settings import MediaLimits
from planner.media.storage import Storage
from planner.models import Post
from planner.services import media as media_service
from planner.services.errors import ValidationError
from planner.services.workspaces import Access

logger = logging.getLogger(__name__)

LEFT_OUT = "The image is left out: planner posts text and links."


@dataclass(frozen=True)
class ImageImport:
    """Where imported images are stored and how large they may be."""

    storage: Storage
    limits: MediaLimits


def _download(client: HttpClient, url: str) -> bytes:
    """The bytes at *url*, or a ValidationError whose message says what went wrong."""
    try:
        answer = client.request("GET", url, headers={"Accept": "image/*"})
    except ConnectorError as exc:
        message = str(exc)
        if "larger than" in message:
            message = f"the image is larger than {MAX_BODY_BYTES // 1_048_576} MB"
        raise ValidationError(message) from None
    except ValueError as exc:  # not an http(s) address, or one the guard refuses to parse
        raise ValidationError(str(exc)) from None
    return answer.body


def attach_images(
    *,
    session: Session,
    acc: Access,
    source_rows: Sequence[SourceRow],
    rows: Sequence[dict[str, Any]],
    columns: Mapping[str, str],
    images: ImageImport | None,
    connectors: Connectors,
    now: datetime,
) -> None:
    """Download the images of each ready row into the library and list them on its post.

    A row whose image cannot be had gets an error on the image column and is not imported.
    Without *images* (no storage given) the addresses are noted as left out.
    """
    column = columns.get("media", "images")
    client = HttpClient(connectors.options)
    for source, row in zip(source_rows, rows, strict=True):
        if not source.image_urls:
            continue
        if images is None:
            row["notes"].append(LEFT_OUT)
            continue
        if not row["ok"]:
            continue
        urls = source.image_urls
        errors = []
        if len(urls) > media_service.MAX_PER_POST:
            errors.append(f"At most {media_service.MAX_PER_POST} images per post.")
            urls = ()
        ids: list[int] = []
        for url in urls:
            try:
                data = _download(client, url)
                media = media_service.upload(
                    session=session,
                    acc=acc,
                    storage=images.storage,
                    data=data,
                    filename=url.rsplit("/", 1)[-1][:255],
                    limits=images.limits,
                    now=now,
                )
            except ValidationError as exc:
                errors.append(f"{url[:200]}: {exc.message}")
                continue
            ids.append(media.id)
        if errors:
            row.update(ok=False, post=None)
            row["errors"] += [{"column": column, "message": m} for m in errors]
        else:
            row["post"]["media_ids"] = ids


def give_images(
    *,
    session: Session,
    acc: Access,
    posts: Sequence[Post],
    saved: Sequence[Mapping[str, Any]],
    now: datetime,
) -> None:
    """Put each imported post's downloaded images on it, in the file's order."""
    for post, values in zip(posts, saved, strict=True):
        ids = values.get("media_ids") or []
        if ids:
            media_service.set_post_media(
                session=session, acc=acc, post=post, items=[(i, None) for i in ids], now=now
            )
