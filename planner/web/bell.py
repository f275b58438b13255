"""The bell: a member's notifications in the current workspace, and marking them read."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user

from planner.db import get_session
from planner.services import notifications as notification_service
from planner.services.workspaces import Access
from planner.timeutils import utcnow
from planner.web.context import current_access, with_access
from planner.web.forms import EmptyForm

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


@bp.app_context_processor
def _bell() -> dict[str, Any]:
    """The unread count shown on the bell in the top bar."""
    acc = current_access() if current_user.is_authenticated else None
    if acc is None:
        return {}
    return {
        "unread_count": notification_service.unread_count(
            session=get_session(), user_id=acc.user.id, workspace_id=acc.workspace.id
        )
    }


@bp.get("/")
@with_access
def index(acc: Access):
    items = notification_service.for_user(
        session=get_session(), user_id=acc.user.id, workspace_id=acc.workspace.id
    )
    return render_template("notifications/index.html", items=items, form=EmptyForm())


@bp.post("/<id:notification_id>/read")
@with_access
def mark_read(acc: Access, notification_id: int):
    db = get_session()
    notification_service.mark_read(
        session=db, user_id=acc.user.id, notification_id=notification_id, now=utcnow()
    )
    db.commit()
    return redirect(url_for("notifications.index"))


@bp.post("/read-all")
@with_access
def mark_all_read(acc: Access):
    db = get_session()
    count = notification_service.mark_all_read(
        session=db, user_id=acc.user.id, workspace_id=acc.workspace.id, now=utcnow()
    )
    db.commit()
    flash(f"Marked {count} as read." if count else "Nothing unread.", "success")
    return redirect(url_for("notifications.index"))
