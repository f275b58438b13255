"""Tagged links: the workspace's UTM settings and the composer's "Will link to" preview."""

from __future__ import annotations

from datetime import time

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for

from planner.db import get_session
from planner.services import link_tags
from planner.services.posts import check_link
from planner.services.workspaces import Access
from planner.timeutils import combine_local, get_zone, parse_day, utcnow
from planner.utm import utm_settings
from planner.web.boundary import as_id, read_json
from planner.web.context import owner_only, with_access
from planner.web.forms import LinkTagsForm
from planner.web.forms_support import commit_or_show

bp = Blueprint("links", __name__)


@bp.route("/settings/links", methods=["GET", "POST"])
@with_access
def settings(acc: Access):
    current = utm_settings(acc.workspace.settings)
    form = LinkTagsForm(data=current if request.method == "GET" else None)
    if request.method == "GET":
        form.domains.data = "\n".join(current["domains"])
    if form.validate_on_submit():
        owner_only(acc)
        ok, _saved = commit_or_show(
            form,
            lambda db: link_tags.save_settings(
                session=db,
                acc=acc,
                enabled=form.enabled.data,
                medium=form.medium.data,
                campaign=form.campaign.data,
                domains=form.domains.data or "",
                now=utcnow(),
            ),
        )
        if ok:
            flash("Link settings saved.", "success")
            return redirect(url_for("links.settings"))
    return render_template("links/settings.html", form=form, settings=current), (
        422 if form.errors else 200
    )


@bp.post("/links/preview")
@with_access
def preview(acc: Access):
    """JSON for the composer: the link each chosen channel will get, tags included."""
    data = read_json(optional=True)  # anything but a JSON object is a 400
    raw_ids = data.get("channel_ids")
    ids = raw_ids if isinstance(raw_ids, list) else []
    channel_ids = [c for c in ids if isinstance(c, int) and as_id(c) is not None]
    try:
        link = check_link(str(data.get("link") or ""))
    except ValueError:
        link = None
    scheduled_at = None
    try:
        day = parse_day(str(data.get("date") or ""))
        scheduled_at = combine_local(day, time(12, 0), get_zone(acc.workspace.timezone))
    except ValueError:
        pass
    campaign = data.get("utm_campaign")
    links = link_tags.link_previews(
        session=get_session(),
        workspace=acc.workspace,
        link=link or "",
        channel_ids=channel_ids,
        scheduled_at=scheduled_at,
        campaign=campaign if isinstance(campaign, str) else None,
        now=utcnow(),
    )
    return jsonify(
        enabled=bool(utm_settings(acc.workspace.settings)["enabled"]),
        links=[{**item, "tagged": item["url"] != link} for item in links],
    )
