"""API v1: start connecting a channel with OAuth; the owner's browser does the rest."""

from __future__ import annotations

from flask import jsonify

from planner.connectors.base import ConnectorError
from planner.connectors_app import get_connectors
from planner.db import get_session
from planner.services import oauth_flow
from planner.services.errors import NotFound, ServiceError
from planner.timeutils import utcnow
from planner.web.api.base import access, bp
from planner.web.api.schemas import OAuthStart, parse
from planner.web.boundary import read_json
from planner.web.oauth import base_url, read_server


class PlatformUnreachable(ServiceError):
    """The platform could not be asked (a Mastodon server refusing to register the app)."""

    code = "platform_error"
    status = 502


@bp.post("/workspaces/<id:wid>/channels/oauth/<platform>/start")
def start_oauth(wid: int, platform: str):
    """Return the address to open in the owner's browser; the callback asks them to pick.

    The flow is bound to the token's user: the browser that opens the address must be logged
    in as them. Mastodon needs ``{"server": "mastodon.social"}``.
    """
    acc = access(wid)
    if platform not in oauth_flow.oauth_platforms(get_connectors()):
        raise NotFound(f"No OAuth connection for {platform!r}.")
    data = parse(OAuthStart, read_json(optional=True))
    server = read_server(data.server) if platform == "mastodon" else None
    db = get_session()
    try:
        started = oauth_flow.start(
            session=db,
            acc=acc,
            platform=platform,
            redirect=oauth_flow.redirect_uri(base_url(), platform),
            connectors=get_connectors(),
            now=utcnow(),
            server=server,
            website=base_url(),
            from_api=True,
        )
    except ConnectorError as exc:
        db.rollback()
        raise PlatformUnreachable(f"Could not start connecting: {exc.message}") from None
    db.commit()
    return jsonify(authorize_url=started.authorize_url), 201
