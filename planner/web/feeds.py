"""Calendar feed: the secret .ics address calendar apps subscribe to, and its settings page."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    url_for,
)

from planner.db import get_session
from planner.services import feeds
from planner.services.errors import NotFound
from planner.services.workspaces import Access
from planner.timeutils import utcnow
from planner.web.context import with_access
from planner.web.forms import EmptyForm

bp = Blueprint("feeds", __name__)


def _post_url_pattern() -> str:
    """The address of a post from outside (BASE_URL), with ``{id}`` for the post's id."""
    base = current_app.config["BASE_URL"].rstrip("/")
    return base + url_for("posts.view", post_id=0)[:-1] + "{id}"


@bp.get("/feed/<token>.ics")
def ics(token: str):
    """The feed itself: no login, the token is the key (see PUBLIC_ENDPOINTS)."""
    db = get_session()
    now = utcnow()
    try:
        _feed, workspace = feeds.find_feed(session=db, token=token, now=now)
    except NotFound:
        abort(404)
    body = feeds.render_calendar(
        name=f"{workspace.name} – Planner",
        timezone=workspace.timezone,
        items=feeds.feed_items(session=db, workspace=workspace, now=now),
        post_url=_post_url_pattern(),
        now=now,
    )
    db.commit()  # last_used_at
    return Response(
        body,
        mimetype="text/calendar",
        headers={
            "Content-Disposition": 'inline; filename="planner.ics"',
            "Cache-Control": "private, max-age=300",
        },
    )


def _page(acc: Access, token: str | None = None):
    feed = feeds.feed_for(session=get_session(), acc=acc)
    url = url_for("feeds.ics", token=token, _external=True) if token else None
    return render_template(
        "feeds/manage.html",
        feed=feed,
        url=url,
        webcal=("webcal://" + url.split("://", 1)[1]) if url else None,
        form=EmptyForm(),
    )


@bp.get("/settings/calendar-feed")
@with_access
def manage(acc: Access):
    return _page(acc)


@bp.post("/settings/calendar-feed")
@with_access
def create(acc: Access):
    """Make a new address (the old one stops working) and show it once."""
    if not EmptyForm().validate_on_submit():
        return redirect(url_for("feeds.manage"))
    db = get_session()
    _feed, token = feeds.create_feed(session=db, acc=acc, now=utcnow())
    db.commit()
    return _page(acc, token)


@bp.post("/settings/calendar-feed/revoke")
@with_access
def revoke(acc: Access):
    if EmptyForm().validate_on_submit():
        db = get_session()
        if feeds.revoke_feed(session=db, acc=acc, now=utcnow()):
            db.commit()
            flash("Calendar feed turned off: the address stops working at once.", "success")
    return redirect(url_for("feeds.manage"))
