"""What the Facebook Page and Instagram connectors share: the token, attempts and the look-back.

Neither platform de-duplicates a repeated request, so each connector notes in its state when a
delivery was first sent; a retry first looks for the post among the account's own posts since
then, and records the one it finds instead of sending again.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from planner.connectors.base import Connector, PublishRequest, require_text
from planner.connectors.errors import ConfigError, PermanentError, PostGoneError
from planner.connectors.graph import Graph
from planner.connectors.http import HttpClient

# Markers of deliveries older than this are dropped from the state.
KEEP_MARKERS = timedelta(days=3)
# Without a marker (two deliveries of one channel saved their state at once), look this far
# back from the scheduled time.
LOOK_BACK = timedelta(hours=1)


class GraphConnector(Connector):
    """A channel reached through the Graph API with a Page access token."""

    oauth_only = True
    secret_fields = ("access_token",)
    id_field = "page_id"

    @classmethod
    def validate_config(cls, config: Mapping[str, Any]) -> dict[str, Any]:
        """Require the account's id and its access token (both come from the OAuth pick)."""
        errors: dict[str, str] = {}
        account = require_text(config, cls.id_field, "Connect the account with Facebook", errors)
        token = require_text(config, "access_token", "Connect the account with Facebook", errors)
        if account and not account.isdigit():
            errors[cls.id_field] = "Not a Graph API id"
        if errors:
            raise ConfigError(errors)
        cleaned = {
            key: value
            for key, value in config.items()
            if key in cls.config_fields and isinstance(value, str)
        }
        cleaned.update({cls.id_field: account, "access_token": token})
        return cleaned

    @property
    def token(self) -> str:
        """The access token: a renewed one kept in ``state`` wins over the connected one."""
        return str(self.state.get("access_token") or self.config["access_token"])

    def graph(self) -> Graph:
        return Graph(HttpClient(self.options), self.token)

    def first_attempt(self, request: PublishRequest, now: datetime) -> datetime | None:
        """Return when this delivery was first sent (None on a first try), noting it if new.

        Old markers are dropped so the state stays small.
        """
        markers = self.state.get("first_attempts")
        markers = dict(markers) if isinstance(markers, dict) else {}
        key = str(request.delivery_id)
        found = _parse(markers.get(key))
        kept = {
            name: value
            for name, value in markers.items()
            if (when := _parse(value)) is not None and now - when < KEEP_MARKERS
        }
        if found is None:
            kept[key] = now.isoformat()
        self._set_state(first_attempts=kept)
        if found is None and request.attempt > 1:
            # Sent before, but the marker was lost: look back from the scheduled time.
            return min(request.scheduled_at, now) - LOOK_BACK
        return found

    def forget_attempt(self, request: PublishRequest) -> None:
        """Drop the delivery's marker once its post is known to exist."""
        markers = dict(self.state.get("first_attempts") or {})
        if markers.pop(str(request.delivery_id), None) is not None:
            self._set_state(first_attempts=markers)


def read_node(graph: Graph, node: str, fields: str, label: str) -> dict[str, Any]:
    """GET one node's *fields*; a deleted node (code 100 subcode 33, or 404) is ``PostGoneError``.

    Rate limits come through ``graph_error`` as ``TransientError`` with Meta's wait.
    """
    try:
        return graph.get(f"/{node}", {"fields": fields})
    except PermanentError as exc:
        if exc.code == "100/33" or exc.status == 404:
            raise PostGoneError(f"The post is gone from {label} ({exc.message})") from exc
        raise


def same_text(found: Any, sent: str) -> bool:
    """Compare a post's text as the platform returns it with what was sent."""
    return isinstance(found, str) and found.strip() == sent.strip()


def _parse(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None
