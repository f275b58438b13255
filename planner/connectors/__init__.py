"""Platform connectors: pure leaves that publish a post over HTTP and raise typed errors."""

from __future__ import annotations

from planner.connectors.base import (
    AuthError,
    ConfigError,
    Connector,
    ConnectorError,
    ConnectorOptions,
    PermanentError,
    PublishRequest,
    PublishResult,
    TransientError,
    UnknownOutcomeError,
    UnsafeDestinationError,
)
from planner.connectors.registry import CONNECTORS, UnknownPlatform, get_connector

__all__ = [
    "CONNECTORS",
    "AuthError",
    "ConfigError",
    "Connector",
    "ConnectorError",
    "ConnectorOptions",
    "PermanentError",
    "PublishRequest",
    "PublishResult",
    "TransientError",
    "UnknownOutcomeError",
    "UnknownPlatform",
    "UnsafeDestinationError",
    "get_connector",
]
