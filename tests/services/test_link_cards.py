"""Link cards read when a post is saved: kept, re-used, refreshed only when the link changes."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

import pytest
from PIL import Image
from sqlmodel import Session

from planner.connectors.base import ConnectorOptions
from planner.media.storage import LocalStorage
from planner.services import imports, link_cards
from planner.services.imports import ImportOptions
from planner.services.link_cards import CardReader
from tests.conftest import NOW, Auth, Member
from tests.factories import access_of, add_post, make_channel
from tests.fakes.fixtures import fake_site  # noqa: F401
from tests.fakes.images import has_gps, jpeg
from tests.fakes.site import FakeSite, og_page


@pytest.fixture
def reader(tmp_path: Path) -> CardReader:
    options = ConnectorOptions(allow_private_hosts=True, timeout=5)
    return CardReader(options=options, storage=LocalStorage(tmp_path / "media"))


@pytest.fixture
def owner(auth: Auth) -> Member:
    return auth.user()


def read(session: Session, owner: Member, reader: CardReader | None, link: str, current=None):
    return link_cards.read_for(
        session=session,
        workspace_id=owner.workspace.id,
        link=link,
        current=current,
        reader=reader,
        now=NOW,
    )


def test_a_card_keeps_the_pages_tags_and_a_clean_small_thumbnail(
    session: Session,
    owner: Member,
    reader: CardReader,
    fake_site: FakeSite,  # noqa: F811
) -> None:
    photo = jpeg(2400, 1800, gps=True)
    assert len(photo) > 1_000_000 and has_gps(photo)
    fake_site.file("/loaf.jpg", photo, "image/jpeg")
    link = fake_site.page(
        "/bread", og_page(title="Sourdough", description="Daily", image="/loaf.jpg")
    )
    card = read(session, owner, reader, link)
    assert card is not None
    assert (card["link"], card["uri"], card["title"], card["description"]) == (
        link,
        link,
        "Sourdough",
        "Daily",
    )
    assert card["fetched_at"] == "2026-03-04T12:00:00Z"
    assert card["thumb_key"].startswith(f"{owner.workspace.id}/card-")
    stored = reader.storage.get(card["thumb_key"])
    assert len(stored) <= 1_000_000
    assert not has_gps(stored)
    with Image.open(io.BytesIO(stored)) as thumb:
        assert thumb.format == "JPEG" and card["thumb_mime"] == "image/jpeg"
        assert max(thumb.size) <= 1200
        assert (thumb.width, thumb.height) == (card["thumb_width"], card["thumb_height"])


def test_an_og_image_that_is_no_image_leaves_a_card_without_a_thumbnail(
    session: Session,
    owner: Member,
    reader: CardReader,
    fake_site: FakeSite,  # noqa: F811
) -> None:
    fake_site.file("/logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"></svg>', "image/svg+xml")
    fake_site.page("/page.html", "<html><body>not a picture</body></html>")
    svg = fake_site.page("/a", og_page(title="A", image="/logo.svg"))
    html = fake_site.page("/b", og_page(title="B", image="/page.html"))
    card = read(session, owner, reader, svg)
    assert card is not None and card["title"] == "A" and "thumb_key" not in card
    assert "SVG images are not accepted" in card["thumb_error"]
    assert read(session, owner, reader, html)["thumb_error"] == (
        "This file is not a JPEG, PNG, WebP or GIF image."
    )
    assert link_cards.usable(card, svg) == card  # a card without its picture still counts


def test_a_page_that_cannot_be_read_gives_the_reason_and_is_tried_again_later(
    session: Session,
    owner: Member,
    reader: CardReader,
    fake_site: FakeSite,  # noqa: F811
) -> None:
    link = fake_site.url + "/soon"
    failed = read(session, owner, reader, link)
    assert failed == {
        "link": link,
        "error": "127.0.0.1 answered 404",
        "fetched_at": "2026-03-04T12:00:00Z",
    }
    assert link_cards.usable(failed, link) is None
    assert link_cards.problem(failed, link) == "127.0.0.1 answered 404"
    fake_site.page("/soon", og_page(title="Now open"))
    again = link_cards.read_for(
        session=session,
        workspace_id=owner.workspace.id,
        link=link,
        current=failed,
        reader=reader,
        now=NOW + timedelta(minutes=10),
    )
    assert again == failed  # a save minutes later does not wait on the site again
    assert fake_site.hits("/soon") == 1
    later = link_cards.read_for(
        session=session,
        workspace_id=owner.workspace.id,
        link=link,
        current=failed,
        reader=reader,
        now=NOW + timedelta(hours=2),
    )
    assert later is not None and later["title"] == "Now open"


def test_a_slow_site_gives_up_within_the_budget(
    session: Session,
    owner: Member,
    tmp_path: Path,
    fake_site: FakeSite,  # noqa: F811
) -> None:
    link = fake_site.page("/slow", og_page(title="Slow"))
    fake_site.delay_next(3, path="/slow")
    quick = CardReader(
        options=ConnectorOptions(allow_private_hosts=True),
        storage=LocalStorage(tmp_path / "media"),
        seconds=0.5,
    )
    card = read(session, owner, quick, link)
    assert "did not answer in time" in card["error"]


def test_the_card_is_kept_while_the_link_stays_and_read_again_when_it_changes(
    session: Session,
    owner: Member,
    reader: CardReader,
    fake_site: FakeSite,  # noqa: F811
) -> None:
    first = fake_site.page("/one", og_page(title="One"))
    second = fake_site.page("/two", og_page(title="Two"))
    card = read(session, owner, reader, first)
    assert read(session, owner, reader, first, current=card) == card
    assert fake_site.hits("/one") == 1
    changed = read(session, owner, reader, second, current=card)
    assert changed["title"] == "Two"
    assert read(session, owner, reader, "", current=card) is None
    assert read(session, owner, None, second) is None  # cards turned off


def test_a_link_another_post_already_has_a_card_for_is_not_read_again(
    session: Session,
    owner: Member,
    reader: CardReader,
    auth: Auth,
    fake_site: FakeSite,  # noqa: F811
) -> None:
    link = fake_site.page("/shared", og_page(title="Shared"))
    original = add_post(session, owner, at=None, link=link)
    original.link_card = read(session, owner, reader, link)
    session.add(original)
    copy = add_post(session, owner, at=None, link=link)  # a duplicate, a series' next one
    session.commit()
    assert read(session, owner, reader, link)["title"] == "Shared"
    assert fake_site.hits("/shared") == 1
    found = link_cards.cards_for(session=session, posts=[original, copy])
    assert found[copy.id]["title"] == "Shared"
    stranger = auth.user()  # another workspace never sees this workspace's cards
    theirs = add_post(session, stranger, at=None, link=link)
    assert link_cards.cards_for(session=session, posts=[theirs]) == {}


def test_a_card_read_for_an_old_link_is_never_used_for_a_new_one(
    session: Session, owner: Member
) -> None:
    post = add_post(session, owner, at=None, link="https://bakery.example/new")
    post.link_card = {"link": "https://bakery.example/old", "title": "Old", "description": ""}
    session.add(post)
    session.commit()
    assert link_cards.cards_for(session=session, posts=[post]) == {}


def test_an_import_reads_each_link_once_at_preview_and_the_posts_keep_the_cards(
    session: Session,
    owner: Member,
    reader: CardReader,
    connectors,
    fake_site: FakeSite,  # noqa: F811
) -> None:
    make_channel(session, owner.workspace, "Sky", "bluesky")
    make_channel(session, owner.workspace, "Feed", "outbox")
    shared = fake_site.page("/bread", og_page(title="Bread", description="Daily"))
    broken = fake_site.url + "/gone"
    elsewhere = fake_site.page("/feed-only", og_page(title="Not read"))
    lines = [
        "date,time,body,category,channels,link",
        f"2026-03-27,10:00,Sourdough Friday,promotional,Sky,{shared}",
        f"2026-03-28,10:00,Rye Saturday,promotional,Sky | Feed,{shared}",
        f"2026-03-29,10:00,Closed Sunday,educational,Sky,{broken}",
        "2026-03-30,10:00,No link here,educational,Sky,",
        f"2026-03-31,10:00,Only the feed,educational,Feed,{elsewhere}",
    ]
    acc = access_of(owner)
    batch = imports.preview_import(
        session=session,
        acc=acc,
        data="\n".join(lines).encode(),
        options=ImportOptions(format="template"),
        connectors=connectors,
        now=NOW,
        cards=reader,
    )
    session.commit()
    assert fake_site.hits("/bread") == 1
    cards = [r["post"].get("link_card") for r in batch.rows]
    assert [c and (c.get("title") or c.get("error")) for c in cards] == [
        "Bread",
        "Bread",
        "127.0.0.1 answered 404",
        None,
        None,  # a post for networks that draw their own card reads no page
    ]
    posts = imports.commit_import(session=session, acc=acc, batch_id=batch.id, now=NOW)
    session.commit()
    assert [p.link_card == c for p, c in zip(posts, cards, strict=True)] == [True] * 5
    assert fake_site.hits("/bread") == 1  # importing reads nothing more
    assert fake_site.hits("/feed-only") == 0


def test_an_import_stops_reading_links_when_its_time_is_up(
    session: Session,
    owner: Member,
    reader: CardReader,
    fake_site: FakeSite,  # noqa: F811
) -> None:
    sky = make_channel(session, owner.workspace, "Sky", "bluesky")
    link = fake_site.page("/late", og_page(title="Late"))
    rows = [{"ok": True, "post": {"link": link, "channel_ids": [sky.id]}, "notes": []}]
    link_cards.read_for_rows(
        session=session,
        workspace_id=owner.workspace.id,
        rows=rows,
        reader=reader,
        now=NOW,
        seconds=0,
    )
    assert "link_card" not in rows[0]["post"]
    assert rows[0]["notes"] == ["No link card: the import's time to read links ran out."]
    assert fake_site.requests == []
