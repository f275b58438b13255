"""Insights in the UI: what each category earned in a month or quarter, its CSV, its weights;
and "Refresh now" for one post's figures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from planner.connectors_app import get_connectors
from planner.db import get_session
from planner.models import Channel, Post
from planner.services import channels as channel_service
from planner.services import engagement, insights
from planner.services import posts as post_service
from planner.services.errors import ValidationError
from planner.services.inbox import response_time_median_minutes
from planner.services.insights_export import insights_csv
from planner.services.workspaces import Access
from planner.timeutils import (
    get_zone,
    month_window,
    next_month,
    parse_month,
    prev_month,
    quarter_start,
    quarter_window,
    to_local,
    utcnow,
)
from planner.web.charts import NARROW_WIDTH, bar_chart, line_chart
from planner.web.context import with_access
from planner.web.exports import csv_response
from planner.web.forms import EmptyForm

bp = Blueprint("insights", __name__)

FIGURE_LABELS = {"replies": "Replies", "reposts": "Reposts", "quotes": "Quotes", "likes": "Likes"}


@dataclass(frozen=True)
class Period:
    """The month or quarter on screen, with its neighbours for the arrows."""

    kind: str  # "month" or "quarter"
    first: date
    start: datetime
    end: datetime
    prev: date
    next: date

    @property
    def label(self) -> str:
        if self.kind == "quarter":
            return f"Q{(self.first.month - 1) // 3 + 1} {self.first.year}"
        return f"{self.first:%B %Y}"


def _period(acc: Access) -> Period:
    """Read ``period`` (month, quarter) and ``month`` (YYYY-MM); none is this month, or the
    latest month with figures when this one has none yet."""
    tz = get_zone(acc.workspace.timezone)
    kind = "quarter" if request.args.get("period") == "quarter" else "month"
    today = to_local(utcnow(), tz).date()
    first = today.replace(day=1)
    raw = request.args.get("month")
    if raw:
        try:
            first = parse_month(raw)
        except ValueError as exc:
            flash(f"{exc} Showing this month instead.", "error")
    else:
        first = _default_month(acc, first, tz)
    if kind == "quarter":
        first = quarter_start(first)
        start, end = quarter_window(first, tz)
        before = quarter_start(prev_month(first))
        after = next_month(next_month(next_month(first)))
        return Period(kind, first, start, end, before, after)
    start, end = month_window(first, tz)
    return Period(kind, first, start, end, prev_month(first), next_month(first))


def _default_month(acc: Access, this_month: date, tz: ZoneInfo) -> date:
    """This month, unless the previous month has more posts with figures (early in a month), or
    this one has none: then the latest month that has some."""
    db = get_session()
    start, end = month_window(this_month, tz)
    before, _ = month_window(prev_month(this_month), tz)
    now_count = insights.measured_posts(
        session=db, workspace_id=acc.workspace.id, start=start, end=end
    )
    if now_count:
        earlier = insights.measured_posts(
            session=db, workspace_id=acc.workspace.id, start=before, end=start
        )
        return prev_month(this_month) if earlier > now_count else this_month
    latest = insights.latest_measured(session=db, workspace_id=acc.workspace.id, before=end)
    return to_local(latest, tz).date().replace(day=1) if latest is not None else this_month


def _channel(acc: Access) -> Channel | None:
    raw = request.args.get("channel") or ""
    if not raw.isdigit():
        return None
    channel = get_session().get(Channel, int(raw))
    return channel if channel and channel.workspace_id == acc.workspace.id else None


def _insights(acc: Access, period: Period, channel: Channel | None) -> insights.Insights:
    return insights.insights(
        session=get_session(),
        workspace_id=acc.workspace.id,
        settings=acc.workspace.settings,
        timezone=acc.workspace.timezone,
        start=period.start,
        end=period.end,
        channel_id=channel.id if channel else None,
        response_times=response_time_median_minutes,
    )


@bp.get("/insights")
@with_access
def index(acc: Access):
    period = _period(acc)
    channel = _channel(acc)
    found = _insights(acc, period, channel)
    scores = [
        (
            f.label,
            f.category,
            f.score,
            f"{f.score:g} from {f.posts} post{'' if f.posts == 1 else 's'}",
        )
        for f in found.by_category
    ]
    weekly = [(f"{w.start:%-d %b}", w.score) for w in found.weeks]
    channels = channel_service.list_channels(session=get_session(), workspace_id=acc.workspace.id)
    return render_template(
        "insights/index.html",
        found=found,
        period=period,
        channel=channel,
        no_figures=_gives_no_figures(channel, found),
        channels=channels,
        # The same charts twice: the page shows the wide ones, a phone the narrow ones.
        bars=bar_chart(scores),
        weeks=line_chart(weekly),
        narrow_bars=bar_chart(scores, narrow=True),
        narrow_weeks=line_chart(weekly, width=NARROW_WIDTH),
        figure_labels=FIGURE_LABELS,
        form=EmptyForm(),
    )


def _gives_no_figures(channel: Channel | None, found: insights.Insights) -> str | None:
    """The platform's name when the chosen channel's platform gives no figures and none are
    stored for the period (the demo's outbox has some), so the page can say why it is empty."""
    if channel is None or any(f.posts for f in found.by_category):
        return None
    cls = get_connectors().registry.get(channel.platform)
    if cls is not None and cls.gives_engagement:
        return None
    return cls.label if cls is not None else channel.platform


@bp.get("/insights.csv")
@with_access
def export(acc: Access):
    period = _period(acc)
    found = _insights(acc, period, _channel(acc))
    last = date.fromordinal(to_local(period.end, get_zone(acc.workspace.timezone)).toordinal() - 1)
    data = insights_csv(found, start_label=period.first.isoformat(), end_label=last.isoformat())
    return csv_response(data, f"insights-{period.first:%Y-%m}-{period.kind}.csv")


@bp.post("/insights/weights")
@with_access
def weights(acc: Access):
    if not acc.is_owner:
        abort(403)
    if EmptyForm().validate_on_submit():
        db = get_session()
        try:
            insights.set_weights(
                session=db,
                acc=acc,
                weights={name: request.form.get(name, "") for name in FIGURE_LABELS},
            )
        except ValidationError as exc:
            db.rollback()
            flash(
                "Weights not saved: "
                + " ".join(f"{FIGURE_LABELS[k]}: {v}" for k, v in exc.fields.items()),
                "error",
            )
        else:
            db.commit()
            flash("Score weights saved.", "success")
    return redirect(url_for("insights.index", **_keep_query()))


def _keep_query() -> dict[str, str]:
    """The period and channel the form was sent from, to return to the same view."""
    return {k: v for k in ("period", "month", "channel") if (v := request.form.get(k, ""))}


@bp.post("/posts/<id:post_id>/engagement/refresh")
@with_access
def refresh(acc: Access, post_id: int):
    db = get_session()
    post = post_service.get_post(session=db, acc=acc, post_id=post_id)
    if EmptyForm().validate_on_submit():
        errors = engagement.refresh_post(
            session=db, post=post, connectors=get_connectors(), now=utcnow()
        )
        db.commit()
        if errors:
            flash("Some figures could not be read: " + " ".join(errors.values()), "error")
        else:
            flash("Figures read just now.", "success")
    return redirect(url_for("posts.view", post_id=post_id, _anchor="engagement"))


@bp.app_template_global()
def post_engagement(post: Post) -> list[engagement.ChannelEngagement]:
    """Each channel of the post with its figures, for the post page."""
    return engagement.for_post(session=get_session(), post=post, connectors=get_connectors())
