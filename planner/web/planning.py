"""Planning in the UI: posting times, "add to queue", "fill the month" and evergreen posts."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from planner.db import get_session
from planner.models import Post, PostStatus, Role
from planner.planning.rrules import WEEKDAY_NAMES
from planner.services import calendar, evergreen, planning, recurrence, slots
from planner.services import channels as channel_service
from planner.services import posts as post_service
from planner.services.errors import Conflict, ValidationError
from planner.services.workspaces import Access
from planner.timeutils import get_zone, next_month, prev_month, to_local, utcnow
from planner.web.boundary import as_id
from planner.web.context import current_access, with_access
from planner.web.forms import EmptyForm, EvergreenForm, SlotForm, choices
from planner.web.forms_support import act, commit_or_show

bp = Blueprint("planning", __name__)

MANAGERS = (Role.OWNER, Role.EDITOR)


def _managers_only(acc: Access) -> None:
    """Abort with 403 unless the user is an owner or editor (the check behind hidden buttons)."""
    if acc.role not in MANAGERS:
        abort(403)


@bp.app_template_global()
def plan_months(count: int = 3) -> list[tuple[str, str]]:
    """This month and the next ones in the workspace zone, as (YYYY-MM, "March 2026") pairs."""
    acc = current_access()
    tz = get_zone(acc.workspace.timezone if acc else "UTC")
    first = to_local(utcnow(), tz).date().replace(day=1)
    months = []
    for _ in range(count):
        months.append((f"{first:%Y-%m}", f"{first:%B %Y}"))
        first = next_month(first)
    return months


def fill_month_default(today: date) -> date:
    """The month "Fill a month" offers first: next month once this one has 10 days or fewer left."""
    first_of_next = next_month(today.replace(day=1))
    return first_of_next if (first_of_next - today).days <= 10 else today.replace(day=1)


@bp.app_template_global()
def plan_month_default() -> str:
    """The YYYY-MM "Fill a month" preselects, in the workspace zone."""
    acc = current_access()
    tz = get_zone(acc.workspace.timezone if acc else "UTC")
    return f"{fill_month_default(to_local(utcnow(), tz).date()):%Y-%m}"


def post_planning(acc: Access, post: Post) -> dict[str, Any]:
    """What the post page shows about planning: its series, evergreen state and queue button."""
    db = get_session()
    series = recurrence.series_of(session=db, post_ids=[post.id]).get(post.id)
    mark = evergreen.get_mark(session=db, post_id=post.id)
    form = EvergreenForm(formdata=None)
    if mark is not None:
        form.min_gap_days.data, form.max_uses.data = mark.min_gap_days, mark.max_uses
    return {
        "series_summary": recurrence.describe(series, acc.workspace.timezone) if series else None,
        "evergreen": mark,
        "evergreen_next": evergreen.next_use(mark) if mark else None,
        "evergreen_form": form,
        "can_mark_evergreen": acc.role in MANAGERS and post.status == PostStatus.PUBLISHED,
        # Offered for ideas (and posts whose time passed); a scheduled draft is moved by editing.
        "can_queue": post_service.can_edit(acc, post)
        and post.status in slots.QUEUEABLE
        and (post.scheduled_at is None or post.status == PostStatus.EXPIRED),
    }


@bp.route("/slots", methods=["GET", "POST"])
@with_access
def slot_list(acc: Access):
    db = get_session()
    channels = channel_service.list_channels(session=db, workspace_id=acc.workspace.id)
    form = SlotForm()
    form.channel_id.choices = choices((c.id, c.name) for c in channels)
    if form.validate_on_submit():
        _managers_only(acc)
        data = slots.SlotInput(
            channel_id=form.channel_id.data,
            weekday=form.weekday.data,
            local_time=form.local_time.data,
            category=form.category.data or None,
        )
        ok, _slot = commit_or_show(
            form, lambda db: slots.add_slot(session=db, acc=acc, now=utcnow(), data=data)
        )
        if ok:
            flash("Posting time added.", "success")
            return redirect(url_for("planning.slot_list"))
    names = {c.id: c.name for c in channels}
    grouped: dict[int, list[Any]] = {}
    for slot in slots.list_slots(session=db, workspace_id=acc.workspace.id):
        grouped.setdefault(slot.channel_id, []).append(slot)
    return render_template(
        "planning/slots.html",
        form=form,
        delete_form=EmptyForm(),
        channels=channels,
        grouped=grouped,
        names=names,
        weekdays=WEEKDAY_NAMES,
        can_manage=acc.role in MANAGERS,
        tz_name=acc.workspace.timezone,
    ), (422 if form.errors else 200)


@bp.post("/slots/<id:slot_id>/delete")
@with_access
def delete_slot(acc: Access, slot_id: int):
    if EmptyForm().validate_on_submit():
        db = get_session()
        slots.delete_slot(session=db, acc=acc, slot_id=slot_id, now=utcnow())
        db.commit()
        flash("Posting time removed.", "success")
    return redirect(url_for("planning.slot_list"))


@bp.post("/posts/<id:post_id>/queue")
@with_access
def queue(acc: Access, post_id: int):
    """Put a draft in the next free posting slot of its channels."""
    db = get_session()
    post_service.get_post(session=db, acc=acc, post_id=post_id)  # 404 before anything else
    if not EmptyForm().validate_on_submit():
        return redirect(url_for("posts.view", post_id=post_id))
    tz = get_zone(acc.workspace.timezone)

    def queued(post: Post) -> str:
        local = to_local(post.scheduled_at, tz)
        return f"Added to the queue: {local:%A %-d %B} at {local:%H:%M}. It is still a draft."

    ok, _post = act(
        lambda db: slots.add_to_queue(session=db, acc=acc, post_id=post_id, now=utcnow()),
        done=queued,
    )
    if not ok:
        return redirect(request.referrer or url_for("posts.view", post_id=post_id))
    return redirect(url_for("posts.view", post_id=post_id))


def _month_arg() -> date:
    raw = request.args.get("month")
    if not raw:
        acc = current_access()
        tz = get_zone(acc.workspace.timezone if acc else "UTC")
        return fill_month_default(to_local(utcnow(), tz).date())
    try:
        return planning.parse_month(raw)
    except ValidationError:
        abort(404)


@bp.get("/plan")
@with_access
def plan(acc: Access):
    """Show a "fill the month" proposal; without ``id``, make a fresh one and show that."""
    _managers_only(acc)
    first = _month_arg()
    db = get_session()
    now = utcnow()
    proposal_id = as_id(request.args.get("id", ""))
    if proposal_id is None:
        proposal = planning.propose(session=db, acc=acc, first=first, now=now)
        target = url_for("planning.plan", month=proposal.month, id=proposal.id)
        db.commit()
        return redirect(target)
    proposal = planning.get_proposal(session=db, acc=acc, proposal_id=proposal_id)
    result = planning.review(session=db, acc=acc, proposal=proposal, now=now)
    grid = calendar.month(
        session=db,
        workspace_id=acc.workspace.id,
        tz=get_zone(acc.workspace.timezone),
        first=result.first,
    )
    proposed: dict[date, list[planning.PlacementView]] = {}
    for placement in result.placements:
        proposed.setdefault(placement.local.date(), []).append(placement)
    return render_template(
        "planning/plan.html",
        result=result,
        grid=grid,
        proposed=proposed,
        first=result.first,
        prev=prev_month(result.first),
        next=next_month(result.first),
        has_slots=bool(slots.list_slots(session=db, workspace_id=acc.workspace.id)),
        mix_rows=_mix_table(result),
        expired=proposal.expires_at <= now,
        form=EmptyForm(),
    )


def _mix_table(result: planning.Review) -> list[dict[str, Any]]:
    """Per channel, the month's counts by category before and after the plan."""
    rows: dict[int | None, dict[str, Any]] = {}
    for label, mix_rows in (("before", result.mix_before), ("after", result.mix)):
        for row in mix_rows:
            if row["window"] != "month":
                continue
            if row["window_start"][:10] != f"{result.first:%Y-%m-%d}":
                continue
            entry = rows.setdefault(
                row["channel_id"],
                {
                    "name": result.channel_names.get(row["channel_id"], "No channel"),
                    "before": {},
                    "after": {},
                    "total_before": 0,
                    "total_after": 0,
                },
            )
            entry[label] = row["counts"]
            entry[f"total_{label}"] = row["total"]
    return sorted(rows.values(), key=lambda r: r["name"])


@bp.post("/plan/<id:proposal_id>/remove")
@with_access
def remove(acc: Access, proposal_id: int):
    _managers_only(acc)
    db = get_session()
    proposal = planning.get_proposal(session=db, acc=acc, proposal_id=proposal_id)
    raw = request.form.get("index", "")
    index = as_id(raw, minimum=0)
    if EmptyForm().validate_on_submit() and index is not None:
        act(
            lambda db: planning.remove_placement(
                session=db, acc=acc, proposal_id=proposal.id, index=index, now=utcnow()
            ),
            done="Taken out of the plan.",
        )
    return redirect(url_for("planning.plan", month=proposal.month, id=proposal.id))


@bp.post("/plan/<id:proposal_id>/accept")
@with_access
def accept(acc: Access, proposal_id: int):
    _managers_only(acc)
    db = get_session()
    proposal = planning.get_proposal(session=db, acc=acc, proposal_id=proposal_id)
    if not EmptyForm().validate_on_submit():
        return redirect(url_for("planning.plan", month=proposal.month, id=proposal.id))
    ok, _scheduled = act(
        lambda db: planning.accept(session=db, acc=acc, proposal_id=proposal.id, now=utcnow()),
        done=lambda posts: (
            f"{len(posts)} post{'' if len(posts) == 1 else 's'} scheduled as drafts. "
            "Send them for review when ready."
        ),
        refused=(Conflict,),
    )
    if not ok:
        return redirect(url_for("planning.plan", month=proposal.month, id=proposal.id))
    return redirect(url_for("calendar.month", month=proposal.month))


@bp.post("/posts/<id:post_id>/evergreen")
@with_access
def mark_evergreen(acc: Access, post_id: int):
    db = get_session()
    post_service.get_post(session=db, acc=acc, post_id=post_id)
    _managers_only(acc)
    form = EvergreenForm()
    if not form.validate_on_submit():
        flash("Give a gap from 1 to 730 days and a number of reuses from 1 to 50.", "error")
        return redirect(url_for("posts.view", post_id=post_id))
    act(
        lambda db: evergreen.mark_evergreen(
            session=db,
            acc=acc,
            post_id=post_id,
            min_gap_days=form.min_gap_days.data,
            max_uses=form.max_uses.data,
            now=utcnow(),
        ),
        done="Evergreen: this post will be offered again when you fill a month.",
    )
    return redirect(url_for("posts.view", post_id=post_id))


@bp.post("/posts/<id:post_id>/evergreen/stop")
@with_access
def stop_evergreen(acc: Access, post_id: int):
    db = get_session()
    post_service.get_post(session=db, acc=acc, post_id=post_id)
    _managers_only(acc)
    if EmptyForm().validate_on_submit():
        evergreen.unmark_evergreen(session=db, acc=acc, post_id=post_id, now=utcnow())
        db.commit()
        flash("This post will not be offered again.", "success")
    return redirect(url_for("posts.view", post_id=post_id))
