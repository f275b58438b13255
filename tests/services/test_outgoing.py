"""The connectors bundle and the one outgoing-text service every caller uses."""

from __future__ import annotations

from pathlib import Path

from planner import create_app
from planner.connectors.bundle import Connectors
from planner.connectors_app import get_connectors
from planner.db import get_engine
from planner.models import Channel, Workspace
from planner.services import outgoing
from planner.services.posts import PostInput
from tests.conftest import NOW

SHOP = Workspace(
    id=1,
    name="Shop",
    timezone="Europe/London",
    settings={"utm": {"enabled": True, "domains": ["shop.example"]}},
)


def _channel(
    connectors: Connectors, cid: int, platform: str, config: dict, secrets: dict
) -> Channel:
    return Channel(
        id=cid,
        workspace_id=1,
        name=f"{platform} {cid}",
        platform=platform,
        config=config,
        secrets=connectors.box.seal(secrets),
        state="",
    )


def test_the_key_file_is_made_on_first_use_and_the_bundle_is_built_once(tmp_path: Path) -> None:
    app = create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path)})
    try:
        assert not (tmp_path / "encryption.key").exists()
        first = get_connectors(app)
        assert (tmp_path / "encryption.key").exists()
        assert get_connectors(app) is first
        with app.app_context():
            assert get_connectors() is first
        assert first.options.outbox_dir == tmp_path / "outbox"
    finally:
        get_engine(app).dispose()


def test_each_channel_gets_its_tagged_text_counted_its_own_way(connectors: Connectors) -> None:
    sky = _channel(
        connectors,
        1,
        "bluesky",
        {"service_url": "https://bsky.social", "handle": "shop.bsky.social"},
        {"app_password": "abcd-efgh-ijkl-mnop"},
    )
    outbox = _channel(connectors, 2, "outbox", {}, {})
    draft = PostInput(
        body="b" * 300, category="educational", scheduled_at=NOW, link="https://shop.example/rye"
    )

    texts = outgoing.texts_for(draft, [sky, outbox], workspace=SHOP, connectors=connectors, now=NOW)

    tagged = "https://shop.example/rye?utm_source=bluesky&utm_medium=social&utm_campaign=2026-03"
    assert [t.channel.id for t in texts] == [1, 2]
    assert texts[0].link == tagged and texts[0].composed == "b" * 300 + "\n" + tagged
    assert texts[0].length == 301 + len(tagged) and texts[0].limit == 300
    assert texts[0].too_long == f"{301 + len(tagged)} of 300 characters on Bluesky"
    assert texts[1].link.endswith("utm_source=outbox&utm_medium=social&utm_campaign=2026-03")
    assert texts[1].limit is None and texts[1].problem is None


def test_a_channel_whose_settings_cannot_be_read_is_named_not_counted(
    connectors: Connectors,
) -> None:
    broken = _channel(
        connectors,
        3,
        "bluesky",
        {"service_url": "https://bsky.social", "handle": "shop.bsky.social"},
        {"app_password": "abcd-efgh-ijkl-mnop"},
    )
    broken.secrets = "sealed-with-a-key-long-gone"
    draft = PostInput(body="Hello", category="educational", scheduled_at=NOW)

    [text] = outgoing.texts_for(draft, [broken], workspace=SHOP, connectors=connectors, now=NOW)

    assert not text.counted and text.length is None and text.too_long is None
    assert text.problem == "Cannot read the settings of bluesky 3; reconnect it."


def test_the_lengths_only_check_names_what_the_full_texts_find_too_long(
    connectors: Connectors,
) -> None:
    sky = _channel(
        connectors,
        1,
        "bluesky",
        {"service_url": "https://bsky.social", "handle": "shop.bsky.social"},
        {"app_password": "abcd-efgh-ijkl-mnop"},
    )
    outbox = _channel(connectors, 2, "outbox", {}, {})
    broken = _channel(
        connectors,
        3,
        "bluesky",
        {"service_url": "https://bsky.social", "handle": "shop.bsky.social"},
        {"app_password": "abcd-efgh-ijkl-mnop"},
    )
    broken.secrets = "sealed-with-a-key-long-gone"
    texts = outgoing.Outgoing(workspace=SHOP, connectors=connectors, now=NOW)
    for body, link in [
        ("b" * 300, "https://shop.example/rye"),  # fits only without its tagged link
        ("b" * 250, None),
        ("b" * 301, None),
        ("bread " * 40, "https://elsewhere.example/x"),
    ]:
        draft = PostInput(body=body, category="educational", scheduled_at=NOW, link=link)
        full = texts.texts_for(draft, [sky, outbox, broken])
        expected = [(t.channel.id, t.too_long) for t in full if t.too_long]
        found = texts.too_long(draft, [sky, outbox, broken])
        assert [(c.id, problem) for c, problem in found] == expected, body[:10]
    too_long = PostInput(body="b" * 301, category="educational", scheduled_at=NOW)
    assert [c.id for c, _p in texts.too_long(too_long, [sky, outbox, broken])] == [1]
