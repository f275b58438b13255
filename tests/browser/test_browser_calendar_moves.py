"""Dragging posts on the calendar: past days refuse them, sent posts stay put, the what-if goes away."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from planner.models import Post, PostStatus
from tests.browser.conftest import log_in
from tests.factories import make_channel, make_post

pytestmark = pytest.mark.browser

# Wednesday 18 March 2026, noon in London (still GMT): the 16th and 17th are past, the 19th ahead.
FROZEN = datetime(2026, 3, 18, 12, 0, tzinfo=UTC)


@pytest.fixture()
def march(monkeypatch, live_server, auth, session):
    """An owner's March: a draft ahead and the channel's last post, a published and a failed behind."""
    for module in ("calendar", "posts", "guardrails", "api.guardrails"):
        monkeypatch.setattr(f"planner.web.{module}.utcnow", lambda: FROZEN)
    owner = auth.user("owner@example.com", timezone="Europe/London")
    feed = make_channel(session, owner.workspace, "Shop feed")
    posts = {
        name: make_post(session, owner, at=at, channels=(feed.id,), status=status, body=name)
        for name, at, status in (
            ("Draft ahead", datetime(2026, 3, 19, 10, 0, tzinfo=UTC), PostStatus.DRAFT),
            ("Last in March", datetime(2026, 3, 22, 9, 0, tzinfo=UTC), PostStatus.DRAFT),
            ("Sent already", datetime(2026, 3, 16, 10, 0, tzinfo=UTC), PostStatus.PUBLISHED),
            ("Tried and failed", datetime(2026, 3, 17, 10, 0, tzinfo=UTC), PostStatus.FAILED),
        )
    }
    return owner, posts


def drag(page, source, target, *, release: bool = True, preview: str | None = None) -> None:
    """Pick *source* up with the mouse, carry it over *target*, and let go there if *release*."""
    source.hover()
    page.mouse.down()
    box = target.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y, steps=5)
    page.mouse.move(x + 5, y + 5, steps=5)
    if preview:  # hold it there until the what-if for that day shows
        page.wait_for_function(
            "day => document.querySelector('#drag-whatif').innerText.includes('Moving it to ' + day)",
            arg=preview,
        )
    if release:
        page.mouse.up()


def scheduled_at(session, post: Post) -> datetime:
    session.expire_all()
    return session.get(Post, post.id).scheduled_at


def test_a_post_dropped_on_a_past_day_is_refused_and_stays(
    page, live_server, march, session
) -> None:
    owner, posts = march
    page.set_viewport_size({"width": 1280, "height": 2400})  # the whole month on screen
    log_in(page, live_server, owner)
    page.goto(f"{live_server}/?month=2026-03")
    draft = page.locator("#day-2026-03-19 .cal-post")
    drag(page, draft, page.locator("#day-2026-03-17"))
    message = page.locator("#move-message")
    message.wait_for(state="visible")
    assert "Tuesday 17 March at 10:00 has already passed" in message.inner_text()
    # Nothing moved: the post is on its day on screen and in the database.
    assert "Draft ahead" in page.locator("#day-2026-03-19").inner_text()
    assert "Draft ahead" not in page.locator("#day-2026-03-17").inner_text()
    assert page.locator(".cal-post.dragging").count() == 0
    assert scheduled_at(session, posts["Draft ahead"]) == datetime(2026, 3, 19, 10, 0, tzinfo=UTC)

    # A later day still takes it.
    drag(page, draft, page.locator("#day-2026-03-24"))
    page.wait_for_function(
        "() => document.querySelector('#day-2026-03-24').innerText.includes('Draft ahead')"
    )
    assert scheduled_at(session, posts["Draft ahead"]) == datetime(2026, 3, 24, 10, 0, tzinfo=UTC)


def test_published_and_failed_posts_cannot_be_dragged(page, live_server, march, session) -> None:
    owner, posts = march
    page.set_viewport_size({"width": 1280, "height": 2400})
    log_in(page, live_server, owner)
    moves: list[str] = []
    page.on("request", lambda req: moves.append(req.url) if "/move" in req.url else None)
    for url in (f"{live_server}/?month=2026-03", f"{live_server}/week?date=2026-03-16"):
        page.goto(url)
        for name in ("Sent already", "Tried and failed"):
            item = page.locator(".cal-post", has_text=name)
            assert item.get_attribute("draggable") == "false", (url, name)
            assert item.locator("a").get_attribute("draggable") == "false", (url, name)
        assert (
            page.locator(".cal-post", has_text="Draft ahead").get_attribute("draggable") == "true"
        )
    page.goto(f"{live_server}/?month=2026-03")
    for name, day in (("Sent already", "2026-03-20"), ("Tried and failed", "2026-03-21")):
        drag(page, page.locator(".cal-post", has_text=name), page.locator(f"#day-{day}"))
        assert page.locator("#drag-whatif").is_hidden()
        assert (
            name in page.locator(".day", has=page.locator(".cal-post", has_text=name)).inner_text()
        )
    page.wait_for_timeout(300)  # a move request would have gone by now
    assert moves == []
    assert scheduled_at(session, posts["Sent already"]) == datetime(2026, 3, 16, 10, 0, tzinfo=UTC)
    assert scheduled_at(session, posts["Tried and failed"]) == datetime(
        2026, 3, 17, 10, 0, tzinfo=UTC
    )


def test_the_drag_what_if_goes_away_and_names_each_warning_once(page, live_server, march) -> None:
    owner, _posts = march
    page.set_viewport_size({"width": 1280, "height": 2400})
    log_in(page, live_server, owner)
    page.goto(f"{live_server}/?month=2026-03")
    draft = page.locator(".cal-post", has_text="Draft ahead")
    whatif = page.locator("#drag-whatif")

    # Over the 22nd, the channel's silence after it starts at 10:00 instead of 09:00: it reads
    # the same, so it is neither added nor cleared.
    drag(page, draft, page.locator("#day-2026-03-22"), release=False, preview="2026-03-22")
    text = whatif.inner_text()
    assert text.count("goes quiet for over 9 days from 22 Mar") == 0, text
    assert "Moving it to 2026-03-22 changes no guardrail warning." in text
    # Let go outside the calendar: the drag is cancelled and the what-if goes with it.
    header = page.locator(".topbar").bounding_box()
    page.mouse.move(header["x"] + 20, header["y"] + 10, steps=5)
    page.mouse.up()
    whatif.wait_for(state="hidden")

    # Escape cancels a drag too.
    drag(page, draft, page.locator("#day-2026-03-25"), release=False, preview="2026-03-25")
    page.keyboard.press("Escape")
    page.mouse.up()
    whatif.wait_for(state="hidden")

    # A refused drop: the message shows, the what-if does not stay behind.
    drag(page, draft, page.locator("#day-2026-03-17"), release=False, preview="2026-03-17")
    page.mouse.up()
    page.locator("#move-message").wait_for(state="visible")
    assert whatif.is_hidden()
    page.wait_for_timeout(300)  # a late what-if answer must not bring it back
    assert whatif.is_hidden()
    assert "Draft ahead" in page.locator("#day-2026-03-19").inner_text()
