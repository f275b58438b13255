"""Database wiring: one engine per app, one Session per request, Alembic for the schema."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import Flask, current_app, g
from sqlalchemy import Engine, event
from sqlmodel import Session, create_engine

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def database_url(app: Flask) -> str:
    """Return the configured URL, defaulting to SQLite in the instance folder."""
    url = app.config.get("DATABASE_URL")
    if url:
        if url.startswith("postgres://"):
            url = "postgresql://" + url.removeprefix("postgres://")
        if url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
        return url
    return f"sqlite:///{Path(app.instance_path) / 'planner.sqlite3'}"


def make_engine(url: str) -> Engine:
    """Create an engine; SQLite gets WAL, foreign keys and a busy timeout for web + worker."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        database = engine.url.database

        @event.listens_for(engine, "do_connect")
        def _private_file(_dialect, _record, _cargs, _cparams):
            if database and database != ":memory:" and not database.startswith("file:"):
                _create_private(Path(database))

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10)


def _create_private(path: Path) -> None:
    """Create the SQLite file readable by its owner only (its -wal and -shm files follow its mode).

    The database holds password hashes and sealed credentials; a file left 0644 by an older
    version is tightened when this process owns it.
    """
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        info = path.stat()
        if info.st_mode & 0o077 and info.st_uid == os.geteuid():
            path.chmod(0o600)


def init_app(app: Flask) -> None:
    """Attach the engine lazily (no connection is opened here) and close sessions per request."""
    app.extensions["planner.engine"] = make_engine(database_url(app))
    app.teardown_appcontext(_close_session)


def get_engine(app: Flask | None = None) -> Engine:
    """Return the app's engine."""
    return (app or current_app).extensions["planner.engine"]


def get_session() -> Session:
    """Return this request's Session, creating it on first use."""
    if "db_session" not in g:
        g.db_session = Session(get_engine(), expire_on_commit=False)
    return g.db_session


def _close_session(_exc: BaseException | None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()


@contextmanager
def session_scope(app: Flask) -> Iterator[Session]:
    """A session for CLI commands and the worker: committed on success, rolled back on error."""
    with Session(get_engine(app), expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def upgrade_database(app: Flask) -> None:
    """Create or upgrade the schema to the newest Alembic revision."""
    from alembic import command
    from alembic.config import Config

    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", database_url(app).replace("%", "%%"))
    engine = get_engine(app)
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "heads")
