"""The images a delivery sends: the post's stored files, read and handed to the connector.

The worker loads a post's images once per attempt; each connector then makes its own
rendition (``Connector.rendition``). Platforms that fetch images themselves get a signed,
expiring address of the stored file.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
from collections.abc import Callable, Sequence
from typing import Protocol

from sqlmodel import Session

from planner.connectors.base import LinkCard, MediaItem
from planner.media.storage import mime_of
from planner.models import Post
from planner.services.link_cards import cards_for
from planner.services.media import images_for_posts

logger = logging.getLogger(__name__)

# Long enough for a platform that fetches late (Slack shows images from their address).
URL_SECONDS = 7 * 24 * 3600

MediaLoader = Callable[[Session, int], tuple[MediaItem, ...]]
ImageHost = Callable[[bytes, str], str | None]
RENDITION_EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}
# Reads the link card of a post for its outgoing link (tagged as sent), or None.
CardLoader = Callable[[Session, Post, str | None], LinkCard | None]


class MediaUnavailable(Exception):
    """An image of the post cannot be read from storage, so the post cannot go out whole."""


class StoredImage(Protocol):
    """What the worker needs of a stored image (the ``Media`` table's columns)."""

    @property
    def storage_key(self) -> str: ...

    @property
    def mime(self) -> str: ...

    @property
    def width(self) -> int: ...

    @property
    def height(self) -> int: ...

    @property
    def alt(self) -> str | None: ...

    @property
    def sha256(self) -> str | None: ...


class ImageStore(Protocol):
    """The storage calls sending needs."""

    def get(self, key: str) -> bytes: ...

    def put(self, key: str, data: bytes, mime: str) -> None: ...

    def signed_url(self, key: str, expires_in: int) -> str | None: ...


def no_media(session: Session, post_id: int) -> tuple[MediaItem, ...]:
    """Load nothing: for deployments and tests without media storage."""
    return ()


def stored_media(store: ImageStore, *, url_seconds: int = URL_SECONDS) -> MediaLoader:
    """Return the worker's loader of a post's images from the media tables and *store*."""

    def load(session: Session, post_id: int) -> tuple[MediaItem, ...]:
        images = images_for_posts(session=session, post_ids=[post_id]).get(post_id, [])
        items = items_for([i.media for i in images], store=store, url_seconds=url_seconds)
        return tuple(
            dataclasses.replace(item, fit=image.fit)
            for item, image in zip(items, images, strict=True)
        )

    return load


def items_for(
    images: Sequence[StoredImage], *, store: ImageStore, url_seconds: int = URL_SECONDS
) -> tuple[MediaItem, ...]:
    """Read each image from *store* and describe it for the connectors, in the post's order."""
    items = []
    for image in images:
        try:
            data = store.get(image.storage_key)
        except (LookupError, OSError) as exc:
            logger.warning("Cannot read image %s from storage: %s", image.storage_key, exc)
            raise MediaUnavailable(
                "An image of this post is missing from storage; remove it or upload it again."
            ) from exc
        items.append(
            MediaItem(
                data=data,
                mime=image.mime,
                width=image.width,
                height=image.height,
                alt=image.alt or "",
                url=store.signed_url(image.storage_key, url_seconds),
                key=image.storage_key,
                sha256=image.sha256,
            )
        )
    return tuple(items)


def image_host(store: ImageStore, *, url_seconds: int = URL_SECONDS) -> ImageHost:
    """Return the worker's ``PublishRequest.host_image``: renditions stored by their content.

    A rendition is kept under ``renditions/<sha256>.<ext>``, written only when it is not there
    yet, and given a signed address that lasts as long as the originals' (None when the
    storage cannot sign addresses).
    """

    def host(data: bytes, mime: str) -> str | None:
        extension = RENDITION_EXTENSIONS.get(mime)
        if extension is None:
            raise ValueError(f"Cannot host a rendition of type {mime}")
        key = f"renditions/{hashlib.sha256(data).hexdigest()}.{extension}"
        try:
            store.get(key)
        except LookupError:
            store.put(key, data, mime)
        return store.signed_url(key, url_seconds)

    return host


def no_card(session: Session, post: Post, link: str | None) -> LinkCard | None:
    """Load no card: for deployments and tests without media storage."""
    return None


def stored_card(store: ImageStore) -> CardLoader:
    """Return the worker's loader of a post's link card, read when the post was saved.

    Nothing is fetched from the linked site here: a thumbnail missing from storage leaves a
    card without one, never a failed post.
    """

    def load(session: Session, post: Post, link: str | None) -> LinkCard | None:
        card = cards_for(session=session, posts=[post]).get(post.id or 0)
        if card is None or not link:
            return None
        thumb, key = None, card.get("thumb_key")
        if key:
            try:
                thumb = store.get(key)
            except (LookupError, OSError) as exc:
                logger.warning("Sending the link card without its thumbnail %s: %s", key, exc)
        return LinkCard(
            uri=link,
            title=str(card.get("title") or ""),
            description=str(card.get("description") or ""),
            thumb=thumb,
            thumb_mime=mime_of(key) if thumb is not None and key else None,
        )

    return load
