"""First steps after registering: a checklist on the month view, ticked as the workspace fills."""

from __future__ import annotations

import re
from datetime import time

from planner.models import Invitation, PostingSlot, Role
from tests.conftest import NOW
from tests.review_cases import make_channel, make_post


def _steps(client) -> dict[str, str]:
    """Each step on the month view and whether it is ``done`` or ``todo``."""
    html = client.get("/").get_data(as_text=True)
    return dict(
        (key, state)
        for state, key in re.findall(r'<li class="(done|todo)" data-step="([a-z_]+)">', html)
    )


def test_a_new_owner_sees_four_steps_ticked_as_they_are_done(client, auth, session) -> None:
    owner = auth.user()
    auth.login(client, owner)
    page = client.get("/").get_data(as_text=True)
    assert "First steps" in page and "0 of 4 done" in page
    for href in ("/channels/new", "/slots", "/posts/new", "/import/", "/settings/members"):
        assert f'href="{href}"' in page, href
    assert _steps(client) == dict.fromkeys(
        ("channel", "posting_times", "first_posts", "invite"), "todo"
    )

    channel = make_channel(session, owner.workspace)
    assert _steps(client)["channel"] == "done"
    session.add(
        PostingSlot(
            workspace_id=owner.workspace.id,
            channel_id=channel.id,
            weekday=1,
            local_time=time(9, 0),
            created_at=NOW,
        )
    )
    session.commit()
    make_post(session, owner, at=NOW)
    assert _steps(client) == {
        "channel": "done",
        "posting_times": "done",
        "first_posts": "done",
        "invite": "todo",
    }
    assert "3 of 4 done" in client.get("/").get_data(as_text=True)
    # An invitation (even one not yet accepted) is the last step: then the list goes away.
    session.add(
        Invitation(
            workspace_id=owner.workspace.id,
            role=Role.EDITOR,
            token_hash="x" * 64,
            created_at=NOW,
            expires_at=NOW,
        )
    )
    session.commit()
    assert "First steps" not in client.get("/").get_data(as_text=True)


def test_the_owner_can_hide_the_steps_and_others_never_see_them(client, auth, session) -> None:
    owner = auth.user()
    editor = auth.user(workspace=owner.workspace, role=Role.EDITOR)
    auth.login(client, editor)
    assert "First steps" not in client.get("/").get_data(as_text=True)
    assert client.post("/onboarding/dismiss").status_code == 403
    session.refresh(owner.workspace)
    assert not (owner.workspace.settings or {}).get("onboarding_dismissed")

    client.post("/logout")
    auth.login(client, owner)
    assert "First steps" in client.get("/").get_data(as_text=True)
    resp = client.post("/onboarding/dismiss", follow_redirects=True)
    assert "First steps hidden" in resp.get_data(as_text=True)
    assert "First steps" not in client.get("/").get_data(as_text=True).replace(
        "First steps hidden", ""
    )
