"""Link cards: read when a post is saved, kept with the post, sent by the worker without the site.

Bluesky draws no preview of a link by itself; the client sends one (``app.bsky.embed.external``).
Planner reads the page's OpenGraph tags when the post is saved, so the composer shows the card
and the worker at 9:00 needs nothing from the site. ``Post.link_card`` holds, as JSON::

    {"link": the post's link it was read for, "uri": the page's own address,
     "title", "description", "fetched_at",
     "thumb_key", "thumb_mime", "thumb_width", "thumb_height"  (when the page had an image),
     "thumb_error"  (why a named image was left out),
     "error"  (why no card could be built: then nothing else but link and fetched_at)}

A card counts only while its ``link`` is the post's link, so an edit that changes the link by
any path never sends the old card. Reading happens before the caller's transaction writes, so
a slow site never holds a database lock; it is capped at ``opengraph.TOTAL_SECONDS``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import time
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from planner.connectors import opengraph
from planner.connectors.base import ConnectorOptions
from planner.media import renditions
from planner.media.processing import EXTENSIONS, MediaError, process_upload
from planner.media.storage import Storage
from planner.models import Channel, Post
from planner.services.post_input import check_link
from planner.timeutils import iso_utc

logger = logging.getLogger(__name__)

# A failed read is tried again on a later save of the same link once this much time has passed.
RETRY_AFTER = timedelta(hours=1)
IMPORT_SECONDS = 20.0  # all the links of one imported file together
CARD_PLATFORMS = ("bluesky",)  # where the client sends the card; the others unfurl links


@dataclass(frozen=True)
class CardReader:
    """What reading a card needs: how to reach sites, where thumbnails go, how long to wait."""

    options: ConnectorOptions
    storage: Storage
    seconds: float = opengraph.TOTAL_SECONDS


def usable(card: Mapping[str, Any] | None, link: str | None) -> Mapping[str, Any] | None:
    """Return *card* when it was built for *link* and worked, else None."""
    if not card or not link or card.get("link") != link or card.get("error"):
        return None
    return card


def problem(card: Mapping[str, Any] | None, link: str | None) -> str | None:
    """Why no card could be built for *link*, when the last try for it failed."""
    if card and link and card.get("link") == link and card.get("error"):
        return str(card["error"])
    return None


def cards_for(*, session: Session, posts: Sequence[Post]) -> dict[int, Mapping[str, Any]]:
    """Each post's working card by post id: its own, else one another post of its workspace
    read for the same link (a duplicate, a series' next occurrence, an evergreen re-use)."""
    found = {p.id: c for p in posts if p.id and (c := usable(p.link_card, p.link)) is not None}
    by_workspace: dict[int, list[Post]] = {}
    for post in posts:
        if post.id not in found and post.link:
            by_workspace.setdefault(post.workspace_id, []).append(post)
    for workspace_id, missing in by_workspace.items():
        links = {p.link for p in missing if p.link}
        known = known_cards(session=session, workspace_id=workspace_id, links=links)
        for post in missing:
            card = usable(known.get(post.link or ""), post.link)
            if card is not None and post.id is not None:
                found[post.id] = card
    return found


def known_cards(
    *, session: Session, workspace_id: int, links: Collection[str]
) -> dict[str, dict[str, Any]]:
    """Cards already read for *links* by posts of the workspace (the newest working one each, else
    the newest failure), in one query: a copied post needs no second read of the same page."""
    wanted = {link for link in links if link}
    if not wanted:
        return {}
    working: dict[str, dict[str, Any]] = {}
    failed: dict[str, dict[str, Any]] = {}
    rows = session.exec(
        select(Post.link, Post.link_card)
        .where(Post.workspace_id == workspace_id, col(Post.link).in_(wanted))
        .where(col(Post.link_card).is_not(None))
        .order_by(col(Post.updated_at).desc())
    )
    for link, card in rows:
        if link and isinstance(card, dict) and card.get("link") == link:
            (failed if card.get("error") else working).setdefault(link, card)
    return {**failed, **working}


def read_for(
    *,
    session: Session,
    workspace_id: int,
    link: str | None,
    current: Mapping[str, Any] | None,
    reader: CardReader | None,
    now: datetime,
    channel_ids: Collection[int] | None = None,
) -> dict[str, Any] | None:
    """Return the card to keep with a post being saved with *link*; call before writing.

    The post's *current* card is kept while the link stays the same, then a card another post
    read for the same link; otherwise the page is read, but only for a post going to a network
    that shows planner's card (of *channel_ids*; None: any) and only with a *reader* (without
    one cards are off). A page that cannot be read gives a card holding only the reason.
    """
    try:
        link = check_link(link)
    except ValueError:
        return None  # the save itself will refuse the link
    if link is None:
        return None
    if current and current.get("link") == link and _fresh(current, now):
        return dict(current)
    known = known_cards(session=session, workspace_id=workspace_id, links=[link]).get(link)
    if known is not None and _fresh(known, now):
        return dict(known)
    if reader is None:
        return None
    if channel_ids is not None and not card_channels(
        session=session, workspace_id=workspace_id, channel_ids=channel_ids
    ):
        return None  # read when the post is saved for Bluesky, not before
    stamp = iso_utc(now)
    try:
        page = opengraph.read_card(link, options=reader.options, seconds=reader.seconds)
    except opengraph.CardError as exc:
        logger.info("No link card for %s: %s", link, exc.message)
        return {"link": link, "error": exc.message, "fetched_at": stamp}
    card: dict[str, Any] = {
        "link": link,
        "uri": page.url,
        "title": page.title,
        "description": page.description,
        "fetched_at": stamp,
    }
    if page.image is not None:
        card.update(_thumbnail(page.image, reader.storage, workspace_id))
    elif page.image_problem:
        card["thumb_error"] = page.image_problem
    return card


def read_for_rows(
    *,
    session: Session,
    workspace_id: int,
    rows: Sequence[dict[str, Any]],
    reader: CardReader | None,
    now: datetime,
    seconds: float = IMPORT_SECONDS,
) -> None:
    """Read the card of each ready imported row's link into ``row["post"]["link_card"]``.

    Each link is read once however many rows share it, and all of them within *seconds*
    together, so a file of many links cannot hold the preview for minutes; rows whose link
    was not reached in time get no card, and their note says so.
    """
    if reader is None:
        return
    deadline = time.monotonic() + seconds
    cards: dict[str, dict[str, Any] | None] = {}
    wanted = card_channels(session=session, workspace_id=workspace_id)
    for row in rows:
        post = row["post"] if row.get("ok") and row.get("post") else {}
        link = post.get("link")
        if not link or not wanted.intersection(post.get("channel_ids") or ()):
            continue
        if link not in cards:
            left = deadline - time.monotonic()
            if left <= 0.5:
                row["notes"].append("No link card: the import's time to read links ran out.")
                continue
            cards[link] = read_for(
                session=session,
                workspace_id=workspace_id,
                link=link,
                current=None,
                reader=dataclasses.replace(reader, seconds=min(reader.seconds, left)),
                now=now,
            )
        if cards[link] is not None:
            row["post"]["link_card"] = cards[link]


def card_channels(
    *, session: Session, workspace_id: int, channel_ids: Collection[int] | None = None
) -> set[int]:
    """The workspace's channels (of *channel_ids*, if given) on networks that show planner's
    link card; the others draw their own or none, so their posts need no page read."""
    query = select(Channel.id).where(
        Channel.workspace_id == workspace_id, col(Channel.platform).in_(CARD_PLATFORMS)
    )
    if channel_ids is not None:
        query = query.where(col(Channel.id).in_(list(channel_ids)))
    return {cid for cid in session.exec(query) if cid is not None}


def keep(*, session: Session, post: Post, card: dict[str, Any] | None) -> None:
    """Store *card* (from ``read_for``) with the saved *post*; the caller commits."""
    if post.link_card != card:
        post.link_card = card
        session.add(post)


def _fresh(card: Mapping[str, Any], now: datetime) -> bool:
    """A working card stays; a failed read is tried again after ``RETRY_AFTER``."""
    if not card.get("error"):
        return True
    try:
        fetched = datetime.fromisoformat(str(card.get("fetched_at")).replace("Z", "+00:00"))
        return now - fetched < RETRY_AFTER
    except (TypeError, ValueError):  # no time, or a naive one: try again
        return False


def _thumbnail(data: bytes, storage: Storage, workspace_id: int) -> dict[str, Any]:
    """Clean the page's image (sniffed, no metadata) and store a thumbnail Bluesky accepts.

    Stored under its content's hash, so the same image read again is the same file.
    """
    try:
        cleaned = process_upload(data, "The page's image", max_bytes=opengraph.IMAGE_BYTES)
        thumb = renditions.for_link_card(cleaned.data, digest=cleaned.sha256)
    except MediaError as exc:
        return {"thumb_error": exc.message}
    except renditions.RenditionError as exc:
        return {"thumb_error": str(exc)}
    digest = hashlib.sha256(thumb.data).hexdigest()[:40]
    key = f"{workspace_id}/card-{digest}.{EXTENSIONS[thumb.mime]}"
    try:
        storage.put(key, thumb.data, thumb.mime)
    except Exception:  # a storage outage must not stop the post being saved
        logger.exception("Could not store the link card thumbnail %s", key)
        return {"thumb_error": "the thumbnail could not be stored"}
    return {
        "thumb_key": key,
        "thumb_mime": thumb.mime,
        "thumb_width": thumb.width,
        "thumb_height": thumb.height,
    }
