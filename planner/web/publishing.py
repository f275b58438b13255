"""The publishing page (what is going out and what needs a decision), retry and cancel."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user

from planner.db import get_session
from planner.services import channels as channel_service
from planner.services import deliveries, delivery_board, token_lifetimes
from planner.services.errors import Conflict, ValidationError
from planner.services.media import media_ids_for_posts
from planner.services.workspaces import Access
from planner.timeutils import utcnow
from planner.web.context import current_access, local_url, with_access
from planner.web.forms import EmptyForm
from planner.web.forms_support import act

bp = Blueprint("publishing", __name__, url_prefix="/publishing")


@bp.get("/")
@with_access
def index(acc: Access):
    db = get_session()
    board = delivery_board.board(session=db, workspace_id=acc.workspace.id)
    lists = (board.attention, board.in_flight, board.upcoming, board.published)
    shown = {row.post.id for rows in lists for row in rows}
    media = media_ids_for_posts(session=db, post_ids=shown)
    return render_template("publishing/index.html", board=board, form=EmptyForm(), media=media)


@bp.post("/deliveries/<id:delivery_id>/retry")
@with_access
def retry(acc: Access, delivery_id: int):
    return _act(acc, delivery_id, deliveries.retry, "It will be published in a moment.")


@bp.post("/deliveries/<id:delivery_id>/cancel")
@with_access
def cancel(acc: Access, delivery_id: int):
    return _act(acc, delivery_id, deliveries.cancel, "Cancelled; it will not be published.")


def _act(acc: Access, delivery_id: int, action: Any, done: str):
    if EmptyForm().validate_on_submit():
        # Not found and not allowed are answered as such; a refusal is flashed.
        act(
            lambda db: action(session=db, acc=acc, delivery_id=delivery_id, now=utcnow()),
            done=done,
            refused=(Conflict, ValidationError),
        )
    return redirect(_back())


def _back() -> str:
    """Return to the page the button was on (a post page or this one), never off-site."""
    return local_url(request.form.get("next")) or url_for("publishing.index")


@bp.app_context_processor
def _reauth_banner() -> dict[str, Any]:
    """Owners see, on every page, which channels need reconnecting (or will soon)."""
    if not current_user.is_authenticated:
        return {}
    acc = current_access()
    if acc is None or not acc.is_owner:
        return {}
    return {
        "channels_needing_reauth": channel_service.needing_reauth(
            session=get_session(), workspace_id=acc.workspace.id
        ),
        "channels_expiring": token_lifetimes.expiring_soon(
            session=get_session(), workspace_id=acc.workspace.id, now=utcnow()
        ),
    }


@bp.app_template_global()
def post_deliveries(post_id: int) -> list[Any]:
    """Each channel's delivery of the post with its channel, for the post page."""
    return delivery_board.deliveries_for_page(session=get_session(), post_id=post_id)
