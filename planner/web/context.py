"""The signed-in user's current workspace, resolved once per request."""

from __future__ import annotations

from functools import wraps
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from flask import abort, flash, g, redirect, session, url_for
from flask_login import current_user

from planner.db import get_session
from planner.services import workspaces
from planner.services.errors import NotFound
from planner.services.workspaces import Access
from planner.timeutils import get_zone

SESSION_KEY = "workspace_id"
# Browsers drop these from a URL before reading it, so "/\t/evil.example" means "//evil.example".
_DROPPED_BY_BROWSERS = str.maketrans("", "", "\t\r\n")


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


def local_url(target: str | None) -> str | None:
    """Return *target* as a path on this site, or None when a browser could read it as off-site.

    The check runs on the URL as a browser reads it (tabs and newlines dropped, ``\\`` read as
    ``/``) and that normalised form is what is returned, so ``next=/%09/evil.example`` can never
    become ``Location: //evil.example``, and a newline never reaches a header.
    """
    if not target:
        return None
    cleaned = target.translate(_DROPPED_BY_BROWSERS).replace("\\", "/")
    parts = urlsplit(cleaned)
    if (
        cleaned.startswith("/")
        and not cleaned.startswith("//")
        and not parts.scheme
        and not parts.netloc
        and cleaned.isprintable()
    ):
        return cleaned
    return None
