"""The API blueprint, its bearer-token authentication and the helpers every route module uses.

HTTP errors (404, 405, ...) get the JSON error shape from the app's handler in ``planner.web``,
which answers for every URL under /api/, matched or not.
"""

from __future__ import annotations

from flask import Blueprint, g, jsonify, request

from planner.db import get_session
from planner.models import Post, User
from planner.services import tokens, workspaces
from planner.services.errors import NotFound, ServiceError
from planner.services.workspaces import Access
from planner.timeutils import utcnow

bp = Blueprint("api", __name__, url_prefix="/api/v1")


class Unauthorized(ServiceError):
    """No token, or one that is unknown or revoked."""

    code = "unauthorized"
    status = 401


@bp.errorhandler(ServiceError)
def _service_error(exc: ServiceError):
    return jsonify(exc.to_dict()), exc.status


@bp.before_request
def _authenticate() -> None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("Send a personal access token as 'Authorization: Bearer <token>'.")
    db = get_session()
    user = tokens.user_for_token(session=db, plaintext=token.strip(), now=utcnow())
    if user is None:
        raise Unauthorized("The token is unknown or revoked.")
    db.commit()
    g.api_user = user


def api_user() -> User:
    """The user whose token authenticated this request."""
    return g.api_user


def access(wid: int) -> Access:
    """The caller's access to workspace *wid* (404 when they are not a member)."""
    return workspaces.access(session=get_session(), user=api_user(), workspace_id=wid)


def member_access(workspace_id: int, what: str) -> Access:
    """Access to the workspace an object belongs to; others' objects are 404, never 403."""
    try:
        return access(workspace_id)
    except ServiceError:
        raise NotFound(f"No such {what}.") from None


def post_access(pid: int) -> tuple[Access, Post]:
    """Find a post the caller can see; other workspaces' posts are 404, never 403."""
    post = get_session().get(Post, pid)
    if post is None:
        raise NotFound("No such post.")
    return member_access(post.workspace_id, "post"), post
