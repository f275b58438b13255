"""One-line text: names and other short fields refuse line breaks and control characters."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from planner.services.errors import ValidationError
from planner.services.text import MESSAGE, breaks_line, flatten, single_line

BREAKERS = ["\r", "\n", "\r\n", "\t", "\x00", "\x1b", "\x85", "\u2028", "\u2029", "\ud800"]


@pytest.mark.parametrize("breaker", BREAKERS)
def test_a_line_break_or_control_character_is_refused_on_its_field(breaker: str) -> None:
    with pytest.raises(ValidationError) as info:
        single_line(f"Mallory{breaker}Bcc: x@evil.test", "name")
    assert info.value.fields == {"name": MESSAGE}


@pytest.mark.parametrize("text", ["Ana", "Zoë's Bakery — Café", "東京の店", "  Ana Lee  ", ""])
def test_ordinary_names_pass_with_their_spaces_trimmed(text: str) -> None:
    assert single_line(text, "name") == text.strip()


@given(st.text())
def test_flatten_always_gives_one_line_that_passes_the_check(text: str) -> None:
    line = flatten(text)
    assert not breaks_line(line)
    assert single_line(line, "name") == line
    assert len(line.splitlines()) <= 1
