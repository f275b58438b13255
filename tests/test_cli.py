from __future__ import annotations

from sqlmodel import func, select

from planner.models import Membership, Post, User, Workspace


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
