"""Host overrides: send every request for a platform's host to another base URL.

``PLANNER_HOST_OVERRIDES`` (JSON such as ``{"graph.facebook.com": "http://127.0.0.1:9001"}``)
lets the whole flow, API calls and the OAuth pages a browser is sent to, run against fake
platform servers on loopback. It is honoured only with ``PLANNER_ALLOW_PRIVATE_HOSTS=1``,
so a production deployment cannot be pointed elsewhere by one stray variable.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit, urlunsplit

logger = logging.getLogger(__name__)


class HostOverrideError(ValueError):
    """The overrides setting cannot be used as written."""


def parse_overrides(raw: Any) -> dict[str, str]:
    """Return ``{host: base_url}`` from the JSON text (or mapping), raising on a bad entry."""
    if raw in (None, "", {}):
        return {}
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError as exc:
            raise HostOverrideError(f"HOST_OVERRIDES is not valid JSON: {exc}") from exc
    if not isinstance(raw, Mapping):
        raise HostOverrideError("HOST_OVERRIDES must be a JSON object of host -> base URL")
    found: dict[str, str] = {}
    for host, base in raw.items():
        if not isinstance(host, str) or not host or "/" in host or ":" in host:
            raise HostOverrideError(f"HOST_OVERRIDES: {host!r} is not a bare host name")
        if not isinstance(base, str):
            raise HostOverrideError(f"HOST_OVERRIDES: the address for {host} is not text")
        parts = urlsplit(base)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise HostOverrideError(
                f"HOST_OVERRIDES: {base!r} for {host} is not an http(s) base URL"
            )
        found[host.lower()] = base.rstrip("/")
    return found


def overrides_from_config(config: Mapping[str, Any]) -> dict[str, str]:
    """Return the overrides that apply: none unless private hosts are allowed."""
    overrides = parse_overrides(config.get("HOST_OVERRIDES"))
    if overrides and not config.get("ALLOW_PRIVATE_HOSTS"):
        logger.warning("HOST_OVERRIDES is ignored because ALLOW_PRIVATE_HOSTS is off")
        return {}
    return overrides


def rewrite(url: str, overrides: Mapping[str, str]) -> str:
    """Return *url* sent to its host's override base, keeping path, query and fragment."""
    if not overrides:
        return url
    parts = urlsplit(url)
    base = overrides.get((parts.hostname or "").lower())
    if base is None:
        return url
    target = urlsplit(base)
    path = target.path.rstrip("/") + (parts.path or "/")
    return urlunsplit((target.scheme, target.netloc, path, parts.query, parts.fragment))
