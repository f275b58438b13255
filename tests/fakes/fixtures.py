"""Pytest fixtures that run each fake platform for one test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fakes.bluesky import FakeBluesky
from tests.fakes.mastodon import FakeMastodon
from tests.fakes.site import FakeSite
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
def fake_site() -> Iterator[FakeSite]:
    """Yield a running fake web site; serve pages with ``page()``, images with ``file()``."""
    with FakeSite() as server:
        yield server
