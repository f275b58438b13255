"""Fixtures for provider tests: the platform fakes and options that reach them on loopback."""

from __future__ import annotations

from tests.fakes.fixtures import (  # noqa: F401
    fake_google_business,
    fake_linkedin,
    fake_threads,
)
