"""The Alembic migrations build exactly the schema the models describe, in one line of revisions."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlmodel import SQLModel

from planner.db import MIGRATIONS_DIR, get_engine


def test_migrated_database_matches_the_models(app) -> None:
    with get_engine(app).connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, SQLModel.metadata)
    assert diff == [], "models and migrations differ; write a migration:\n" + "\n".join(
        map(str, diff)
    )


def _scripts(location: Path = MIGRATIONS_DIR) -> ScriptDirectory:
    cfg = Config()
    cfg.set_main_option("script_location", str(location))
    return ScriptDirectory.from_config(cfg)


def test_database_is_at_every_head(app) -> None:
    heads = set(_scripts().get_heads())
    with get_engine(app).connect() as conn:
        current = set(MigrationContext.configure(conn).get_current_heads())
    assert current == heads


# 0003 and 0005-0007 each follow 0002 and are merged in 0008; from there the line is straight.
LAST_MERGE = "0008"


def _off_the_line(scripts: ScriptDirectory) -> list[str]:
    """What keeps the revisions after the last merge from being one straight line (nothing if so)."""
    heads = scripts.get_heads()
    if len(heads) != 1:
        return [f"{len(heads)} heads ({', '.join(sorted(heads))}): follow the latest head"]
    rev = scripts.get_revision(heads[0])
    while rev.revision != LAST_MERGE:
        if not isinstance(rev.down_revision, str):
            return [f"{rev.revision} follows {rev.down_revision!r}, not one revision"]
        rev = scripts.get_revision(rev.down_revision)
    return []


def test_revisions_after_the_last_merge_form_one_straight_line() -> None:
    assert _off_the_line(_scripts()) == []


@pytest.mark.parametrize(
    ("follows", "problem"),
    [
        (lambda head: repr(LAST_MERGE), "2 heads"),  # a second branch from the last merge
        (lambda head: repr((head, "0005")), "9999 follows"),  # a new merge after it
    ],
    ids=["branch", "merge"],
)
def test_a_revision_off_the_line_is_found(tmp_path, follows, problem) -> None:
    location = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS_DIR, location, ignore=shutil.ignore_patterns("__pycache__"))
    [head] = _scripts().get_heads()
    (location / "versions" / "9999_off_the_line.py").write_text(
        f'revision = "9999"\ndown_revision = {follows(head)}\n'
        "def upgrade():\n    pass\n\ndef downgrade():\n    pass\n"
    )
    [found] = _off_the_line(_scripts(location))
    assert found.startswith(problem)
