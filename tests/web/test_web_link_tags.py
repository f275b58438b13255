"""Tagged links: the owners' settings page, the composer's preview and a post's own campaign."""

from __future__ import annotations

from sqlmodel import select

from planner.connectors_app import get_connectors
from planner.models import Post, Role, Workspace
from planner.services import channels as channel_service
from planner.services import workspaces
from tests.conftest import NOW

SETTINGS = {
    "enabled": "y",
    "domains": "https://www.Shop.example/about\nshop.example, blog.example",
    "medium": "social",
    "campaign": "spring-{month}",
}


def _enable(client, auth, owner) -> None:
    auth.login(client, owner)
    resp = client.post("/settings/links", data=SETTINGS)
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]


def test_owner_saves_link_settings(client, auth, session) -> None:
    owner = auth.user()
    auth.login(client, owner)
    page = client.get("/settings/links").get_data(as_text=True)
    assert 'aria-current="page">Links' in page and 'value="{month}"' in page
    _enable(client, auth, owner)
    session.expire_all()
    ws = session.get(Workspace, owner.workspace.id)
    assert ws.settings["utm"] == {
        "enabled": True,
        "medium": "social",
        "campaign": "spring-{month}",
        "domains": ["www.shop.example", "shop.example", "blog.example"],
    }
    page = client.get("/settings/links").get_data(as_text=True)
    assert "www.shop.example\nshop.example\nblog.example" in page


def test_settings_errors_sit_next_to_their_fields(client, auth) -> None:
    owner = auth.user()
    auth.login(client, owner)
    resp = client.post(
        "/settings/links", data={"enabled": "y", "domains": "", "medium": "", "campaign": "x"}
    )
    assert resp.status_code == 422
    page = resp.get_data(as_text=True)
    assert 'id="domains-error"' in page and 'id="medium-error"' in page
    resp = client.post("/settings/links", data={**SETTINGS, "domains": "not a domain!"})
    assert "“not” is not a web address" in resp.get_data(as_text=True)


def test_only_owners_change_link_settings(client, auth) -> None:
    owner = auth.user()
    editor = auth.user(workspace=owner.workspace, role=Role.EDITOR)
    auth.login(client, editor)
    page = client.get("/settings/links").get_data(as_text=True)
    assert (
        "Only the workspace owner can change this." in page
        and "<form" not in page.split("Tagged links")[-1]
    )
    assert client.post("/settings/links", data=SETTINGS).status_code == 403


def test_composer_preview_shows_the_tagged_link_per_channel(app, client, auth, session) -> None:
    owner = auth.user(timezone="Europe/London")
    acc = workspaces.access(session=session, user=owner.user, workspace_id=owner.workspace.id)
    connectors = get_connectors(app)
    configs = {
        "mastodon": {"instance_url": "https://mastodon.example", "access_token": "token"},
        "bluesky": {"handle": "shop.bsky.social", "app_password": "abcd-efgh-ijkl-mnop"},
    }
    chans = [
        channel_service.create_channel(
            session=session,
            acc=acc,
            name=n,
            platform=p,
            config=configs[p],
            connectors=connectors,
            now=NOW,
        )
        for n, p in (("Toots", "mastodon"), ("Sky", "bluesky"))
    ]
    session.commit()
    _enable(client, auth, owner)
    page = client.get("/posts/new").get_data(as_text=True)
    assert 'id="link-preview"' in page and 'name="utm_campaign"' in page
    resp = client.post(
        "/links/preview",
        json={
            "link": "https://shop.example/bread?size=large",
            "channel_ids": [c.id for c in chans],
            "date": "2026-04-01",
            "utm_campaign": "",
        },
    )
    body = resp.get_json()
    assert body["enabled"] is True
    assert body["links"] == [
        {
            "channel_id": chans[1].id,
            "channel": "Sky",
            "url": "https://shop.example/bread?size=large&utm_source=bluesky&utm_medium=social&utm_campaign=spring-2026-04",
            "tagged": True,
        },
        {
            "channel_id": chans[0].id,
            "channel": "Toots",
            "url": "https://shop.example/bread?size=large&utm_source=mastodon&utm_medium=social&utm_campaign=spring-2026-04",
            "tagged": True,
        },
    ]
    own = client.post(
        "/links/preview",
        json={
            "link": "https://shop.example/",
            "channel_ids": [chans[0].id],
            "utm_campaign": "easter",
        },
    ).get_json()
    assert own["links"][0]["url"].endswith("utm_campaign=easter")
    other = client.post(
        "/links/preview", json={"link": "https://news.example/", "channel_ids": [chans[0].id]}
    ).get_json()
    assert other["links"][0] == {
        "channel_id": chans[0].id,
        "channel": "Toots",
        "url": "https://news.example/",
        "tagged": False,
    }


def test_composer_has_no_campaign_field_while_tagging_is_off(client, auth) -> None:
    owner = auth.user()
    auth.login(client, owner)
    page = client.get("/posts/new").get_data(as_text=True)
    assert 'name="utm_campaign"' not in page and 'id="link-preview"' not in page


def test_a_post_keeps_its_campaign_and_the_clean_link(client, auth, session, api) -> None:
    owner = auth.user()
    _enable(client, auth, owner)
    form = {
        "body": "Easter opening hours",
        "category": "educational",
        "date": "2026-04-03",
        "time": "09:00",
        "link": "https://shop.example/hours",
        "utm_campaign": "easter",
    }
    assert client.post("/posts/new", data=form).status_code == 302
    post = session.exec(select(Post)).one()
    assert post.utm_campaign == "easter" and post.link == "https://shop.example/hours"
    edit = client.get(f"/posts/{post.id}/edit").get_data(as_text=True)
    assert 'value="easter"' in edit
    # A form without the field (tagging switched off meanwhile) keeps the saved campaign.
    without = {k: v for k, v in form.items() if k != "utm_campaign"} | {"body": "Easter hours"}
    assert client.post(f"/posts/{post.id}/edit", data=without).status_code == 302
    session.expire_all()
    assert session.get(Post, post.id).utm_campaign == "easter"
    assert (
        client.post(f"/posts/{post.id}/edit", data=form | {"utm_campaign": ""}).status_code == 302
    )
    session.expire_all()
    assert session.get(Post, post.id).utm_campaign is None
    assert api(owner).get(f"/api/v1/posts/{post.id}").get_json()["utm_campaign"] is None
    bad = client.post(f"/posts/{post.id}/edit", data=form | {"utm_campaign": "no/slashes"})
    assert bad.status_code == 422


def test_api_sets_keeps_and_clears_a_post_campaign(api, auth) -> None:
    owner = auth.user()
    me = api(owner)
    made = me.post(
        f"/api/v1/workspaces/{owner.workspace.id}/posts",
        {"body": "Hi", "category": "curated", "utm_campaign": "launch"},
    ).get_json()
    assert made["utm_campaign"] == "launch"
    kept = me.patch(f"/api/v1/posts/{made['id']}", {"body": "Hello"}).get_json()
    assert kept["utm_campaign"] == "launch"
    cleared = me.patch(f"/api/v1/posts/{made['id']}", {"utm_campaign": None}).get_json()
    assert cleared["utm_campaign"] is None
    bad = me.patch(f"/api/v1/posts/{made['id']}", {"utm_campaign": 5})
    assert bad.status_code == 422 and "utm_campaign" in bad.get_json()["error"]["fields"]
