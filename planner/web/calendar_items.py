"""One post on the month and week grids, rendered in Python.

A month shows hundreds of these, and as a Jinja macro they took most of the page's time (the
month view has a 30 ms budget). Every value that comes from the database goes through
``escape``; the markup is what the macro produced.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache

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


@lru_cache(maxsize=64)
def _escaped(value: str) -> str:
    """*value* escaped, remembered: the few categories and statuses every post repeats."""
    return str(escape(value))


def _thumbs(media_ids: Sequence[int], root: str, shown: int, css: str) -> str:
    imgs = "".join(
        f'<img src="{root}/media/{int(i)}/thumb" alt="" loading="lazy" width="24" height="24">'
        for i in media_ids[:shown]
    )
    total = len(media_ids)
    more = f"+{total - shown}" if total > shown else ""
    count = f"{total} image{'s' if total != 1 else ''}"
    return (
        f'<span class="{css}">{imgs}<span aria-hidden="true">{more}</span>'
        f'<span class="visually-hidden">({count})</span></span>'
    )


def thumbs(media_ids: Sequence[int], *, shown: int = 1, css: str = "post-thumbs") -> Markup:
    """The first of a post's images as a small thumbnail, and how many there are in all."""
    if not media_ids:
        return Markup("")
    return Markup(_thumbs(media_ids, escape(request.script_root), shown, css))


def _item(cp: CalendarPost, warnings: Sequence[str] | None, prefix: str, root: str | None) -> str:
    post = cp.post
    # Each read of a mapped attribute goes through SQLAlchemy: read each once.
    post_id, raw_category, raw_status = post.id, post.category, post.status
    category, status = _escaped(raw_category), _escaped(raw_status)
    warned = escape(" ".join(warnings)) if warnings else ""
    title = f' title="{warned}"' if warned else ""
    warn = (
        '<span class="post-warn" aria-hidden="true">⚠</span>'
        f'<span class="visually-hidden">(guardrail warning: {warned})</span>'
        if warned
        else ""
    )
    names = f" · {escape(cp.channel_list)}" if cp.channel_names else ""
    label = _escaped(CATEGORY_LABELS.get(raw_category, raw_category))
    status_label = _escaped(str(raw_status).replace("_", " "))
    images = " "
    if cp.media_ids:
        root = escape(request.script_root) if root is None else root
        images += _thumbs(cp.media_ids, root, 1, "post-thumbs")
    # A link drags by default too: a fixed post's link must not start a drag either.
    fixed = raw_status in FIXED
    draggable, link_drag = ("false", ' draggable="false"') if fixed else ("true", "")
    hm = cp.hm
    return (
        f'<li class="cal-post cat-{category} st-{status}{" warned" if warned else ""}"{title}'
        f' draggable="{draggable}" data-post-id="{post_id}" data-date="{cp.local.date().isoformat()}"'
        f' data-time="{hm}" data-category="{category}" data-channels="{cp.channel_ids_json}">'
        f'<a href="{prefix}{post_id}" class="cal-post-link"{link_drag}>'
        f'<span class="cal-time">{hm}</span>{warn}{images}'
        f'<span class="visually-hidden">{label},</span> '
        f'<span class="cal-text">{escape(short_text(post.body))}</span> '
        f'<span class="cal-meta"><span class="cal-status">{status_label}</span>{names}</span>'
        "</a></li>"
    )


def post_item(cp: CalendarPost, warnings: Sequence[str] | None, post_prefix: str) -> Markup:
    """The ``<li>`` for one post: category colour, time, status, channels and any warnings."""
    return Markup(_item(cp, warnings, escape(post_prefix), None))


def post_items(
    posts: Sequence[CalendarPost], warnings: Mapping[int, Sequence[str]], post_prefix: str
) -> Markup:
    """The ``<li>`` of each of a day's posts, with the warnings *warnings* lists for it.

    One call per day rather than per post: the template's per-call cost adds up over a month.
    """
    prefix = escape(post_prefix)
    root = escape(request.script_root) if any(cp.media_ids for cp in posts) else None
    return Markup("".join(_item(cp, warnings.get(cp.post.id), prefix, root) for cp in posts))
