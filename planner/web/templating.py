"""Template globals and filters: dates in the workspace zone, category colours, navigation."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import Flask
from flask_login import current_user

from planner.db import get_session
from planner.models import CATEGORY_LABELS
from planner.services import workspaces
from planner.timeutils import to_local
from planner.web import calendar_items
from planner.web.context import current_access, workspace_zone


def init_app(app: Flask) -> None:
    app.jinja_env.filters["local"] = local_format
    app.jinja_env.filters["status_label"] = lambda s: str(s).replace("_", " ")
    app.jinja_env.filters["category_label"] = lambda c: CATEGORY_LABELS.get(str(c), str(c))
    app.jinja_env.filters["day_label"] = lambda d: f"{d:%A} {d.day} {d:%B %Y}"
    app.jinja_env.globals["post_item"] = calendar_items.post_item
    app.jinja_env.globals["post_items"] = calendar_items.post_items
    app.jinja_env.globals["post_thumbs"] = calendar_items.thumbs
    app.context_processor(_nav_context)


def local_format(value: datetime | None, fmt: str = "%a %-d %b %Y, %H:%M") -> str:
    """Format an instant in the current workspace's zone."""
    if value is None:
        return ""
    return to_local(value, workspace_zone()).strftime(fmt)


def _nav_context() -> dict[str, Any]:
    ctx: dict[str, Any] = {"categories": CATEGORY_LABELS, "today_iso": date.today().isoformat()}
    if current_user.is_authenticated:
        ctx["acc"] = current_access()
        ctx["my_workspaces"] = workspaces.memberships(session=get_session(), user=current_user)
    return ctx
