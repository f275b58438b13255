"""Import & export page: upload a CSV, preview every row, import the chosen rows as drafts."""

from __future__ import annotations

from datetime import timedelta

from flask import (
    Blueprint,
    Response,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)

from planner.connectors_app import get_connectors
from planner.csvformats import FORMAT_LABELS, MAX_BYTES, MAX_ROWS, TemplateRow, write_template
from planner.db import get_session
from planner.media_app import get_media_limits, get_media_storage
from planner.services import channels as channel_service
from planner.services import imports
from planner.services.errors import ValidationError, error_body
from planner.services.import_media import ImageImport
from planner.services.imports import ImportOptions
from planner.services.workspaces import Access
from planner.timeutils import get_zone, next_month, to_local, utcnow
from planner.web import cards
from planner.web.boundary import as_id
from planner.web.context import with_access
from planner.web.forms import EmptyForm, ImportForm, choices
from planner.web.forms_support import act, apply_field_errors

bp = Blueprint("imports", __name__, url_prefix="/import")

# Room for the form's other fields around the file itself.
REQUEST_SLACK = 64 * 1024


def _form(acc: Access) -> ImportForm:
    form = ImportForm()
    chans = channel_service.list_channels(session=get_session(), workspace_id=acc.workspace.id)
    form.channel_id.choices = choices([("", "None"), *((str(c.id), c.name) for c in chans)])
    return form


def _options(form: ImportForm) -> ImportOptions:
    raw_channel = form.channel_id.data or ""  # a choice, but what is posted is any text
    return ImportOptions(
        format=form.format.data,
        channel_id=as_id(raw_channel),
        date_format=form.date_format.data or None,
        default_category=form.default_category.data or None,
        filename=form.file.data.filename or "",
    )


def _page(acc: Access, form: ImportForm, status: int = 200):
    tz = get_zone(acc.workspace.timezone)
    first = to_local(utcnow(), tz).date().replace(day=1)
    return render_template(
        "imports/upload.html",
        form=form,
        max_rows=MAX_ROWS,
        max_mb=MAX_BYTES // (1024 * 1024),
        export_start=first.isoformat(),
        export_end=(next_month(first) - timedelta(days=1)).isoformat(),
        this_month=first.strftime("%Y-%m"),
        tz_name=acc.workspace.timezone,
    ), status


@bp.route("/", methods=["GET", "POST"])
@with_access
def upload(acc: Access):
    """The upload form; the page's script sends the file itself to show upload progress."""
    form = _form(acc)
    wants_json = request.accept_mimetypes.best == "application/json"
    if request.method == "POST":
        if (request.content_length or 0) > MAX_BYTES + REQUEST_SLACK:
            form.file.errors = [f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB."]
        elif form.validate_on_submit():
            db = get_session()
            try:
                batch = imports.preview_import(
                    session=db,
                    acc=acc,
                    data=form.file.data.read(MAX_BYTES + 1),
                    options=_options(form),
                    connectors=get_connectors(),
                    now=utcnow(),
                    images=ImageImport(storage=get_media_storage(), limits=get_media_limits()),
                    cards=cards.reader(),
                )
            except ValidationError as exc:
                db.rollback()
                apply_field_errors(form, exc, {})
            else:
                db.commit()
                location = url_for("imports.preview", batch_id=batch.id)
                if wants_json:
                    return jsonify(location=location), 201
                return redirect(location, code=303)
        if wants_json:
            fields = {name: " ".join(errors) for name, errors in form.errors.items()}
            return jsonify(
                error_body("validation_error", "Check the highlighted fields.", fields)
            ), 422
    return _page(acc, form, 422 if form.errors else 200)


@bp.get("/<id:batch_id>")
@with_access
def preview(acc: Access, batch_id: int):
    batch = imports.get_batch(session=get_session(), acc=acc, batch_id=batch_id)
    return render_template(
        "imports/preview.html",
        batch=batch,
        summary=batch.summary,
        errors=imports.row_errors(batch),
        format_label=FORMAT_LABELS.get(batch.format, batch.format),
        expired=batch.expires_at <= utcnow(),
        form=EmptyForm(),
        tz_name=acc.workspace.timezone,
    )


@bp.post("/<id:batch_id>/commit")
@with_access
def commit(acc: Access, batch_id: int):
    back = url_for("imports.preview", batch_id=batch_id)
    if not EmptyForm().validate_on_submit():
        flash("The form expired. Reload the page and try again.", "error")
        return redirect(back)
    lines = [n for x in request.form.getlist("lines") if (n := as_id(x)) is not None]
    ok, posts = act(
        lambda db: imports.commit_import(
            session=db, acc=acc, batch_id=batch_id, lines=lines, now=utcnow()
        ),
        done=lambda posts: (
            f"Imported {len(posts)} post{'' if len(posts) == 1 else 's'} as drafts. "
            "Open each to review it, or send them for approval."
        ),
    )
    if not ok or posts is None:
        return redirect(back)
    scheduled = sorted(p.scheduled_at for p in posts if p.scheduled_at is not None)
    if not scheduled:
        return redirect(url_for("calendar.ideas"))
    local = to_local(scheduled[0], get_zone(acc.workspace.timezone))
    return redirect(url_for("calendar.month", month=local.strftime("%Y-%m")))


@bp.get("/template.csv")
@with_access
def template(acc: Access):
    """An example file in planner's own layout, naming the workspace's channels."""
    chans = channel_service.list_channels(session=get_session(), workspace_id=acc.workspace.id)
    names = "; ".join(c.name for c in chans[:2])
    rows = [
        TemplateRow(
            date="2026-03-10",
            time="09:30",
            body="Our spring menu starts today: come and try it!",
            category="promotional",
            channels=names,
            link="https://shop.example/spring",
        ),
        TemplateRow(
            date="2026-03-12",
            time="17:00",
            body="How we bake our sourdough, step by step.\nA thread for the curious.",
            category="educational",
            channels=names,
            link="",
        ),
    ]
    return Response(
        ("\ufeff" + write_template(rows)).encode("utf-8"),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="planner-template.csv"'},
    )
