"""Shared fixtures: a fresh database per test (SQLite or PostgreSQL), the app, clients and users.

Set PLANNER_DATABASE_URL=postgresql://... (or PLANNER_TEST_DATABASE_URL, which wins) to run the
whole suite against PostgreSQL; each run gets a database of its own on that server.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, make_url, text
from sqlmodel import Session, SQLModel

from planner import create_app
from planner.connectors.bundle import Connectors
from planner.connectors_app import get_connectors
from planner.db import get_engine, upgrade_database
from planner.models import Role, User, Workspace
from planner.services import accounts, tokens, workspaces

FAST_HASH = "pbkdf2:sha256:1000"  # tests only: production uses 600,000 iterations
TEST_PASSWORD = "correct-horse-battery"
NOW = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)


def _pg_url() -> str | None:
    url = os.environ.get("PLANNER_TEST_DATABASE_URL") or os.environ.get("PLANNER_DATABASE_URL")
    return url if url and url.startswith("postgresql") else None


def _psycopg(url: str) -> str:
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


@pytest.fixture(scope="session")
def db_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Migrate one database per test session; each test then starts from a copy or a truncation.

    On PostgreSQL the session gets its own database (``<name>_<pid>``), so parallel runs on one
    server never trample each other; it is dropped at the end.
    """
    url = _pg_url()
    if url:
        base = make_url(url)
        own = base.set(database=f"{base.database}_{os.getpid()}")
        admin = create_engine(_psycopg(url), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{own.database}"'))
            conn.execute(text(f'CREATE DATABASE "{own.database}"'))
        own_url = own.render_as_string(hide_password=False)
        app = create_app(
            {
                "TESTING": True,
                "DATABASE_URL": own_url,
                "INSTANCE_PATH": str(tmp_path_factory.mktemp("pg-instance")),
            }
        )
        upgrade_database(app)
        get_engine(app).dispose()
        yield own_url
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{own.database}" WITH (FORCE)'))
        admin.dispose()
        return
    folder = tmp_path_factory.mktemp("template")
    app = create_app({"TESTING": True, "INSTANCE_PATH": str(folder)})
    upgrade_database(app)
    get_engine(app).dispose()
    yield str(folder / "planner.sqlite3")


def _fresh_database(template: str, instance: Path) -> str:
    if _pg_url():
        engine = create_engine(_psycopg(template))
        tables = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
        with engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        engine.dispose()
        return template
    target = instance / "planner.sqlite3"
    shutil.copyfile(template, target)
    return f"sqlite:///{target}"


@pytest.fixture()
def app_config(tmp_path: Path, db_template: str) -> dict[str, Any]:
    instance = tmp_path / "instance"
    instance.mkdir()
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "INSTANCE_PATH": str(instance),
        "DATABASE_URL": _fresh_database(db_template, instance),
        "PASSWORD_HASH_METHOD": FAST_HASH,
        "ENCRYPTION_KEY": Fernet.generate_key().decode(),
        "ALLOW_PRIVATE_HOSTS": True,
        "LINK_CARDS": False,  # no test reads a real site; tests/services/test_link_cards turns it on
        "WTF_CSRF_ENABLED": False,
        "SERVER_NAME": "planner.test",
    }


@pytest.fixture()
def app(app_config: dict[str, Any]) -> Iterator[Flask]:
    app = create_app(app_config)
    yield app
    get_engine(app).dispose()


@pytest.fixture()
def connectors(app: Flask) -> Connectors:
    """The test app's connectors bundle: the one its views and its worker use."""
    return get_connectors(app)


@pytest.fixture()
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture()
def session(app: Flask) -> Iterator[Session]:
    with Session(get_engine(app), expire_on_commit=False) as s:
        yield s


@dataclass
class Member:
    user: User
    workspace: Workspace
    role: Role
    password: str = TEST_PASSWORD


class Auth:
    """Creates users and workspaces through the services and logs test clients in."""

    def __init__(self, app: Flask, session: Session) -> None:
        self.app, self.session = app, session
        self._n = 0

    def user(
        self,
        email: str | None = None,
        *,
        workspace: Workspace | None = None,
        role: Role = Role.OWNER,
        workspace_name: str = "Shop",
        timezone: str = "Europe/London",
    ) -> Member:
        """Create a user; without *workspace* they own a new one."""
        self._n += 1
        email = email or f"user{self._n}@example.com"
        user = accounts.create_user(
            session=self.session,
            email=email,
            password=TEST_PASSWORD,
            now=NOW,
            password_method=FAST_HASH,
        )
        if workspace is None:
            workspace = workspaces.create_workspace(
                session=self.session, owner=user, name=workspace_name, timezone=timezone, now=NOW
            )
            role = Role.OWNER
        else:
            workspaces.add_member(
                session=self.session, workspace=workspace, user=user, role=role, now=NOW
            )
        self.session.commit()
        return Member(user=user, workspace=workspace, role=role)

    def login(self, client: FlaskClient, member: Member) -> FlaskClient:
        resp = client.post("/login", data={"email": member.user.email, "password": member.password})
        assert resp.status_code == 302, resp.data[:500]
        with client.session_transaction() as sess:
            sess["workspace_id"] = member.workspace.id
        return client

    def token(self, member: Member) -> str:
        _t, plaintext = tokens.create_token(
            session=self.session, user=member.user, name="test", now=NOW
        )
        self.session.commit()
        return plaintext


@pytest.fixture()
def auth(app: Flask, session: Session) -> Auth:
    return Auth(app, session)


class ApiClient:
    """JSON calls with a bearer token."""

    def __init__(self, client: FlaskClient, token: str) -> None:
        self.client, self.token = client, token

    def call(self, method: str, path: str, json: Any = None, **kw: Any):
        headers = {"Authorization": f"Bearer {self.token}"}
        return self.client.open(path, method=method, json=json, headers=headers, **kw)

    def get(self, path: str, **kw: Any):
        return self.call("GET", path, **kw)

    def post(self, path: str, json: Any = None):
        return self.call("POST", path, json)

    def patch(self, path: str, json: Any = None):
        return self.call("PATCH", path, json)

    def delete(self, path: str):
        return self.call("DELETE", path)


@pytest.fixture()
def api(client: FlaskClient, auth: Auth):
    """A factory: ``api(member)`` returns an ApiClient acting as that member."""
    return lambda member: ApiClient(client, auth.token(member))
