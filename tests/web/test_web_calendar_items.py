"""Calendar items rendered in Python: everything from the database is escaped, text is cut short."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from planner.models import Post
from planner.services.calendar import CalendarPost
from planner.web.calendar_items import post_item, post_items, short_text


def _item(body: str, names: list[str]) -> CalendarPost:
    at = datetime(2027, 3, 2, 9, 30, tzinfo=UTC)
    post = Post(
        id=7,
        workspace_id=1,
        body=body,
        category="promotional",
        status="in_review",
        scheduled_at=at,
        created_at=at,
        updated_at=at,
    )
    return CalendarPost(post, at.astimezone(ZoneInfo("America/New_York")), [3, 4], names)


def test_item_escapes_text_names_and_warnings() -> None:
    html = post_item(
        _item("<script>alert(1)</script>", ['Feed "A" <b>']),
        ['Week of 1 Mar is 50% "promotional" <i>'],
        "/posts/",
    )
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b>" not in html and "Feed &#34;A&#34; &lt;b&gt;" in html
    assert 'title="Week of 1 Mar is 50% &#34;promotional&#34; &lt;i&gt;"' in html
    assert 'data-date="2027-03-02" data-time="04:30"' in html  # the workspace's local day
    assert 'data-channels="[3,4]"' in html and 'href="/posts/7"' in html
    assert "cal-post cat-promotional st-in_review warned" in html
    assert ">in review<" in html


def test_item_without_warnings_has_no_mark() -> None:
    html = post_item(_item("Fresh bread", []), None, "/posts/")
    assert "warned" not in html and "⚠" not in html and "title=" not in html


def test_short_text_leaves_a_little_over_alone_and_cuts_the_rest() -> None:
    assert short_text("x" * 65) == "x" * 65
    assert short_text("x" * 66) == "x" * 59 + "…"


def test_only_posts_whose_day_is_not_history_can_be_dragged() -> None:
    for status in ("draft", "in_review", "approved", "rejected", "missed", "expired"):
        cp = _item("Fresh bread", [])
        cp.post.status = status
        html = post_item(cp, None, "/posts/")
        assert 'draggable="true"' in html and 'draggable="false"' not in html, status
    for status in ("publishing", "published", "failed"):
        cp = _item("Fresh bread", [])
        cp.post.status = status
        html = post_item(cp, None, "/posts/")
        assert 'draggable="true"' not in html and html.count('draggable="false"') == 2, status


def test_a_days_items_are_each_posts_item_in_order(app) -> None:
    first, second = _item("Fresh bread", ["Feed"]), _item("Rye <today>", [])
    second.post.id = 8
    second.media_ids = [5, 6]
    with app.test_request_context("/"):
        day = post_items([first, second], {8: ["Too many promotional posts"]}, "/posts/")
        assert day == post_item(first, None, "/posts/") + post_item(
            second, ["Too many promotional posts"], "/posts/"
        )
    assert '<img src="/media/5/thumb"' in day and "(2 images)" in day
    assert day.count("<li ") == 2 and "Rye &lt;today&gt;" in day
