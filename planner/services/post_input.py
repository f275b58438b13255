"""What a person may set on a post, and the one check of it every way in (UI, API, import) runs."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from sqlmodel import Session, col, select

from planner.models import Category, Channel
from planner.services.errors import ValidationError
from planner.timeutils import OUT_OF_SPAN, in_span
from planner.utm import TAG_VALUE

MAX_BODY = 10_000
CATEGORIES = tuple(c.value for c in Category)


@dataclass(frozen=True)
class PostInput:
    """What a person may set on a post, already parsed (times are aware UTC)."""

    body: str
    category: str
    scheduled_at: datetime | None
    channel_ids: tuple[int, ...] = ()
    link: str | None = None
    # The campaign of the post's tagged links: None keeps what is saved, "" clears it.
    utm_campaign: str | None = None


def check_link(link: str | None) -> str | None:
    if link is None or not link.strip():
        return None
    link = link.strip()
    parts = urlsplit(link)
    if parts.scheme not in ("http", "https") or not parts.netloc or " " in link:
        raise ValueError("Enter a full web address starting with https://")
    if len(link) > 2000:
        raise ValueError("Keep the link under 2000 characters.")
    return link


def validate(
    data: PostInput,
    *,
    session: Session,
    workspace_id: int,
    known_channels: Collection[int] | None = None,
) -> PostInput:
    """Check every field against the domain and return the cleaned input, or raise with all faults.

    *known_channels*, the workspace's channel ids, spares a query when checking many posts.
    """
    fields: dict[str, str] = {}
    body = (data.body or "").replace("\r\n", "\n").strip()
    if not body:
        fields["body"] = "Write something to post."
    elif len(body) > MAX_BODY:
        fields["body"] = f"Keep it under {MAX_BODY} characters."
    if data.scheduled_at is not None and not in_span(data.scheduled_at):
        fields["scheduled_at"] = OUT_OF_SPAN
    if data.category not in CATEGORIES:
        fields["category"] = "Choose promotional, educational, conversational or curated."
    try:
        link = check_link(data.link)
    except ValueError as exc:
        fields["link"] = str(exc)
        link = None
    channel_ids = tuple(dict.fromkeys(int(c) for c in data.channel_ids))
    if channel_ids and known_channels is not None:
        found = set(known_channels)
    elif channel_ids:
        found = set(
            session.exec(
                select(Channel.id).where(
                    Channel.workspace_id == workspace_id, col(Channel.id).in_(channel_ids)
                )
            )
        )
    if channel_ids and (missing := [c for c in channel_ids if c not in found]):
        fields["channel_ids"] = f"Unknown channel: {', '.join(map(str, missing))}."
    utm_campaign = data.utm_campaign.strip() if data.utm_campaign is not None else None
    if utm_campaign and (len(utm_campaign) > 100 or not TAG_VALUE.match(utm_campaign)):
        fields["utm_campaign"] = (
            "Use up to 100 letters, digits, spaces, dots, dashes or underscores."
        )
    if fields:
        raise ValidationError("Check the highlighted fields.", fields=fields)
    return PostInput(
        body=body,
        category=data.category,
        scheduled_at=data.scheduled_at,
        channel_ids=channel_ids,
        link=link,
        utm_campaign=utm_campaign,
    )
