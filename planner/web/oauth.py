"""Connecting channels with OAuth: Connect -> the platform's sign-in -> callback -> pick -> channels.

The browser carries only the flow's ``state`` (bound to this session for flows started here)
and a random key naming the picks waiting on the server; tokens never enter the session.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeSerializer

if TYPE_CHECKING:
    from flask.typing import ResponseReturnValue
    from sqlmodel import Session

    from planner.oauth_models import OAuthFlow

from planner.connectors.base import ConnectorError
from planner.connectors_app import get_connectors
from planner.db import get_session
from planner.oauth.mastodon import clean_server
from planner.services import oauth_channels, oauth_flow, workspaces
from planner.services.errors import NotFound, ServiceError, ValidationError
from planner.services.text import as_sentence
from planner.services.workspaces import Access
from planner.timeutils import utcnow
from planner.web import CSP
from planner.web.context import owner_only, switch_to, with_access
from planner.web.forms import EmptyForm

bp = Blueprint("oauth", __name__, url_prefix="/channels/oauth")

# Hashes of the states of flows started in this browser. They live in a cookie of their own,
# not the session: signing in again part-way (a session that ran out while the owner was on the
# platform) starts a fresh session, and the callback that follows must still be recognised.
STATES_COOKIE = "planner_oauth"
STATES_SALT = "planner.oauth.states"
PICKS_KEY = "oauth_picks"  # the key of the picks waiting for this browser's user
MAX_STATES = 5
STATES_MAX_AGE = 15 * 60  # a flow lasts 10 minutes


def _states_signer() -> URLSafeSerializer:
    return URLSafeSerializer(str(current_app.secret_key), salt=STATES_SALT)


def browser_states() -> list[str]:
    """The state hashes of the flows started in this browser (none when the cookie is forged)."""
    raw = request.cookies.get(STATES_COOKIE)
    if not raw:
        return []
    try:
        found = _states_signer().loads(raw)
    except BadSignature:
        return []
    return [s for s in found if isinstance(s, str)] if isinstance(found, list) else []


def keep_states(response: Response, states: list[str]) -> Response:
    """Set (or clear) the cookie holding this browser's flow states on *response*."""
    if not states:
        response.delete_cookie(STATES_COOKIE, path=bp.url_prefix)
        return response
    response.set_cookie(
        STATES_COOKIE,
        _states_signer().dumps(states[-MAX_STATES:]),
        max_age=STATES_MAX_AGE,
        path=bp.url_prefix,
        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
        httponly=True,
        samesite="Lax",  # sent on the platform's top-level redirect back to the callback
    )
    return response


def allow_sign_in(response: Response) -> Response:
    """Let this page's Connect forms lead to a platform's sign-in page.

    ``form-action`` also governs where a form's redirects may go, so the page holding Connect
    buttons allows https (and http where private hosts are allowed, for local fakes).
    """
    schemes = "https: http:" if current_app.config.get("ALLOW_PRIVATE_HOSTS") else "https:"
    response.headers["Content-Security-Policy"] = CSP.replace(
        "form-action 'self'", f"form-action 'self' {schemes}"
    )
    return response


def base_url() -> str:
    """``PLANNER_BASE_URL``: the redirect URI registered with each platform starts with it."""
    return str(current_app.config["BASE_URL"])


def read_server(raw: str | None) -> str:
    """The Mastodon server's domain from a form or API body, or a ValidationError."""
    try:
        return clean_server(raw or "")
    except ValueError as exc:
        raise ValidationError(str(exc), fields={"server": str(exc)}) from None


@bp.post("/<platform>/start")
@with_access
def start(acc: Access, platform: str):
    """Send the owner to the platform's sign-in page, remembering the flow for its callback."""
    owner_only(acc)
    if not EmptyForm().validate_on_submit():
        flash("The form expired; press Connect again.", "error")
        return redirect(url_for("channels.index"))
    if platform not in oauth_flow.oauth_platforms(get_connectors()):
        raise NotFound(f"No OAuth connection for {platform}.")
    db = get_session()
    try:
        server = read_server(request.form.get("server")) if platform == "mastodon" else None
        started = oauth_flow.start(
            session=db,
            acc=acc,
            platform=platform,
            redirect=oauth_flow.redirect_uri(base_url(), platform),
            connectors=get_connectors(),
            now=utcnow(),
            server=server,
            website=base_url(),
        )
    except (ValidationError, oauth_flow.OAuthNotConfigured) as exc:
        db.rollback()
        flash(exc.message, "error")
        return redirect(url_for("channels.index"))
    except ConnectorError as exc:
        db.rollback()
        flash(f"Could not start connecting: {as_sentence(exc.message)}", "error")
        return redirect(url_for("channels.index"))
    db.commit()
    response = redirect(started.authorize_url, 302)
    return keep_states(response, [*browser_states(), started.flow.state_hash])


@bp.get("/<platform>/callback")
def callback(platform: str):
    """Take the platform's answer: refuse strangers, accept a "no" calmly, keep the picks."""
    state = request.args.get("state") or ""
    db = get_session()
    now = utcnow()
    try:
        if not state:
            raise oauth_flow.FlowRefused("The sign-in answer came back without its state.")
        flow = oauth_flow.flow_for_callback(
            session=db, platform=platform, state=state, user=current_user, now=now
        )
        if not flow.from_api and flow.state_hash not in browser_states():
            raise oauth_flow.FlowRefused("This sign-in was started in another browser.")
    except oauth_flow.FlowRefused as exc:
        return _refused(exc.message)
    left = [s for s in browser_states() if s != flow.state_hash]
    return keep_states(make_response(_called_back(platform, flow, db, now)), left)


def _called_back(platform: str, flow: OAuthFlow, db: Session, now: datetime) -> ResponseReturnValue:
    """The answer to a recognised callback: nothing connected, an error, or the pick page."""
    error = request.args.get("error")
    if error or not request.args.get("code"):
        oauth_flow.spend(session=db, flow=flow, now=now)
        db.commit()
        if error == "access_denied" or not error:
            flash("Nothing was connected: access was not allowed on the platform.", "info")
        else:
            said = request.args.get("error_description") or error
            flash(f"Nothing was connected: the platform said {said[:200]!r}.", "error")
        return redirect(url_for("channels.index"))
    try:
        key, picks = oauth_flow.finish(
            session=db,
            flow=flow,
            code=request.args["code"],
            connectors=get_connectors(),
            now=now,
        )
    except oauth_flow.FlowRefused as exc:
        db.rollback()
        return _refused(exc.message)
    except ConnectorError as exc:
        db.commit()  # the flow stays spent
        flash(f"Nothing was connected: {as_sentence(exc.message)}", "error")
        return redirect(url_for("channels.index"))
    db.commit()
    session[PICKS_KEY] = key
    return redirect(url_for("oauth.pick", platform=platform))


@bp.route("/<platform>/pick", methods=["GET", "POST"])
def pick(platform: str):
    """Let the owner choose which of the accounts the sign-in granted become channels."""
    db = get_session()
    now = utcnow()
    connectors = get_connectors()
    try:
        flow, picks = oauth_flow.pending(
            session=db,
            key=session.get(PICKS_KEY, ""),
            user=current_user,
            connectors=connectors,
            now=now,
        )
    except oauth_flow.FlowRefused as exc:
        return _refused(exc.message)
    try:
        acc = workspaces.access(session=db, user=current_user, workspace_id=flow.workspace_id)
    except ServiceError:
        return _refused("You are no longer a member of the workspace this was started for.")
    owner_only(acc)
    form = EmptyForm()
    problem = None
    if request.method == "POST" and form.validate_on_submit():
        try:
            made = oauth_channels.connect(
                session=db,
                acc=acc,
                flow=flow,
                picks=picks,
                chosen=request.form.getlist("pick"),
                connectors=connectors,
                now=now,
            )
        except ValidationError as exc:
            db.rollback()
            problem = exc.message
        else:
            db.commit()
            session.pop(PICKS_KEY, None)
            switch_to(acc.workspace.id)
            names = ", ".join(c.name for c in made)
            flash(f"Connected {names}. Posts for it go out at their time.", "success")
            return redirect(url_for("channels.index"))
    return render_template(
        "channels/pick.html",
        picks=picks,
        platform=platform,
        workspace=acc.workspace,
        form=form,
        problem=problem,
    ), (422 if problem else 200)


def _refused(message: str):
    return render_template("errors/error.html", title="Nothing was connected", message=message), 400
