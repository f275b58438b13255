"""Loopback fakes of the platforms planner publishes to, for tests and benchmarks."""

from __future__ import annotations

from tests.fakes.bluesky import FakeBluesky
from tests.fakes.mastodon import FakeMastodon
from tests.fakes.meta import FakeMeta, ImageHost
from tests.fakes.server import FakeServer, RecordedRequest, Reply, closed_port_url
from tests.fakes.webhook import FakeWebhook

__all__ = [
    "FakeBluesky",
    "FakeMastodon",
    "FakeMeta",
    "FakeServer",
    "FakeWebhook",
    "ImageHost",
    "RecordedRequest",
    "Reply",
    "closed_port_url",
]
