"""Property: applying any offered suggestion lowers the month's warnings and adds none anywhere.

"Adds none" compares warnings by identity (``same_warning``): a week going from 3 of 6 to
3 of 7 promotional is the same warning with other numbers, not a new one.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from planner.guardrails import CATEGORIES, PRESETS, Policy, same_warning
from planner.services import guardrail_checks
from planner.services import guardrail_suggestions as gs
from planner.services.guardrail_checks import Edits
from planner.timeutils import combine_local, get_zone, month_window
from tests.conftest import NOW
from tests.factories import add_post, make_channel

POLICIES = [
    PRESETS["80-20"],
    PRESETS["thirds"],
    Policy(
        preset="custom",
        max_share={"promotional": "25%", "curated": "40%"},
        min_share={"conversational": "20%"},
        streak={"promotional": 1, "educational": 2},
        quiet_gap_days=4,
    ),
]
# A clock before the month, and one in the middle of it (earlier posts can no longer change).
CLOCKS = [NOW, datetime(2027, 3, 12, 12, tzinfo=UTC)]
WIDE = (datetime(2027, 1, 1, tzinfo=UTC), datetime(2027, 6, 1, tzinfo=UTC))

rows = st.lists(
    st.tuples(
        st.integers(1, 31),  # day of March 2027
        st.integers(7, 21),  # local hour
        st.sampled_from(CATEGORIES),
        st.sampled_from(["draft", "in_review", "approved"]),
        st.sampled_from([(0,), (1,), (0, 1)]),  # channel A, B or both
    ),
    min_size=3,
    max_size=45,
)


def _judge(session, workspace, span, now, edits):
    return guardrail_checks.judge(
        session=session, workspace=workspace, span=span, now=now, edits=edits, report="both"
    )


def _not_gaps(warnings) -> int:
    return sum(1 for w in warnings if w.rule != "quiet_gap")


def _by_channel(warnings, channel_id):
    return sorted(str(w.to_dict()) for w in warnings if w.channel_id == channel_id)


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    planned=rows,
    policy=st.sampled_from(POLICIES),
    now=st.sampled_from(CLOCKS),
    zone=st.sampled_from(["UTC", "Europe/London", "America/New_York"]),
)
def test_an_offered_suggestion_never_adds_a_warning(
    auth, session, planned, policy, now, zone
) -> None:
    owner = auth.user(timezone=zone)
    owner.workspace.policy = policy.to_dict()
    session.add(owner.workspace)
    tz = get_zone(zone)
    channels = [make_channel(session, owner.workspace, name).id for name in ("A", "B")]
    for day, hour, category, status, picks in planned:
        when = combine_local(datetime(2027, 3, day).date(), datetime(2027, 3, day, hour).time(), tz)
        add_post(
            session,
            owner,
            at=when,
            category=category,
            status=status,
            channels=[channels[i] for i in picks],
            commit=False,
        )
    session.commit()
    start, end = month_window(datetime(2027, 3, 1).date(), tz)
    warnings = guardrail_checks.evaluate_range(
        session=session, workspace=owner.workspace, start=start, end=end, now=now
    ).warnings
    found = gs.suggest(session=session, workspace=owner.workspace, warnings=warnings, now=now)
    offered = sum(len(v) for v in found.values())
    event(
        f"suggestions offered: {'none' if not offered else '1-3' if offered < 4 else '4 or more'}"
    )
    for offered in found.values():
        for suggestion in offered:
            assert suggestion.message
            edits = Edits(changed=suggestion.changed, added=suggestion.added)
            month = _judge(session, owner.workspace, (start, end), now, edits)
            # Fewer warnings in the month the suggestion was offered for (or, for a first step
            # of several, as many, one of them closer to its limit)...
            if suggestion.message.endswith(gs.STEP):
                assert len(month.warnings) <= len(month.warnings_before), suggestion.message
            else:
                assert len(month.warnings) < len(month.warnings_before), suggestion.message
            # ...and nowhere a warning that was not there before; other channels untouched.
            wide = _judge(session, owner.workspace, WIDE, now, edits)
            before, after = wide.warnings_before, wide.warnings
            for w in after:
                assert any(same_warning(w, b) for b in before), (suggestion.message, w.message)
            # Filling a silence splits one long quiet gap into the parts left outside the month;
            # every other rule never counts more warnings anywhere.
            assert _not_gaps(after) <= _not_gaps(before), suggestion.message
            touched = {c for p in (*suggestion.changed, *suggestion.added) for c in p.channel_ids}
            for channel_id in set(channels) - touched:
                assert _by_channel(after, channel_id) == _by_channel(before, channel_id)
            for p in suggestion.changed:
                assert p.scheduled_at is not None and p.scheduled_at > now
                assert p.status in ("draft", "in_review")
            if suggestion.action == "move":
                assert suggestion.to == suggestion.changed[0].scheduled_at.astimezone(tz).date()
    session.rollback()


def test_the_property_sees_suggestions_at_all(auth, session) -> None:
    """Guard against a vacuous property: a plain over-promoted week does get checked fixes."""
    owner = auth.user(timezone="UTC")
    ch = make_channel(session, owner.workspace)
    for day in range(1, 8):
        add_post(
            session,
            owner,
            at=datetime(2027, 3, day, 9, tzinfo=UTC),
            category="promotional" if day in (2, 4) else "educational",
            channels=[ch.id],
            commit=False,
        )
    for day in range(8, 22, 2):
        add_post(session, owner, at=datetime(2027, 3, day, 9, tzinfo=UTC), channels=[ch.id])
    session.commit()
    warnings = guardrail_checks.evaluate_range(
        session=session,
        workspace=owner.workspace,
        start=datetime(2027, 3, 1, tzinfo=UTC),
        end=datetime(2027, 3, 8, tzinfo=UTC) + timedelta(days=0),
        now=NOW,
    ).warnings
    found = gs.suggest(session=session, workspace=owner.workspace, warnings=warnings, now=NOW)
    assert any(found.values())
