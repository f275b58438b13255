"""Repeat rules: checked, expanded on the local wall clock, and said in plain words."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from planner.planning.rrules import (
    RuleError,
    build_rule,
    describe,
    form_values,
    has_more_after,
    occurrences,
    parse_rule,
)
from planner.timeutils import local_to_utc

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
FAR = datetime(2030, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "normal"),
    [
        ("FREQ=WEEKLY;BYDAY=TU;COUNT=8", "FREQ=WEEKLY;BYDAY=TU;COUNT=8"),
        ("rrule:freq=weekly;byday=tu", "FREQ=WEEKLY;BYDAY=TU"),
        (" COUNT=3 ; FREQ=DAILY ", "FREQ=DAILY;COUNT=3"),
        ("FREQ=MONTHLY;BYDAY=1MO", "FREQ=MONTHLY;BYDAY=1MO"),
        ("FREQ=WEEKLY;INTERVAL=02;UNTIL=20260630", "FREQ=WEEKLY;INTERVAL=2;UNTIL=20260630"),
    ],
)
def test_rules_are_normalised(text: str, normal: str) -> None:
    assert parse_rule(text).text == normal


@pytest.mark.parametrize(
    ("text", "says"),
    [
        (None, "as text"),
        ("", "Give a rule"),
        ("FREQ=WEEKLY;BYDAY", "NAME=VALUE"),
        ("FREQ=HOURLY", "FREQ must be"),
        ("BYDAY=TU", "FREQ must be"),
        ("FREQ=WEEKLY;FREQ=DAILY", "twice"),
        ("FREQ=WEEKLY;BYHOUR=9", "post's own time"),
        ("DTSTART=20260303T100000;FREQ=WEEKLY", "DTSTART"),
        ("FREQ=WEEKLY;BYSETPOS=1", "not a rule part"),
        ("FREQ=WEEKLY;COUNT=2;UNTIL=20260601", "not both"),
        ("FREQ=WEEKLY;COUNT=0", "COUNT must be"),
        ("FREQ=WEEKLY;COUNT=9999", "COUNT must be"),
        ("FREQ=WEEKLY;INTERVAL=x", "INTERVAL must be"),
        ("FREQ=WEEKLY;UNTIL=soon", "UNTIL must be"),
        ("FREQ=DAILY;UNTIL=99991231T235959Z", "UNTIL must be a date from 1970 to 2200"),
        ("FREQ=DAILY;UNTIL=99991231", "UNTIL must be a date from 1970 to 2200"),
        ("FREQ=DAILY;UNTIL=00010101T000000Z", "UNTIL must be a date from 1970 to 2200"),
        ("FREQ=DAILY;UNTIL=22010101T000000", "UNTIL must be a date from 1970 to 2200"),
        ("FREQ=WEEKLY;BYDAY=XX", "not valid"),
    ],
)
def test_bad_rules_say_why(text: object, says: str) -> None:
    with pytest.raises(RuleError) as info:
        parse_rule(text)
    assert says in info.value.message


def _local_times(rule: str, start: datetime, tz: ZoneInfo) -> list[str]:
    return [
        at.astimezone(tz).strftime("%a %d %b %H:%M")
        for _n, at in occurrences(parse_rule(rule), start, tz, before=FAR)
    ]


@pytest.mark.parametrize("tz", [LONDON, NEW_YORK], ids=["London", "New York"])
def test_weekly_post_stays_at_ten_across_the_spring_change(tz: ZoneInfo) -> None:
    found = list(
        occurrences(
            parse_rule("FREQ=WEEKLY;BYDAY=TU;COUNT=8"), datetime(2026, 3, 3, 10), tz, before=FAR
        )
    )
    assert [n for n, _ in found] == list(range(8))
    assert {at.astimezone(tz).strftime("%a %H:%M") for _, at in found} == {"Tue 10:00"}
    offsets = {at.astimezone(tz).utcoffset() for _, at in found}
    assert len(offsets) == 2  # winter and summer time both appear


@pytest.mark.parametrize(
    ("rule", "start", "expected"),
    [
        (
            "FREQ=MONTHLY;BYDAY=1MO;COUNT=3",
            datetime(2026, 3, 2, 9, 30),
            ["Mon 02 Mar 09:30", "Mon 06 Apr 09:30", "Mon 04 May 09:30"],
        ),
        (
            "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH;COUNT=4",
            datetime(2026, 3, 2, 8, 0),
            ["Mon 02 Mar 08:00", "Thu 05 Mar 08:00", "Mon 16 Mar 08:00", "Thu 19 Mar 08:00"],
        ),
        (
            # The post's own day is the first occurrence even when the rule would not pick it.
            "FREQ=WEEKLY;BYDAY=TU;COUNT=3",
            datetime(2026, 3, 2, 10, 0),
            ["Mon 02 Mar 10:00", "Tue 03 Mar 10:00", "Tue 10 Mar 10:00"],
        ),
        (
            "FREQ=WEEKLY;UNTIL=20260317",
            datetime(2026, 3, 3, 10, 0),
            ["Tue 03 Mar 10:00", "Tue 10 Mar 10:00", "Tue 17 Mar 10:00"],
        ),
        (
            "FREQ=DAILY;UNTIL=20260305T090000Z",
            datetime(2026, 3, 3, 10, 0),
            ["Tue 03 Mar 10:00", "Wed 04 Mar 10:00"],
        ),
    ],
)
def test_expansion_table(rule: str, start: datetime, expected: list[str]) -> None:
    assert _local_times(rule, start, LONDON) == expected


def test_occurrences_stop_before_the_bound_and_the_end_is_known() -> None:
    rule = parse_rule("FREQ=WEEKLY;COUNT=3")
    start = datetime(2026, 3, 3, 10)
    bound = datetime(2026, 3, 12, tzinfo=UTC)
    assert [n for n, _ in occurrences(rule, start, LONDON, before=bound)] == [0, 1]
    assert has_more_after(rule, start, LONDON, after=bound)
    assert not has_more_after(rule, start, LONDON, after=datetime(2026, 3, 18, tzinfo=UTC))
    assert has_more_after(parse_rule("FREQ=WEEKLY"), start, LONDON, after=FAR)
    never = parse_rule("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30")
    assert not has_more_after(never, start, LONDON, after=datetime(2026, 3, 4, tzinfo=UTC))


@pytest.mark.parametrize(
    ("rule", "start", "words"),
    [
        (
            "FREQ=WEEKLY;BYDAY=TU;COUNT=8",
            datetime(2026, 3, 3, 10),
            "Every week on Tuesday at 10:00, 8 times",
        ),
        ("FREQ=WEEKLY", datetime(2026, 3, 3, 10), "Every week on Tuesday at 10:00"),
        (
            "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH;UNTIL=20260630",
            datetime(2026, 3, 2, 9, 30),
            "Every 2 weeks on Monday and Thursday at 09:30, until 30 June 2026",
        ),
        (
            "FREQ=MONTHLY;BYDAY=1MO",
            datetime(2026, 3, 2, 9),
            "Every month on the first Monday at 09:00",
        ),
        (
            "FREQ=MONTHLY;BYDAY=-1FR;COUNT=1",
            datetime(2026, 3, 27, 9),
            "Every month on the last Friday at 09:00, once",
        ),
        ("FREQ=MONTHLY", datetime(2026, 3, 22, 9), "Every month on the 22nd at 09:00"),
        (
            "FREQ=MONTHLY;BYMONTHDAY=-1",
            datetime(2026, 3, 31, 9),
            "Every month on the last day at 09:00",
        ),
        ("FREQ=DAILY;INTERVAL=3", datetime(2026, 3, 2, 9), "Every 3 days at 09:00"),
        ("FREQ=YEARLY", datetime(2026, 3, 2, 9), "Every year on 2 March at 09:00"),
        (
            "FREQ=WEEKLY;BYMONTH=3",
            datetime(2026, 3, 2, 9),
            "Repeats by the rule FREQ=WEEKLY;BYMONTH=3 at 09:00",
        ),
    ],
)
def test_plain_words(rule: str, start: datetime, words: str) -> None:
    assert describe(parse_rule(rule), start, LONDON) == words


@pytest.mark.parametrize(
    ("kind", "options", "text"),
    [
        ("none", {}, None),
        ("weekly", {"weekdays": [3, 1], "count": 8}, "FREQ=WEEKLY;BYDAY=TU,TH;COUNT=8"),
        ("weekly", {}, "FREQ=WEEKLY"),
        ("weeks", {"interval": 3, "weekdays": [0]}, "FREQ=WEEKLY;INTERVAL=3;BYDAY=MO"),
        (
            "monthly",
            {"nth": -1, "weekday": 4, "until": date(2026, 6, 30)},
            "FREQ=MONTHLY;BYDAY=-1FR;UNTIL=20260630T235959",
        ),
    ],
)
def test_composer_choices_build_rules_and_read_back(
    kind: str, options: dict, text: str | None
) -> None:
    rule = build_rule(kind, **options)
    assert (rule.text if rule else None) == text
    if rule is not None:
        values = form_values(rule, LONDON)
        assert values["kind"] == kind
        again = build_rule(
            str(values["kind"]),
            weekdays=list(values.get("weekdays") or []),
            interval=int(values["interval"]),
            nth=int(values.get("nth", 1)),
            weekday=int(values.get("weekday", 0)),
            count=values.get("count"),
            until=values.get("until"),
        )
        assert again == rule


def test_unusual_rules_read_back_as_custom() -> None:
    assert form_values(parse_rule("FREQ=DAILY"), LONDON)["kind"] == "custom"
    assert parse_rule("FREQ=WEEKLY;COUNT=8").with_count(3).text == "FREQ=WEEKLY;COUNT=3"
    assert parse_rule("FREQ=WEEKLY;COUNT=8").with_count(None).text == "FREQ=WEEKLY"


TOKYO = ZoneInfo("Asia/Tokyo")
HONOLULU = ZoneInfo("Pacific/Honolulu")


@pytest.mark.parametrize("tz", [TOKYO, ZoneInfo("Pacific/Kiritimati"), HONOLULU, NEW_YORK])
@pytest.mark.parametrize(
    "until", ["99991231T235959Z", "99991231", "99991231T235959", "00010101T000000Z"]
)
def test_a_stored_rule_at_the_edge_of_time_expands_without_overflow(
    tz: ZoneInfo, until: str
) -> None:
    """Rules saved before UNTIL was limited are clamped, never an OverflowError, in any zone."""
    rule = parse_rule(f"FREQ=DAILY;UNTIL={until}", stored=True)
    start = datetime(2026, 3, 3, 10, 0)
    times = list(occurrences(rule, start, tz, before=local_to_utc(datetime(2026, 3, 6), tz)))
    ends_early = until.startswith("0001")
    assert len(times) == (1 if ends_early else 3)
    assert has_more_after(rule, start, tz, after=FAR) is not ends_early
    assert describe(rule, start, tz).startswith("Every day at 10:00, until")
    assert form_values(rule, tz)["ends"] == "until"


@pytest.mark.parametrize("tz", [TOKYO, HONOLULU])
def test_a_series_near_the_end_of_time_yields_what_it_can_and_never_overflows(
    tz: ZoneInfo,
) -> None:
    rule = parse_rule("FREQ=YEARLY")
    start = datetime(9999, 12, 28, 23, 0)
    end = datetime.max.replace(tzinfo=UTC)
    assert [n for n, _at in occurrences(rule, start, tz, before=end)] == [0]
    assert has_more_after(rule, start, tz, after=datetime(2026, 1, 1, tzinfo=UTC)) is True
    assert list(occurrences(rule, datetime(9999, 12, 31, 23, 0), tz, before=end)) == []
