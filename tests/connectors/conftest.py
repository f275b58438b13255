"""Fixtures for connector tests: fake platforms and options that allow loopback hosts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from planner.connectors.base import ConnectorOptions, PublishRequest
from tests.fakes.fixtures import (  # noqa: F401
    fake_bluesky,
    fake_google_business,
    fake_linkedin,
    fake_mastodon,
    fake_meta,
    fake_threads,
    fake_webhook,
    image_host,
)

NOW = datetime(2025, 3, 14, 9, 30, tzinfo=UTC)


@pytest.fixture
def options(tmp_path: Any) -> ConnectorOptions:
    """Options for talking to the fakes on 127.0.0.1."""
    return ConnectorOptions(
        allow_private_hosts=True,
        outbox_dir=tmp_path / "outbox",
        timeout=5,
        media_poll_seconds=(0.01, 0.01, 0.01, 0.01),
    )


@pytest.fixture
def slow_options() -> ConnectorOptions:
    """Options with a short timeout, for tests where the fake is made to reply late."""
    return ConnectorOptions(allow_private_hosts=True, timeout=0.3)


@pytest.fixture
def make_request() -> Callable[..., PublishRequest]:
    """Return a builder of publish requests with sensible defaults."""

    def build(**overrides: Any) -> PublishRequest:
        values: dict[str, Any] = {
            "delivery_id": 7,
            "idempotency_key": "key-7",
            "text": "Fresh sourdough today",
            "link": None,
            "post_id": 3,
            "channel_id": 2,
            "category": "promo",
            "scheduled_at": NOW,
        }
        values.update(overrides)
        return PublishRequest(**values)

    return build
