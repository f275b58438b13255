from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import select

from planner.models import AuditEvent, Post, PostChannel, Role
from tests.conftest import NOW
from tests.factories import make_channel, make_post

# The time a post made by a test here is planned for, unless the test says otherwise.
MARCH_10 = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


def test_create_post_in_workspace_zone_stores_utc(client, auth, session) -> None:
    owner = auth.user(timezone="America/New_York")
    ch = make_channel(session, owner.workspace)
    auth.login(client, owner)
    resp = client.post(
        "/posts/new",
        data={
            "body": "Spring hours start Monday",
            "category": "educational",
            "channels": [str(ch.id)],
            "date": "2026-03-09",
            "time": "09:30",
            "link": "https://shop.example/hours",
        },
    )
    assert resp.status_code == 302
    post = session.exec(select(Post)).one()
    # 9 March 2026 is after the US switch to EDT (UTC-4).
    assert post.scheduled_at == datetime(2026, 3, 9, 13, 30, tzinfo=UTC)
    assert post.status == "draft" and post.author_id == owner.user.id
    assert session.exec(select(PostChannel.channel_id)).all() == [ch.id]
    events = session.exec(select(AuditEvent).where(AuditEvent.post_id == post.id)).all()
    assert [e.action for e in events] == ["created"]
    page = client.get(f"/posts/{post.id}").get_data(as_text=True)
    assert "Monday 9 March 2026, 09:30" in page


def test_failed_post_form_keeps_everything_typed(client, auth, session) -> None:
    owner = auth.user()
    ch = make_channel(session, owner.workspace)
    auth.login(client, owner)
    resp = client.post(
        "/posts/new",
        data={
            "body": "Keep me 🙂",
            "category": "curated",
            "channels": [str(ch.id)],
            "date": "2026-03-09",
            "time": "",
            "link": "not a link",
        },
    )
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert "Keep me 🙂" in html
    assert '<option selected value="curated">' in html
    assert f'value="{ch.id}" data-platform="outbox" checked' in html
    assert 'value="2026-03-09"' in html and 'value="not a link"' in html
    assert "Choose a time" in html
    assert session.exec(select(Post)).all() == []


def test_invalid_link_is_reported_next_to_the_field(client, auth, session) -> None:
    owner = auth.user()
    auth.login(client, owner)
    resp = client.post(
        "/posts/new", data={"body": "x", "category": "curated", "link": "ftp://files"}
    )
    assert resp.status_code == 422
    assert "full web address" in resp.get_data(as_text=True)


def test_idea_without_date_goes_to_ideas(client, auth, session) -> None:
    owner = auth.user()
    auth.login(client, owner)
    resp = client.post(
        "/posts/new", data={"body": "Ask about favourite breads", "category": "conversational"}
    )
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/ideas")
    assert "Ask about favourite breads" in client.get("/ideas").get_data(as_text=True)
    assert session.exec(select(Post)).one().scheduled_at is None


def test_edit_records_what_changed(client, auth, session) -> None:
    owner = auth.user()
    post = make_post(session, owner, at=MARCH_10, body="Hello")
    auth.login(client, owner)
    form = client.get(f"/posts/{post.id}/edit").get_data(as_text=True)
    assert 'value="2026-03-10"' in form and 'value="09:00"' in form
    resp = client.post(
        f"/posts/{post.id}/edit",
        data={"body": "Hello", "category": "promotional", "date": "2026-03-10", "time": "09:00"},
    )
    assert resp.status_code == 302
    session.expire_all()
    assert session.get(Post, post.id).category == "promotional"
    edit = session.exec(select(AuditEvent).where(AuditEvent.action == "edited")).one()
    assert '"category": ["educational", "promotional"]' in edit.detail


def test_duplicate_and_delete(client, auth, session) -> None:
    owner = auth.user()
    ch = make_channel(session, owner.workspace)
    post = make_post(session, owner, at=MARCH_10, channels=[ch.id], body="Hello")
    auth.login(client, owner)
    resp = client.post(f"/posts/{post.id}/duplicate")
    assert resp.status_code == 302
    posts = session.exec(select(Post).order_by(Post.id)).all()
    assert len(posts) == 2 and posts[1].body == posts[0].body
    assert session.exec(
        select(PostChannel.channel_id).where(PostChannel.post_id == posts[1].id)
    ).all() == [ch.id]
    pid = post.id
    assert client.post(f"/posts/{pid}/delete").status_code == 302
    session.expunge_all()
    assert session.get(Post, pid) is None
    # The audit trail outlives the post.
    actions = session.exec(select(AuditEvent.action).where(AuditEvent.post_id == pid)).all()
    assert actions == ["created", "deleted"]


def test_move_keeps_local_time_across_dst(client, auth, session, monkeypatch) -> None:
    monkeypatch.setattr("planner.web.posts.utcnow", lambda: NOW)  # 4 March: the 31st is ahead
    owner = auth.user(timezone="Europe/London")
    # Friday 27 March 2026 10:00 GMT; move to Tuesday 31 March (BST): still 10:00 local.
    post = make_post(session, owner, at=datetime(2026, 3, 27, 10, 0, tzinfo=UTC), body="Hello")
    auth.login(client, owner)
    resp = client.post(f"/posts/{post.id}/move", json={"date": "2026-03-31"})
    assert resp.status_code == 200
    assert resp.get_json() == {
        "ok": True,
        "post_id": post.id,
        "date": "2026-03-31",
        "time": "10:00",
    }
    session.expire_all()
    assert session.get(Post, post.id).scheduled_at == datetime(2026, 3, 31, 9, 0, tzinfo=UTC)
    bad = client.post(f"/posts/{post.id}/move", json={"date": "31/03"})
    assert bad.status_code == 422 and bad.get_json()["error"]["fields"] == {"date": "Not a date."}


def test_move_to_a_past_day_is_refused_and_changes_nothing(
    client, auth, session, monkeypatch
) -> None:
    monkeypatch.setattr("planner.web.posts.utcnow", lambda: NOW)  # Wednesday 4 March, noon
    owner = auth.user(timezone="Europe/London")
    post = make_post(session, owner, at=datetime(2026, 3, 10, 9, 0, tzinfo=UTC), body="Hello")
    auth.login(client, owner)
    for day in ("2026-03-03", "2026-03-04"):  # yesterday, and today at 09:00 (before noon)
        resp = client.post(f"/posts/{post.id}/move", json={"date": day})
        assert resp.status_code == 422, day
        error = resp.get_json()["error"]
        assert error["fields"] == {"date": "A day in the past."}
        assert "has already passed" in error["message"]
    form = client.post(f"/posts/{post.id}/move", data={"date": "2026-03-03"})
    assert form.status_code == 302
    assert "has already passed" in client.get(form.location).get_data(as_text=True)
    session.expire_all()
    assert session.get(Post, post.id).scheduled_at == datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
    events = session.exec(select(AuditEvent).where(AuditEvent.post_id == post.id)).all()
    assert [e.action for e in events] == ["created"]


def test_script_in_post_body_is_shown_as_text_everywhere(client, auth, session, api) -> None:
    owner = auth.user()
    evil = "<script>alert(1)</script>"
    post = make_post(session, owner, at=MARCH_10, body=evil, link="https://x.example/?q=<b>")
    idea = make_post(session, owner, at=None, body=evil + " idea")
    post.status = "in_review"  # so the review queue shows it too
    session.add(post)
    session.commit()
    auth.login(client, owner)
    shown = [
        "/?month=2026-03",
        "/week?date=2026-03-10",
        "/list",
        "/ideas",
        f"/posts/{post.id}",
        f"/posts/{post.id}/edit",
        f"/posts/{idea.id}",
        "/review",
        "/print?month=2026-03",
    ]
    for path in ["/", *shown, "/settings/activity", "/publishing/", "/notifications/", "/plan"]:
        html = client.get(path, follow_redirects=True).get_data(as_text=True)
        assert "<script>alert(1)</script>" not in html, path
    for path in shown:
        html = client.get(path).get_data(as_text=True)
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, path
    data = api(owner).get(f"/api/v1/posts/{post.id}").get_json()
    assert data["body"] == evil  # JSON carries it verbatim; the content type is JSON, not HTML
    csp = client.get("/").headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp


def test_contributor_edits_only_own_drafts(client, auth, session) -> None:
    owner = auth.user()
    helper = auth.user(workspace=owner.workspace, role=Role.CONTRIBUTOR)
    theirs = make_post(session, owner, at=MARCH_10, body="Hello")
    mine = make_post(session, helper, at=MARCH_10, body="Hello")
    auth.login(client, helper)
    assert client.get(f"/posts/{theirs.id}/edit").status_code == 403
    assert client.post(f"/posts/{theirs.id}/delete").status_code == 403
    assert client.get(f"/posts/{mine.id}/edit").status_code == 200
    assert client.get(f"/posts/{theirs.id}").status_code == 200  # may read the team's plan
