"""CSV import: real files in the three layouts, every problem reported by line, all-or-nothing commit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import func, select

from planner.connectors.bundle import Connectors
from planner.models import AuditEvent, Channel, ImportBatch, Post, PostChannel, Role
from planner.services import channels as channel_service
from planner.services import imports, workspaces
from planner.services.errors import Conflict, NotFound, ValidationError
from planner.services.imports import ImportOptions
from planner.services.workspaces import Access
from tests.conftest import NOW
from tests.factories import make_import_channels

DATA = Path(__file__).resolve().parent.parent / "data" / "csv"


@dataclass
class Bakery:
    acc: Access
    mastodon: Channel
    bluesky: Channel
    connectors: Connectors


@pytest.fixture()
def bakery(app, connectors, auth, session) -> Bakery:
    """A Europe/London workspace with an outbox channel called Mastodon and a real Bluesky one."""
    owner = auth.user(timezone="Europe/London")
    acc = workspaces.access(session=session, user=owner.user, workspace_id=owner.workspace.id)
    mastodon, bluesky = make_import_channels(app, session, owner)
    return Bakery(acc=acc, mastodon=mastodon, bluesky=bluesky, connectors=connectors)


def preview(session, bakery: Bakery, name: str | bytes, acc: Access | None = None, **options):
    data = name if isinstance(name, bytes) else (DATA / name).read_bytes()
    batch = imports.preview_import(
        session=session,
        acc=acc or bakery.acc,
        data=data,
        options=ImportOptions(**{"format": "template", **options}),
        connectors=bakery.connectors,
        now=NOW,
    )
    session.commit()
    return batch


def by_line(batch) -> dict[int, dict]:
    return {r["line"]: r for r in batch.rows}


def test_template_file_reads_times_in_the_workspace_zone(session, bakery) -> None:
    batch = preview(session, bakery, "template.csv")
    rows = by_line(batch)
    assert sorted(rows) == [2, 3, 5, 6] and all(r["ok"] for r in rows.values())
    first, second, third, idea = rows[2]["post"], rows[3]["post"], rows[5]["post"], rows[6]["post"]
    # 10:00 in London is 10:00 UTC before the clocks change on 29 March and 09:00 UTC after.
    assert first["scheduled_at"] == "2026-03-27T10:00:00Z"
    assert second["scheduled_at"] == "2026-03-30T09:00:00Z"
    assert second["scheduled_at_local"] == "2026-03-30T10:00:00+01:00"
    assert second["body"] == "How we proof our dough:\nslowly, overnight; in the cold."
    assert second["channel_ids"] == [bakery.mastodon.id, bakery.bluesky.id]
    assert third["channels"] == ["Mastodon", "Bluesky"]
    assert first["link"] == "https://shop.example/bread" and first["category"] == "promotional"
    assert idea["scheduled_at"] is None and idea["channel_ids"] == []
    assert batch.summary["mix"] == {
        "promotional": 1,
        "educational": 1,
        "conversational": 1,
        "curated": 1,
    }
    assert batch.summary["ideas"] == 1 and batch.summary["with_errors"] == 0


@pytest.mark.parametrize(
    "name", ["template_bom.csv", "template_semicolon.csv", "template_windows.csv"]
)
def test_bom_semicolons_and_windows_line_ends_read_like_the_plain_file(
    session, bakery, name
) -> None:
    plain = [(r["line"], r["post"]) for r in preview(session, bakery, "template.csv").rows]
    other = [(r["line"], r["post"]) for r in preview(session, bakery, name).rows]
    assert other == plain


def test_every_problem_is_reported_with_its_line_and_column(session, bakery) -> None:
    batch = preview(session, bakery, "template_problems.csv")
    rows = by_line(batch)
    assert rows[2]["ok"] and rows[9]["ok"]
    problems = {(e["line"], e["column"]) for e in imports.row_errors(batch)}
    assert problems == {
        (3, "date"),
        (4, "category"),
        (5, "channels"),
        (6, "body"),
        (7, "body"),
        (8, "time"),
        (8, "link"),
    }
    messages = {e["line"]: e["message"] for e in imports.row_errors(batch)}
    assert "2026-02-30" in messages[3] and "YYYY-MM-DD" in messages[3]
    assert "“sales” is not a category" in messages[4]
    assert "No channel called “Instagrm”" in messages[5] and "Mastodon" in messages[5]
    assert messages[6] == "Write something to post."
    assert messages[7].startswith("Too long for Bluesky:") and "of 300 characters" in messages[7]
    assert all(rows[n]["post"] is None for n in (3, 4, 5, 6, 7, 8))
    assert batch.summary["ready"] == 2 and batch.summary["with_errors"] == 6


def test_valid_rows_of_a_file_with_problems_still_import(session, bakery) -> None:
    batch = preview(session, bakery, "template_problems.csv")
    posts = imports.commit_import(session=session, acc=bakery.acc, batch_id=batch.id, now=NOW)
    session.commit()
    assert [p.body for p in posts] == ["A good row", "Another good row"]
    assert all(p.status == "draft" and p.author_id == bakery.acc.user.id for p in posts)


def test_buffer_file_takes_categories_from_tags_and_the_channel_from_the_upload(
    session, bakery
) -> None:
    batch = preview(
        session,
        bakery,
        "buffer.csv",
        format="buffer",
        channel_id=bakery.mastodon.id,
        default_category="conversational",
    )
    rows = by_line(batch)
    assert rows[2]["post"]["category"] == "promotional"
    assert rows[2]["notes"] == ["The image is left out: planner posts text and links."]
    assert rows[3]["post"]["category"] == "educational"
    assert rows[3]["post"]["body"] == "Tip: keep bread in a linen bag, not plastic."
    assert rows[4]["post"]["category"] == "conversational"
    assert rows[2]["post"]["channel_ids"] == [bakery.mastodon.id]
    assert rows[2]["post"]["scheduled_at"] == "2026-03-20T09:00:00Z"
    assert rows[5]["errors"] == [
        {
            "column": "Posting Time",
            "message": "“22/03/2026 10:00” does not match the date format YYYY-MM-DD HH:mm.",
        }
    ]


def test_buffer_rows_without_a_category_tag_need_a_default(session, bakery) -> None:
    batch = preview(session, bakery, "buffer.csv", format="buffer", channel_id=bakery.mastodon.id)
    assert by_line(batch)[4]["errors"][0]["column"] == "Tags"
    assert "No category" in by_line(batch)[4]["errors"][0]["message"]


def test_buffer_needs_a_channel_chosen_at_upload(session, bakery) -> None:
    with pytest.raises(ValidationError) as err:
        preview(session, bakery, "buffer.csv", format="buffer")
    assert set(err.value.fields) == {"channel_id"}


def test_hootsuite_file_without_header(session, bakery) -> None:
    batch = preview(
        session,
        bakery,
        "hootsuite.csv",
        format="hootsuite",
        date_format="mm/dd/yyyy hh:mm",
        channel_id=bakery.bluesky.id,
        default_category="curated",
    )
    rows = by_line(batch)
    assert rows[1]["post"]["scheduled_at"] == "2026-03-27T10:00:00Z"
    assert rows[1]["post"]["link"] == "https://shop.example/bread"
    assert rows[2]["post"]["scheduled_at"] == "2026-03-30T09:00:00Z"
    assert rows[2]["post"]["body"] == "Proofing tips, with pictures"
    assert rows[2]["post"]["channel_ids"] == [bakery.bluesky.id]
    assert rows[3]["errors"] == [
        {
            "column": "date and time",
            "message": "“13/30/2026 10:00” does not match the date format mm/dd/yyyy hh:mm.",
        }
    ]


def test_hootsuite_file_with_header_and_day_first_dates(session, bakery) -> None:
    batch = preview(
        session,
        bakery,
        "hootsuite_header.csv",
        format="hootsuite",
        date_format="dd/mm/yyyy hh:mm",
        default_category="curated",
    )
    assert [r["post"]["scheduled_at"] for r in batch.rows] == [
        "2026-03-27T10:00:00Z",
        "2026-03-30T09:00:00Z",
    ]
    assert [r["line"] for r in batch.rows] == [2, 3]


def test_hootsuite_needs_a_date_format(session, bakery) -> None:
    with pytest.raises(ValidationError) as err:
        preview(session, bakery, "hootsuite.csv", format="hootsuite", default_category="curated")
    assert set(err.value.fields) == {"date_format"}


def test_more_than_5000_rows_is_a_clear_error(session, bakery) -> None:
    lines = ["date,time,body,category,channels,link"]
    lines += [f"2026-04-01,09:00,Post {i},curated,," for i in range(5001)]
    with pytest.raises(ValidationError) as err:
        preview(session, bakery, "\n".join(lines).encode())
    assert "more than 5,000 rows" in err.value.fields["file"]
    assert session.exec(select(func.count()).select_from(ImportBatch)).one() == 0


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", "empty"),
        (b"date,time,text\n2026-03-01,09:00,x\n", "Missing: category"),
        (b"date,time,body,category\n", "no rows"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "does not look like a CSV"),
    ],
)
def test_unreadable_files_say_why(session, bakery, data, expected) -> None:
    with pytest.raises(ValidationError) as err:
        preview(session, bakery, data)
    assert expected in err.value.fields["file"]


def test_commit_saves_the_chosen_rows_as_drafts_with_audit(session, bakery) -> None:
    batch = preview(session, bakery, "template.csv")
    posts = imports.commit_import(
        session=session, acc=bakery.acc, batch_id=batch.id, lines=[3, 6], now=NOW
    )
    session.commit()
    assert [p.body.split(":")[0] for p in posts] == ["How we proof our dough", "An idea for later"]
    stored = session.exec(select(PostChannel).where(PostChannel.post_id == posts[0].id)).all()
    assert {pc.channel_id for pc in stored} == {bakery.mastodon.id, bakery.bluesky.id}
    actions = session.exec(
        select(AuditEvent.action).where(AuditEvent.workspace_id == bakery.acc.workspace.id)
    ).all()
    assert actions.count("created") == 2 and "posts_imported" in actions
    assert session.get(ImportBatch, batch.id).status == "committed"


def test_a_batch_commits_once(session, bakery) -> None:
    batch = preview(session, bakery, "template.csv")
    imports.commit_import(session=session, acc=bakery.acc, batch_id=batch.id, now=NOW)
    session.commit()
    with pytest.raises(Conflict):
        imports.commit_import(session=session, acc=bakery.acc, batch_id=batch.id, now=NOW)
    assert session.exec(select(func.count()).select_from(Post)).one() == 4


def test_a_failed_commit_saves_nothing_and_the_batch_can_be_retried(session, bakery) -> None:
    batch = preview(session, bakery, "template.csv")
    channel_service.delete_channel(
        session=session, acc=bakery.acc, channel_id=bakery.bluesky.id, now=NOW
    )
    session.commit()
    with pytest.raises(ValidationError) as err:
        imports.commit_import(session=session, acc=bakery.acc, batch_id=batch.id, now=NOW)
    assert "line 3" in err.value.message and "line 5" in err.value.message
    session.rollback()
    assert session.exec(select(func.count()).select_from(Post)).one() == 0
    assert session.get(ImportBatch, batch.id).status == "ready"
    posts = imports.commit_import(
        session=session, acc=bakery.acc, batch_id=batch.id, lines=[2, 6], now=NOW
    )
    session.commit()
    assert len(posts) == 2


def test_only_ready_lines_can_be_chosen(session, bakery) -> None:
    batch = preview(session, bakery, "template_problems.csv")
    with pytest.raises(ValidationError) as err:
        imports.commit_import(
            session=session, acc=bakery.acc, batch_id=batch.id, lines=[2, 3, 99], now=NOW
        )
    assert "3, 99" in err.value.fields["lines"]
    with pytest.raises(ValidationError):
        imports.commit_import(session=session, acc=bakery.acc, batch_id=batch.id, lines=[], now=NOW)


def test_an_expired_preview_cannot_be_imported(session, bakery) -> None:
    batch = preview(session, bakery, "template.csv")
    later = NOW + imports.BATCH_TTL + timedelta(seconds=1)
    with pytest.raises(Conflict):
        imports.commit_import(session=session, acc=bakery.acc, batch_id=batch.id, now=later)


def test_expired_batches_are_cleared_by_the_next_upload(session, bakery) -> None:
    preview(session, bakery, "template.csv")
    new = imports.preview_import(
        session=session,
        acc=bakery.acc,
        data=(DATA / "template.csv").read_bytes(),
        options=ImportOptions(format="template"),
        connectors=bakery.connectors,
        now=NOW + timedelta(days=2),
    )
    session.commit()
    assert session.exec(select(ImportBatch.created_at)).all() == [new.created_at]


def test_another_workspace_cannot_see_or_commit_a_batch(session, bakery, auth) -> None:
    batch = preview(session, bakery, "template.csv")
    stranger = auth.user(workspace_name="Other")
    acc = workspaces.access(session=session, user=stranger.user, workspace_id=stranger.workspace.id)
    with pytest.raises(NotFound):
        imports.commit_import(session=session, acc=acc, batch_id=batch.id, now=NOW)


def test_contributors_import_their_own_drafts(session, bakery, auth) -> None:
    writer = auth.user(workspace=bakery.acc.workspace, role=Role.CONTRIBUTOR)
    acc = workspaces.access(session=session, user=writer.user, workspace_id=writer.workspace.id)
    batch = preview(session, bakery, "template.csv", acc=acc)
    posts = imports.commit_import(session=session, acc=acc, batch_id=batch.id, now=NOW)
    assert {p.author_id for p in posts} == {writer.user.id}


def test_preview_shows_the_guardrail_warnings_the_rows_would_add(session, bakery) -> None:
    rows = ["date,time,body,category,channels,link"]
    rows += [f"2027-03-0{d},09:00,Sale day {d},promotional,Mastodon," for d in range(1, 6)]
    batch = preview(session, bakery, "\n".join(rows).encode())
    warnings = batch.summary["warnings"]
    streak = next(w for w in warnings if w["rule"] == "streak")
    assert streak["lines"] == [2, 3, 4, 5, 6] and all(pid < 0 for pid in streak["post_ids"])
    assert streak["channel_id"] == bakery.mastodon.id
    assert any(w["rule"] == "max_share" for w in warnings)


def test_existing_posts_count_in_the_warnings(session, bakery) -> None:
    for day in (1, 2, 3):
        session.add(
            Post(
                workspace_id=bakery.acc.workspace.id,
                body=f"Existing {day}",
                category="promotional",
                scheduled_at=datetime(2027, 3, day, 9, tzinfo=UTC),
                status="approved",
                created_at=NOW,
                updated_at=NOW,
            )
        )
    session.commit()
    rows = "date,time,body,category,channels,link\n2027-03-04,09:00,One more sale,promotional,,\n"
    batch = preview(session, bakery, rows.encode())
    streak = next(w for w in batch.summary["warnings"] if w["rule"] == "streak")
    assert streak["lines"] == [2] and len(streak["post_ids"]) == 4


def test_importing_the_same_file_again_flags_every_timed_row(session, bakery) -> None:
    first = preview(session, bakery, "template.csv")
    imports.commit_import(session=session, acc=bakery.acc, batch_id=first.id, now=NOW)
    session.commit()

    again = preview(session, bakery, "template.csv")

    rows = by_line(again)
    timed = [n for n, r in by_line(first).items() if r["ok"] and r["post"]["scheduled_at"]]
    assert timed and all(not rows[n]["ok"] for n in timed)
    for n in timed:
        [error] = rows[n]["errors"]
        assert error["column"] == "body"
        assert "already planned for" in error["message"]
    # The unscheduled idea has no time to clash on and stays ready.
    assert [n for n, r in rows.items() if r["ok"]] == [6]
    assert again.summary["ready"] == 1


def test_a_row_repeated_in_the_file_is_flagged_with_the_first_line(session, bakery) -> None:
    data = (
        b"date,time,body,category,channels,link\n"
        b"2026-03-10,10:00,Fresh rye,promotional,Mastodon,\n"
        b"2026-03-10,10:00,Fresh  rye ,promotional,Mastodon,\n"
        b"2026-03-10,11:00,Fresh rye,promotional,Mastodon,\n"
    )
    rows = by_line(preview(session, bakery, data))
    assert rows[2]["ok"] and rows[4]["ok"]
    assert rows[3]["errors"] == [
        {"column": "body", "message": "Line 2 already has this text at 10 Mar 2026 10:00."}
    ]


def test_two_previews_of_one_file_cannot_both_be_imported(session, bakery) -> None:
    one = preview(session, bakery, "template.csv")
    two = preview(session, bakery, "template.csv")
    imports.commit_import(session=session, acc=bakery.acc, batch_id=one.id, now=NOW)
    session.commit()

    with pytest.raises(Conflict) as err:
        imports.commit_import(session=session, acc=bakery.acc, batch_id=two.id, now=NOW)

    assert "already planned" in err.value.message
    session.rollback()
    assert session.exec(select(func.count()).select_from(Post)).one() == 4
