"""Checking each row of an imported file: channels by name, the post's fields, length, repeats.

``planner.services.imports`` reads the file and stores the preview; this module says what each
row would become and what is wrong with it, in the shape the preview stores.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from planner.connectors.bundle import Connectors
from planner.csvformats import SourceRow
from planner.models import Channel, Post
from planner.services import outgoing
from planner.services import posts as post_service
from planner.services.errors import ValidationError
from planner.services.posts import PostInput
from planner.services.workspaces import Access
from planner.timeutils import iso_local, iso_utc, local_to_utc, to_local

EXCERPT = 120


class _Lengths:
    """Each row's length check, with links tagged as they will be when published."""

    def __init__(
        self, acc: Access, channels: Iterable[Channel], connectors: Connectors, now: datetime
    ) -> None:
        self.texts = outgoing.Outgoing(workspace=acc.workspace, connectors=connectors, now=now)
        self.channels = {c.id: c for c in channels}

    def problems(self, data: PostInput) -> list[str]:
        chosen = [self.channels[cid] for cid in data.channel_ids if cid in self.channels]
        return [f"Too long for {c.name}: {p}." for c, p in self.texts.too_long(data, chosen)]


class _Channels:
    """Channel names as written in a file, matched without regard to case."""

    def __init__(self, channels: Sequence[Channel]) -> None:
        self.by_name: dict[str, list[Channel]] = {}
        for c in channels:
            self.by_name.setdefault(c.name.strip().lower(), []).append(c)
        self.names = ", ".join(c.name for c in channels)

    def resolve(self, row: SourceRow, errors: list[str]) -> tuple[int, ...]:
        whole = self.by_name.get(row.channels_text.lower())
        if whole and len(whole) == 1:  # a name that itself holds ";" or "|"
            return (whole[0].id,)
        ids = []
        for name in row.channels or ():
            found = self.by_name.get(name.lower(), [])
            if len(found) == 1:
                ids.append(found[0].id)
            elif found:
                errors.append(f"Two channels are called “{name}”: rename one on the Channels page.")
            elif self.names:
                errors.append(f"No channel called “{name}”. Your channels: {self.names}.")
            else:
                errors.append(f"No channel called “{name}”: this workspace has no channels yet.")
        return tuple(dict.fromkeys(ids))


def _post_dict(data: PostInput, names: Mapping[int, str], tz: ZoneInfo) -> dict[str, Any]:
    return {
        "body": data.body,
        "category": data.category,
        "scheduled_at": iso_utc(data.scheduled_at),
        "scheduled_at_local": iso_local(data.scheduled_at, tz),
        "channel_ids": list(data.channel_ids),
        "channels": [names.get(c, "") for c in data.channel_ids],
        "link": data.link,
    }


class RowChecker:
    """Checks the rows of one file against one workspace, its channels loaded once."""

    def __init__(
        self,
        *,
        session: Session,
        acc: Access,
        channels: Sequence[Channel],
        columns: Mapping[str, str],
        default_category: str | None,
        upload_channel: Channel | None,
        connectors: Connectors,
        tz: ZoneInfo,
        now: datetime,
    ) -> None:
        self.session = session
        self.acc = acc
        self.columns = columns
        self.default_category = default_category
        self.upload_channel = upload_channel
        self.tz = tz
        self.names = {c.id: c.name for c in channels}
        self.lengths = _Lengths(acc, channels, connectors, now)
        self.matcher = _Channels(channels)

    def check(self, row: SourceRow) -> dict[str, Any]:
        """What *row* would become, or every problem that keeps it from being imported."""
        columns = self.columns
        errors = [{"column": p.column, "message": p.message} for p in row.problems]
        category_column = columns["category"]
        category = row.category or self.default_category
        if category is None and not any(e["column"] == category_column for e in errors):
            errors.append(
                {
                    "column": category_column,
                    "message": "No category: fill it in, or choose one for such rows when uploading.",
                }
            )
        channel_errors: list[str] = []
        if row.channels is None:
            channel_ids = (self.upload_channel.id,) if self.upload_channel else ()
        else:
            channel_ids = self.matcher.resolve(row, channel_errors)
        errors += [{"column": columns["channel_ids"], "message": m} for m in channel_errors]
        data = PostInput(
            body=row.body,
            category=category or "",
            scheduled_at=local_to_utc(row.local, self.tz) if row.local else None,
            channel_ids=channel_ids,
            link=row.link,
        )
        clean = None
        try:
            clean = post_service.validate(
                data,
                session=self.session,
                workspace_id=self.acc.workspace.id,
                known_channels=self.names.keys(),
            )
        except ValidationError as exc:
            for field, message in exc.fields.items():
                column = columns.get(field, field)
                if not any(e["column"] == column for e in errors):
                    errors.append({"column": column, "message": message})
        if clean is not None and not errors:
            errors += [
                {"column": columns["body"], "message": m} for m in self.lengths.problems(clean)
            ]
        ok = not errors
        return {
            "line": row.line,
            "ok": ok,
            "post": _post_dict(clean, self.names, self.tz) if ok else None,
            "errors": errors,
            "notes": row.notes,
            "excerpt": " ".join(row.body.split())[:EXCERPT],
        }


def same_text(body: str) -> str:
    """The text as compared for repeats: runs of whitespace count as one space."""
    return " ".join(body.split())


def planned(
    session: Session, workspace_id: int, times: Sequence[datetime]
) -> set[tuple[str, datetime]]:
    """(text, time) of the workspace's posts between the first and last of *times*."""
    return {
        (same_text(body), at)
        for body, at in session.exec(
            select(Post.body, Post.scheduled_at).where(
                Post.workspace_id == workspace_id,
                col(Post.scheduled_at) >= min(times),
                col(Post.scheduled_at) <= max(times),
            )
        )
    }


def flag_repeats(
    session: Session,
    workspace_id: int,
    rows: list[dict[str, Any]],
    *,
    body_column: str,
    tz: ZoneInfo,
) -> None:
    """Refuse rows whose text is already planned at the same time, so a file imported twice
    (or a row copied twice) does not post the same thing twice."""
    timed = [r for r in rows if r["ok"] and r["post"]["scheduled_at"]]
    if not timed:
        return
    times = [datetime.fromisoformat(r["post"]["scheduled_at"]) for r in timed]
    existing = planned(session, workspace_id, times)
    seen: dict[tuple[str, datetime], int] = {}
    for row, at in zip(timed, times, strict=True):
        key = (same_text(row["post"]["body"]), at)
        if key not in existing and key not in seen:
            seen[key] = row["line"]
            continue
        when = f"{to_local(at, tz):%-d %b %Y %H:%M}"
        if key in existing:
            message = f"This text is already planned for {when}: skip this row or change its time."
        else:
            message = f"Line {seen[key]} already has this text at {when}."
        row.update(ok=False, post=None, errors=[{"column": body_column, "message": message}])
