"""Getting the plan out: a CSV of any range and a printable month."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for

from planner.db import get_session
from planner.services import calendar as cal
from planner.services import exports
from planner.services.workspaces import Access
from planner.timeutils import (
    get_zone,
    local_midnight,
    month_start,
    next_month,
    parse_day,
    prev_month,
    to_local,
    utcnow,
)
from planner.web.api.queries import MAX_EXPORT_DAYS
from planner.web.calendar import month_arg
from planner.web.context import with_access

bp = Blueprint("exports", __name__)


def csv_response(data: bytes, filename: str) -> Response:
    """A CSV download that is never cached by shared caches (it holds unpublished plans)."""
    return Response(
        data,
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "private, no-store",
        },
    )


@bp.get("/export.csv")
@with_access
def export_csv(acc: Access):
    """Posts from ``start`` to ``end`` (local dates, both included; default: this month)."""
    tz = get_zone(acc.workspace.timezone)
    first = month_start(to_local(utcnow(), tz).date())
    try:
        start = parse_day(request.args.get("start") or first.isoformat())
        end = parse_day(
            request.args.get("end") or (next_month(first) - timedelta(days=1)).isoformat()
        )
    except ValueError:
        flash("Choose the first and last day to export as dates between 1970 and 2200.", "error")
        return redirect(url_for("imports.upload", _anchor="export"))
    if end < start:
        flash("The last day comes before the first day: swap them and try again.", "error")
        return redirect(url_for("imports.upload", _anchor="export"))
    if end - start >= timedelta(days=MAX_EXPORT_DAYS):
        flash(f"Export at most {MAX_EXPORT_DAYS} days at a time.", "error")
        return redirect(url_for("imports.upload", _anchor="export"))
    data = exports.export_csv(
        session=get_session(),
        workspace=acc.workspace,
        start=local_midnight(start, tz),
        end=local_midnight(end + timedelta(days=1), tz),
    )
    return csv_response(data, f"posts-{start.isoformat()}-to-{end.isoformat()}.csv")


@bp.get("/print")
@with_access
def print_month(acc: Access):
    """The month (``?month=YYYY-MM``) on one clean page for paper or PDF."""
    tz = get_zone(acc.workspace.timezone)
    today = to_local(utcnow(), tz).date()
    first = month_arg(today)
    view = cal.month(session=get_session(), workspace_id=acc.workspace.id, tz=tz, first=first)
    return render_template(
        "exports/print_month.html",
        view=view,
        first=first,
        today=today,
        prev=prev_month(first),
        next=next_month(first),
    )
