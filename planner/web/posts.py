"""Drafting: the composer, the post page, duplicate, delete and drag-to-move."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for

from planner.connectors_app import get_connectors
from planner.db import get_session
from planner.services import audit, guardrail_suggestions, link_cards, outgoing, previews
from planner.services import channels as channel_service
from planner.services import media as media_service
from planner.services import posts as post_service
from planner.services.errors import Forbidden, NotFound, ServiceError, ValidationError
from planner.services.posts import PostInput
from planner.services.workspaces import Access
from planner.timeutils import combine_local, get_zone, parse_day, to_local, utcnow
from planner.web import cards
from planner.web.boundary import read_json
from planner.web.context import with_access
from planner.web.forms import EmptyForm, PostForm, choices
from planner.web.forms_support import commit_or_show
from planner.web.media import composer_media, fit_notices, save_post_media
from planner.web.planning import post_planning
from planner.web.repeats import RepeatSection, repeat_section, save_edit, save_new
from planner.web.review import preview_images, review_context

bp = Blueprint("posts", __name__, url_prefix="/posts")

FIELD_ALIASES = {"channel_ids": "channels", "scheduled_at": "date"}


def _composer(
    acc: Access,
    form: PostForm,
    post=None,
    status: int = 200,
    repeat: RepeatSection | None = None,
):
    db = get_session()
    channels = channel_service.list_channels(session=db, workspace_id=acc.workspace.id)
    form.channels.choices = choices((c.id, c.name) for c in channels)
    # Each channel's limit and link width for the counters, counted as the worker will send it.
    variants = _variants_from(request.form)
    if variants is None:
        variants = dict(post.variants or {}) if post is not None else {}
    draft = PostInput(
        body=form.body.data or "",
        category="",
        scheduled_at=None,
        link=form.link.data,
        variants=variants,
    )
    media = composer_media(acc, post.id if post else None)
    texts = outgoing.texts_for(
        draft,
        channels,
        workspace=acc.workspace,
        connectors=get_connectors(),
        now=utcnow(),
        images=len(media),
    )
    found = (
        guardrail_suggestions.post_warnings(
            session=db, workspace=acc.workspace, post=post, now=utcnow()
        )
        if post is not None and request.method == "GET"
        else []
    )
    return render_template(
        "posts/edit.html",
        warnings=found,
        suggestions=guardrail_suggestions.suggest(
            session=db, workspace=acc.workspace, warnings=found, now=utcnow()
        ),
        marks={"post_labels": {}},
        can_queue=False,
        back=request.full_path,
        form=form,
        post=post,
        channels=channels,
        counting={t.channel.id: t for t in texts},
        counter_platforms={c.id: channel_service.counter_platform(c) for c in channels},
        variants=variants,
        previews=previews.previews(
            texts, preview_images(media), cards.details_for(acc.workspace.id, form.link.data, post)
        ),
        tz_name=acc.workspace.timezone,
        repeat=repeat,
        composer_media=media,
        fit_notices=fit_notices(media, post.id if post else None),
        preview_rules=previews.rules(),
        composer_media_max=media_service.MAX_PER_POST,
    ), status


def _input_from(form: PostForm, acc: Access) -> PostInput:
    tz = get_zone(acc.workspace.timezone)
    when = None
    if form.date.data and form.time.data:
        when = combine_local(form.date.data, form.time.data, tz)
    return PostInput(
        body=form.body.data or "",
        category=form.category.data,
        scheduled_at=when,
        channel_ids=tuple(form.channels.data or ()),
        link=form.link.data or None,
        # Shown only when tagged links are on: a form without the field keeps the saved tag.
        utm_campaign=(form.utm_campaign.data or "") if form.utm_campaign.raw_data else None,
        variants=_variants_from(request.form),
    )


def _variants_from(data: Mapping[str, str]) -> dict[str, str] | None:
    """The composer's per-channel texts (``variant-<channel id>``), or None when it sent none."""
    found = {
        key.removeprefix("variant-"): value
        for key, value in data.items()
        if key.startswith("variant-")
    }
    return found if found else None


def _bind_channels(form: PostForm, acc: Access) -> None:
    channels = channel_service.list_channels(session=get_session(), workspace_id=acc.workspace.id)
    form.channels.choices = choices((c.id, c.name) for c in channels)


@bp.route("/new", methods=["GET", "POST"])
@with_access
def new(acc: Access):
    form = PostForm()
    _bind_channels(form, acc)
    repeat = repeat_section(get_session(), acc)
    if request.method == "GET":
        day = request.args.get("date")
        if day:
            try:
                form.date.data = parse_day(day)
                form.time.data = datetime.strptime("10:00", "%H:%M").time()
            except ValueError:
                pass
        if request.args.get("category") in post_service.CATEGORIES:  # drafting for a slot
            form.category.data = request.args["category"]
        if not form.channels.data and len(form.channels.choices) == 1:
            form.channels.data = [form.channels.choices[0].value]
    ok = True  # False when a service refused the save (its message is shown or flashed)
    if form.validate_on_submit() and repeat.form.validate():
        card = cards.read_before_save(acc, form.link.data, form.channels.data or ())

        def create(db):
            post = post_service.create_post(
                session=db, acc=acc, data=_input_from(form, acc), now=utcnow()
            )
            link_cards.keep(session=db, post=post, card=card)
            # The images first: a series started here copies them to its occurrences.
            save_post_media(db, acc, post)
            save_new(db, acc, post, repeat, utcnow())
            return post

        ok, post = commit_or_show(form, create, FIELD_ALIASES)
        if ok:
            flash("Draft saved.", "success")
            return redirect(_back_to(post))
    status = 422 if form.errors or repeat.form.errors or not ok else 200
    return _composer(acc, form, status=status, repeat=repeat)


def _back_to(post) -> str:
    if post.scheduled_at is None:
        return url_for("calendar.ideas")
    return url_for("posts.view", post_id=post.id)


@bp.get("/<id:post_id>")
@with_access
def view(acc: Access, post_id: int):
    db = get_session()
    post = post_service.get_post(session=db, acc=acc, post_id=post_id)
    tz = get_zone(acc.workspace.timezone)
    channels = {
        c.id: c for c in channel_service.list_channels(session=db, workspace_id=acc.workspace.id)
    }
    ids = post_service.channel_ids_for(session=db, post_ids=[post.id]).get(post.id, [])
    history = audit.post_history(session=db, workspace_id=acc.workspace.id, post_id=post.id)
    return render_template(
        "posts/view.html",
        post=post,
        local=to_local(post.scheduled_at, tz) if post.scheduled_at else None,
        targets=[channels[i] for i in ids if i in channels],
        images=media_service.media_for_posts(session=db, post_ids=[post.id]).get(post.id, []),
        history=history,
        can_edit=post_service.can_edit(acc, post),
        form=EmptyForm(),
        tz=tz,
        planning=post_planning(acc, post),
        **review_context(acc, post, history),
    )


@bp.route("/<id:post_id>/edit", methods=["GET", "POST"])
@with_access
def edit(acc: Access, post_id: int):
    db = get_session()
    post = post_service.get_post(session=db, acc=acc, post_id=post_id)
    post_service.require_edit(acc, post)
    form = PostForm()
    _bind_channels(form, acc)
    repeat = repeat_section(db, acc, post)
    if request.method == "GET":
        tz = get_zone(acc.workspace.timezone)
        form.body.data, form.category.data, form.link.data = post.body, post.category, post.link
        form.utm_campaign.data = post.utm_campaign
        form.channels.data = post_service.channel_ids_for(session=db, post_ids=[post.id]).get(
            post.id, []
        )
        if post.scheduled_at:
            local = to_local(post.scheduled_at, tz)
            form.date.data, form.time.data = (
                local.date(),
                local.time().replace(second=0, microsecond=0),
            )
    ok = True  # False when a service refused the save (its message is shown or flashed)
    if form.validate_on_submit() and repeat.form.validate():
        data = _input_from(form, acc)
        card = cards.read_before_save(acc, data.link, data.channel_ids, post.link_card)

        def update(db):
            # The images first: the rest of a series, when it follows, copies them.
            save_post_media(db, acc, post)
            saved = save_edit(db, acc, post, data, repeat, utcnow())
            link_cards.keep(session=db, post=saved, card=card)
            return saved

        ok, saved = commit_or_show(form, update, FIELD_ALIASES)
        if ok:
            flash("Changes saved.", "success")
            return redirect(_back_to(saved))
    status = 422 if form.errors or repeat.form.errors or not ok else 200
    return _composer(acc, form, post=post, status=status, repeat=repeat)


@bp.post("/<id:post_id>/duplicate")
@with_access
def duplicate(acc: Access, post_id: int):
    if not EmptyForm().validate_on_submit():
        return redirect(url_for("posts.view", post_id=post_id))
    db = get_session()
    copy = post_service.duplicate_post(session=db, acc=acc, post_id=post_id, now=utcnow())
    media_service.copy_post_media(
        session=db, acc=acc, from_post_id=post_id, to_post=copy, now=utcnow()
    )
    db.commit()
    flash("Copied as a new draft. Change what you like.", "success")
    return redirect(url_for("posts.edit", post_id=copy.id))


@bp.post("/<id:post_id>/delete")
@with_access
def delete(acc: Access, post_id: int):
    db = get_session()
    post_service.delete_post(session=db, acc=acc, post_id=post_id, now=utcnow())
    db.commit()
    flash("Post deleted.", "success")
    return redirect(url_for("calendar.month"))


@bp.post("/<id:post_id>/move")
@with_access
def move(acc: Access, post_id: int):
    """Reschedule to another day at the same local time (the calendar's drag and drop)."""
    wants_json = request.is_json or request.accept_mimetypes.best == "application/json"
    db = get_session()
    try:
        raw = request.form.get("date") if not request.is_json else read_json().get("date")
        try:
            day = parse_day(raw if isinstance(raw, str) else "")
        except ValueError:
            raise ValidationError("Choose a valid date.", fields={"date": "Not a date."}) from None
        post = post_service.move_post(
            session=db,
            acc=acc,
            post_id=post_id,
            day=day,
            tz=get_zone(acc.workspace.timezone),
            now=utcnow(),
        )
    except ServiceError as exc:
        db.rollback()
        if not wants_json and isinstance(exc, NotFound | Forbidden):
            raise
        if wants_json:
            return jsonify(exc.to_dict()), exc.status
        flash(exc.message, "error")
        return redirect(url_for("posts.view", post_id=post_id))
    local = to_local(post.scheduled_at, get_zone(acc.workspace.timezone))
    db.commit()
    if wants_json:
        return jsonify(
            ok=True, post_id=post.id, date=local.date().isoformat(), time=local.strftime("%H:%M")
        )
    flash(f"Moved to {local:%A %-d %B} at {local:%H:%M}.", "success")
    return redirect(url_for("calendar.month", month=local.strftime("%Y-%m")))
