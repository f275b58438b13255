"""The connectors bundle: what a service needs to reach a channel, built once from config.

Services receive it explicitly (``connectors=``) instead of reaching for the app: the secret
box that opens a channel's credentials, the deployment-wide options, and the registry of
platforms. No Flask here: it is built from a plain config mapping and the instance folder.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from planner.connectors.base import ConfigError, Connector, ConnectorOptions
from planner.connectors.registry import CONNECTORS, UnknownPlatform
from planner.secretbox import SecretBox, SecretBoxError, load_keys

if TYPE_CHECKING:
    from planner.models import Channel

# What building a channel's connector can raise: its settings cannot be used as saved.
UNUSABLE = (ConfigError, SecretBoxError, UnknownPlatform)


@dataclass(frozen=True)
class Connectors:
    """The secret box, the connector options and the registry, handed to services as one."""

    box: SecretBox
    options: ConnectorOptions = field(default_factory=ConnectorOptions)
    registry: Mapping[str, type[Connector]] = field(default_factory=lambda: CONNECTORS)

    @classmethod
    def from_config(cls, config: Mapping[str, Any], instance_path: str | Path) -> Connectors:
        """Build the bundle from the app's settings; creates the instance key file if none is set."""
        instance = Path(instance_path)
        return cls(
            box=SecretBox(load_keys(config.get("ENCRYPTION_KEY"), instance)),
            options=ConnectorOptions(
                allow_private_hosts=bool(config.get("ALLOW_PRIVATE_HOSTS")),
                outbox_dir=instance / "outbox",
                timeout=float(config.get("CONNECTOR_TIMEOUT_SECONDS", 15.0)),
            ),
        )

    def platform(self, name: str) -> type[Connector]:
        """Return the connector class for *name*, raising ``UnknownPlatform`` if there is none."""
        try:
            return self.registry[name]
        except KeyError:
            raise UnknownPlatform(name) from None

    def for_channel(self, channel: Channel) -> Connector:
        """Build the channel's connector with its decrypted config and saved state.

        Raises one of ``UNUSABLE`` when the saved settings cannot be used.
        """
        cls = self.platform(channel.platform)
        config = {**channel.config, **self.box.open(channel.secrets)}
        return cls(config, state=self.box.open(channel.state), options=self.options)
