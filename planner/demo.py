"""Demo data: a bakery planning a realistic month, with a few spots the guardrails should catch."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlmodel import Session, func, select

from planner.connectors.base import Engagement
from planner.demo_inbox import add_inbox_items
from planner.guardrails import ChannelPolicy
from planner.models import (
    Channel,
    ChannelStatus,
    Post,
    PostChannel,
    PostingSlot,
    PostStatus,
    Role,
    User,
)
from planner.services import accounts, deliveries, engagement, workspaces
from planner.timeutils import combine_local, get_zone, to_local

DEMO_EMAIL = "owner@example.com"
DEMO_PASSWORD = "planner-demo"
DEMO_WORKSPACE = "Juniper & Rye Bakery"
DEMO_TZ = "Europe/London"

# (day number, local time, category, channel keys, text). Day 1 is a week before today, so the
# plan shows a little history and four weeks ahead. The spots left on purpose (README, "Demo"):
# days 8-10 hold three promotions in a row on the feed (a streak, and a week of 6 posts with 4
# promotions where 80/20 allows 1); the newsletter goes quiet for 12 days after day 8. Every
# other week holds at most one promotion, which the allowance lets through.
PLAN: list[tuple[int, str, str, str, str]] = [
    (
        1,
        "09:00",
        "educational",
        "fb",
        "Why we rest our sourdough for 36 hours: slower fermentation, better flavour, easier to digest.",
    ),
    (2, "12:30", "conversational", "fb", "Settle it for us: crusty ends or soft middle slice? 🍞"),
    (
        3,
        "08:30",
        "curated",
        "fb,nl",
        "This piece on the history of rye in Northern Europe is a lovely read: https://example.org/rye-history",
    ),
    (
        4,
        "10:00",
        "promotional",
        "fb,nl",
        "Weekend pre-orders are open: cinnamon knots and seeded loaves, collect from 8am Saturday.",
    ),
    (
        5,
        "17:00",
        "educational",
        "fb",
        "Storing bread: paper bag on the counter for two days, then slice and freeze. Never the fridge!",
    ),
    (
        6,
        "11:00",
        "conversational",
        "fb",
        "What should our next seasonal bake be? Top answer gets made next month.",
    ),
    (8, "09:00", "promotional", "fb,nl", "Flash sale: 20% off all loaves before noon today."),
    (9, "09:00", "promotional", "fb", "New: our rye & caraway loaf is back on the shelves."),
    (
        10,
        "09:00",
        "promotional",
        "fb",
        "Gift cards now available in store and online. Perfect for the bread lover in your life.",
    ),
    (
        11,
        "15:00",
        "educational",
        "fb",
        "Behind the counter: how we laminate croissant dough, fold by fold.",
    ),
    (
        13,
        "10:00",
        "curated",
        "fb",
        "A baker's guide to heritage grains, from our friends at the mill: https://example.org/heritage-grains",
    ),
    (
        15,
        "12:00",
        "conversational",
        "fb",
        "Tell us about your favourite bakery memory. We'll share a few next week.",
    ),
    (
        16,
        "09:30",
        "educational",
        "fb",
        "Starter tip: feed it at the same time every day and it will reward you.",
    ),
    (
        19,
        "10:00",
        "conversational",
        "fb",
        "Thank you for 1,000 followers! Ask us anything about baking in the comments today.",
    ),
    (
        20,
        "08:00",
        "promotional",
        "nl",
        "This month's newsletter offer: a free coffee with any two pastries.",
    ),
    (
        22,
        "14:00",
        "curated",
        "fb",
        "Five simple ways to use stale bread, from panzanella to bread pudding.",
    ),
    (
        23,
        "09:00",
        "educational",
        "fb",
        "Why does bread go stale? It is not drying out: it is starch crystallising.",
    ),
    (
        24,
        "18:00",
        "conversational",
        "fb",
        "Weekend plans? We'd love to see your brunch photos with our bread.",
    ),
    (
        26,
        "10:00",
        "promotional",
        "fb",
        "Christmas stollen pre-orders open next week. Set a reminder!",
    ),
    (
        27,
        "11:30",
        "educational",
        "fb",
        "Meet Sam, our head baker, and the 4am routine that gets bread on your table.",
    ),
    (
        29,
        "12:00",
        "curated",
        "fb",
        "We loved this interview with a local miller about stone-ground flour.",
    ),
    (
        30,
        "09:00",
        "conversational",
        "fb",
        "Which bake should we retire to make room for something new?",
    ),
    (
        27,
        "08:00",
        "curated",
        "nl",
        "The month in bread: our favourite reads and recipes, and a note from the bakery.",
    ),
    (
        33,
        "10:00",
        "educational",
        "fb",
        "Reviving a day-old loaf: a splash of water and five minutes in a hot oven.",
    ),
    (34, "08:00", "conversational", "nl", "Reply and tell us: what should we bake next month?"),
    (
        36,
        "12:00",
        "curated",
        "fb",
        "Our favourite winter soups to serve with a crusty loaf, from a local cookbook.",
    ),
]
IDEAS = [
    (
        "educational",
        "Explain the difference between baking soda and baking powder with a simple scone test.",
    ),
    ("conversational", "Poll: which day should we bake bagels?"),
    ("curated", "Share the local farmers' market schedule for the season."),
    ("educational", "What 'hydration' means on a bread label, and why our ciabatta is so holey."),
    ("conversational", "Sweet or savoury breakfast? Tell us what you reach for first."),
    ("educational", "Three signs your sourdough starter is ready to bake with."),
    ("curated", "A short film about the last working windmill in the county, worth five minutes."),
    ("promotional", "Bake-at-home croissant boxes are back: order by Thursday for the weekend."),
    ("conversational", "Which loaf would you want on a desert island?"),
]
# Engagement of the published demo posts at their last reading (replies, reposts, quotes, likes),
# so Insights is not empty on first run: conversation draws replies, promotions mostly likes.
DEMO_FIGURES = {
    "conversational": (7, 1, 0, 15),
    "educational": (2, 5, 1, 24),
    "curated": (1, 3, 1, 11),
    "promotional": (0, 1, 0, 9),
}
# Each reading's share of the final figures, at 1 h, 6 h, 24 h, 3 days and 7 days.
DEMO_GROWTH = ((1, 0.3), (6, 0.6), (24, 0.85), (72, 0.95), (168, 1.0))
# Weekly posting times ("fill the month" and "add to queue" use them): Mon, Wed, Fri at 10:00.
SLOTS = [("fb", weekday, "10:00") for weekday in (0, 2, 4)]


def _user(
    session: Session, email: str, password: str, now: datetime, name: str, method: str
) -> User:
    user = accounts.find_user(session=session, email=email)
    return user or accounts.create_user(
        session=session, email=email, password=password, now=now, name=name, password_method=method
    )


def load_demo(
    *,
    session: Session,
    now: datetime,
    if_empty: bool = False,
    password_method: str = accounts.PASSWORD_METHOD,
) -> bool:
    """Create the demo workspace around the current month; return False when skipped."""
    if if_empty and session.exec(select(func.count()).select_from(User)).one() > 0:
        return False
    if workspaces.find_workspace_by_name(session=session, name=DEMO_WORKSPACE):
        return False
    owner = _user(session, DEMO_EMAIL, DEMO_PASSWORD, now, "Jo Baker", password_method)
    editor = _user(
        session, "editor@example.com", DEMO_PASSWORD, now, "Eddie Editor", password_method
    )
    helper = _user(
        session, "helper@example.com", DEMO_PASSWORD, now, "Cam Contributor", password_method
    )
    ws = workspaces.create_workspace(
        session=session, owner=owner, name=DEMO_WORKSPACE, timezone=DEMO_TZ, now=now
    )
    workspaces.add_member(session=session, workspace=ws, user=editor, role=Role.EDITOR, now=now)
    workspaces.add_member(
        session=session, workspace=ws, user=helper, role=Role.CONTRIBUTOR, now=now
    )
    channels = {
        "fb": Channel(
            workspace_id=ws.id,
            name="Bakery feed (outbox)",
            platform="outbox",
            status=ChannelStatus.OK,
            created_at=now,
        ),
        # The newsletter carries the offers by design: its own guardrails switch the share and
        # streak rules off there, and keep the quiet-gap watch.
        "nl": Channel(
            workspace_id=ws.id,
            name="Newsletter (outbox)",
            platform="outbox",
            status=ChannelStatus.OK,
            guardrail_policy=ChannelPolicy(off=("max_share", "streak")).to_dict(),
            created_at=now,
        ),
    }
    for ch in channels.values():
        session.add(ch)
    session.flush()
    tz = get_zone(DEMO_TZ)
    first = to_local(now, tz).date() - timedelta(days=7)
    authors = [owner, editor, helper]
    plan_posts: list[Post] = []
    for i, (day, at, category, keys, text) in enumerate(PLAN):
        when = combine_local(first + timedelta(days=day - 1), time.fromisoformat(at), tz)
        status = (
            PostStatus.PUBLISHED
            if when < now
            else (PostStatus.DRAFT if i % 3 == 0 else PostStatus.IN_REVIEW)
        )
        post = Post(
            workspace_id=ws.id,
            author_id=authors[i % 3].id,
            body=text,
            category=category,
            scheduled_at=when,
            status=status,
            created_at=now - timedelta(days=7),
            updated_at=now - timedelta(days=7),
        )
        session.add(post)
        session.flush()
        plan_posts.append(post)
        for n, key in enumerate(keys.split(",")):
            session.add(PostChannel(post_id=post.id, channel_id=channels[key].id))
            if status == PostStatus.PUBLISHED:
                _add_readings(session, post, channels[key], now, bump=(i + n) % 3)
    add_inbox_items(
        session=session, plan_posts=plan_posts, channel=channels["fb"], answerer=editor, now=now
    )
    for category, text in IDEAS:
        session.add(
            Post(
                workspace_id=ws.id,
                author_id=helper.id,
                body=text,
                category=category,
                status=PostStatus.DRAFT,
                created_at=now,
                updated_at=now,
            )
        )
    for key, weekday, at in SLOTS:
        session.add(
            PostingSlot(
                workspace_id=ws.id,
                channel_id=channels[key].id,
                weekday=weekday,
                local_time=time.fromisoformat(at),
                created_at=now,
            )
        )
    session.flush()
    _queue_first_publish(session, ws.id, owner.id, channels["fb"], now)
    return True


def _add_readings(session: Session, post: Post, channel: Channel, now: datetime, bump: int) -> None:
    """Store the figures a published demo post would have shown at each reading until now."""
    assert post.scheduled_at is not None and post.id is not None and channel.id is not None
    final = [value + bump for value in DEMO_FIGURES[post.category]]
    for hours, share in DEMO_GROWTH:
        read_at = post.scheduled_at + timedelta(hours=hours)
        if read_at > now:
            break
        replies, reposts, quotes, likes = (round(value * share) for value in final)
        figures = Engagement(replies, reposts, quotes, likes, raw={"demo": True})
        engagement.record_reading(
            session=session,
            workspace_id=post.workspace_id,
            post_id=post.id,
            channel_id=channel.id,
            delivery_id=None,
            figures=figures,
            now=read_at,
        )


def _queue_first_publish(
    session: Session, workspace_id: int, author_id: int, channel: Channel, now: datetime
) -> Post:
    """An approved post due a minute after loading, so ``planner run`` shows publishing at work."""
    post = Post(
        workspace_id=workspace_id,
        author_id=author_id,
        # Promotional, so it extends the demo's streak of promotions rather than breaking it up.
        body="Fresh out of the oven right now: warm sourdough and cinnamon knots. 🥖",
        category="promotional",
        scheduled_at=now + timedelta(minutes=1),
        status=PostStatus.APPROVED,
        created_at=now,
        updated_at=now,
    )
    session.add(post)
    session.flush()
    session.add(PostChannel(post_id=post.id, channel_id=channel.id))
    deliveries.schedule_for_post(session=session, post=post, channel_ids=[channel.id], now=now)
    return post
