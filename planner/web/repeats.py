"""The composer's "Repeat" section: read it, fill it for an occurrence, save through the services."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flask import request
from sqlmodel import Session
from wtforms.fields.choices import SelectChoice

from planner.models import Post, RecurringSeries
from planner.planning import rrules
from planner.services import recurrence
from planner.services.errors import ValidationError
from planner.services.posts import PostInput
from planner.services.workspaces import Access
from planner.timeutils import get_zone
from planner.web.forms import RepeatForm


def _series(db: Session, post: Post | None) -> RecurringSeries | None:
    if post is None:
        return None
    return recurrence.series_of(session=db, post_ids=[post.id]).get(post.id)


@dataclass
class RepeatSection:
    """The Repeat form and, when editing an occurrence, its series and the rule in words."""

    form: RepeatForm
    series: RecurringSeries | None = None
    summary: str | None = None


def repeat_section(db: Session, acc: Access, post: Post | None = None) -> RepeatSection:
    """Bind the Repeat section to the request; on GET for an occurrence, show its series' rule."""
    form = RepeatForm()
    series = _series(db, post)
    if series is None:
        return RepeatSection(form)
    tz = get_zone(acc.workspace.timezone)
    rule = rrules.parse_rule(series.rrule, stored=True)
    summary = rrules.describe(rule, series.starts_local, tz)
    values = rrules.form_values(rule, tz)
    if values["kind"] == "custom":
        form.kind.choices = [*form.kind.choices, SelectChoice("custom", f"Keep: {summary}")]
    if request.method == "GET":
        form.apply_to.data = "this"
        form.kind.data = values["kind"]
        form.weekdays.data = list(values.get("weekdays") or [])
        form.interval.data = values["interval"] if values["kind"] == "weeks" else 2
        form.nth.data = values.get("nth", 1)
        form.nth_weekday.data = values.get("weekday", 0)
        form.ends.data = values["ends"]
        form.until.data = values.get("until")
        if values["ends"] == "count" and post is not None:
            form.count.data = recurrence.remaining_count(session=db, acc=acc, post=post)
    return RepeatSection(form, series, summary)


def rule_from(section: RepeatSection, start: datetime | None, tz_name: str) -> str | None:
    """Return the RRULE the section describes, or None for "does not repeat"."""
    form = section.form
    kind = form.kind.data
    if kind == "none":
        return None
    day: date | None = start.astimezone(get_zone(tz_name)).date() if start else None
    weekdays = list(form.weekdays.data or ([day.weekday()] if day else []))
    try:
        rule = rrules.build_rule(
            kind,
            weekdays=weekdays,
            interval=form.interval.data or 2,
            nth=form.nth.data or 1,
            weekday=form.nth_weekday.data or 0,
            count=form.count.data if form.ends.data == "count" else None,
            until=form.until.data if form.ends.data == "until" else None,
        )
    except rrules.RuleError as exc:
        raise ValidationError(exc.message, fields={"rrule": exc.message}) from None
    return rule.text if rule else None


def save_new(db: Session, acc: Access, post: Post, section: RepeatSection, now: datetime) -> None:
    """Start a series from a post just created, when the section asks for repeats."""
    rule = rule_from(section, post.scheduled_at, acc.workspace.timezone)
    if rule is not None:
        recurrence.start_series(session=db, acc=acc, post=post, rrule=rule, now=now)


def save_edit(
    db: Session, acc: Access, post: Post, data: PostInput, section: RepeatSection, now: datetime
) -> Post:
    """Save an edit as the section asks: to this post only, or to the rest of its series too."""
    kept = section.series is not None and section.form.kind.data == "custom"
    return recurrence.save_edit(
        session=db,
        acc=acc,
        post_id=post.id,
        data=data,
        following=section.form.apply_to.data == "following",
        rrule=recurrence.KEEP_RULE
        if kept
        else rule_from(section, data.scheduled_at, acc.workspace.timezone),
        now=now,
    )
