"""CSV import: read a file, show what each row would become, then save the chosen rows at once.

The preview is stored as an ImportBatch so the import does not upload the file again; a batch
is imported once, by members of its workspace, within a day. Imported posts are drafts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, delete, update

from planner import csvformats
from planner.connectors.bundle import Connectors
from planner.csvformats import CATEGORIES, DATE_FORMATS, FORMATS, FileError
from planner.guardrails import PostSnapshot, affected_span
from planner.models import Channel, ImportBatch, ImportStatus, Post
from planner.services import audit, guardrail_checks, import_rows, link_cards
from planner.services import channels as channel_service
from planner.services import posts as post_service
from planner.services.errors import Conflict, NotFound, ValidationError
from planner.services.import_media import ImageImport, attach_images, give_images
from planner.services.posts import PostInput
from planner.services.workspaces import Access
from planner.timeutils import get_zone, iso_utc

BATCH_TTL = timedelta(hours=24)


@dataclass(frozen=True)
class ImportOptions:
    """What the person chose at upload; ``channel_id`` and ``default_category`` fill gaps."""

    format: str
    channel_id: int | None = None
    date_format: str | None = None
    default_category: str | None = None
    filename: str = ""


def check_options(*, session: Session, acc: Access, options: ImportOptions) -> Channel | None:
    """Check the upload choices, naming each one at fault; return the chosen channel."""
    fields: dict[str, str] = {}
    if options.format not in FORMATS:
        fields["format"] = "Choose what kind of file this is."
    channel = None
    if options.channel_id is not None:
        try:
            channel = channel_service.get_channel(
                session=session, workspace_id=acc.workspace.id, channel_id=options.channel_id
            )
        except NotFound:
            fields["channel_id"] = "Choose one of your channels."
    elif options.format == "buffer":
        fields["channel_id"] = "Choose the channel this Buffer file is for."
    if options.format == "hootsuite" and options.date_format not in DATE_FORMATS:
        fields["date_format"] = "Choose how dates are written in the file."
    if options.default_category and options.default_category not in CATEGORIES:
        fields["default_category"] = "Choose promotional, educational, conversational or curated."
    if fields:
        raise ValidationError("Check the highlighted fields.", fields=fields)
    return channel


def import_warnings(
    *, session: Session, acc: Access, rows: Sequence[Mapping[str, Any]], now: datetime
) -> list[dict[str, Any]]:
    """The guardrail warnings importing *rows* would add, each with the file lines involved."""
    new = tuple(  # a row's id is minus its line, so it cannot clash with a stored post
        PostSnapshot(
            id=-r["line"],
            category=r["post"]["category"],
            scheduled_at=datetime.fromisoformat(r["post"]["scheduled_at"]),
            status="draft",
            channel_ids=tuple(r["post"]["channel_ids"]),
        )
        for r in rows
        if r["ok"] and r["post"]["scheduled_at"]
    )
    if not new:
        return []
    times = [p.scheduled_at for p in new]
    found = guardrail_checks.judge(
        session=session,
        workspace=acc.workspace,
        span=affected_span(get_zone(acc.workspace.timezone), min(times), max(times)),
        now=now,
        edits=guardrail_checks.Edits(added=new),
        report="changes",
    )
    # A warning the rows make worse counts as theirs as much as one they start.
    worse = [c.after for c in found.changed if c.verdict == "worse"]
    return [
        {**w.to_dict(), "lines": sorted(-pid for pid in w.post_ids if pid < 0)}
        for w in [*found.added, *worse]
    ]


def preview_import(
    *,
    session: Session,
    acc: Access,
    data: bytes,
    options: ImportOptions,
    connectors: Connectors,
    now: datetime,
    images: ImageImport | None = None,
    cards: link_cards.CardReader | None = None,
) -> ImportBatch:
    """Read *data*, check every row against the workspace and store the result for import.

    A file that cannot be read at all raises ``ValidationError`` on the ``file`` field; rows
    with problems are kept with their errors, so the preview can show them all.
    """
    upload_channel = check_options(session=session, acc=acc, options=options)
    try:
        source = csvformats.read(data, format=options.format, date_format=options.date_format)
    except FileError as exc:
        raise ValidationError(str(exc), fields={"file": str(exc)}) from None
    tz = get_zone(acc.workspace.timezone)
    checker = import_rows.RowChecker(
        session=session,
        acc=acc,
        channels=channel_service.list_channels(session=session, workspace_id=acc.workspace.id),
        columns=source.columns,
        default_category=options.default_category,
        upload_channel=upload_channel,
        connectors=connectors,
        tz=tz,
        now=now,
    )
    rows = [checker.check(row) for row in source.rows]
    import_rows.flag_repeats(
        session, acc.workspace.id, rows, body_column=source.columns["body"], tz=tz
    )
    # After the repeats are flagged: only rows still ready are worth a download. Cards first:
    # storing images writes, and no write should wait on a slow site.
    link_cards.read_for_rows(
        session=session, workspace_id=acc.workspace.id, rows=rows, reader=cards, now=now
    )
    attach_images(
        session=session,
        acc=acc,
        source_rows=source.rows,
        rows=rows,
        columns=source.columns,
        images=images,
        connectors=connectors,
        now=now,
    )
    ready = [r for r in rows if r["ok"]]
    mix = dict.fromkeys(CATEGORIES, 0)
    for r in ready:
        mix[r["post"]["category"]] += 1
    times = sorted(r["post"]["scheduled_at"] for r in ready if r["post"]["scheduled_at"])
    summary = {
        "rows": len(rows),
        "ready": len(ready),
        "with_errors": len(rows) - len(ready),
        "ideas": sum(1 for r in ready if not r["post"]["scheduled_at"]),
        "mix": mix,
        "warnings": import_warnings(session=session, acc=acc, rows=ready, now=now),
        "notices": source.notices,
        "first": times[0] if times else None,
    }
    session.exec(delete(ImportBatch).where(ImportBatch.expires_at < now))
    batch = ImportBatch(
        workspace_id=acc.workspace.id,
        created_by_id=acc.user.id,
        format=options.format,
        filename=options.filename[:255],
        status=ImportStatus.READY,
        rows=rows,
        summary=summary,
        created_at=now,
        expires_at=now + BATCH_TTL,
    )
    session.add(batch)
    session.flush()
    return batch


def get_batch(*, session: Session, acc: Access, batch_id: int) -> ImportBatch:
    """Return an import of the workspace; other workspaces' imports do not exist for this user."""
    batch = session.get(ImportBatch, batch_id)
    if batch is None or batch.workspace_id != acc.workspace.id:
        raise NotFound("No such import.")
    return batch


def _chosen_lines(batch: ImportBatch, lines: Sequence[int] | None) -> list[int]:
    ready = [r["line"] for r in batch.rows if r["ok"]]
    if lines is None:
        chosen = ready
    else:
        wanted = set(lines)
        if bad := sorted(wanted - set(ready)):
            shown = ", ".join(map(str, bad[:10])) + ("…" if len(bad) > 10 else "")
            msg = f"These lines have problems or are not in the file, so they cannot be imported: {shown}."
            raise ValidationError(msg, fields={"lines": msg})
        chosen = [n for n in ready if n in wanted]
    if not chosen:
        msg = "Choose at least one row that is ready to import."
        raise ValidationError(msg, fields={"lines": msg})
    return chosen


def commit_import(
    *,
    session: Session,
    acc: Access,
    batch_id: int,
    now: datetime,
    lines: Sequence[int] | None = None,
) -> list[Post]:
    """Save the chosen ready rows (default: all of them) as drafts, all in the caller's transaction.

    The batch is marked imported in the same transaction, so a second attempt is a Conflict
    and a failed one (a channel removed since the preview, say) leaves nothing behind once the
    caller rolls back.
    """
    batch = get_batch(session=session, acc=acc, batch_id=batch_id)
    if batch.status == ImportStatus.COMMITTED:
        raise Conflict("This file was already imported.")
    if batch.expires_at <= now:
        raise Conflict("This preview has expired: upload the file again.")
    chosen = _chosen_lines(batch, lines)
    claimed = session.exec(
        update(ImportBatch)
        .where(ImportBatch.id == batch.id, ImportBatch.status == ImportStatus.READY)
        .values(status=ImportStatus.COMMITTED, committed_at=now)
    )
    if claimed.rowcount != 1:
        raise Conflict("This file was already imported.")
    by_line = {r["line"]: r["post"] for r in batch.rows if r["ok"]}
    items = [
        PostInput(
            body=p["body"],
            category=p["category"],
            scheduled_at=datetime.fromisoformat(p["scheduled_at"]) if p["scheduled_at"] else None,
            channel_ids=tuple(p["channel_ids"]),
            link=p["link"],
        )
        for p in (by_line[n] for n in chosen)
    ]
    timed = [(n, i) for n, i in zip(chosen, items, strict=True) if i.scheduled_at]
    if timed:
        times = [i.scheduled_at for _n, i in timed]
        planned = import_rows.planned(session, acc.workspace.id, times)
        again = [n for n, i in timed if (import_rows.same_text(i.body), i.scheduled_at) in planned]
        if again:
            listed = ", ".join(str(n) for n in again[:10])
            msg = (
                f"Nothing was imported: line {listed} is already planned (imported since the "
                "preview?). Upload the file again to see what is new."
            )
            raise Conflict(msg)
    try:
        posts = post_service.create_posts(
            session=session, acc=acc, items=items, now=now, detail={"import_id": batch.id}
        )
    except ValidationError as exc:
        faults = {chosen[int(i)]: m for i, m in exc.fields.items()}
        listed = "; ".join(f"line {n}: {m}" for n, m in sorted(faults.items())[:10])
        msg = f"Nothing was imported: some rows changed since the preview ({listed}). Upload the file again."
        raise ValidationError(msg, fields={"lines": msg}) from None
    give_images(session=session, acc=acc, posts=posts, saved=[by_line[n] for n in chosen], now=now)
    for post, n in zip(posts, chosen, strict=True):
        link_cards.keep(session=session, post=post, card=by_line[n].get("link_card"))
    audit.record(
        session=session,
        workspace_id=acc.workspace.id,
        actor_id=acc.user.id,
        action="posts_imported",
        detail={
            "import_id": batch.id,
            "format": batch.format,
            "filename": batch.filename,
            "count": len(posts),
        },
        now=now,
    )
    return posts


def row_errors(batch: ImportBatch) -> list[dict[str, Any]]:
    """Every problem of every row, in file order, with its line."""
    return [{"line": r["line"], **e} for r in batch.rows for e in r["errors"]]


def batch_json(batch: ImportBatch, *, with_rows: bool = True) -> dict[str, Any]:
    """The API shape of an import."""
    s = batch.summary
    result = {
        "id": batch.id,
        "status": batch.status,
        "format": batch.format,
        "filename": batch.filename,
        "created_at": iso_utc(batch.created_at),
        "expires_at": iso_utc(batch.expires_at),
        "counts": {k: s.get(k, 0) for k in ("rows", "ready", "with_errors", "ideas")},
        "errors": row_errors(batch),
        "mix": s.get("mix", {}),
        "warnings": s.get("warnings", []),
        "notices": s.get("notices", []),
    }
    if with_rows:
        result["rows"] = [
            {k: r[k] for k in ("line", "ok", "post", "errors", "notes")} for r in batch.rows
        ]
    return result
