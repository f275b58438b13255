from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlmodel import select

from planner.models import AuditEvent, Delivery, Notification, Post, PostStatus
from planner.services import posts as post_service
from planner.timeutils import get_zone, to_local
from tests.conftest import ApiClient
from tests.factories import ahead, make_channel, make_post
from tests.review_cases import ACTORS, Team, expected

S = PostStatus


def _edit_form(session, post: Post, **changes) -> dict:
    local = to_local(post.scheduled_at, get_zone("Europe/London"))
    data = {
        "body": post.body + " (changed)",
        "category": post.category,
        "channels": [
            str(c)
            for c in post_service.channel_ids_for(session=session, post_ids=[post.id])[post.id]
        ],
        "date": local.date().isoformat(),
        "time": local.strftime("%H:%M"),
    }
    data.update(changes)
    return data


def _ui_call(client, session, action: str, post: Post):
    pid = post.id
    if action == "reject":
        return client.post(f"/posts/{pid}/reject", data={"comment": "Add a photo"})
    if action == "edit":
        return client.post(f"/posts/{pid}/edit", data=_edit_form(session, post))
    return client.post(f"/posts/{pid}/{action}")


def _api_call(api_client: ApiClient, action: str, post: Post):
    pid = post.id
    if action == "reject":
        return api_client.post(f"/api/v1/posts/{pid}/reject", json={"comment": "Add a photo"})
    if action == "edit":
        return api_client.patch(f"/api/v1/posts/{pid}", json={"body": post.body + " (changed)"})
    if action == "delete":
        return api_client.delete(f"/api/v1/posts/{pid}")
    return api_client.post(f"/api/v1/posts/{pid}/{action}")


@pytest.mark.parametrize("way", ["ui", "api"])
@pytest.mark.parametrize("action", ["submit", "approve", "reject", "edit", "delete"])
def test_every_status_and_role_against_each_action_over_http(
    way, action, app, auth, session
) -> None:
    team = Team(auth, session)
    callers = {}
    for actor in ACTORS:
        if way == "ui":
            callers[actor] = auth.login(app.test_client(), team.member(actor))
        else:
            callers[actor] = ApiClient(app.test_client(), auth.token(team.member(actor)))
    at = ahead()
    ok = {"ui": {302}, "api": {200, 204}}[way]
    wrong = []
    for status in PostStatus:
        for actor in ACTORS:
            post = make_post(
                session, team.author, at=at, channels=(team.channel.id,), status=status
            )
            pid = post.id
            want = expected(action, status, actor)
            if way == "ui":
                resp = _ui_call(callers[actor], session, action, post)
            else:
                resp = _api_call(callers[actor], action, post)
            session.expire_all()
            fresh = session.get(Post, pid)
            if resp.status_code in ok:
                got = "gone" if fresh is None else PostStatus(fresh.status)
            else:
                got = resp.status_code
                assert fresh.status == status, (status, actor)  # a refusal changes nothing
                body = resp.get_json() if way == "api" else None
                if way == "api":
                    code = {403: "forbidden", 409: "conflict"}.get(got)
                    assert body["error"]["code"] == code, body
                if got == 409:
                    text = body["error"]["message"] if body else resp.get_data(as_text=True)
                    assert status.value.replace("_", " ") in text
            if got != want:
                wrong.append((status.value, actor, want, got))
    assert wrong == []


def test_post_page_offers_the_buttons_each_role_may_press(app, auth, session) -> None:
    team = Team(auth, session)
    ch = (team.channel.id,)
    draft = make_post(session, team.author, at=ahead(), channels=ch)
    waiting = make_post(session, team.author, at=ahead(), channels=ch, status=S.IN_REVIEW)
    author = auth.login(app.test_client(), team.author)
    editor = auth.login(app.test_client(), team.editor)
    page = author.get(f"/posts/{draft.id}").get_data(as_text=True)
    assert "Submit for review" in page and ">Approve<" not in page
    page = author.get(f"/posts/{waiting.id}").get_data(as_text=True)
    assert "Submit for review" not in page and ">Approve<" not in page and ">Reject<" not in page
    page = editor.get(f"/posts/{waiting.id}").get_data(as_text=True)
    assert ">Approve</button>" in page and ">Reject</button>" in page
    assert '<label for="reject-comment">Comment</label>' in page
    assert 'textarea id="reject-comment" name="comment"' in page
    assert "Guardrail impact" in page
    page = editor.get(f"/posts/{draft.id}").get_data(as_text=True)
    assert ">Approve</button>" in page and ">Reject</button>" not in page  # editors may schedule


def test_contributor_story_submit_then_reject_then_rework(app, auth, session) -> None:
    team = Team(auth, session)
    post = make_post(session, team.author, at=ahead(), channels=(team.channel.id,))
    author = auth.login(app.test_client(), team.author)
    editor = auth.login(app.test_client(), team.editor)
    assert author.post(f"/posts/{post.id}/submit").status_code == 302
    # Rejecting without a comment is refused and says why.
    resp = editor.post(f"/posts/{post.id}/reject", data={"comment": ""}, follow_redirects=True)
    assert "a comment is required" in resp.get_data(as_text=True)
    session.expire_all()
    assert session.get(Post, post.id).status == "in_review"
    resp = editor.post(f"/posts/{post.id}/reject", data={"comment": "Add the new hours, please."})
    assert resp.status_code == 302
    page = author.get(f"/posts/{post.id}").get_data(as_text=True)
    assert "Add the new hours, please." in page
    assert "editor@example.com · <strong>rejected</strong>" in page  # history names the actor
    author.post(f"/posts/{post.id}/comments", data={"body": "Done, see the new text."})
    session.expire_all()
    post = session.get(Post, post.id)
    assert author.post(f"/posts/{post.id}/edit", data=_edit_form(session, post)).status_code == 302
    session.expire_all()
    assert session.get(Post, post.id).status == "draft"
    page = author.get(f"/posts/{post.id}").get_data(as_text=True)
    assert "Done, see the new text." in page and "Submit for review" in page
    actions = session.exec(select(AuditEvent.action).where(AuditEvent.post_id == post.id)).all()
    assert actions == [
        "created",
        "submitted",
        "rejected",
        "commented",
        "edited",
        "returned_to_draft",
    ]


def test_review_queue_shows_text_channels_and_guardrail_impact(app, auth, session) -> None:
    team = Team(auth, session)
    mastodon = make_channel(session, team.workspace, "Mastodon")
    at = ahead()
    first = make_post(
        session,
        team.author,
        at=at,
        channels=(mastodon.id,),
        status=S.IN_REVIEW,
        category="promotional",
        body="Half price croissants!",
        link="https://shop.example/offer",
    )
    # A second promotion that week: one alone fits 80/20's allowance (issue 12).
    make_post(
        session,
        team.author,
        at=at + timedelta(minutes=1),
        channels=(mastodon.id,),
        status=S.APPROVED,
        category="promotional",
        body="Two loaves for one",
    )
    second = make_post(
        session,
        team.editor,
        at=at + timedelta(hours=1),
        channels=(team.channel.id,),
        status=S.IN_REVIEW,
        body="How do you take your coffee?",
        category="conversational",
    )
    make_post(session, team.author, at=at, channels=(team.channel.id,), body="Still a draft")
    make_post(session, team.author, at=at, status=S.EXPIRED, body="Too late for Easter")
    owner = auth.login(app.test_client(), team.owner)
    nav = owner.get("/").get_data(as_text=True)
    assert (
        'href="/review"' in nav
        and '<span class="badge">2<span class="visually-hidden"> waiting' in nav
    )
    page = owner.get("/review").get_data(as_text=True)
    assert "Still a draft" not in page
    expired_part = page[page.index("Expired: give these a new time") :]
    assert "Too late for Easter" in expired_part and "Reschedule" in expired_part
    assert page.index("Half price croissants!") < page.index("How do you take your coffee?")
    assert "Half price croissants!\nhttps://shop.example/offer" in page  # as it will appear
    assert "As it will appear on Mastodon" in page
    assert "Guardrail impact" in page
    assert "Approving this: 2 of 2 posts on Mastodon in the week of" in page
    assert "are promotional; 80/20 allows 1." in page
    assert page.count('name="post_ids"') == 2 and "Approve selected" in page
    filtered = owner.get(f"/review?channel={team.channel.id}").get_data(as_text=True)
    assert "How do you take your coffee?" in filtered and "Half price" not in filtered
    filtered = owner.get(f"/review?author={team.author.user.id}").get_data(as_text=True)
    assert "Half price" in filtered and "coffee" not in filtered
    # Contributors may look at the queue but get no buttons.
    author = auth.login(app.test_client(), team.author)
    page = author.get("/review").get_data(as_text=True)
    assert "Half price" in page and "Approve selected" not in page and ">Approve<" not in page
    assert first.id and second.id


def test_bulk_approval_approves_the_ticked_posts(app, auth, session) -> None:
    team = Team(auth, session)
    at = ahead()
    ch = (team.channel.id,)
    a = make_post(session, team.author, at=at, channels=ch, status=S.IN_REVIEW)
    b = make_post(session, team.author, at=at + timedelta(hours=2), channels=ch, status=S.IN_REVIEW)
    c = make_post(session, team.author, at=at + timedelta(hours=4), channels=ch, status=S.IN_REVIEW)
    editor = auth.login(app.test_client(), team.editor)
    resp = editor.post(
        "/review/approve", data={"post_ids": [str(a.id), str(c.id)], "next": "/review"}
    )
    assert resp.status_code == 302 and resp.headers["Location"] == "/review"
    session.expire_all()
    assert [session.get(Post, p.id).status for p in (a, b, c)] == [
        "approved",
        "in_review",
        "approved",
    ]
    assert len(session.exec(select(Delivery)).all()) == 2
    assert "Approved 2 posts." in editor.get("/review").get_data(as_text=True)
    # A contributor's bulk approval approves nothing.
    author = auth.login(app.test_client(), team.author)
    author.post("/review/approve", data={"post_ids": [str(b.id)]})
    session.expire_all()
    assert session.get(Post, b.id).status == "in_review"


def test_blocked_approval_and_owner_override_in_the_ui(app, auth, session) -> None:
    team = Team(auth, session)
    team.workspace.policy = {"severity": {"max_share": "block"}}
    session.add(team.workspace)
    session.commit()
    # The week's second promotion: one alone fits 80/20's allowance (issue 12).
    make_post(
        session,
        team.author,
        at=ahead() + timedelta(minutes=1),
        channels=(team.channel.id,),
        status=S.APPROVED,
        category="promotional",
    )
    post = make_post(
        session,
        team.author,
        at=ahead(),
        channels=(team.channel.id,),
        status=S.IN_REVIEW,
        category="promotional",
    )
    editor = auth.login(app.test_client(), team.editor)
    page = editor.post(f"/posts/{post.id}/approve", follow_redirects=True).get_data(as_text=True)
    assert "breaks a guardrail set to block" in page and "An owner can approve it anyway" in page
    assert "Reason for overriding the guardrail" not in page  # editors cannot override
    owner = auth.login(app.test_client(), team.owner)
    page = owner.get(f"/posts/{post.id}").get_data(as_text=True)
    assert "Blocks approval." in page and "Reason for overriding the guardrail" in page
    resp = owner.post(
        f"/posts/{post.id}/approve", data={"override_reason": "Opening day, agreed with the team."}
    )
    assert resp.status_code == 302
    session.expire_all()
    assert session.get(Post, post.id).status == "approved"
    page = owner.get(f"/posts/{post.id}").get_data(as_text=True)
    assert "Approved over a guardrail" in page and "Opening day, agreed with the team." in page


def test_notifications_bell_page_and_mark_read(app, auth, session) -> None:
    team = Team(auth, session)
    ch = (team.channel.id,)
    one = make_post(session, team.author, at=ahead(), channels=ch, body="First idea")
    two = make_post(session, team.author, at=ahead(), channels=ch, body="Second idea")
    author = auth.login(app.test_client(), team.author)
    author.post(f"/posts/{one.id}/submit")
    author.post(f"/posts/{two.id}/submit")
    owner = auth.login(app.test_client(), team.owner)
    top = owner.get("/").get_data(as_text=True)
    assert '<span class="badge">2<span class="visually-hidden"> unread' in top
    page = owner.get("/notifications/").get_data(as_text=True)
    assert "submitted “First idea” for review." in page and f'href="/posts/{one.id}"' in page
    first = session.exec(
        select(Notification).where(
            Notification.user_id == team.owner.user.id, Notification.post_id == one.id
        )
    ).one()
    # Someone else's notification does not exist for you.
    assert author.post(f"/notifications/{first.id}/read").status_code == 404
    assert owner.post(f"/notifications/{first.id}/read").status_code == 302
    top = owner.get("/").get_data(as_text=True)
    assert '<span class="badge">1<span class="visually-hidden"> unread' in top
    owner.post("/notifications/read-all")
    top = owner.get("/notifications/").get_data(as_text=True)
    assert "unread</span>" not in top and "Mark all read" not in top


def test_owner_turns_on_second_pair_of_eyes(app, auth, session) -> None:
    team = Team(auth, session)
    own = make_post(
        session, team.owner, at=ahead(), channels=(team.channel.id,), status=S.IN_REVIEW
    )
    owner = auth.login(app.test_client(), team.owner)
    page = owner.get("/settings/").get_data(as_text=True)
    assert "Second pair of eyes" in page and 'name="second_pair_of_eyes"' in page
    resp = owner.post(
        "/settings/",
        data={"name": "Shop", "timezone": "Europe/London", "second_pair_of_eyes": "y"},
    )
    assert resp.status_code == 302
    session.expire_all()
    assert session.get(type(team.workspace), team.workspace.id).settings == {
        "second_pair_of_eyes": True
    }
    page = owner.get(f"/posts/{own.id}").get_data(as_text=True)
    assert "someone else must approve this post" in page and ">Approve</button>" not in page
    # Hidden is not enough: the server refuses too, on every way in.
    assert owner.post(f"/posts/{own.id}/approve").status_code == 403
    api = ApiClient(app.test_client(), auth.token(team.owner))
    assert api.post(f"/api/v1/posts/{own.id}/approve").status_code == 403
    editor = auth.login(app.test_client(), team.editor)
    assert editor.post("/settings/", data={"name": "Mine", "timezone": "UTC"}).status_code == 403
    assert editor.post(f"/posts/{own.id}/approve").status_code == 302
    session.expire_all()
    assert session.get(Post, own.id).status == "approved"


def test_api_review_actions_comments_and_history(app, auth, session) -> None:
    team = Team(auth, session)
    post = make_post(session, team.author, at=ahead(), channels=(team.channel.id,))
    author = ApiClient(app.test_client(), auth.token(team.author))
    editor = ApiClient(app.test_client(), auth.token(team.editor))
    resp = author.post(f"/api/v1/posts/{post.id}/submit")
    assert resp.status_code == 200 and resp.get_json()["status"] == "in_review"
    assert resp.get_json()["id"] == post.id and "warnings" in resp.get_json()
    resp = editor.post(f"/api/v1/posts/{post.id}/reject", json={})
    assert resp.status_code == 422 and resp.get_json()["error"]["fields"] == {
        "comment": "Say what should change: a comment is required."
    }
    resp = editor.post(f"/api/v1/posts/{post.id}/reject", json={"comment": 5})
    assert resp.status_code == 422
    resp = editor.post(f"/api/v1/posts/{post.id}/reject", json={"comment": "Shorter, please."})
    assert resp.status_code == 200 and resp.get_json()["status"] == "rejected"
    resp = author.post(f"/api/v1/posts/{post.id}/comments", json={"body": "Will do."})
    assert resp.status_code == 201
    assert set(resp.get_json()) == {"id", "post_id", "author_id", "body", "created_at"}
    listed = author.get(f"/api/v1/posts/{post.id}/comments").get_json()["comments"]
    assert [(c["author_id"], c["body"]) for c in listed] == [
        (team.editor.user.id, "Shorter, please."),
        (team.author.user.id, "Will do."),
    ]
    assert author.post(f"/api/v1/posts/{post.id}/comments", json={"body": " "}).status_code == 422
    history = author.get(f"/api/v1/posts/{post.id}/history").get_json()["history"]
    assert [(h["action"], h["actor_id"]) for h in history] == [
        ("created", team.author.user.id),
        ("submitted", team.author.user.id),
        ("rejected", team.editor.user.id),
        ("commented", team.author.user.id),
    ]
    assert history[2]["detail"] == {"comment": "Shorter, please."}
    assert set(history[0]) == {"at", "actor_id", "action", "detail"}
    assert history[0]["at"].endswith("Z") or history[0]["at"].endswith("+00:00")
    # Another workspace's post does not exist for this token.
    stranger = auth.user("stranger@example.com")
    outsider = ApiClient(app.test_client(), auth.token(stranger))
    for path in ("submit", "approve", "reject", "comments", "history"):
        method = outsider.get if path in ("history",) else outsider.post
        assert method(f"/api/v1/posts/{post.id}/{path}").status_code == 404


def test_api_blocking_guardrail_lists_the_warnings_and_owner_overrides(app, auth, session) -> None:
    team = Team(auth, session)
    team.workspace.policy = {"severity": {"max_share": "block"}}
    session.add(team.workspace)
    session.commit()
    # The week's second promotion: one alone fits 80/20's allowance (issue 12).
    make_post(
        session,
        team.author,
        at=ahead() + timedelta(minutes=1),
        channels=(team.channel.id,),
        status=S.APPROVED,
        category="promotional",
    )
    post = make_post(
        session,
        team.author,
        at=ahead(),
        channels=(team.channel.id,),
        status=S.IN_REVIEW,
        category="promotional",
    )
    editor = ApiClient(app.test_client(), auth.token(team.editor))
    owner = ApiClient(app.test_client(), auth.token(team.owner))
    resp = editor.post(f"/api/v1/posts/{post.id}/approve")
    assert resp.status_code == 409
    error = resp.get_json()["error"]
    assert error["code"] == "guardrail_blocked" and error["fields"] == {}
    assert error["warnings"] and {w["severity"] for w in error["warnings"]} == {"block"}
    assert all(post.id in w["post_ids"] for w in error["warnings"])
    assert error["warnings"][0]["message"] in error["message"]
    resp = editor.post(f"/api/v1/posts/{post.id}/approve", json={"override_reason": "Please"})
    assert resp.status_code == 403
    resp = owner.post(f"/api/v1/posts/{post.id}/approve", json={"override_reason": "Launch day"})
    assert resp.status_code == 200 and resp.get_json()["status"] == "approved"
    history = owner.get(f"/api/v1/posts/{post.id}/history").get_json()["history"]
    override = [h for h in history if h["action"] == "guardrail_override"]
    assert override[0]["actor_id"] == team.owner.user.id
    assert override[0]["detail"]["reason"] == "Launch day"


def test_workspace_activity_lists_every_step_newest_first(app, auth, session) -> None:
    team = Team(auth, session)
    post = make_post(session, team.author, at=ahead(), channels=(team.channel.id,))
    author = auth.login(app.test_client(), team.author)
    editor = auth.login(app.test_client(), team.editor)
    assert author.post(f"/posts/{post.id}/submit").status_code == 302
    assert (
        editor.post(f"/posts/{post.id}/reject", data={"comment": "Add prices"}).status_code == 302
    )

    owner = auth.login(app.test_client(), team.owner)
    page = owner.get("/settings/activity").get_data(as_text=True)

    steps = re.findall(r" · ([^·<]+?) · <strong>([^<]+)</strong>", page)
    assert steps[:3] == [
        ("editor@example.com", "rejected"),
        ("author@example.com", "submitted"),
        ("author@example.com", "created"),
    ]
    assert f'href="/posts/{post.id}"' in page and "Add prices" in page
