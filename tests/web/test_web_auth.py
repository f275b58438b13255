from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from flask import Flask
from sqlmodel import select
from werkzeug.security import generate_password_hash

from planner.models import Membership, Role, User, Workspace
from planner.services import accounts
from planner.web.context import local_url
from tests.conftest import TEST_PASSWORD


def _rules(app: Flask):
    for rule in app.url_map.iter_rules():
        if rule.endpoint in {
            "static",
            "auth.login",
            "auth.register",
            "auth.invite",
            "health.healthz",
            "feeds.ics",
            "media.signed",  # by signed, expiring link (tests/media/test_media_api.py)
        }:
            continue
        if rule.endpoint.startswith("api."):
            continue
        yield rule


def _fill(rule) -> str:
    return re.sub(r"<(?:\w+:)?(\w+)>", "1", rule.rule)


def test_every_page_redirects_an_anonymous_visitor_to_login(app, client) -> None:
    checked = 0
    for rule in _rules(app):
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            resp = client.open(_fill(rule), method=method)
            assert resp.status_code == 302, (rule.rule, method, resp.status_code)
            assert resp.headers["Location"].split("?")[0].endswith("/login"), rule.rule
            checked += 1
    assert checked > 25


def test_every_api_route_refuses_without_a_token(app, client) -> None:
    checked = 0
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("api."):
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            resp = client.open(_fill(rule), method=method, json={})
            assert resp.status_code == 401, (rule.rule, method)
            assert resp.get_json()["error"]["code"] == "unauthorized"
            checked += 1
    assert checked >= 9


def test_public_pages_answer_without_login(client) -> None:
    assert client.get("/login").status_code == 200
    assert client.get("/register").status_code == 200
    health = client.get("/healthz")
    assert health.status_code == 200 and health.get_json() == {"status": "ok"}


def test_register_creates_owner_and_workspace_and_logs_in(client, session) -> None:
    resp = client.post(
        "/register",
        data={
            "name": "Ana",
            "email": "Ana@Example.com",
            "password": "long-enough-pw",
            "workspace": "Ana's Plants",
            "timezone": "America/New_York",
        },
    )
    assert resp.status_code == 302
    user = session.exec(select(User).where(User.email == "ana@example.com")).one()
    ws = session.exec(select(Workspace).where(Workspace.name == "Ana's Plants")).one()
    member = session.exec(
        select(Membership).where(Membership.user_id == user.id, Membership.workspace_id == ws.id)
    ).one()
    assert member.role == Role.OWNER and ws.timezone == "America/New_York"
    assert (
        user.password_hash.startswith("pbkdf2:sha256:")
        and "long-enough-pw" not in user.password_hash
    )
    assert client.get("/").status_code == 200


def test_failed_registration_keeps_what_was_typed(client) -> None:
    resp = client.post(
        "/register",
        data={
            "name": "Ana",
            "email": "ana@example.com",
            "password": "short",
            "workspace": "Ana's Plants",
            "timezone": "Europe/Paris",
        },
    )
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert 'value="ana@example.com"' in html
    assert "Ana&#39;s Plants" in html
    assert "Use at least 8 characters." in html
    assert '<option selected value="Europe/Paris">' in html


def test_duplicate_email_is_refused_next_to_the_field(client, auth) -> None:
    member = auth.user("taken@example.com")
    resp = client.post(
        "/register",
        data={
            "email": member.user.email,
            "password": "long-enough-pw",
            "workspace": "X",
            "timezone": "UTC",
        },
    )
    assert resp.status_code == 422
    assert "already exists" in resp.get_data(as_text=True)


def test_login_renews_session_and_logout_ends_it(client, auth) -> None:
    member = auth.user()
    with client.session_transaction() as sess:
        sess["planted"] = "by-attacker"
    resp = client.post("/login", data={"email": member.user.email, "password": TEST_PASSWORD})
    assert resp.status_code == 302
    with client.session_transaction() as sess:
        assert "planted" not in sess
        assert sess.get("_user_id") == f"{member.user.id}:0"  # id and session generation
    assert client.get("/").status_code == 200
    assert client.get("/logout").status_code == 405  # no state change on GET
    client.post("/logout")
    assert client.get("/").status_code == 302


def test_wrong_password_is_refused_and_repeated_failures_are_throttled(client, auth) -> None:
    member = auth.user()
    for _ in range(5):
        resp = client.post(
            "/login", data={"email": member.user.email, "password": "wrong-password"}
        )
        assert resp.status_code == 401
        assert "Email or password is not right." in resp.get_data(as_text=True)
    resp = client.post("/login", data={"email": member.user.email, "password": TEST_PASSWORD})
    assert resp.status_code == 429
    assert "Too many failed attempts" in resp.get_data(as_text=True)


def test_parallel_guesses_get_no_more_password_checks_than_the_limit(
    app, auth, session, monkeypatch
) -> None:
    member = auth.user()
    # A slower hash widens the gap a read-then-write count would leave open.
    member.user.password_hash = generate_password_hash(TEST_PASSWORD, "pbkdf2:sha256:60000")
    session.add(member.user)
    session.commit()
    checks = []
    real_check = accounts.check_password_hash
    monkeypatch.setattr(
        accounts, "check_password_hash", lambda h, p: checks.append(1) or real_check(h, p)
    )
    barrier = threading.Barrier(60)

    def guess(n: int) -> int:
        client = app.test_client()
        barrier.wait()
        return client.post(
            "/login", data={"email": member.user.email, "password": f"guess-{n}"}
        ).status_code

    with ThreadPoolExecutor(max_workers=60) as pool:
        codes = list(pool.map(guess, range(60)))
    assert len(checks) == 5
    assert sorted(codes) == [401] * 5 + [429] * 55


def test_failures_are_also_counted_per_client_address(app, client, auth) -> None:
    app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"] = 3
    member = auth.user()
    here = {"REMOTE_ADDR": "203.0.113.7"}
    for n in range(3):
        resp = client.post(
            "/login",
            data={"email": f"nobody{n}@example.com", "password": "wrong-password"},
            environ_base=here,
        )
        assert resp.status_code == 401
    right = {"email": member.user.email, "password": TEST_PASSWORD}
    assert client.post("/login", data=right, environ_base=here).status_code == 429
    elsewhere = {"REMOTE_ADDR": "198.51.100.9"}
    assert client.post("/login", data=right, environ_base=elsewhere).status_code == 302


def test_a_success_gives_the_address_its_attempt_back(app, client, auth) -> None:
    app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"] = 2
    member = auth.user()
    right = {"email": member.user.email, "password": TEST_PASSWORD}
    for _ in range(4):
        assert app.test_client().post("/login", data=right).status_code == 302


def test_an_unknown_email_costs_a_hash_of_the_configured_strength(app, client, monkeypatch) -> None:
    app.config["PASSWORD_HASH_METHOD"] = "pbkdf2:sha256:2345"
    hashes = []
    real_check = accounts.check_password_hash
    monkeypatch.setattr(
        accounts, "check_password_hash", lambda h, p: hashes.append(h) or real_check(h, p)
    )
    resp = client.post("/login", data={"email": "nobody@example.com", "password": "whatever-1"})
    assert resp.status_code == 401
    assert [h.split("$")[0] for h in hashes] == ["pbkdf2:sha256:2345"]


def test_login_next_parameter_cannot_redirect_offsite(client, auth) -> None:
    member = auth.user()
    resp = client.post(
        "/login?next=https://evil.example/",
        data={"email": member.user.email, "password": TEST_PASSWORD},
    )
    assert resp.headers["Location"] == "/"
    client.post("/logout")
    resp = client.post(
        "/login?next=/list", data={"email": member.user.email, "password": TEST_PASSWORD}
    )
    assert resp.headers["Location"] == "/list"


@pytest.mark.parametrize(
    "target",
    [
        "/\t/evil.example",
        "/%09/evil.example",
        "/\n/evil.example",
        "/\r\n/evil.example",
        "\t//evil.example",
        "/\\evil.example",
        "/\t\\evil.example",
        "https:/\t/evil.example",
        "/list\r\nSet-Cookie: x=1",
    ],
)
def test_login_next_with_tabs_newlines_or_backslashes_stays_on_site(client, auth, target) -> None:
    member = auth.user()
    resp = client.post(
        "/login",
        query_string={"next": target},
        data={"email": member.user.email, "password": TEST_PASSWORD},
    )
    assert resp.status_code == 302
    location = resp.headers["Location"]
    assert location.startswith("/") and not location.startswith("//"), location
    assert "\\" not in location and "\n" not in location and "\t" not in location


def test_login_next_with_a_nul_is_refused_without_a_redirect(client, auth) -> None:
    """A NUL byte is refused at the boundary for every request, so nothing redirects anywhere."""
    member = auth.user()
    resp = client.post(
        "/login",
        query_string={"next": "/\x00/evil.example"},
        data={"email": member.user.email, "password": TEST_PASSWORD},
    )
    assert resp.status_code == 422 and "Location" not in resp.headers


def test_a_buttons_next_field_cannot_leave_the_site(client, auth) -> None:
    auth.login(client, auth.user())
    for target in ("/\t/evil.example", "/\n/evil.example", "/\\evil.example"):
        resp = client.post("/review/approve", data={"next": target})
        assert resp.status_code == 302
        assert resp.headers["Location"] == "/review"


@pytest.mark.parametrize(
    ("target", "local"),
    [
        ("/list?q=a", "/list?q=a"),
        ("/li\tst", "/list"),
        ("/\t/evil.example", None),
        ("/\\evil.example", None),
        ("//evil.example", None),
        ("https://evil.example/", None),
        ("javascript:alert(1)", None),
        ("list", None),
        ("/\x7f", None),
        ("", None),
        (None, None),
    ],
)
def test_local_url(target, local) -> None:
    assert local_url(target) == local


def test_change_password(client, auth) -> None:
    member = auth.user()
    auth.login(client, member)
    bad = client.post(
        "/settings/password",
        data={
            "current_password": "nope",
            "new_password": "new-password-1",
            "confirm": "new-password-1",
        },
    )
    assert bad.status_code == 422 and "not your current password" in bad.get_data(as_text=True)
    ok = client.post(
        "/settings/password",
        data={
            "current_password": TEST_PASSWORD,
            "new_password": "new-password-1",
            "confirm": "new-password-1",
        },
    )
    assert ok.status_code == 302
    client.post("/logout")
    assert (
        client.post(
            "/login", data={"email": member.user.email, "password": "new-password-1"}
        ).status_code
        == 302
    )


def _copy_cookie(app: Flask, client):
    """Another browser holding a copy of *client*'s session cookie (a stolen cookie)."""
    host = app.config["SERVER_NAME"]
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session", domain=host).value, domain=host)
    return thief


def test_logout_ends_a_copied_session_cookie(app, client, auth) -> None:
    member = auth.user()
    auth.login(client, member)
    thief = _copy_cookie(app, client)
    assert thief.get("/").status_code == 200
    client.post("/logout")
    assert thief.get("/").status_code == 302
    auth.login(client, member)  # logging in again works, with a new generation
    assert client.get("/").status_code == 200
    assert thief.get("/").status_code == 302


def _change_password(client, **extra):
    data = {
        "current_password": TEST_PASSWORD,
        "new_password": "new-password-1",
        "confirm": "new-password-1",
        **extra,
    }
    return client.post("/settings/password", data=data)


def test_password_change_ends_other_sessions_keeps_this_one_and_tokens_unless_asked(
    app, client, auth, api
) -> None:
    member = auth.user()
    auth.login(client, member)
    other_device = _copy_cookie(app, client)
    token_api = api(member)
    page = client.get("/settings/password").get_data(as_text=True)
    assert "API tokens keep working until you revoke them" in page
    assert 'name="revoke_tokens"' in page
    assert _change_password(client).status_code == 302
    assert client.get("/").status_code == 200
    assert other_device.get("/").status_code == 302
    assert token_api.get("/api/v1/workspaces").status_code == 200


def test_password_change_can_revoke_every_api_token(client, auth, api) -> None:
    member = auth.user()
    auth.login(client, member)
    token_api = api(member)
    assert token_api.get("/api/v1/workspaces").status_code == 200
    assert _change_password(client, revoke_tokens="y").status_code == 302
    assert token_api.get("/api/v1/workspaces").status_code == 401


@pytest.fixture()
def csrf_client(app):
    app.config["WTF_CSRF_ENABLED"] = True
    return app.test_client()


def test_form_posts_without_csrf_token_are_refused(csrf_client, auth) -> None:
    member = auth.user()
    # Even the login form needs its token.
    resp = csrf_client.post("/login", data={"email": member.user.email, "password": TEST_PASSWORD})
    assert resp.status_code == 400
    page = csrf_client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    resp = csrf_client.post(
        "/login", data={"email": member.user.email, "password": TEST_PASSWORD, "csrf_token": token}
    )
    assert resp.status_code == 302
    for path, data in [
        ("/posts/new", {"body": "hello", "category": "educational"}),
        ("/logout", {}),
        ("/settings/members/invite", {"role": "editor"}),
        ("/channels/new", {"name": "Out", "platform": "outbox"}),
    ]:
        resp = csrf_client.post(path, data=data)
        assert resp.status_code == 400, path
        assert "expired" in resp.get_data(as_text=True)
    assert csrf_client.get("/").status_code == 200  # still logged in: logout was refused too


@pytest.mark.parametrize("field", ["name", "workspace"])
def test_registration_refuses_a_line_break_in_a_name(client, session, field: str) -> None:
    data = {
        "name": "Ana",
        "email": "ana@example.com",
        "password": "long-enough-pw",
        "workspace": "Ana's Plants",
        "timezone": "UTC",
    }
    resp = client.post("/register", data={**data, field: "Mallory\r\nBcc: x@evil.test"})
    assert resp.status_code == 422
    assert "without line breaks or control characters" in resp.get_data(as_text=True)
    assert session.exec(select(User)).all() == []


ONE_LINE = "Use one line of plain text, without line breaks or control characters."


@pytest.mark.parametrize(
    ("path", "body", "message"),
    [
        ("/api/v1/workspaces", {"name": "Shop\nBcc: x@evil.test", "timezone": "UTC"}, ONE_LINE),
        ("/api/v1/workspaces/{wid}/channels", {"name": "Feed\r\n", "platform": "outbox"}, ONE_LINE),
        # A NUL is refused by the JSON reader before any field check sees it.
        (
            "/api/v1/workspaces/{wid}/channels",
            {"name": "Fe\x00ed", "platform": "outbox"},
            "Remove the NUL character.",
        ),
    ],
)
def test_api_names_refuse_control_characters(
    auth, api, session, path: str, body, message: str
) -> None:
    member = auth.user()
    resp = api(member).post(path.format(wid=member.workspace.id), body)
    assert resp.status_code == 422, resp.data[:300]
    assert resp.get_json()["error"]["fields"] == {"name": message}
    assert len(session.exec(select(Workspace)).all()) == 1


def test_renaming_the_workspace_refuses_a_line_break(client, auth, session) -> None:
    member = auth.user()
    auth.login(client, member)
    resp = client.post("/settings/", data={"name": "Shop\r\nBcc: x", "timezone": "Europe/London"})
    assert resp.status_code == 200
    assert "without line breaks" in resp.get_data(as_text=True)
    session.expire_all()
    assert session.get(Workspace, member.workspace.id).name == "Shop"
