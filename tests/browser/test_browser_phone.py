"""Every main page fits a 375 px phone screen: nothing scrolls sideways."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from planner.demo import DEMO_EMAIL, DEMO_PASSWORD, load_demo
from planner.models import Channel, ChannelStatus, Post, PostStatus, Workspace
from planner.timeutils import utcnow

pytestmark = pytest.mark.browser

PAGES = [
    "/",
    "/week",
    "/list",
    "/ideas",
    "/plan",
    "/slots",
    "/review",
    "/publishing/",
    "/import/",
    "/channels/",
    "/channels/new",
    "/settings/",
    "/settings/members",
    "/settings/guardrails",
    "/settings/activity",
    "/settings/links",
    "/settings/calendar-feed",
    "/settings/tokens",
    "/settings/password",
    "/settings/workspaces/new",
    "/notifications/",
    "/posts/new",
    "/inbox/",  # the demo's replies: one overdue, one answered
    "/inbox/?status=done",
    "/insights",  # the demo's figures: bars, the week line, wide tables, the weights form
    "/insights?period=quarter",
]


def test_every_main_page_fits_a_375_px_screen(browser, live_server, app) -> None:
    from planner.db import get_engine

    with Session(get_engine(app)) as session:
        load_demo(session=session, now=utcnow(), password_method="pbkdf2:sha256:1000")
        session.commit()
        ws = session.exec(select(Workspace)).one()
        # Channels that show every button (Reconnect too) and a long reconnect message.
        session.add_all(
            [
                Channel(
                    workspace_id=ws.id,
                    name="Juniper & Rye on Mastodon",
                    platform="mastodon",
                    config={"instance_url": "https://bakers.social"},
                    created_at=utcnow(),
                ),
                Channel(
                    workspace_id=ws.id,
                    name="Shop Slack",
                    platform="webhook",
                    status=ChannelStatus.NEEDS_REAUTH,
                    status_detail="The webhook answered 404 channel_not_found at "
                    "https://hooks.slack.example/services/T000000/B000000/XXXXXXXXXXXXXXXXXXXXXXXX",
                    created_at=utcnow(),
                ),
            ]
        )
        session.commit()
        draft = session.exec(
            select(Post).where(Post.status == PostStatus.DRAFT, Post.scheduled_at.is_not(None))
        ).first()
        # A published demo post has several readings: its engagement and how they grew.
        published = session.exec(select(Post).where(Post.status == PostStatus.PUBLISHED)).first()
        feed = session.exec(select(Channel).where(Channel.name == "Bakery feed (outbox)")).one()
        month = f"{published.scheduled_at:%Y-%m}"
    context = browser.new_context(viewport={"width": 375, "height": 800}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        page.goto(f"{live_server}/login")
        page.get_by_label("Email").fill(DEMO_EMAIL)
        page.get_by_label("Password").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(f"{live_server}/")
        too_wide = {}
        for path in [
            *PAGES,
            f"/posts/{draft.id}",
            f"/posts/{draft.id}/edit",
            f"/posts/{published.id}",
            f"/insights?period=month&month={month}&channel={feed.id}",
            f"/insights?period=quarter&month={month}",
        ]:
            resp = page.goto(f"{live_server}{path}")
            assert resp.ok, (path, resp.status)
            # Folded parts count too: the engagement history opens to a table.
            page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
            width, inner = page.evaluate(
                "[document.documentElement.scrollWidth, window.innerWidth]"
            )
            if width > inner:
                too_wide[path] = width
        assert too_wide == {}, f"these pages scroll sideways at 375 px: {too_wide}"
    finally:
        context.close()
