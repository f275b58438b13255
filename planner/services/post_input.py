"""What a person may set on a post, and the one check of it every way in (UI, API, import) runs."""

from __future__ import annotations

from collections.abc import Collection, Mapping
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
    # Per-channel texts keyed by the channel id as a string: None keeps what is saved.
    variants: Mapping[str, str] | None = None


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
    variants = None
    if data.variants is not None:
        variants, problem = _clean_variants(data.variants)
        if problem is None and variants:
            wanted = {int(key) for key in variants}
            if known_channels is not None:
                known = set(known_channels) & wanted
            else:
                known = set(
                    session.exec(
                        select(Channel.id).where(
                            Channel.workspace_id == workspace_id, col(Channel.id).in_(wanted)
                        )
                    )
                )
            if unknown := sorted(wanted - known):
                problem = f"Unknown channel: {', '.join(map(str, unknown))}."
        if problem:
            fields["variants"] = problem
    if fields:
        raise ValidationError("Check the highlighted fields.", fields=fields)
    return PostInput(
        body=body,
        category=data.category,
        scheduled_at=data.scheduled_at,
        channel_ids=channel_ids,
        link=link,
        utm_campaign=utm_campaign,
        variants=variants,
    )


def _clean_variants(raw: Mapping[str, str]) -> tuple[dict[str, str], str | None]:
    """Return the variants keyed by channel id, blank ones dropped, or the first fault found."""
    cleaned: dict[str, str] = {}
    for key, text in raw.items():
        if not str(key).strip().isdigit() or not isinstance(text, str):
            return {}, "Give each channel's text under its channel id."
        text = text.replace("\r\n", "\n").strip()
        if len(text) > MAX_BODY:
            return {}, f"Keep each channel's text under {MAX_BODY} characters."
        if text:
            cleaned[str(int(key))] = text
    return cleaned, None
