"""Tagged links: UTM parameters added to the workspace's own links when a post goes out.

Pure functions: no Flask, no database. The stored draft keeps the clean link; the tags are
added to the text actually sent, so changing the settings later changes nothing already sent.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit
from zoneinfo import ZoneInfo

from planner.timeutils import to_local

DEFAULT_UTM: dict[str, Any] = {
    "enabled": False,
    "medium": "social",
    "campaign": "{month}",
    "domains": [],
}
MONTH_PLACEHOLDER = "{month}"
# Characters a campaign or medium tag may hold: what survives every analytics tool unharmed.
TAG_VALUE = re.compile(r"^[A-Za-z0-9 ._~{}+-]+$")


def utm_settings(workspace_settings: Mapping[str, Any] | None) -> dict[str, Any]:
    """Return the workspace's tag settings with the defaults filled in."""
    stored = (workspace_settings or {}).get("utm") or {}
    return {**DEFAULT_UTM, **{k: v for k, v in stored.items() if k in DEFAULT_UTM}}


def month_of(when: datetime | None, tz: ZoneInfo, *, now: datetime) -> str:
    """Return the local month of *when* (or of *now* for an idea) as ``YYYY-MM``."""
    return f"{to_local(when or now, tz):%Y-%m}"


def is_own_domain(host: str, domains: list[str] | tuple[str, ...]) -> bool:
    """Tell whether *host* is one of *domains* or a subdomain of one."""
    host = host.lower().rstrip(".")
    return any(host == d or host.endswith("." + d) for d in (x.lower().strip(".") for x in domains))


def tag_link(
    url: str, *, platform: str, settings: Mapping[str, Any], campaign: str | None, month: str
) -> str:
    """Return *url* with utm_source, utm_medium and utm_campaign added, when tagging applies.

    *settings* is ``workspace.settings["utm"]`` (or ``utm_settings(...)``); tagging applies when
    it is enabled and the link points at one of its domains or their subdomains. Existing query
    parameters stay exactly as they are and a utm_* already present is never replaced.
    *campaign* is the post's own campaign; without it the settings' pattern is used, with
    ``{month}`` replaced by *month* (``YYYY-MM``).
    """
    conf = {**DEFAULT_UTM, **settings}
    if not conf.get("enabled") or not url:
        return url
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
    except ValueError:
        return url
    if parts.scheme not in ("http", "https") or not is_own_domain(host, conf.get("domains") or []):
        return url
    present = {key.lower() for key, _ in parse_qsl(parts.query, keep_blank_values=True)}
    pattern = (campaign or "").strip() or str(conf.get("campaign") or "")
    chosen_campaign = pattern.replace(MONTH_PLACEHOLDER, month)
    wanted = [
        ("utm_source", platform),
        ("utm_medium", str(conf.get("medium") or "")),
        ("utm_campaign", chosen_campaign),
    ]
    added = [(k, v.strip()) for k, v in wanted if v and v.strip() and k not in present]
    if not added:
        return url
    query = "&".join(q for q in (parts.query, urlencode(added)) if q)
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", query, parts.fragment))


def _link_pattern(link: str) -> re.Pattern[str]:
    """Match *link* as a whole address in text, not as the start of a longer one."""
    return re.compile(re.escape(link) + r"(?![\w/?#&=%~+.-]*[\w/#=%~+-])")


def outgoing(
    body: str,
    link: str | None,
    *,
    platform: str,
    settings: Mapping[str, Any],
    campaign: str | None,
    month: str,
) -> tuple[str, str | None]:
    """Return the (text, link) actually sent: the tagged link, also where the body quotes it.

    A body that quotes the clean link gets the tagged one in its place, so the connector does
    not append a second copy of the link under the text.
    """
    if not link:
        return body, link
    tagged = tag_link(link, platform=platform, settings=settings, campaign=campaign, month=month)
    if tagged == link:
        return body, link
    return _link_pattern(link).sub(lambda _m: tagged, body), tagged
