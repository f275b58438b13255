"""Connecting channels with OAuth: start a flow, take the platform's callback, keep the picks.

A flow is a row (``OAuthFlow``) from the moment the owner presses Connect: only the hash of its
``state`` is stored, the PKCE verifier and later the picks (they hold tokens) are sealed by
the secret box, so nothing secret travels in the session cookie. The callback is accepted once,
within ``FLOW_TTL``, for the user who started it; the picks wait ``PICKS_TTL`` for the owner to
choose, under a second random key that the web layer keeps in that user's session.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, delete, select, update

from planner.connectors import hosts
from planner.connectors.bundle import Connectors
from planner.models import User
from planner.oauth.base import Pick, Provider, challenge_for, new_state, new_verifier
from planner.oauth.mastodon import MastodonProvider
from planner.oauth_models import OAuthFlow
from planner.services import mastodon_apps
from planner.services.errors import Conflict, NotFound, ServiceError, ValidationError
from planner.services.workspaces import Access, require_owner
from planner.timeutils import iso_utc

FLOW_TTL = timedelta(minutes=10)
PICKS_TTL = timedelta(minutes=15)
# The platform whose app planner registers on each server itself (no deployment-wide app).
PER_SERVER = "mastodon"


class OAuthNotConfigured(Conflict):
    """The deployment has no developer app for this platform yet."""

    code = "oauth_not_configured"


class FlowRefused(ServiceError):
    """A callback or pick that does not belong to a live flow of this user."""

    code = "oauth_flow_refused"
    status = 400


@dataclass(frozen=True)
class Started:
    """Where to send the owner's browser, and the flow that waits for its callback."""

    authorize_url: str
    flow: OAuthFlow
    state: str


@dataclass(frozen=True)
class Connectable:
    """A platform the Channels page offers to connect, and whether its app is configured."""

    platform: str
    label: str
    configured: bool
    env_prefix: str | None  # PLANNER_<FAMILY>: the variables that hold its developer app
    redirect_uri: str


def callback_path(platform: str) -> str:
    """The path the platform sends the owner back to; registered with each developer app."""
    return f"/channels/oauth/{platform}/callback"


def redirect_uri(base_url: str, platform: str) -> str:
    """The full redirect URI: ``PLANNER_BASE_URL`` followed by the callback path."""
    return str(base_url).rstrip("/") + callback_path(platform)


def oauth_platforms(connectors: Connectors) -> list[str]:
    """Every platform with a Connect button: the registered providers, then Mastodon."""
    return [*connectors.providers, PER_SERVER]


def connectables(*, connectors: Connectors, base_url: str) -> list[Connectable]:
    """The Connect buttons of the Channels page, each saying whether it can be used yet."""
    found = []
    for platform in oauth_platforms(connectors):
        provider = connectors.providers.get(platform)
        family = provider.family if provider else None
        label = provider.label if provider else "Mastodon"
        configured = platform == PER_SERVER or (family in connectors.options.oauth_apps)
        prefix = f"PLANNER_{family.upper()}" if family else None
        found.append(
            Connectable(platform, label, configured, prefix, redirect_uri(base_url, platform))
        )
    return found


def provider_for(
    platform: str,
    *,
    session: Session,
    connectors: Connectors,
    now: datetime,
    server: str | None = None,
    redirect: str = "",
    website: str = "",
) -> Provider:
    """Build the platform's provider with the deployment's app (Mastodon: the server's own)."""
    if platform == PER_SERVER:
        if not server:
            raise ValidationError("Enter your server's domain.", fields={"server": "Required."})
        app = mastodon_apps.app_for(
            session=session,
            server=server,
            redirect_uri=redirect,
            website=website,
            connectors=connectors,
            now=now,
        )
        return MastodonProvider(app, connectors.options, server=server)
    provider = connectors.providers.get(platform)
    if provider is None:
        raise NotFound(f"No OAuth connection for {platform!r}.")
    app = connectors.options.oauth_apps.get(provider.family)
    if app is None:
        family = provider.family.upper()
        raise OAuthNotConfigured(
            f"{provider.label} has no developer app configured: set PLANNER_{family}_CLIENT_ID "
            f"and PLANNER_{family}_CLIENT_SECRET (see the README, Connecting accounts)."
        )
    return provider(app, connectors.options)


def start(
    *,
    session: Session,
    acc: Access,
    platform: str,
    redirect: str,
    connectors: Connectors,
    now: datetime,
    server: str | None = None,
    website: str = "",
    from_api: bool = False,
) -> Started:
    """Begin connecting *platform* for the workspace (owners only); return where to go."""
    require_owner(acc)
    provider = provider_for(
        platform,
        session=session,
        connectors=connectors,
        now=now,
        server=server,
        redirect=redirect,
        website=website,
    )
    state = new_state()
    verifier = new_verifier() if provider.uses_pkce else None
    url = provider.authorize_url(
        redirect_uri=redirect,
        state=state,
        code_challenge=challenge_for(verifier) if verifier else None,
    )
    flow = OAuthFlow(
        state_hash=_digest(state),
        platform=platform,
        workspace_id=acc.workspace.id,
        user_id=acc.user.id,
        server=server,
        redirect_uri=redirect,
        from_api=from_api,
        verifier=connectors.box.seal({"verifier": verifier} if verifier else {}),
        created_at=now,
    )
    session.add(flow)
    session.flush()
    return Started(hosts.rewrite(url, connectors.options.host_overrides), flow, state)


def flow_for_callback(
    *, session: Session, platform: str, state: str, user: User, now: datetime
) -> OAuthFlow:
    """Return the live flow *state* names, started by *user* for *platform*, or refuse."""
    flow = session.exec(select(OAuthFlow).where(OAuthFlow.state_hash == _digest(state))).first()
    if flow is None or flow.user_id != user.id or flow.platform != platform:
        raise FlowRefused("This sign-in answer does not match a connection you started.")
    if flow.called_back_at is not None:
        raise FlowRefused("This sign-in answer was already used; press Connect again.")
    if now - flow.created_at > FLOW_TTL:
        raise FlowRefused("The sign-in took longer than 10 minutes; press Connect again.")
    return flow


def spend(*, session: Session, flow: OAuthFlow, now: datetime) -> None:
    """Mark the flow used without tokens (the owner said no): a later "yes" is refused."""
    flow.called_back_at = now
    flow.verifier = ""
    session.add(flow)


def finish(
    *,
    session: Session,
    flow: OAuthFlow,
    code: str,
    connectors: Connectors,
    now: datetime,
) -> tuple[str, list[Pick]]:
    """Spend the flow, exchange *code* for tokens and keep the picks sealed; return their key.

    The flow is marked used before the platform is asked, so a replayed callback finds it
    spent; the caller commits that even when the exchange raises a connector error.
    """
    spent = session.exec(
        update(OAuthFlow)
        .where(col(OAuthFlow.id) == flow.id, col(OAuthFlow.called_back_at).is_(None))
        .values(called_back_at=now)
    )
    if spent.rowcount != 1:
        raise FlowRefused("This sign-in answer was already used; press Connect again.")
    session.refresh(flow)
    provider = provider_for(
        flow.platform,
        session=session,
        connectors=connectors,
        now=now,
        server=flow.server,
        redirect=flow.redirect_uri,
    )
    verifier = connectors.box.open(flow.verifier).get("verifier")
    flow.verifier = ""
    session.add(flow)
    session.flush()
    grant = provider.exchange(
        code=code, redirect_uri=flow.redirect_uri, code_verifier=verifier, now=now
    )
    picks = provider.picks(grant, now=now)
    key = secrets.token_urlsafe(32)
    flow.picks_hash = _digest(key)
    flow.picks = connectors.box.seal({"picks": [_pick_json(p) for p in picks]})
    session.add(flow)
    return key, picks


def pending(
    *, session: Session, key: str, user: User, connectors: Connectors, now: datetime
) -> tuple[OAuthFlow, list[Pick]]:
    """Return the flow whose picks *key* names, and the picks, for the user who started it."""
    flow = session.exec(select(OAuthFlow).where(OAuthFlow.picks_hash == _digest(key))).first()
    if flow is None or flow.user_id != user.id or flow.called_back_at is None:
        raise FlowRefused("There is nothing waiting to be connected; press Connect again.")
    if now - flow.called_back_at > PICKS_TTL:
        raise FlowRefused("The accounts were not chosen within 15 minutes; press Connect again.")
    stored = connectors.box.open(flow.picks).get("picks", [])
    return flow, [_pick_from(item) for item in stored]


def forget_old(*, session: Session, now: datetime) -> int:
    """Delete flows nobody finished (older than both lifetimes); returns how many."""
    cutoff = now - FLOW_TTL - PICKS_TTL
    result = session.exec(delete(OAuthFlow).where(col(OAuthFlow.created_at) < cutoff))
    return result.rowcount or 0


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def _pick_json(pick: Pick) -> dict[str, Any]:
    return {
        "key": pick.key,
        "platform": pick.platform,
        "name": pick.name,
        "config": dict(pick.config),
        "secrets": dict(pick.secrets),
        "expires_at": iso_utc(pick.expires_at),
        "detail": pick.detail,
    }


def _pick_from(item: dict[str, Any]) -> Pick:
    expires = item.get("expires_at")
    return Pick(
        key=str(item["key"]),
        platform=str(item["platform"]),
        name=str(item["name"]),
        config=item.get("config") or {},
        secrets=item.get("secrets") or {},
        expires_at=datetime.fromisoformat(expires.replace("Z", "+00:00")) if expires else None,
        detail=str(item.get("detail") or ""),
    )
