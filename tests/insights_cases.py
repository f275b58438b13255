"""One month with known engagement, and its figures worked out by hand (service, API, UI tests).

Channel A and B of one workspace; posts P1-P8 in March 2026 (London) and one just after, plus
another workspace's post that must never leak in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlmodel import Session

from planner.models import Channel, Post
from planner.timeutils import get_zone, month_window
from tests.conftest import Auth, Member
from tests.factories import add_post, add_reading, make_channel

LONDON = get_zone("Europe/London")
MARCH = month_window(date(2026, 3, 1), LONDON)


@dataclass
class March:
    member: Member
    a: Channel
    b: Channel
    posts: dict[str, Post]


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=LONDON).astimezone(UTC)


def build_march(session: Session, auth: Auth) -> March:
    """The month of the table below; other workspaces and months must not leak in."""
    member = auth.user()
    a = make_channel(session, member.workspace, "A", "mastodon")
    b = make_channel(session, member.workspace, "B", "bluesky")

    def post(name: str, category: str, at: datetime, channels: list[Channel], status="published"):
        return add_post(
            session,
            member,
            at=at,
            category=category,
            body=f"{name} {category}",
            status=status,
            channels=[c.id for c in channels],
        )

    posts = {
        "P1": post("P1", "conversational", local(2026, 3, 2, 10), [a, b]),
        "P2": post("P2", "conversational", local(2026, 3, 9, 10), [a]),
        "P3": post("P3", "promotional", local(2026, 3, 10, 10), [a]),
        "P4": post("P4", "educational", local(2026, 3, 20, 10), [b]),
        # 23:30 on the 31st in London (BST): still March there, 22:30 UTC.
        "P5": post("P5", "promotional", local(2026, 3, 31, 23, 30), [b]),
        # 00:30 on 1 April in London is 23:30 UTC on 31 March: April's, not March's.
        "P6": post("P6", "curated", local(2026, 4, 1, 0, 30), [a]),
        "P7": post("P7", "educational", local(2026, 3, 15, 10), [a]),  # no figures yet
        "P8": post("P8", "promotional", local(2026, 3, 12, 10), [], status="draft"),
    }
    p = posts
    add_reading(session, p["P1"], a, (1, 0, 0, 2), at=local(2026, 3, 2, 11))
    add_reading(session, p["P1"], a, (4, 1, 0, 6), at=local(2026, 3, 3, 10))
    add_reading(session, p["P1"], b, (2, 0, 1, 3), at=local(2026, 3, 3, 10))
    add_reading(session, p["P2"], a, (3, 0, 0, 4))
    add_reading(session, p["P3"], a, (0, 2, 0, 10), at=local(2026, 3, 10, 11))
    add_reading(session, p["P3"], a, (0, 1, 0, 8), at=local(2026, 3, 11, 10))  # went down
    add_reading(session, p["P4"], b, (1, 3, 2, 5))
    add_reading(session, p["P5"], b, (1, 1, 1, 1))
    add_reading(session, p["P6"], a, (9, 9, 9, 9))
    other = auth.user()
    elsewhere = make_channel(session, other.workspace, "X", "mastodon")
    stranger = add_post(
        session, other, at=local(2026, 3, 5, 9), category="conversational", channels=[elsewhere.id]
    )
    add_reading(session, stranger, elsewhere, (50, 50, 50, 50))
    return March(member, a, b, posts)


# Worked by hand with the default weights (reply 3, repost 2, quote 2, like 0.5); the latest
# reading of each post on each channel counts, and a post on two channels is one post overall.
OVERALL = {
    # P1 = A (4,1,0,6) + B (2,0,1,3); P2 (3,0,0,4): 27 + 2 + 2 + 6.5
    "promotional": (2, 1, 2, 1, 9, 13.5),  # P3 (0,1,0,8) + P5 (1,1,1,1)
    "educational": (1, 1, 3, 2, 5, 15.5),  # P4; P7 has no figures yet
    "conversational": (2, 9, 1, 1, 13, 37.5),
    "curated": (0, 0, 0, 0, 0, 0.0),  # P6 is April's
}
CHANNEL_A = {
    "promotional": (1, 0, 1, 0, 8, 6.0),
    "educational": (0, 0, 0, 0, 0, 0.0),
    "conversational": (2, 7, 1, 0, 10, 28.0),
    "curated": (0, 0, 0, 0, 0, 0.0),
}
CHANNEL_B = {
    "promotional": (1, 1, 1, 1, 1, 7.5),
    "educational": (1, 1, 3, 2, 5, 15.5),
    "conversational": (1, 2, 0, 1, 3, 9.5),
    "curated": (0, 0, 0, 0, 0, 0.0),
}
