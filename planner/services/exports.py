"""CSV export in planner's own layout: local times, channels by name, so it imports back as is."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from planner.csvformats import TemplateRow, write_template
from planner.models import Workspace
from planner.services import channels as channel_service
from planner.services.posts import PostFilters, channel_ids_for, list_posts
from planner.timeutils import get_zone, to_local

MAX_EXPORT = 100_000
CHANNEL_JOIN = "; "


def export_rows(
    *, session: Session, workspace: Workspace, start: datetime, end: datetime
) -> list[TemplateRow]:
    """The workspace's posts scheduled in [start, end), by time, as template rows."""
    tz = get_zone(workspace.timezone)
    posts = list_posts(
        session=session,
        workspace_id=workspace.id,
        filters=PostFilters(start=start, end=end, scheduled=True, limit=MAX_EXPORT),
    )
    names = {
        c.id: c.name
        for c in channel_service.list_channels(session=session, workspace_id=workspace.id)
    }
    targets = channel_ids_for(session=session, post_ids=[p.id for p in posts])
    rows = []
    for post in posts:
        local = to_local(post.scheduled_at, tz)
        rows.append(
            TemplateRow(
                date=local.date().isoformat(),
                time=local.strftime("%H:%M"),
                body=post.body,
                category=post.category,
                channels=CHANNEL_JOIN.join(
                    names[c] for c in targets.get(post.id, []) if c in names
                ),
                link=post.link or "",
            )
        )
    return rows


def export_csv(*, session: Session, workspace: Workspace, start: datetime, end: datetime) -> bytes:
    """The export as UTF-8 bytes with a byte-order mark, so Excel shows accents correctly."""
    rows = export_rows(session=session, workspace=workspace, start=start, end=end)
    return ("\ufeff" + write_template(rows)).encode("utf-8")
