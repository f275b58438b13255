"""One post on the month and week grids, rendered in Python.

A month shows hundreds of these, and as a Jinja macro they took most of the page's time (the
month view has a 30 ms budget). Every value that comes from the database goes through
``escape``; the markup is what the macro produced.
"""

from __future__ import annotations

from collections.abc import Sequence

from flask import request
from markupsafe import Markup, escape

from planner.models import CATEGORY_LABELS, PostStatus
from planner.services.calendar import CalendarPost

TEXT_LENGTH = 60
TEXT_LEEWAY = 5  # as Jinja's truncate filter: a few characters over are not worth a "…"
# Sent, being sent, or tried and failed: their day is history, so they cannot be dragged.
FIXED = frozenset({PostStatus.PUBLISHING, PostStatus.PUBLISHED, PostStatus.FAILED})


def short_text(body: str) -> str:
    """The first words of a post for a grid cell."""
    if len(body) <= TEXT_LENGTH + TEXT_LEEWAY:
        return body
    return body[: TEXT_LENGTH - 1] + "…"


def thumbs(media_ids: Sequence[int], *, shown: int = 1, css: str = "post-thumbs") -> Markup:
    """The first of a post's images as a small thumbnail, and how many there are in all."""
    if not media_ids:
        return Markup("")
    root = escape(request.script_root)
    imgs = "".join(
        f'<img src="{root}/media/{int(i)}/thumb" alt="" loading="lazy" width="24" height="24">'
        for i in media_ids[:shown]
    )
    total = len(media_ids)
    more = f"+{total - shown}" if total > shown else ""
    count = f"{total} image{'s' if total != 1 else ''}"
    return Markup(
        f'<span class="{css}">{imgs}<span aria-hidden="true">{more}</span>'
        f'<span class="visually-hidden">({count})</span></span>'
    )


def post_item(cp: CalendarPost, warnings: Sequence[str] | None, post_prefix: str) -> Markup:
    """The ``<li>`` for one post: category colour, time, status, channels and any warnings."""
    post = cp.post
    category, status = escape(post.category), escape(post.status)
    warned = escape(" ".join(warnings)) if warnings else ""
    title = f' title="{warned}"' if warned else ""
    warn = (
        '<span class="post-warn" aria-hidden="true">⚠</span>'
        f'<span class="visually-hidden">(guardrail warning: {warned})</span>'
        if warned
        else ""
    )
    names = f" · {escape(cp.channel_list)}" if cp.channel_names else ""
    label = escape(CATEGORY_LABELS.get(post.category, post.category))
    status_label = escape(str(post.status).replace("_", " "))
    # A link drags by default too: a fixed post's link must not start a drag either.
    fixed = post.status in FIXED
    draggable, link_drag = ("false", ' draggable="false"') if fixed else ("true", "")
    return Markup(
        f'<li class="cal-post cat-{category} st-{status}{" warned" if warned else ""}"{title}'
        f' draggable="{draggable}" data-post-id="{post.id}" data-date="{cp.local.date().isoformat()}"'
        f' data-time="{cp.hm}" data-category="{category}" data-channels="{cp.channel_ids_json}">'
        f'<a href="{escape(post_prefix)}{post.id}" class="cal-post-link"{link_drag}>'
        f'<span class="cal-time">{cp.hm}</span>{warn} {thumbs(cp.media_ids)}'
        f'<span class="visually-hidden">{label},</span> '
        f'<span class="cal-text">{escape(short_text(post.body))}</span> '
        f'<span class="cal-meta"><span class="cal-status">{status_label}</span>{names}</span>'
        "</a></li>"
    )
