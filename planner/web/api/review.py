"""API v1 routes for review: submit, approve, reject, comments and a post's history."""

from __future__ import annotations

import json
from typing import Any

from flask import current_app, jsonify

from planner import mail
from planner.connectors_app import get_connectors
from planner.db import get_session
from planner.services import audit, comments, review
from planner.services.errors import GuardrailBlocked
from planner.services.review import ReviewResult
from planner.services.workspaces import Access
from planner.timeutils import iso_utc, utcnow
from planner.web.api.base import bp, post_access
from planner.web.api.core import posts_json
from planner.web.api.schemas import Approval, CommentCreate, Rejection, parse
from planner.web.boundary import read_json


def _finish(acc: Access, result: ReviewResult):
    answer = jsonify(posts_json(acc, [result.post])[0])
    get_session().commit()
    mail.send(current_app._get_current_object(), result.notices, now=utcnow())
    return answer


@bp.post("/posts/<id:pid>/submit")
def submit_post(pid: int):
    acc, post = post_access(pid)
    result = review.submit(
        session=get_session(), acc=acc, post_id=post.id, connectors=get_connectors(), now=utcnow()
    )
    return _finish(acc, result)


@bp.post("/posts/<id:pid>/approve")
def approve_post(pid: int):
    acc, post = post_access(pid)
    reason = parse(Approval, read_json(optional=True)).override_reason
    db = get_session()
    try:
        result = review.approve(
            session=db,
            acc=acc,
            post_id=post.id,
            now=utcnow(),
            override_reason=reason,
            connectors=get_connectors(),
        )
    except GuardrailBlocked as exc:
        db.rollback()
        return jsonify(exc.to_dict()), exc.status
    return _finish(acc, result)


@bp.post("/posts/<id:pid>/reject")
def reject_post(pid: int):
    acc, post = post_access(pid)
    comment = parse(Rejection, read_json(optional=True)).comment
    result = review.reject(
        session=get_session(), acc=acc, post_id=post.id, comment=comment, now=utcnow()
    )
    return _finish(acc, result)


@bp.get("/posts/<id:pid>/comments")
def list_comments(pid: int):
    _acc, post = post_access(pid)
    found = comments.for_post(session=get_session(), post_id=post.id)
    return jsonify(comments=[comments.comment_json(c) for c in found])


@bp.post("/posts/<id:pid>/comments")
def add_comment(pid: int):
    acc, post = post_access(pid)
    body = parse(CommentCreate).body
    db = get_session()
    comment = review.add_comment(session=db, acc=acc, post_id=post.id, body=body, now=utcnow())
    db.commit()
    return jsonify(comments.comment_json(comment)), 201


@bp.get("/posts/<id:pid>/history")
def post_history(pid: int):
    acc, post = post_access(pid)
    events = audit.post_history(
        session=get_session(), workspace_id=acc.workspace.id, post_id=post.id
    )
    return jsonify(
        history=[
            {
                "at": iso_utc(e.at),
                "actor_id": e.actor_id,
                "action": e.action,
                "detail": _detail(e.detail),
            }
            for e in events
        ]
    )


def _detail(text: str) -> Any:
    """Structured detail comes back as JSON; older plain-text detail stays a string."""
    if not text:
        return {}
    try:
        return json.loads(text)
    except ValueError:
        return text
