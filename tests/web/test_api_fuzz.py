"""Arbitrary JSON bodies and query strings at every API route: a 4xx or a success, never a 500."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlencode

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner.models import Channel, Post, PostStatus
from tests.conftest import NOW

HUGE_IDS = [0, 2**31, 2**63 - 1, 2**63, 10**19]
# Keys the API reads somewhere, so generated objects reach past "unknown field" often.
KEYS = [
    "body",
    "category",
    "scheduled_at",
    "channel_ids",
    "link",
    "utm_campaign",
    "rrule",
    "apply_to",
    "name",
    "timezone",
    "platform",
    "config",
    "post_id",
    "month",
    "placements",
    "lines",
    "comment",
    "override_reason",
    "min_gap_days",
    "max_uses",
    "channel_id",
    "weekday",
    "time",
    "preset",
    "start",
    "end",
    "status",
]
TEXT = st.text(max_size=30) | st.sampled_from(
    [
        "curated",
        "2026-03-02T09:00Z",
        "9999-12-31T23:59:59Z",
        "0001-01-01T00:00+01:00",
        "2026-03",
        "9999-12",
        "FREQ=WEEKLY",
        "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30",
        "following",
        "\x00",
        "\ud800",
        "²",
        "https://shop.example/",
        "outbox",
        "UTC",
        "10:00",
    ]
)
NUMBERS = st.integers(min_value=-(2**70), max_value=2**70) | st.sampled_from(HUGE_IDS)
SCALARS = st.none() | st.booleans() | NUMBERS | st.floats(allow_nan=False) | TEXT
JSON = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=8), inner, max_size=5)
    ),
    max_leaves=12,
)
BODIES = st.dictionaries(st.sampled_from(KEYS), JSON, max_size=6) | JSON
QUERIES = st.dictionaries(
    st.sampled_from(["start", "end", "status", "category", "channel_id", "month", "q"]),
    TEXT | NUMBERS.map(str),
    max_size=4,
)


def _routes(app) -> list[tuple[str, str]]:
    """Every (method, rule) of the API, read from the app's URL map."""
    found = []
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1"):
            for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
                found.append((method, rule.rule))
    return sorted(found)


def _fill(rule: str, ids: st.DataObject, existing: list[int]) -> str:
    return re.sub(
        r"<(?:\w+:)?\w+>",
        lambda _m: str(ids.draw(st.sampled_from(existing + HUGE_IDS))),
        rule,
    )


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_no_api_route_answers_500(app, auth, client, session, data) -> None:
    if not hasattr(app, "_fuzz"):
        owner = auth.user(timezone="Asia/Tokyo")
        channel = Channel(
            workspace_id=owner.workspace.id, name="Feed", platform="outbox", created_at=NOW
        )
        session.add(channel)
        session.commit()
        post = Post(
            workspace_id=owner.workspace.id,
            author_id=owner.user.id,
            body="Hello",
            category="curated",
            status=PostStatus.DRAFT,
            scheduled_at=NOW,
            created_at=NOW,
            updated_at=NOW,
        )
        session.add(post)
        session.commit()
        app._fuzz = (auth.token(owner), [owner.workspace.id, post.id, channel.id])
    token, existing = app._fuzz
    method, rule = data.draw(st.sampled_from(_routes(app)), label="route")
    path = _fill(rule, data, existing)
    body: Any = data.draw(BODIES, label="body")
    query = data.draw(QUERIES, label="query")
    raw = json.dumps(body).encode("utf-8", "surrogatepass")
    resp = client.open(
        path,
        method=method,
        data=raw,
        # Percent-encoded bytes, as a real client sends them (lone surrogates included).
        query_string=urlencode(query, errors="surrogatepass"),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    assert resp.status_code < 500, (method, path, body, query, resp.get_data(as_text=True)[:300])
    if resp.status_code >= 400 and resp.status_code != 405:
        error = resp.get_json()["error"]
        assert set(error) >= {"code", "message", "fields"}
