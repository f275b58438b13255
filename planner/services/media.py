"""The workspace's images: upload, library, alt text, deletion, and the ordered images of posts.

Storage is passed in (``planner.media_app.get_media_storage`` builds it from config), so the
same functions serve the web app, the API, imports and the worker.
"""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_
from sqlmodel import Session, col, delete, select

from planner.media.processing import MediaError, process_upload
from planner.media.renditions import FITS, instagram_problem
from planner.media.settings import MediaLimits
from planner.media.storage import Storage
from planner.media_models import Media, PostMedia
from planner.models import Post, PostStatus, Role
from planner.services import audit
from planner.services.errors import Conflict, Forbidden, NotFound, ValidationError
from planner.services.posts import require_edit, return_after_edit
from planner.services.workspaces import Access

logger = logging.getLogger(__name__)

MAX_PER_POST = 10  # the most images a post holds; each platform's own maximum applies per channel
MAX_ALT = 1500  # Mastodon's description limit, the smallest of the platforms'
LIBRARY_LIMIT = 500


@dataclass(frozen=True)
class LibraryItem:
    """An image of the library and the posts it is on (id, status), newest post first."""

    media: Media
    posts: tuple[tuple[int, str], ...]


@dataclass(frozen=True)
class PostImage:
    """An image on a post with the Instagram fit chosen for it there ("crop", "pad" or None)."""

    media: Media
    fit: str | None = None


def check_alt(alt: str | None, field: str = "alt") -> str:
    """Return *alt* trimmed, refusing text longer than every platform accepts."""
    alt = (alt or "").strip()
    if "\x00" in alt:
        raise ValidationError(
            "Check the fields listed.", fields={field: "Remove the NUL character."}
        )
    if len(alt) > MAX_ALT:
        message = f"Keep the alt text to {MAX_ALT:,} characters."
        raise ValidationError(message, fields={field: message})
    return alt


def upload(
    *,
    session: Session,
    acc: Access,
    storage: Storage,
    data: bytes,
    filename: str,
    alt: str | None = None,
    limits: MediaLimits,
    now: datetime,
) -> Media:
    """Clean and store an uploaded image; the same picture uploaded again is the same Media."""
    alt = check_alt(alt)
    try:
        processed = process_upload(
            data, filename, max_bytes=limits.max_bytes, max_pixels=limits.max_pixels
        )
    except MediaError as exc:
        raise ValidationError(exc.message, fields={"file": exc.message}) from None
    existing = session.exec(
        select(Media).where(
            Media.workspace_id == acc.workspace.id, Media.sha256 == processed.sha256
        )
    ).first()
    if existing is not None:
        if alt and not existing.alt:
            existing.alt = alt
            session.add(existing)
        return existing
    stem = f"{acc.workspace.id}/{uuid.uuid4().hex}"
    media = Media(
        workspace_id=acc.workspace.id,
        filename=(filename or "image")[-255:],
        mime=processed.mime,
        width=processed.width,
        height=processed.height,
        size_bytes=len(processed.data),
        alt=alt,
        storage_key=f"{stem}.{processed.extension}",
        thumb_key=f"{stem}.thumb.webp",
        sha256=processed.sha256,
        created_at=now,
        created_by_id=acc.user.id,
    )
    storage.put(media.storage_key, processed.data, processed.mime)
    storage.put(media.thumb_key, processed.thumbnail, "image/webp")
    session.add(media)
    session.flush()
    audit.record(
        session=session,
        workspace_id=acc.workspace.id,
        action="media.upload",
        now=now,
        actor_id=acc.user.id,
        detail={"media_id": media.id, "filename": media.filename},
    )
    return media


def get_media(*, session: Session, acc: Access, media_id: int) -> Media:
    """An image of the workspace; other workspaces' images do not exist for this user."""
    media = session.get(Media, media_id)
    if media is None or media.workspace_id != acc.workspace.id:
        raise NotFound("No such image.")
    return media


def library(
    *, session: Session, workspace_id: int, search: str = "", limit: int = LIBRARY_LIMIT
) -> list[LibraryItem]:
    """The workspace's images, newest first, matching *search* in alt text or file name."""
    stmt = select(Media).where(Media.workspace_id == workspace_id)
    words = search.strip().lower()
    if words:
        pattern = f"%{words}%"
        stmt = stmt.where(
            or_(func.lower(Media.alt).like(pattern), func.lower(Media.filename).like(pattern))
        )
    items = list(
        session.exec(stmt.order_by(col(Media.created_at).desc(), col(Media.id).desc()).limit(limit))
    )
    uses: dict[int, list[tuple[int, str]]] = defaultdict(list)
    if items:
        rows = session.exec(
            select(PostMedia.media_id, Post.id, Post.status)
            .join(Post, col(Post.id) == PostMedia.post_id)
            .where(col(PostMedia.media_id).in_([m.id for m in items]))
            .order_by(col(Post.id).desc())
        )
        for media_id, post_id, status in rows:
            uses[media_id].append((post_id, status))
    return [LibraryItem(media=m, posts=tuple(uses.get(m.id, ()))) for m in items]


def update_alt(
    *, session: Session, acc: Access, media_id: int, alt: str | None, now: datetime
) -> Media:
    media = get_media(session=session, acc=acc, media_id=media_id)
    media.alt = check_alt(alt)
    session.add(media)
    return media


def delete_media(
    *, session: Session, acc: Access, storage: Storage, media_id: int, now: datetime
) -> None:
    """Delete an image no unpublished post uses (published posts keep their history)."""
    media = get_media(session=session, acc=acc, media_id=media_id)
    if acc.role == Role.CONTRIBUTOR and media.created_by_id != acc.user.id:
        raise Forbidden("Contributors can delete only the images they uploaded.")
    waiting = session.exec(
        select(Post.id)
        .join(PostMedia, col(PostMedia.post_id) == Post.id)
        .where(PostMedia.media_id == media.id, Post.status != PostStatus.PUBLISHED)
    ).all()
    if waiting:
        raise Conflict(
            f"This image is on {len(waiting)} post(s) not yet published; remove it from them first."
        )
    session.exec(delete(PostMedia).where(col(PostMedia.media_id) == media.id))
    session.delete(media)
    session.flush()
    for key in (media.storage_key, media.thumb_key):
        try:
            storage.delete(key)
        except Exception:  # the row is gone either way; a stray file is only disk space
            logger.exception("could not delete stored media file %s", key)
    audit.record(
        session=session,
        workspace_id=acc.workspace.id,
        action="media.delete",
        now=now,
        actor_id=acc.user.id,
        detail={"media_id": media_id, "filename": media.filename},
    )


def images_for_posts(*, session: Session, post_ids: Iterable[int]) -> dict[int, list[PostImage]]:
    """Each post's images in their order with their fits, in one query (no images: absent)."""
    ids = list(post_ids)
    result: dict[int, list[PostImage]] = defaultdict(list)
    if not ids:
        return result
    rows = session.exec(
        select(PostMedia.post_id, PostMedia.fit, Media)
        .join(Media, col(Media.id) == PostMedia.media_id)
        .where(col(PostMedia.post_id).in_(ids))
        .order_by(PostMedia.post_id, PostMedia.position)
    )
    for post_id, fit, media in rows:
        result[post_id].append(PostImage(media=media, fit=fit))
    return result


def media_for_posts(*, session: Session, post_ids: Iterable[int]) -> dict[int, list[Media]]:
    """Each post's images in their order, in one query (posts without images are absent)."""
    found = images_for_posts(session=session, post_ids=post_ids)
    result: dict[int, list[Media]] = defaultdict(list)
    for post_id, images in found.items():
        result[post_id] = [image.media for image in images]
    return result


def media_ids_for_posts(*, session: Session, post_ids: Iterable[int]) -> dict[int, list[int]]:
    """Each post's image ids in order: all a thumbnail needs, without loading the rows."""
    ids = list(post_ids)
    result: dict[int, list[int]] = defaultdict(list)
    if ids:
        rows = session.exec(
            select(PostMedia.post_id, PostMedia.media_id)
            .where(col(PostMedia.post_id).in_(ids))
            .order_by(PostMedia.post_id, PostMedia.position)
        )
        for post_id, media_id in rows:
            result[post_id].append(media_id)
    return result


def check_fit(fit: str | None) -> str | None:
    """Return *fit* ("crop", "pad" or None), refusing anything else."""
    if fit is None or fit in FITS:
        return fit
    message = "Choose crop or pad for an image Instagram cannot show as it is."
    raise ValidationError(message, fields={"media": message})


def set_post_media(
    *,
    session: Session,
    acc: Access,
    post: Post,
    items: Sequence[tuple[int, str | None]],
    now: datetime,
    fits: Mapping[int, str | None] | None = None,
) -> list[Media]:
    """Give *post* these images in this order; an alt text given replaces the image's own.

    *fits* sets the Instagram fit of the images it names; the others keep the one chosen
    before on this post. A change of images or fits is a change of content: an approved post
    goes back to review.
    """
    require_edit(acc, post)
    if len(items) > MAX_PER_POST:
        message = f"A post holds at most {MAX_PER_POST} images."
        raise ValidationError(message, fields={"media": message})
    ids = [media_id for media_id, _alt in items]
    if len(set(ids)) != len(ids):
        message = "The same image is listed twice."
        raise ValidationError(message, fields={"media": message})
    found = (
        {
            m.id: m
            for m in session.exec(
                select(Media).where(col(Media.id).in_(ids), Media.workspace_id == acc.workspace.id)
            )
        }
        if ids
        else {}
    )
    missing = [i for i in ids if i not in found]
    if missing:
        message = f"No such image: {', '.join(map(str, missing))}."
        raise ValidationError(message, fields={"media": message})
    saved = images_for_posts(session=session, post_ids=[post.id]).get(post.id, [])
    before = [(image.media.id, image.fit) for image in saved]
    chosen = {image.media.id: image.fit for image in saved}
    chosen.update({media_id: check_fit(fit) for media_id, fit in (fits or {}).items()})
    after = [(media_id, chosen.get(media_id)) for media_id in ids]
    if before == after and all(alt is None or found[i].alt == alt.strip() for i, alt in items):
        return [found[i] for i in ids]
    for media_id, alt in items:
        if alt is not None:
            found[media_id].alt = check_alt(alt, "media")
            session.add(found[media_id])
    _replace_post_media(session, post.id, after)
    audit.record(
        session=session,
        workspace_id=acc.workspace.id,
        action="media_changed",
        now=now,
        actor_id=acc.user.id,
        post_id=post.id,
        detail={"media_ids": ids},
    )
    if before != after:
        return_after_edit(session=session, acc=acc, post=post, fields=["media"], now=now)
    return [found[i] for i in ids]


def _replace_post_media(
    session: Session, post_id: int, items: Sequence[tuple[int, str | None]]
) -> None:
    """Write *post_id*'s images as (media id, fit) in this order, replacing what it had."""
    session.exec(delete(PostMedia).where(col(PostMedia.post_id) == post_id))
    for position, (media_id, fit) in enumerate(items):
        session.add(PostMedia(post_id=post_id, media_id=media_id, position=position, fit=fit))
    session.flush()


def copy_post_media(
    *, session: Session, acc: Access, from_post_id: int, to_post: Post, now: datetime
) -> None:
    """Give a copied post the images of the post it was copied from, in order, with their fits."""
    images = images_for_posts(session=session, post_ids=[from_post_id]).get(from_post_id, [])
    if images:
        set_post_media(
            session=session,
            acc=acc,
            post=to_post,
            items=[(image.media.id, None) for image in images],
            fits={image.media.id: image.fit for image in images},
            now=now,
        )


def media_template(*, session: Session, post_id: int) -> list[dict[str, object]]:
    """A post's images as a series keeps them to copy: ``[{"id", "fit"}]`` in order."""
    images = images_for_posts(session=session, post_ids=[post_id]).get(post_id, [])
    return [{"id": image.media.id, "fit": image.fit} for image in images]


def apply_template(
    *, session: Session, post: Post, template: Sequence[Mapping[str, object]]
) -> None:
    """Give a new post of a series the images of *template*, skipping any deleted since."""
    wanted = [(item.get("id"), item.get("fit")) for item in template]
    ids = [i for i, _fit in wanted if isinstance(i, int)]
    if not ids:
        return
    alive = set(
        session.exec(
            select(Media.id).where(col(Media.id).in_(ids), Media.workspace_id == post.workspace_id)
        )
    )
    kept = [
        (i, fit if isinstance(fit, str) and fit in FITS else None)
        for i, fit in wanted
        if isinstance(i, int) and i in alive
    ]
    _replace_post_media(session, post.id, kept)


def instagram_ready(images: Sequence[PostImage]) -> str | None:
    """Say why these images cannot go to Instagram as they are, or None when they can.

    Instagram takes no text-only post and only 4:5 to 1.91:1: an image outside that needs
    a fit chosen (crop or pad), never a silent crop. The connector and submit checks call this.
    """
    if not images:
        return "Instagram needs at least one image."
    for number, image in enumerate(images, start=1):
        if image.fit in FITS:
            continue
        if instagram_problem(image.media.width, image.media.height) is not None:
            name = image.media.filename or "the image"
            return (
                f"Image {number} ({name}) is {image.media.width} × {image.media.height}: "
                "Instagram needs 4:5 to 1.91:1; choose Crop or Pad for it."
            )
    return None


def missing_alt(media: Sequence[Media]) -> int:
    """How many of *media* have no alt text (a warning, never a block)."""
    return sum(1 for m in media if not m.alt.strip())
