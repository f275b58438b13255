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

from planner.connectors.base import ConfigError, Connector, ConnectorOptions, OAuthApp
from planner.connectors.hosts import overrides_from_config
from planner.connectors.registry import CONNECTORS, UnknownPlatform
from planner.oauth.registry import PROVIDERS
from planner.secretbox import SecretBox, SecretBoxError, load_keys

if TYPE_CHECKING:
    from planner.models import Channel
    from planner.oauth.base import Provider

# What building a channel's connector can raise: its settings cannot be used as saved.
UNUSABLE = (ConfigError, SecretBoxError, UnknownPlatform)


@dataclass(frozen=True)
class Connectors:
    """The secret box, the connector options and the registry, handed to services as one."""

    box: SecretBox
    options: ConnectorOptions = field(default_factory=ConnectorOptions)
    registry: Mapping[str, type[Connector]] = field(default_factory=lambda: CONNECTORS)
    # The platforms that connect with OAuth (planner.oauth.registry.PROVIDERS by default).
    providers: Mapping[str, type[Provider]] = field(default_factory=lambda: PROVIDERS)

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
                host_overrides=overrides_from_config(config),
                oauth_apps=oauth_apps(config),
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


# The developer-app families and the channel platforms each one signs in (Instagram goes
# through Facebook Login, so it shares Facebook's app).
OAUTH_FAMILIES: dict[str, tuple[str, ...]] = {
    "facebook": ("facebook", "instagram"),
    "threads": ("threads",),
    "linkedin": ("linkedin",),
    "google": ("google_business",),
}


def oauth_apps(config: Mapping[str, Any]) -> dict[str, OAuthApp]:
    """Return the configured developer apps, from ``<FAMILY>_CLIENT_ID`` and ``_CLIENT_SECRET``.

    ``<FAMILY>_SECRET`` is read as well, as a shorter spelling of the secret's name.
    """
    apps: dict[str, OAuthApp] = {}
    for family in OAUTH_FAMILIES:
        prefix = family.upper()
        client_id = str(config.get(f"{prefix}_CLIENT_ID") or "").strip()
        secret = config.get(f"{prefix}_CLIENT_SECRET") or config.get(f"{prefix}_SECRET") or ""
        if client_id and str(secret).strip():
            apps[family] = OAuthApp(client_id=client_id, client_secret=str(secret).strip())
    return apps


def family_of(platform: str) -> str | None:
    """Return the developer-app family that signs in *platform*, or None (Mastodon: per server)."""
    for family, platforms in OAUTH_FAMILIES.items():
        if platform in platforms:
            return family
    return None
