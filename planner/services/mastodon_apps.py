"""The apps planner registered on Mastodon servers: one per server, registered once, reused."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from planner.connectors.base import OAuthApp
from planner.connectors.bundle import Connectors
from planner.oauth import mastodon
from planner.oauth_models import MastodonApp


def app_for(
    *,
    session: Session,
    server: str,
    redirect_uri: str,
    website: str,
    connectors: Connectors,
    now: datetime,
) -> OAuthApp:
    """Return planner's app on *server*, registering it there the first time.

    An app registered for another redirect URI or other scopes (planner moved to a new
    address) is registered again and replaces the old one.
    """
    row = session.exec(select(MastodonApp).where(MastodonApp.server == server)).first()
    scopes = " ".join(mastodon.SCOPES)
    if row is not None and (not redirect_uri or row.redirect_uri == redirect_uri):
        if row.scopes == scopes:
            secret = connectors.box.open(row.client_secret)["client_secret"]
            return OAuthApp(client_id=row.client_id, client_secret=secret)
    app = mastodon.register_app(
        server=server,
        redirect_uri=redirect_uri,
        website=website,
        options=connectors.options,
    )
    sealed = connectors.box.seal({"client_secret": app.client_secret})
    if row is None:
        row = MastodonApp(server=server, created_at=now, client_id="", client_secret="")
    row.client_id, row.client_secret = app.client_id, sealed
    row.redirect_uri, row.scopes, row.created_at = redirect_uri, scopes, now
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        # Another owner registered on the same server at the same moment: theirs is as good.
        found = session.exec(select(MastodonApp).where(MastodonApp.server == server)).one()
        secret = connectors.box.open(found.client_secret)["client_secret"]
        return OAuthApp(client_id=found.client_id, client_secret=secret)
    return app
