"""The Inbox page: replies and mentions by post, answered, assigned or marked done from here."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlmodel import select

from planner.connectors.bundle import UNUSABLE
from planner.connectors_app import get_connectors
from planner.db import get_session
from planner.inbox_models import InboxStatus
from planner.models import Channel
from planner.publishing import context, inbox_poll
from planner.services import channels as channel_service
from planner.services import inbox
from planner.services.errors import Conflict, ValidationError
from planner.services.workspaces import Access
from planner.timeutils import utcnow
from planner.web.context import current_access, with_access
from planner.web.forms import EmptyForm
from planner.web.forms_support import act, commit_or_show
from planner.web.inbox_forms import AnswerForm, AssignForm, DigestForm

bp = Blueprint("inbox", __name__, url_prefix="/inbox")


@bp.app_context_processor
def _inbox_badge() -> dict[str, Any]:
    """The number of open replies shown beside Inbox in the navigation."""
    acc = current_access() if current_user.is_authenticated else None
    if acc is None:
        return {}
    return {"inbox_count": inbox.open_count(session=get_session(), workspace_id=acc.workspace.id)}


@bp.get("/")
@with_access
def index(acc: Access):
    status = InboxStatus.DONE if request.args.get("status") == "done" else InboxStatus.OPEN
    return _page(acc, status)


def _page(acc: Access, status: InboxStatus, answering: tuple[int, AnswerForm] | None = None) -> str:
    """The inbox page; *answering* is a refused answer's item and form, shown as typed."""
    db = get_session()
    channels = {
        c.id: c for c in db.exec(select(Channel).where(Channel.workspace_id == acc.workspace.id))
    }
    members = inbox.members(session=db, workspace_id=acc.workspace.id)
    return render_template(
        "inbox/index.html",
        status=status,
        threads=inbox.threads(
            session=db, workspace_id=acc.workspace.id, status=status, now=utcnow()
        ),
        channels=channels,
        counting=_counting(channels.values()),
        members=members,
        member_names={m.id: m.display_name for m in members},
        form=EmptyForm(),
        answering=answering,
        assign_form=AssignForm(),
        digest_form=DigestForm(wanted=inbox.wants_digest(session=db, acc=acc)),
    )


def _counting(channels: Any) -> dict[int | None, dict[str, Any]]:
    """Each channel's counter settings for the answer box: platform, limit, URL width."""
    found = {}
    for channel in channels:
        try:
            connector = get_connectors().for_channel(channel)
        except UNUSABLE:
            continue
        found[channel.id] = {
            "platform": channel_service.counter_platform(channel),
            "limit": connector.answer_limit(),
            "url_length": connector.url_length,
        }
    return found


@bp.post("/refresh")
@with_access
def refresh(acc: Access):
    if EmptyForm().validate_on_submit():
        now = utcnow()
        looks = inbox_poll.refresh_workspace(
            context.build(current_app._get_current_object(), now=now),
            workspace_id=acc.workspace.id,
            now=now,
            interval=timedelta(seconds=float(current_app.config["INBOX_POLL_SECONDS"])),
        )
        new = sum(look.stored for look in looks)
        flash(f"{new} new." if new else "Nothing new.", "success")
        for look in looks:
            if look.error:
                flash(look.error, "error")
    return redirect(url_for("inbox.index"))


@bp.post("/<id:item_id>/answer")
@with_access
def answer(acc: Access, item_id: int):
    """Queue the answer; a refused one is shown again as typed, the reason beside it."""
    form = AnswerForm()
    if form.validate_on_submit():
        try:
            queued, _ = commit_or_show(
                form,
                lambda db: inbox.answer(
                    session=db,
                    acc=acc,
                    item_id=item_id,
                    body=form.body.data or "",
                    connectors=get_connectors(),
                    now=utcnow(),
                ),
            )
        except Conflict as exc:
            get_session().rollback()
            flash(exc.message, "error")
            queued = False
        if queued:
            flash(
                "Your answer is on its way; the reply is marked done once it is published.",
                "success",
            )
            return redirect(url_for("inbox.index"))
    elif not form.body.errors:
        flash("The answer could not be read; send it again.", "error")
    return _page(acc, InboxStatus.OPEN, answering=(item_id, form)), 422


@bp.post("/<id:item_id>/done")
@with_access
def done(acc: Access, item_id: int):
    if EmptyForm().validate_on_submit():
        act(
            lambda db: inbox.mark_done(session=db, acc=acc, item_id=item_id, now=utcnow()),
            done="Marked done.",
        )
    return redirect(url_for("inbox.index"))


@bp.post("/<id:item_id>/reopen")
@with_access
def reopen(acc: Access, item_id: int):
    if EmptyForm().validate_on_submit():
        act(
            lambda db: inbox.reopen(session=db, acc=acc, item_id=item_id, now=utcnow()),
            done="Back among the open replies.",
        )
    return redirect(url_for("inbox.index", status="done"))


@bp.post("/<id:item_id>/assign")
@with_access
def assign(acc: Access, item_id: int):
    form = AssignForm()
    if form.validate_on_submit():
        raw = (form.assignee_id.data or "").strip()
        assignee = int(raw) if raw.isdigit() and len(raw) < 10 else None
        if raw and assignee is None:
            flash("Choose a member of this workspace.", "error")
        else:
            act(
                lambda db: inbox.assign(
                    session=db, acc=acc, item_id=item_id, assignee_id=assignee, now=utcnow()
                ),
                done="Assigned." if assignee else "Unassigned.",
                refused=(ValidationError, Conflict),
            )
    return redirect(url_for("inbox.index"))


@bp.post("/digest")
@with_access
def digest(acc: Access):
    form = DigestForm()
    if form.validate_on_submit():
        act(
            lambda db: inbox.set_digest(
                session=db, acc=acc, wanted=bool(form.wanted.data), now=utcnow()
            ),
            done=lambda on: "You will get the digest every morning." if on else "Digest off.",
        )
    return redirect(url_for("inbox.index"))
