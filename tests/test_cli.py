from __future__ import annotations

import re
from datetime import timedelta

import pytest
from icalendar import Calendar
from sqlmodel import func, select

from planner import create_app
from planner.mail.message import post_url
from planner.models import Membership, Post, User, Workspace
from planner.timeutils import utcnow


def test_create_user_with_workspace_and_role(app, session) -> None:
    runner = app.test_cli_runner()
    out = runner.invoke(
        args=[
            "create-user",
            "Boss@Example.com",
            "--password",
            "long-enough-pw",
            "--workspace",
            "Corner Shop",
        ]
    )
    assert out.exit_code == 0, out.output
    assert "Created workspace 'Corner Shop'" in out.output
    out = runner.invoke(
        args=[
            "create-user",
            "helper@example.com",
            "--password",
            "long-enough-pw",
            "--workspace",
            "Corner Shop",
            "--role",
            "contributor",
        ]
    )
    assert out.exit_code == 0, out.output
    ws = session.exec(select(Workspace).where(Workspace.name == "Corner Shop")).one()
    roles = dict(
        session.exec(
            select(User.email, Membership.role)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.workspace_id == ws.id)
        ).all()
    )
    assert roles == {"boss@example.com": "owner", "helper@example.com": "contributor"}
    bad = runner.invoke(args=["create-user", "x@example.com", "--password", "short"])
    assert bad.exit_code != 0 and "at least 8" in bad.output

    # A new workspace needs an owner, and the only owner cannot be demoted from here either.
    pw = ["--password", "long-enough-pw"]
    ownerless = runner.invoke(
        args=["create-user", "e@example.com", *pw, "--workspace", "New Shop", "--role", "editor"]
    )
    assert ownerless.exit_code != 0 and "a new one needs an owner" in ownerless.output
    assert session.exec(select(Workspace).where(Workspace.name == "New Shop")).first() is None
    demote = runner.invoke(
        args=[
            "create-user",
            "boss@example.com",
            *pw,
            "--workspace",
            "Corner Shop",
            "--role",
            "editor",
        ]
    )
    assert demote.exit_code != 0 and "the only owner of Corner Shop" in demote.output


def test_create_token_prints_a_working_token(app, client) -> None:
    runner = app.test_cli_runner()
    runner.invoke(
        args=["create-user", "a@example.com", "--password", "long-enough-pw", "--workspace", "A"]
    )
    out = runner.invoke(args=["create-token", "a@example.com", "--name", "script"])
    assert out.exit_code == 0
    token = out.output.strip()
    resp = client.get("/api/v1/workspaces", headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 200 and resp.get_json()["workspaces"][0]["name"] == "A"
    missing = runner.invoke(args=["create-token", "nobody@example.com"])
    assert missing.exit_code != 0 and "No user" in missing.output


def test_demo_loads_once_and_login_works(app, client, session) -> None:
    runner = app.test_cli_runner()
    out = runner.invoke(args=["demo", "--if-empty"])
    assert out.exit_code == 0 and "owner@example.com / planner-demo" in out.output
    posts = session.exec(select(func.count()).select_from(Post)).one()
    categories = set(session.exec(select(Post.category)).all())
    assert posts >= 20 and categories == {"promotional", "educational", "conversational", "curated"}
    again = runner.invoke(args=["demo", "--if-empty"])
    assert "not loaded" in again.output
    assert session.exec(select(func.count()).select_from(Post)).one() == posts
    resp = client.post("/login", data={"email": "owner@example.com", "password": "planner-demo"})
    assert resp.status_code == 302


def test_init_db_is_idempotent(app) -> None:
    runner = app.test_cli_runner()
    for _ in range(2):
        out = runner.invoke(args=["init-db"])
        assert out.exit_code == 0 and "up to date" in out.output


class _Stopped:
    def stop(self) -> None:
        """The stand-in worker has nothing to stop."""


@pytest.fixture()
def served(monkeypatch) -> list[tuple[str, int]]:
    """`planner run` and `planner web` without a real server, worker or signal handler."""
    calls: list[tuple[str, int]] = []
    monkeypatch.setattr("planner.cli._serve", lambda app, host, port: calls.append((host, port)))
    monkeypatch.setattr("planner.publishing.runner.start_background_worker", lambda app: _Stopped())
    monkeypatch.setattr("planner.cli.signal.signal", lambda *args: None)
    return calls


@pytest.mark.parametrize("command", ["run", "web"])
def test_links_in_mail_and_the_feed_use_the_port_planner_listens_on(
    command, app, client, auth, session, served
) -> None:
    assert app.config["BASE_URL"] == "http://127.0.0.1:5000"  # nothing set: the default address
    out = app.test_cli_runner().invoke(args=[command, "--port", "5101"])
    assert out.exit_code == 0, out.output
    assert served == [("127.0.0.1", 5101)]
    assert "Links in emails and the calendar feed use http://127.0.0.1:5101" in out.output
    assert post_url(app.config, 7) == "http://127.0.0.1:5101/posts/7"

    owner = auth.user()
    post = Post(
        workspace_id=owner.workspace.id,
        author_id=owner.user.id,
        body="Fresh rye tomorrow",
        category="educational",
        scheduled_at=utcnow() + timedelta(days=1),
        status="draft",
        created_at=utcnow(),
        updated_at=utcnow(),
    )
    session.add(post)
    session.commit()
    auth.login(client, owner)
    page = client.post("/settings/calendar-feed").get_data(as_text=True)
    feed = re.search(r'id="feed-url" type="text" readonly value="([^"]+)"', page).group(1)
    cal = Calendar.from_ical(client.get(feed.removeprefix("http://planner.test")).data)
    assert [str(e["URL"]) for e in cal.walk("VEVENT")] == [f"http://127.0.0.1:5101/posts/{post.id}"]


def test_a_configured_base_url_is_kept_whatever_the_port(app_config, served) -> None:
    app = create_app({**app_config, "BASE_URL": "https://planner.shop.example"})
    out = app.test_cli_runner().invoke(args=["run", "--host", "0.0.0.0", "--port", "5101"])
    assert out.exit_code == 0, out.output
    assert app.config["BASE_URL"] == "https://planner.shop.example"
    assert "Links in emails" not in out.output
    # Unset, a server on every interface is linked at loopback, IPv6 in brackets.
    for host, expected in (("0.0.0.0", "http://127.0.0.1:8080"), ("::1", "http://[::1]:8080")):
        bare = create_app(app_config)
        bare.test_cli_runner().invoke(args=["web", "--host", host, "--port", "8080"])
        assert bare.config["BASE_URL"] == expected
