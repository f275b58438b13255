"""API v1 routes for the workspace's images."""

from __future__ import annotations

from flask import jsonify, request

from planner.db import get_session
from planner.media_app import get_media_storage
from planner.media_models import Media
from planner.services import media as media_service
from planner.services.errors import NotFound
from planner.timeutils import utcnow
from planner.web.api.base import access, bp, member_access
from planner.web.api.schemas import MediaPatch, parse
from planner.web.media import media_json, store_upload


def _media_access(mid: int):
    media = get_session().get(Media, mid)
    if media is None:
        raise NotFound("No such image.")
    return member_access(media.workspace_id, "image"), media


@bp.post("/workspaces/<id:wid>/media")
def upload_media(wid: int):
    media = store_upload(access(wid))
    return jsonify(media_json(media)), 201


@bp.get("/workspaces/<id:wid>/media")
def list_media(wid: int):
    acc = access(wid)
    items = media_service.library(
        session=get_session(), workspace_id=acc.workspace.id, search=request.args.get("q", "")
    )
    return jsonify(
        media=[
            {**media_json(item.media), "post_ids": [pid for pid, _status in item.posts]}
            for item in items
        ]
    )


@bp.get("/media/<id:mid>")
def get_media(mid: int):
    _acc, media = _media_access(mid)
    return jsonify(media_json(media))


@bp.patch("/media/<id:mid>")
def patch_media(mid: int):
    acc, media = _media_access(mid)
    patch = parse(MediaPatch)
    db = get_session()
    media_service.update_alt(session=db, acc=acc, media_id=media.id, alt=patch.alt, now=utcnow())
    db.commit()
    return jsonify(media_json(media))


@bp.delete("/media/<id:mid>")
def delete_media(mid: int):
    acc, media = _media_access(mid)
    db = get_session()
    media_service.delete_media(
        session=db, acc=acc, storage=get_media_storage(), media_id=media.id, now=utcnow()
    )
    db.commit()
    return "", 204
