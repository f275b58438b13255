"""Audit events read as sentences for people, on the post history and the activity page."""

from __future__ import annotations

import ast
from datetime import UTC, datetime
from pathlib import Path

import pytest

from planner import create_app
from planner.db import get_engine
from planner.models import AuditEvent
from planner.publishing.results import RESULT_ACTIONS
from planner.services import audit_words
from planner.services import posts as post_service
from planner.services.audit_words import Vocabulary, describe
from planner.timeutils import get_zone
from tests.factories import access_of, ahead, make_channel, make_post
from tests.fakes.smtp import FakeSmtp
from tests.review_cases import Team

LONDON = get_zone("Europe/London")
TUESDAY = datetime(2027, 1, 5, 10, 0, tzinfo=UTC)  # Tue 5 Jan 2027, 10:00 in London
PLANNER = Path(__file__).resolve().parents[2] / "planner"


def _event(action: str, detail: str = "", post_id: int | None = None) -> AuditEvent:
    return AuditEvent(workspace_id=1, action=action, detail=detail, at=TUESDAY, post_id=post_id)


def _strings(node: ast.AST) -> set[str]:
    return {
        n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)
    }


def _recorded_actions() -> set[str]:
    """Every action name the code records: the ``action=`` of each ``audit.record`` and
    ``change_status`` call, the names assigned to a variable called ``action`` (the worker picks
    one), and the delivery results."""
    found = set(RESULT_ACTIONS.values())
    for path in PLANNER.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call):
                name = getattr(node.func, "attr", getattr(node.func, "id", ""))
                if name in ("record", "change_status"):
                    for keyword in node.keywords:
                        if keyword.arg == "action":
                            found |= _strings(keyword.value)
            elif isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Tuple):
                names = [getattr(t, "id", "") for t in node.targets[0].elts]
                if "action" in names and isinstance(node.value, ast.Tuple):
                    found |= _strings(node.value.elts[names.index("action")])
    return found


def test_every_recorded_action_has_words_of_its_own() -> None:
    missing = sorted(a for a in _recorded_actions() if a not in audit_words.WORDS)
    assert missing == []


@pytest.mark.parametrize(
    ("action", "detail", "said"),
    [
        (
            "edited",
            '{"scheduled_at": ["2027-01-05T10:00:00Z", "2027-01-06T10:00:00Z"]}',
            "Moved from Tue 5 Jan 10:00 to Wed 6 Jan 10:00",
        ),
        (
            "edited",
            '{"body": "changed", "category": ["educational", "promotional"]}',
            "Rewrote the text and changed the category from Educational to Promotional",
        ),
        (
            "edited",
            '{"channels": [[1], [1, 2]]}',
            "Changed the channels from Feed to Feed and Toots",
        ),
        ("created", '{"scheduled_at": null, "channels": []}', "Created as an idea (no time yet)"),
        ("rejected", '{"comment": "Add prices"}', "Rejected: “Add prices”"),
        ("duplicated", '{"from_post_id": 7}', "Copied from “Spring hours”"),
        ("duplicated", '{"from_post_id": 99}', "Copied from a deleted post"),
        (
            "delivery_retrying",
            '{"channel_id": 2, "error": "Service busy", "next_attempt_at": "2027-01-05T10:05:00Z"}',
            "Toots did not take it; trying again at Tue 5 Jan 10:05: Service busy",
        ),
        (
            "role_changed",
            '{"user_id": 3, "from": "contributor", "to": "editor"}',
            "Made Ed editor (was contributor)",
        ),
        (
            "slot_added",
            '{"channel_id": 1, "weekday": 1, "time": "18:30"}',
            "Added a posting time: Feed, Tuesday at 18:30",
        ),
        (
            "channel_policy_changed",
            '{"channel_id": 2, "from": "inherit", "to": "own", "off": []}',
            "Gave Toots its own guardrails",
        ),
        ("media_changed", '{"media_ids": [4, 5]}', "Changed the images (2 images)"),
        ("something_new", '{"x": 1}', "Something new"),
        ("edited", "not json at all", "Edited"),
        ("edited", '{"scheduled_at": "not a pair"}', "Edited"),
    ],
)
def test_events_read_as_sentences(action: str, detail: str, said: str) -> None:
    words = Vocabulary(
        tz=LONDON, channels={1: "Feed", 2: "Toots"}, people={3: "Ed"}, posts={7: "Spring hours"}
    )
    assert describe(_event(action, detail), words) == said


def test_the_history_and_activity_pages_say_what_moved_in_words(app, auth, session) -> None:
    owner = auth.user("owner@example.com")
    feed = make_channel(session, owner.workspace)
    post = make_post(session, owner, at=TUESDAY, channels=(feed.id,), body="Spring hours")
    post_service.move_post(
        session=session,
        acc=access_of(owner),
        post_id=post.id,
        day=datetime(2027, 1, 6).date(),
        tz=LONDON,
        now=datetime(2026, 12, 1, tzinfo=UTC),
    )
    session.commit()
    web = auth.login(app.test_client(), owner)

    page = web.get(f"/posts/{post.id}").get_data(as_text=True)
    history = page.split("<h2>History</h2>")[1]
    assert "Moved from Tue 5 Jan 10:00 to Wed 6 Jan 10:00" in history
    assert "Created for Tue 5 Jan 10:00 on Feed" in history
    assert "{" not in history and "scheduled_at" not in history

    activity = web.get("/settings/activity").get_data(as_text=True)
    assert "Moved from Tue 5 Jan 10:00 to Wed 6 Jan 10:00" in activity
    assert f'<a href="/posts/{post.id}">“Spring hours”</a>' in activity
    assert "post #" not in activity and "{" not in activity.split("<h1>Activity</h1>")[1]


@pytest.fixture()
def smtp():
    with FakeSmtp() as server:
        yield server


def test_the_rejection_email_shows_the_comment_once(app_config, auth, session, smtp) -> None:
    app = create_app({**app_config, **smtp.config(), "SMTP_FROM": "planner@shop.test"})
    team = Team(auth, session)
    post = make_post(
        session, team.author, at=ahead(), channels=(team.channel.id,), status="in_review"
    )
    editor = auth.login(app.test_client(), team.editor)

    editor.post(f"/posts/{post.id}/reject", data={"comment": "Say which oils, please."})

    [mail] = smtp.received
    assert mail.text.count("Say which oils, please.") == 1
    assert "> Say which oils, please." in mail.text
    get_engine(app).dispose()
