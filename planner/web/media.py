"""The media library page, uploads from the composer, and the files themselves.

Files are served to members (thumbnails in the views) and, by signed expiring link, to
platforms that fetch images by URL; nothing else about the workspace is public.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from sqlmodel import Session

from planner.db import get_session
from planner.media import renditions
from planner.media.settings import signer_from_config
from planner.media.signing import BadLink, ExpiredLink
from planner.media.storage import MissingFile, Storage, check_key, mime_of
from planner.media_app import get_media_limits, get_media_storage
from planner.media_models import Media
from planner.models import Post
from planner.services import media as media_service
from planner.services.errors import ServiceError, ValidationError
from planner.services.workspaces import Access
from planner.timeutils import iso_utc, utcnow
from planner.web.boundary import as_id
from planner.web.context import with_access

bp = Blueprint("media", __name__)

LINK_SECONDS = 3600  # how long the URLs in an API answer stay valid


def read_upload() -> tuple[bytes, str]:
    """The uploaded ``file`` of this multipart request and its name; refuse oversized bodies early."""
    limit = get_media_limits().max_bytes
    if request.content_length is not None and request.content_length > limit + 1_048_576:
        message = f"The file is larger than {limit / 1_048_576:.0f} MB."
        raise ValidationError(message, fields={"file": message})
    upload = request.files.get("file")
    if upload is None:
        message = "Send the image as the multipart field 'file'."
        raise ValidationError(message, fields={"file": message})
    return upload.read(limit + 1), upload.filename or ""


def file_url(media: Media, *, thumbnail: bool = False, storage: Storage | None = None) -> str:
    """A URL the caller can fetch: a signed link when the storage gives one, else a member's."""
    key = media.thumb_key if thumbnail else media.storage_key
    signed = (storage or get_media_storage()).signed_url(key, LINK_SECONDS)
    if signed:
        return signed
    endpoint = "media.thumbnail" if thumbnail else "media.original"
    return url_for(endpoint, mid=media.id, _external=True)


def media_json(media: Media, *, storage: Storage | None = None) -> dict[str, Any]:
    """The API shape of an image; a caller listing many passes the app's *storage* once."""
    storage = storage or get_media_storage()
    return {
        "id": media.id,
        "mime": media.mime,
        "width": media.width,
        "height": media.height,
        "bytes": media.size_bytes,
        "alt": media.alt,
        "filename": media.filename,
        "created_at": iso_utc(media.created_at),
        "url": file_url(media, storage=storage),
        "thumbnail_url": file_url(media, thumbnail=True, storage=storage),
    }


def posted_media() -> list[tuple[int, str | None]] | None:
    """The composer's images in order with their alt text, or None when the form had no section."""
    if not request.form.get("media_present"):
        return None
    items = []
    for raw in request.form.getlist("media_id"):
        media_id = as_id(raw)
        if media_id is None:
            message = "An image in the list is not one of this workspace's."
            raise ValidationError(message, fields={"media": message})
        items.append((media_id, request.form.get(f"media_alt_{media_id}", "")))
    return items


def composer_media(acc: Access, post_id: int | None = None) -> list[Media]:
    """What the composer lists: what was just sent, else the post's images, else ``?media=``."""
    db = get_session()
    posted = posted_media() if request.method == "POST" else None
    if posted is not None:
        wanted = [(media_id, alt) for media_id, alt in posted]
    elif post_id is not None:
        return media_service.media_for_posts(session=db, post_ids=[post_id]).get(post_id, [])
    else:
        wanted = [(i, None) for i in map(as_id, request.args.getlist("media")) if i is not None]
    shown = []
    for media_id, alt in wanted[: media_service.MAX_PER_POST]:
        media = db.get(Media, media_id)
        if media is not None and media.workspace_id == acc.workspace.id:
            if alt is not None:  # show what was typed, not what is saved
                db.expunge(media)
                media.alt = alt
            shown.append(media)
    return shown


def posted_fits(media_ids: list[int]) -> dict[int, str | None]:
    """The Instagram fit chosen in the composer (``media_fit_<id>``) for each image that has one."""
    fits: dict[int, str | None] = {}
    for media_id in media_ids:
        fit = request.form.get(f"media_fit_{media_id}")
        if fit:
            fits[media_id] = fit
    return fits


@dataclass(frozen=True)
class FitNotice:
    """The composer's crop-or-pad choice beside an image Instagram cannot show as it is."""

    aspect: float  # width / height of the nearest shape Instagram takes
    chosen: str | None


def fit_notices(media: list[Media], post_id: int | None) -> dict[int, FitNotice]:
    """For each image outside 4:5..1.91:1, the shape it needs and the fit chosen so far."""
    if request.method == "POST":
        chosen = posted_fits([m.id for m in media])
    elif post_id is not None:
        images = media_service.images_for_posts(session=get_session(), post_ids=[post_id])
        chosen = {i.media.id: i.fit for i in images.get(post_id, [])}
    else:
        chosen = {}
    notices = {}
    for m in media:
        if renditions.instagram_problem(m.width, m.height) is not None:
            width, height = renditions.instagram_shaped(m.width, m.height, "crop")
            notices[m.id] = FitNotice(aspect=width / height, chosen=chosen.get(m.id))
    return notices


def save_post_media(db: Session, acc: Access, post: Post) -> None:
    """Give *post* the images the composer sent (a form without the section leaves them)."""
    items = posted_media()
    if items is not None:
        media_service.set_post_media(
            session=db,
            acc=acc,
            post=post,
            items=items,
            fits=posted_fits([media_id for media_id, _alt in items]),
            now=utcnow(),
        )


def _stored(key: str, *, max_age: int) -> Response:
    try:
        data = get_media_storage().get(key)
    except MissingFile:
        abort(404)
    response = Response(data, mimetype=mime_of(key))
    response.headers["Cache-Control"] = f"private, max-age={max_age}"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@bp.get("/m/<token>")
def signed(token: str):
    """A stored file by signed link, without login, until the link expires."""
    signer = signer_from_config(current_app.config)
    try:
        key = signer.key_for(token, now=time.time())
    except ExpiredLink:
        abort(410, "This link has expired.")
    except BadLink:
        abort(404)
    return _stored(key, max_age=300)


def _own(acc: Access, mid: int) -> Media:
    return media_service.get_media(session=get_session(), acc=acc, media_id=mid)


@bp.get("/media/<id:mid>/file")
@with_access
def original(acc: Access, mid: int):
    return _stored(_own(acc, mid).storage_key, max_age=3600)


@bp.get("/media/<id:mid>/thumb")
@with_access
def thumbnail(acc: Access, mid: int):
    return _stored(_own(acc, mid).thumb_key, max_age=3600)


@bp.get("/media/cards/<path:key>")
@with_access
def card_thumb(acc: Access, key: str):
    """A link card's thumbnail (planner.services.link_cards), for members of its workspace."""
    if not key.startswith(f"{acc.workspace.id}/card-"):
        abort(404)
    try:
        check_key(key)
    except ValueError:
        abort(404)
    return _stored(key, max_age=3600)


@bp.get("/media")
@with_access
def library(acc: Access):
    search = request.args.get("q", "")
    items = media_service.library(
        session=get_session(), workspace_id=acc.workspace.id, search=search
    )
    return render_template("media/library.html", items=items, search=search)


def store_upload(acc: Access) -> Media:
    """Store the request's uploaded file (and its ``alt`` field) for *acc*, and commit."""
    data, filename = read_upload()
    db = get_session()
    media = media_service.upload(
        session=db,
        acc=acc,
        storage=get_media_storage(),
        data=data,
        filename=filename,
        alt=request.form.get("alt"),
        limits=get_media_limits(),
        now=utcnow(),
    )
    db.commit()
    return media


@bp.post("/media/upload")
@with_access
def upload(acc: Access):
    """The composer's upload (one file per request, so each has its own progress): JSON back."""
    media = store_upload(acc)
    return jsonify(
        {
            "id": media.id,
            "alt": media.alt,
            "filename": media.filename,
            "width": media.width,
            "height": media.height,
            "url": url_for("media.original", mid=media.id),
            "thumbnail_url": url_for("media.thumbnail", mid=media.id),
        }
    ), 201


@bp.post("/media/<id:mid>/alt")
@with_access
def update_alt(acc: Access, mid: int):
    db = get_session()
    try:
        media_service.update_alt(
            session=db, acc=acc, media_id=mid, alt=request.form.get("alt"), now=utcnow()
        )
        db.commit()
        flash("Alt text saved.", "success")
    except ValidationError as exc:
        db.rollback()
        flash(exc.message, "error")
    return redirect(url_for("media.library", q=request.args.get("q") or None))


@bp.post("/media/<id:mid>/delete")
@with_access
def delete(acc: Access, mid: int):
    db = get_session()
    try:
        media_service.delete_media(
            session=db, acc=acc, storage=get_media_storage(), media_id=mid, now=utcnow()
        )
        db.commit()
        flash("Image deleted.", "success")
    except ServiceError as exc:
        db.rollback()
        flash(exc.message, "error")
    return redirect(url_for("media.library"))
