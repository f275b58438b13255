"""The workspace's tagged-link settings (UTM) and what a post's link will become on each channel."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlmodel import Session, col, select

from planner.models import Channel, Workspace
from planner.services import audit
from planner.services.errors import ValidationError
from planner.services.workspaces import Access, require_owner
from planner.timeutils import get_zone
from planner.utm import TAG_VALUE, month_of, tag_link, utm_settings

MAX_DOMAINS = 20
HOSTNAME = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$")

__all__ = ["link_previews", "parse_domains", "save_settings", "utm_settings"]


def parse_domains(text: str | Sequence[str]) -> list[str]:
    """Turn what someone typed (one address per line or comma-separated) into bare host names.

    ``https://www.shop.example/about`` becomes ``www.shop.example``; raises ``ValueError``
    naming the first entry that is not a host name.
    """
    entries = re.split(r"[\s,]+", text) if isinstance(text, str) else list(text)
    domains: list[str] = []
    for entry in (e.strip() for e in entries):
        if not entry:
            continue
        host = urlsplit(entry if "//" in entry else "//" + entry).hostname or ""
        host = host.lower().rstrip(".")
        if not HOSTNAME.match(host):
            raise ValueError(f"“{entry}” is not a web address like shop.example.")
        if host not in domains:
            domains.append(host)
    if len(domains) > MAX_DOMAINS:
        raise ValueError(f"List at most {MAX_DOMAINS} addresses.")
    return domains


def save_settings(
    *,
    session: Session,
    acc: Access,
    enabled: bool,
    medium: str,
    campaign: str,
    domains: str | Sequence[str],
    now: datetime,
) -> dict[str, Any]:
    """Store the workspace's tag settings (owners only) and return them."""
    require_owner(acc)
    fields: dict[str, str] = {}
    medium, campaign = (medium or "").strip(), (campaign or "").strip()
    for name, value in (("medium", medium), ("campaign", campaign)):
        if not value:
            fields[name] = "Fill this in, or switch tagging off."
        elif len(value) > 100 or not TAG_VALUE.match(value):
            fields[name] = "Use up to 100 letters, digits, spaces, dots, dashes or underscores."
    try:
        hosts = parse_domains(domains)
    except ValueError as exc:
        fields["domains"] = str(exc)
        hosts = []
    if enabled and not hosts and "domains" not in fields:
        fields["domains"] = "List your website's address, so only links to it are tagged."
    if fields:
        raise ValidationError("Check the highlighted fields.", fields=fields)
    ws = acc.workspace
    settings = {"enabled": bool(enabled), "medium": medium, "campaign": campaign, "domains": hosts}
    # A new dict, not an in-place change: the JSON column only notices reassignment.
    ws.settings = {**(ws.settings or {}), "utm": settings}
    session.add(ws)
    audit.record(
        session=session,
        workspace_id=ws.id,
        actor_id=acc.user.id,
        action="link_tags_changed",
        detail=settings,
        now=now,
    )
    return settings


def link_previews(
    *,
    session: Session,
    workspace: Workspace,
    link: str,
    channel_ids: Sequence[int],
    scheduled_at: datetime | None,
    campaign: str | None,
    now: datetime,
) -> list[dict[str, str]]:
    """What *link* becomes on each chosen channel, in channel name order (for the composer)."""
    if not channel_ids or not link:
        return []
    settings = utm_settings(workspace.settings)
    month = month_of(scheduled_at, get_zone(workspace.timezone), now=now)
    channels = session.exec(
        select(Channel)
        .where(Channel.workspace_id == workspace.id, col(Channel.id).in_(list(channel_ids)))
        .order_by(Channel.name, Channel.id)
    )
    return [
        {
            "channel_id": c.id,
            "channel": c.name,
            "url": tag_link(
                link, platform=c.platform, settings=settings, campaign=campaign, month=month
            ),
        }
        for c in channels
    ]
