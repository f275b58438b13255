"""Loopback fakes of the platforms planner publishes to, for tests and benchmarks."""

from __future__ import annotations

from tests.fakes.bluesky import FakeBluesky
from tests.fakes.google_business import FakeGoogleBusiness
from tests.fakes.linkedin import FakeLinkedIn
from tests.fakes.mastodon import FakeMastodon
from tests.fakes.meta import FakeMeta, ImageHost
from tests.fakes.server import FakeServer, RecordedRequest, Reply, closed_port_url
from tests.fakes.threads import FakeThreads
from tests.fakes.webhook import FakeWebhook

__all__ = [
    "FakeBluesky",
    "FakeGoogleBusiness",
    "FakeLinkedIn",
    "FakeMastodon",
    "FakeMeta",
    "FakeServer",
    "FakeThreads",
    "FakeWebhook",
    "ImageHost",
    "RecordedRequest",
    "Reply",
    "closed_port_url",
]
