"""Per-channel text variants through the API: taken, returned, kept, cleared and checked."""

from __future__ import annotations

from planner.services import posts as post_service
from tests.conftest import NOW
from tests.factories import access_of, make_channel


def test_api_takes_returns_keeps_and_clears_variants(api, auth, session) -> None:
    owner = auth.user()
    feed = make_channel(session, owner.workspace, "Feed")
    other = make_channel(session, owner.workspace, "Other")
    me = api(owner)
    made = me.post(
        f"/api/v1/workspaces/{owner.workspace.id}/posts",
        {
            "body": "Rye is back",
            "category": "curated",
            "channel_ids": [feed.id, other.id],
            "variants": {str(feed.id): "  Rye is back, feed readers!  ", str(other.id): " "},
        },
    )
    assert made.status_code == 201, made.get_json()
    post = made.get_json()
    assert post["variants"] == {str(feed.id): "Rye is back, feed readers!"}
    kept = me.patch(f"/api/v1/posts/{post['id']}", {"body": "Rye is back today"}).get_json()
    assert kept["variants"] == {str(feed.id): "Rye is back, feed readers!"}
    fetched = me.get(f"/api/v1/posts/{post['id']}").get_json()
    assert fetched["variants"] == kept["variants"]
    cleared = me.patch(f"/api/v1/posts/{post['id']}", {"variants": None}).get_json()
    assert cleared["variants"] == {}


def test_api_refuses_variants_for_unknown_channels_or_of_the_wrong_type(api, auth) -> None:
    owner = auth.user()
    me = api(owner)
    url = f"/api/v1/workspaces/{owner.workspace.id}/posts"
    base = {"body": "Hi", "category": "curated"}
    unknown = me.post(url, base | {"variants": {"999": "Hello"}})
    assert unknown.status_code == 422
    assert unknown.get_json()["error"]["fields"]["variants"] == "Unknown channel: 999."
    not_an_id = me.post(url, base | {"variants": {"feed": "Hello"}})
    assert not_an_id.status_code == 422
    assert "variants" in not_an_id.get_json()["error"]["fields"]
    not_text = me.post(url, base | {"variants": {"1": 5}})
    assert not_text.status_code == 422
    assert "variants" in not_text.get_json()["error"]["fields"]


def test_a_duplicate_keeps_the_channel_texts(api, auth, session) -> None:
    owner = auth.user()
    feed = make_channel(session, owner.workspace, "Feed")
    me = api(owner)
    made = me.post(
        f"/api/v1/workspaces/{owner.workspace.id}/posts",
        {
            "body": "Rye",
            "category": "curated",
            "channel_ids": [feed.id],
            "variants": {str(feed.id): "Rye for the feed"},
        },
    ).get_json()
    copy = post_service.duplicate_post(
        session=session, acc=access_of(owner), post_id=made["id"], now=NOW
    )
    assert copy.variants == {str(feed.id): "Rye for the feed"}
