"""Link cards in the web app: read the page before a save, show the card, hand out its thumbnail.

The views call ``read_before_save`` before their transaction writes (reading a page can take
seconds; no database lock is held meanwhile), then ``link_cards.keep`` on the saved post.
``LINK_CARDS = False`` turns reading off (the test suite does, so no test reaches a real site).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from flask import current_app, url_for

from planner.connectors_app import get_connectors
from planner.db import get_session
from planner.media_app import get_media_storage
from planner.models import Post
from planner.services import link_cards
from planner.services.post_input import check_link
from planner.services.previews import CardDetails
from planner.services.workspaces import Access
from planner.timeutils import utcnow

LINK_SECONDS = 3600  # how long a thumbnail's signed URL in an API answer stays valid


def reader() -> link_cards.CardReader | None:
    """The app's card reader, or None when ``LINK_CARDS`` is off."""
    if not current_app.config.get("LINK_CARDS", True):
        return None
    return link_cards.CardReader(options=get_connectors().options, storage=get_media_storage())


def read_before_save(
    acc: Access,
    link: str | None,
    channel_ids: Collection[int],
    current: Mapping[str, Any] | None = None,
) -> dict[str, Any] | None:
    """The card to keep with a post about to be saved with *link* for *channel_ids* (its
    *current* card kept while the link is unchanged)."""
    return link_cards.read_for(
        session=get_session(),
        workspace_id=acc.workspace.id,
        link=link,
        current=current,
        reader=reader(),
        now=utcnow(),
        channel_ids=channel_ids,
    )


def thumb_url(card: Mapping[str, Any], *, external: bool = False) -> str | None:
    """Where the card's stored thumbnail loads from: a member's link, or a signed one for the API."""
    key = card.get("thumb_key")
    if not key:
        return None
    if external and (signed := get_media_storage().signed_url(str(key), LINK_SECONDS)):
        return signed
    return url_for("media.card_thumb", key=key, _external=external)


def card_for(post: Post) -> CardDetails | None:
    """What the review queue shows in Bluesky's card for the saved *post*."""
    return details_for(post.workspace_id, post.link, post)


def details_for(
    workspace_id: int, link: str | None, post: Post | None = None
) -> CardDetails | None:
    """What the composer and the review queue show in Bluesky's card for *link*.

    None when cards are off; empty details when the card will be read at the next save.
    """
    if not current_app.config.get("LINK_CARDS", True):
        return None
    try:
        link = check_link(link)
    except ValueError:
        link = None
    if link is None:
        return None
    own = post.link_card if post is not None else None
    card = link_cards.usable(own, link)
    if card is None and (why := link_cards.problem(own, link)):
        return CardDetails(problem=why)
    if card is None:
        known = link_cards.known_cards(
            session=get_session(), workspace_id=workspace_id, links=[link]
        )
        card = link_cards.usable(known.get(link), link)
        if card is None and (why := link_cards.problem(known.get(link), link)):
            return CardDetails(problem=why)
    if card is None:
        return CardDetails()
    return CardDetails(
        title=card.get("title") or None,
        description=card.get("description") or None,
        image_url=thumb_url(card),
    )


def card_json(card: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The API shape of a post's working link card (None when it has none)."""
    if card is None:
        return None
    return {
        "uri": card.get("link"),
        "title": card.get("title"),
        "description": card.get("description"),
        "thumbnail_url": thumb_url(card, external=True),
        "fetched_at": card.get("fetched_at"),
    }
