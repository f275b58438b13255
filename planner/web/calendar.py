"""Month, week and list views of the plan, and the ideas list."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, flash, redirect, render_template, request, url_for

from planner.db import get_session
from planner.models import Category, PostStatus
from planner.services import calendar as cal
from planner.services import channels as channel_service
from planner.services import onboarding
from planner.services.media import media_ids_for_posts
from planner.services.posts import PostFilters, channel_ids_for, list_posts
from planner.services.workspaces import Access
from planner.timeutils import (
    get_zone,
    local_midnight,
    next_month,
    parse_day,
    parse_month,
    prev_month,
    to_local,
    utcnow,
)
from planner.web.boundary import as_id
from planner.web.context import with_access
from planner.web.forms import EmptyForm

bp = Blueprint("calendar", __name__)


def month_arg(today: date) -> date:
    """The ``month`` asked for (YYYY-MM); none, or one out of range, is this month (and says so)."""
    raw = request.args.get("month")
    if raw:
        try:
            return parse_month(raw)
        except ValueError as exc:
            flash(f"{exc} Showing this month instead.", "error")
    return today.replace(day=1)


def day_arg(today: date) -> date:
    """The ``date`` asked for (YYYY-MM-DD); none, or one out of range, is today (and says so)."""
    raw = request.args.get("date")
    if raw:
        try:
            return parse_day(raw)
        except ValueError:
            flash("Choose a date between 1970 and 2200. Showing today instead.", "error")
    return today


@bp.get("/")
@with_access
def month(acc: Access):
    tz = get_zone(acc.workspace.timezone)
    today = to_local(utcnow(), tz).date()
    first = month_arg(today)
    db = get_session()
    view = cal.month(session=db, workspace_id=acc.workspace.id, tz=tz, first=first)
    found = cal.month_warnings(session=db, workspace=acc.workspace, view=view, now=utcnow())
    return render_template(
        "calendar/month.html",
        view=view,
        today=today,
        first=first,
        prev=prev_month(first),
        next=next_month(first),
        tz=tz,
        form=EmptyForm(),
        onboarding=onboarding.checklist(session=db, acc=acc),
        warnings=found,
        marks=cal.warning_marks(
            view,
            found,
            cal.posts_beyond(
                session=db, workspace_id=acc.workspace.id, view=view, warnings=found, tz=tz
            ),
        ),
    )


@bp.post("/onboarding/dismiss")
@with_access
def dismiss_onboarding(acc: Access):
    """Hide the first-steps checklist on the month view for good."""
    if EmptyForm().validate_on_submit():
        db = get_session()
        onboarding.dismiss(session=db, acc=acc)
        db.commit()
        flash("First steps hidden. Everything stays in the menu above.", "success")
    return redirect(url_for("calendar.month"))


@bp.get("/week")
@with_access
def week(acc: Access):
    tz = get_zone(acc.workspace.timezone)
    today = to_local(utcnow(), tz).date()
    day = day_arg(today)
    view = cal.week(session=get_session(), workspace_id=acc.workspace.id, tz=tz, day=day)
    monday = view.weeks[0].start
    return render_template(
        "calendar/week.html",
        view=view,
        today=today,
        monday=monday,
        prev=monday - timedelta(days=7),
        next=monday + timedelta(days=7),
        tz=tz,
        form=EmptyForm(),
    )


def _filters_from_args(tz) -> tuple[PostFilters, dict[str, str]]:
    args = request.args
    chosen = {
        k: args.get(k, "").strip()
        for k in ("status", "category", "channel_id", "q", "start", "end")
    }
    start = end = None
    if chosen["start"]:
        try:
            start = local_midnight(parse_day(chosen["start"]), tz)
        except ValueError:
            chosen["start"] = ""
    if chosen["end"]:
        try:
            end = local_midnight(parse_day(chosen["end"]), tz)
        except ValueError:
            chosen["end"] = ""
    channel_id = as_id(chosen["channel_id"])
    filters = PostFilters(
        start=start,
        end=end,
        status=chosen["status"] if chosen["status"] in {s.value for s in PostStatus} else None,
        category=chosen["category"] if chosen["category"] in {c.value for c in Category} else None,
        channel_id=channel_id,
        text=chosen["q"] or None,
        scheduled=True,
        limit=500,
    )
    return filters, chosen


@bp.get("/list")
@with_access
def list_view(acc: Access):
    tz = get_zone(acc.workspace.timezone)
    db = get_session()
    filters, chosen = _filters_from_args(tz)
    posts = list_posts(session=db, workspace_id=acc.workspace.id, filters=filters)
    channels = channel_service.list_channels(session=db, workspace_id=acc.workspace.id)
    targets = channel_ids_for(session=db, post_ids=[p.id for p in posts])
    names = {c.id: c.name for c in channels}
    rows = [
        (p, to_local(p.scheduled_at, tz), [names[c] for c in targets.get(p.id, []) if c in names])
        for p in posts
    ]
    return render_template(
        "calendar/list.html",
        rows=rows,
        media=media_ids_for_posts(session=db, post_ids=[p.id for p in posts]),
        channels=channels,
        chosen=chosen,
        statuses=[s.value for s in PostStatus],
        categories=[c.value for c in Category],
        limit=filters.limit,
    )


@bp.get("/ideas")
@with_access
def ideas(acc: Access):
    db = get_session()
    posts = list_posts(
        session=db, workspace_id=acc.workspace.id, filters=PostFilters(scheduled=False, limit=500)
    )
    channels = channel_service.list_channels(session=db, workspace_id=acc.workspace.id)
    targets = channel_ids_for(session=db, post_ids=[p.id for p in posts])
    names = {c.id: c.name for c in channels}
    rows = [(p, [names[c] for c in targets.get(p.id, []) if c in names]) for p in posts]
    return render_template("calendar/ideas.html", rows=rows)
