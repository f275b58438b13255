"""Pytest fixtures that run each fake platform for one test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fakes.bluesky import FakeBluesky
from tests.fakes.google_business import FakeGoogleBusiness
from tests.fakes.linkedin import FakeLinkedIn
from tests.fakes.mastodon import FakeMastodon
from tests.fakes.meta import FakeMeta, ImageHost
from tests.fakes.site import FakeSite
from tests.fakes.threads import FakeThreads
from tests.fakes.webhook import FakeWebhook


@pytest.fixture
def fake_mastodon() -> Iterator[FakeMastodon]:
    """Yield a running fake Mastodon server (token ``test-token``, account ``shop``)."""
    with FakeMastodon() as server:
        yield server


@pytest.fixture
def fake_bluesky() -> Iterator[FakeBluesky]:
    """Yield a running fake Bluesky PDS (``shop.bsky.social``, ``abcd-efgh-ijkl-mnop``)."""
    with FakeBluesky() as server:
        yield server


@pytest.fixture
def fake_webhook() -> Iterator[FakeWebhook]:
    """Yield a running fake webhook receiver; use ``url_for("slack")`` and friends."""
    with FakeWebhook() as server:
        yield server


@pytest.fixture
def fake_meta() -> Iterator[FakeMeta]:
    """Yield a running fake Graph API whose user manages three Pages (two with Instagram)."""
    with FakeMeta() as server:
        yield server


@pytest.fixture
def image_host() -> Iterator[ImageHost]:
    """Yield a loopback file server that hands out public addresses of stored bytes."""
    with ImageHost() as server:
        yield server


@pytest.fixture
def fake_threads() -> Iterator[FakeThreads]:
    """Yield a running fake Threads (app ``threads-app``, profile ``@bakery``)."""
    with FakeThreads() as server:
        yield server


@pytest.fixture
def fake_linkedin() -> Iterator[FakeLinkedIn]:
    """Yield a running fake LinkedIn (app ``linkedin-app``, a member who runs one page)."""
    with FakeLinkedIn() as server:
        yield server


@pytest.fixture
def fake_google_business() -> Iterator[FakeGoogleBusiness]:
    """Yield a running fake Google Business Profile (one account, two locations)."""
    with FakeGoogleBusiness() as server:
        yield server


@pytest.fixture
def fake_site() -> Iterator[FakeSite]:
    """Yield a running fake web site; serve pages with ``page()``, images with ``file()``."""
    with FakeSite() as server:
        yield server
