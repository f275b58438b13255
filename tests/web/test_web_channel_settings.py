"""A Google Business Profile channel's button and offers, set on its page and through the API."""

from __future__ import annotations

import json

import pytest
from sqlmodel import select

from planner.models import AuditEvent, Channel, Role
from tests.factories import make_channel, make_oauth_channel

LOCATION = {
    "account": "accounts/108712345678901234567",
    "location": "locations/4321",
    "refresh_token": "refresh-1",
}


@pytest.fixture()
def google(app, session, auth):
    owner = auth.user(timezone="UTC")
    channel = make_oauth_channel(
        app,
        session,
        owner,
        platform="google_business",
        config=LOCATION,
        expires_at=None,
        name="Corner Bakery on Google",
    )
    return owner, channel


def saved(session, channel: Channel) -> dict:
    session.expire_all()
    return dict(session.get(Channel, channel.id).config)


def audited(session, channel: Channel) -> list[dict]:
    events = session.exec(
        select(AuditEvent).where(AuditEvent.action == "channel_settings_changed")
    ).all()
    details = [json.loads(e.detail) for e in events]
    return [d for d in details if d["channel_id"] == channel.id]


def url(owner, channel) -> str:
    return f"/api/v1/workspaces/{owner.workspace.id}/channels/{channel.id}"


def test_the_owner_chooses_the_button_and_offers_on_the_channels_page(
    client, auth, session, google
) -> None:
    owner, channel = google
    auth.login(client, owner)
    index = client.get("/channels/").get_data(as_text=True)
    assert f"/channels/{channel.id}/settings" in index

    page = client.get(f"/channels/{channel.id}/settings").get_data(as_text=True)
    assert "Send promotional posts as offers" in page
    assert '<option selected value="LEARN_MORE">Learn more</option>' in page

    resp = client.post(
        f"/channels/{channel.id}/settings",
        data={"call_to_action": "ORDER", "promotions_as_offers": "y"},
    )
    assert resp.status_code == 302
    config = saved(session, channel)
    assert config["call_to_action"] == "ORDER" and config["promotions_as_offers"] is True
    assert audited(session, channel) == [
        {"channel_id": channel.id, "call_to_action": "ORDER", "promotions_as_offers": True}
    ]

    # An unticked box turns offers off again; the page shows what is saved.
    client.post(f"/channels/{channel.id}/settings", data={"call_to_action": "CALL"})
    assert saved(session, channel)["promotions_as_offers"] is False
    page = client.get(f"/channels/{channel.id}/settings").get_data(as_text=True)
    assert '<option selected value="CALL">Call</option>' in page


def test_the_page_refuses_an_unknown_button_and_other_members(
    app, client, auth, session, google
) -> None:
    owner, channel = google
    auth.login(client, owner)
    resp = client.post(f"/channels/{channel.id}/settings", data={"call_to_action": "BOOK"})
    assert resp.status_code == 422
    assert "Not a valid choice" in resp.get_data(as_text=True)
    assert saved(session, channel)["call_to_action"] == "LEARN_MORE"

    editor = auth.login(app.test_client(), auth.user(workspace=owner.workspace, role=Role.EDITOR))
    assert editor.get(f"/channels/{channel.id}/settings").status_code == 403
    post = editor.post(f"/channels/{channel.id}/settings", data={"call_to_action": "SHOP"})
    assert post.status_code == 403
    assert saved(session, channel).get("call_to_action") == "LEARN_MORE"


def test_a_channel_without_settings_has_no_settings_page(client, auth, session) -> None:
    owner = auth.user()
    outbox = make_channel(session, owner.workspace, "Outbox")
    auth.login(client, owner)
    assert f"/channels/{outbox.id}/settings" not in client.get("/channels/").get_data(as_text=True)
    resp = client.get(f"/channels/{outbox.id}/settings")
    assert resp.status_code == 302


def test_the_api_patches_the_settings_and_answers_the_channel(api, session, google) -> None:
    owner, channel = google
    resp = api(owner).patch(
        url(owner, channel), {"call_to_action": "SHOP", "promotions_as_offers": True}
    )
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert body["config"]["call_to_action"] == "SHOP"
    assert body["config"]["promotions_as_offers"] is True
    assert "refresh_token" not in body["config"]
    # Only what is given changes.
    resp = api(owner).patch(url(owner, channel), {"promotions_as_offers": False})
    assert resp.get_json()["config"] == {**body["config"], "promotions_as_offers": False}
    assert [d.get("call_to_action") for d in audited(session, channel)] == ["SHOP", None]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"call_to_action": "BOOK"}, "call_to_action"),
        ({"call_to_action": "order"}, "call_to_action"),
        ({"promotions_as_offers": "yes"}, "promotions_as_offers"),
    ],
)
def test_the_api_names_the_field_at_fault(api, session, google, payload, field) -> None:
    owner, channel = google
    resp = api(owner).patch(url(owner, channel), payload)
    assert resp.status_code == 422
    error = resp.get_json()["error"]
    assert error["code"] == "validation_error"
    assert set(error["fields"]) == {field}
    assert saved(session, channel)["call_to_action"] == "LEARN_MORE"


def test_the_api_refuses_settings_a_platform_lacks_and_non_owners(
    api, auth, session, google
) -> None:
    owner, channel = google
    outbox = make_channel(session, owner.workspace, "Outbox")
    resp = api(owner).patch(url(owner, outbox), {"promotions_as_offers": True})
    assert resp.status_code == 422
    assert set(resp.get_json()["error"]["fields"]) == {"promotions_as_offers"}
    assert "promotions_as_offers" not in saved(session, outbox)

    editor = auth.user(workspace=owner.workspace, role=Role.EDITOR)
    resp = api(editor).patch(url(owner, channel), {"call_to_action": "CALL"})
    assert resp.status_code == 403
    assert saved(session, channel)["call_to_action"] == "LEARN_MORE"
    assert audited(session, channel) == []


def test_the_api_renames_a_channel(api, session, google) -> None:
    owner, channel = google
    resp = api(owner).patch(url(owner, channel), {"name": "Bakery (Google)"})
    assert resp.status_code == 200
    assert resp.get_json()["name"] == "Bakery (Google)"
