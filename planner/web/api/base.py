"""The API blueprint, its bearer-token authentication, error shape and shared helpers."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g, jsonify, request
from werkzeug.exceptions import HTTPException

from planner.db import get_session
from planner.models import Post, User
from planner.services import tokens, workspaces
from planner.services.errors import ServiceError
from planner.services.workspaces import Access
from planner.timeutils import utcnow

bp = Blueprint("api", __name__, url_prefix="/api/v1")


class ApiError(Exception):
    def __init__(
        self, status: int, code: str, message: str, fields: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.fields = status, code, message, fields or {}


def error_response(status: int, code: str, message: str, fields: dict[str, str] | None = None):
    return jsonify(error={"code": code, "message": message, "fields": fields or {}}), status


@bp.errorhandler(ApiError)
def _api_error(exc: ApiError):
    return error_response(exc.status, exc.code, exc.message, exc.fields)


@bp.errorhandler(ServiceError)
def _service_error(exc: ServiceError):
    return error_response(exc.status, exc.code, exc.message, exc.fields)


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException):
    code = {404: "not_found", 405: "method_not_allowed", 400: "bad_request"}.get(
        exc.code or 500, "error"
    )
    return error_response(exc.code or 500, code, exc.description or exc.name)


@bp.before_request
def _authenticate() -> None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(
            401, "unauthorized", "Send a personal access token as 'Authorization: Bearer <token>'."
        )
    db = get_session()
    user = tokens.user_for_token(session=db, plaintext=token.strip(), now=utcnow())
    if user is None:
        raise ApiError(401, "unauthorized", "The token is unknown or revoked.")
    db.commit()
    g.api_user = user


def _user() -> User:
    return g.api_user


def _body() -> dict[str, Any]:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ApiError(
            400, "bad_request", "Send a JSON object with Content-Type: application/json."
        )
    return data


def _access(wid: int) -> Access:
    return workspaces.access(session=get_session(), user=_user(), workspace_id=wid)


def _post_access(pid: int) -> tuple[Access, Any]:
    """Find a post the caller can see; other workspaces' posts are 404, never 403."""
    db = get_session()
    post = db.get(Post, pid)
    if post is None:
        raise ApiError(404, "not_found", "No such post.")
    try:
        acc = _access(post.workspace_id)
    except ServiceError:
        raise ApiError(404, "not_found", "No such post.") from None
    return acc, post
