"""The signed-in user's current workspace, resolved once per request."""

from __future__ import annotations

from functools import wraps
from typing import Any
from zoneinfo import ZoneInfo

from flask import abort, flash, g, redirect, session, url_for
from flask_login import current_user

from planner.db import get_session
from planner.services import workspaces
from planner.services.errors import NotFound
from planner.services.workspaces import Access
from planner.timeutils import get_zone

SESSION_KEY = "workspace_id"


def current_access() -> Access | None:
    """Return the user's access to the workspace they work in, falling back to their first one."""
    if "access" in g:
        return g.access
    acc = None
    if current_user.is_authenticated:
        db = get_session()
        wanted = session.get(SESSION_KEY)
        if wanted is not None:
            try:
                acc = workspaces.access(session=db, user=current_user, workspace_id=wanted)
            except NotFound:
                acc = None
        if acc is None:
            mine = workspaces.memberships(session=db, user=current_user)
            if mine:
                acc = workspaces.access(session=db, user=current_user, workspace_id=mine[0][0].id)
                session[SESSION_KEY] = acc.workspace.id
    g.access = acc
    return acc


def switch_to(workspace_id: int) -> None:
    session[SESSION_KEY] = workspace_id
    g.pop("access", None)


def workspace_zone() -> ZoneInfo:
    acc = current_access()
    return get_zone(acc.workspace.timezone if acc else "UTC")


def with_access(view):
    """Pass the current Access to the view as ``acc``; without a workspace, ask to create one."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any):
        acc = current_access()
        if acc is None:
            flash("Create a workspace to start planning.", "info")
            return redirect(url_for("settings.new_workspace"))
        return view(*args, acc=acc, **kwargs)

    return wrapped


def owner_only(acc: Access) -> None:
    """Abort with 403 unless the user owns the workspace (the server check behind hidden buttons)."""
    if not acc.is_owner:
        abort(403)
