from __future__ import annotations

import re
from datetime import timedelta

from sqlmodel import select

from planner.models import Channel, Membership, Role, Workspace
from planner.publishing import policy
from planner.services import recurrence
from tests.factories import make_channel


def test_contributor_and_editor_cannot_manage_members_or_channels(client, auth, session) -> None:
    owner = auth.user()
    ch = make_channel(session, owner.workspace)
    for role in (Role.CONTRIBUTOR, Role.EDITOR):
        member = auth.user(workspace=owner.workspace, role=role)
        c = client.application.test_client()
        auth.login(c, member)
        for path, data in [
            ("/settings/members/invite", {"role": "owner"}),
            (f"/settings/members/{owner.user.id}/role", {"role": "contributor"}),
            (f"/settings/members/{owner.user.id}/remove", {}),
            ("/channels/new", {"name": "Mine", "platform": "outbox"}),
            (f"/channels/{ch.id}/delete", {}),
            ("/settings/", {"name": "Renamed", "timezone": "UTC"}),
        ]:
            assert c.post(path, data=data).status_code == 403, (role, path)
        assert c.get("/channels/new").status_code == 403
        page = c.get("/settings/members").get_data(as_text=True)
        assert "Create invitation link" not in page and "Remove" not in page
    session.expire_all()
    assert (
        session.exec(select(Membership.role).where(Membership.user_id == owner.user.id)).one()
        == "owner"
    )
    assert session.get(Channel, ch.id) is not None


def test_owner_invites_changes_role_and_removes(client, auth, session) -> None:
    owner = auth.user()
    auth.login(client, owner)
    page = client.post(
        "/settings/members/invite", data={"role": "editor", "email": "ed@example.com"}
    )
    assert page.status_code == 200
    link = re.search(r'value="(http[^"]+/invite/[^"]+)"', page.get_data(as_text=True)).group(1)
    path = "/invite/" + link.split("/invite/")[1]
    newcomer = client.application.test_client()
    assert newcomer.get(path).status_code == 200
    assert (
        newcomer.post(
            path, data={"email": "ed@example.com", "password": "long-enough-pw"}
        ).status_code
        == 302
    )
    ed = session.exec(
        select(Membership).where(
            Membership.workspace_id == owner.workspace.id, Membership.role == "editor"
        )
    ).one()
    assert (
        client.post(
            f"/settings/members/{ed.user_id}/role", data={"role": "contributor"}
        ).status_code
        == 302
    )
    session.expire_all()
    assert session.get(Membership, ed.id).role == "contributor"
    assert client.post(f"/settings/members/{ed.user_id}/remove").status_code == 302
    session.expunge_all()
    assert session.get(Membership, ed.id) is None


def test_last_owner_cannot_be_demoted_or_removed(client, auth, session) -> None:
    owner = auth.user()
    auth.login(client, owner)
    resp = client.post(
        f"/settings/members/{owner.user.id}/role", data={"role": "editor"}, follow_redirects=True
    )
    assert "at least one owner" in resp.get_data(as_text=True)
    session.expire_all()
    assert (
        session.exec(select(Membership.role).where(Membership.user_id == owner.user.id)).one()
        == "owner"
    )


def test_user_in_several_workspaces_switches(client, auth, session) -> None:
    from planner.services import workspaces
    from tests.conftest import NOW

    owner = auth.user(workspace_name="First")
    second = workspaces.create_workspace(
        session=session, owner=owner.user, name="Second", timezone="UTC", now=NOW
    )
    session.commit()
    auth.login(client, owner)
    assert "First" in client.get("/").get_data(as_text=True)
    resp = client.post(
        "/settings/workspaces/switch", data={"workspace_id": second.id}, follow_redirects=True
    )
    assert "Now planning for Second." in resp.get_data(as_text=True)
    assert 'value="Second"' in client.get("/settings/").get_data(as_text=True)


def test_tokens_are_shown_once_and_revocable(client, auth) -> None:
    owner = auth.user()
    auth.login(client, owner)
    page = client.post("/settings/tokens", data={"name": "zapier"}).get_data(as_text=True)
    token = re.search(r'id="new-token" type="text" readonly value="(pln_[^"]+)"', page).group(1)
    again = client.get("/settings/tokens").get_data(as_text=True)
    assert token not in again and token[:10] in again
    api = client.application.test_client()
    assert (
        api.get("/api/v1/workspaces", headers={"Authorization": f"Bearer {token}"}).status_code
        == 200
    )
    token_id = re.search(r"/settings/tokens/(\d+)/revoke", again).group(1)
    client.post(f"/settings/tokens/{token_id}/revoke")
    assert (
        api.get("/api/v1/workspaces", headers={"Authorization": f"Bearer {token}"}).status_code
        == 401
    )


def test_add_outbox_channel_and_failed_channel_form_keeps_input(client, auth, session) -> None:
    owner = auth.user()
    auth.login(client, owner)
    bad = client.post(
        "/channels/new",
        data={"name": "Toots", "platform": "mastodon", "instance_url": "https://social.example"},
    )
    assert bad.status_code == 422
    html = bad.get_data(as_text=True)
    assert 'value="Toots"' in html and 'value="https://social.example"' in html
    ok = client.post("/channels/new", data={"name": "Shop outbox", "platform": "outbox"})
    assert ok.status_code == 302
    assert session.exec(select(Channel.name)).all() == ["Shop outbox"]


def test_owner_sets_allowed_lateness_and_repeat_horizon(client, auth, session) -> None:
    owner = auth.user()
    auth.login(client, owner)
    page = client.get("/settings/").get_data(as_text=True)
    assert 'name="allowed_lateness_minutes"' in page and 'value="60"' in page
    form = {"name": "Shop", "timezone": "UTC"}

    bad = client.post(
        "/settings/",
        data={**form, "allowed_lateness_minutes": "5000", "recurrence_horizon_days": "0"},
    )
    assert bad.status_code == 200
    text = bad.get_data(as_text=True)
    assert "Number must be between 0 and 1440." in text and 'value="5000"' in text
    session.expire_all()
    assert "allowed_lateness_minutes" not in (
        session.get(Workspace, owner.workspace.id).settings or {}
    )

    ok = client.post(
        "/settings/",
        data={**form, "allowed_lateness_minutes": "15", "recurrence_horizon_days": "90"},
    )
    assert ok.status_code == 302
    session.expire_all()
    ws = session.get(Workspace, owner.workspace.id)
    assert policy.allowed_lateness(ws.settings) == timedelta(minutes=15)
    assert recurrence.horizon(ws) == timedelta(days=90)
    # A form without the fields (an older script) keeps them as they are.
    assert client.post("/settings/", data=form).status_code == 302
    session.expire_all()
    assert session.get(Workspace, owner.workspace.id).settings["recurrence_horizon_days"] == 90
