"""Text that must stay on one line: names, titles and the other short fields people type.

A line break in a name ends up in an email header, a log line or a CSV cell, where it starts
something new (``Mallory\\r\\nBcc: ...``). Such text is refused where it comes in, with one
message, by ``single_line``; ``flatten`` makes a line of what was stored before that check.
"""

from __future__ import annotations

import unicodedata

from planner.services.errors import ValidationError

# Control characters (tab, CR, LF, NUL, NEL...), lone surrogates, and the line and paragraph
# separators: everything that splits a line or cannot be stored as text.
_REFUSED = frozenset(("Cc", "Cs", "Zl", "Zp"))
MESSAGE = "Use one line of plain text, without line breaks or control characters."


def breaks_line(value: str) -> bool:
    """Tell whether *value* holds a character that has no place in one line of text."""
    return any(unicodedata.category(ch) in _REFUSED for ch in value)


def single_line(value: str, field: str) -> str:
    """Return *value* without surrounding spaces; raise ``ValidationError`` on *field* if it
    holds a line break or another control character."""
    if breaks_line(value):
        raise ValidationError(MESSAGE, fields={field: MESSAGE})
    return value.strip()


def flatten(value: str) -> str:
    """Return *value* as one line: each run of breaks, controls and spaces becomes one space."""
    kept = (" " if unicodedata.category(ch) in _REFUSED else ch for ch in value)
    return " ".join("".join(kept).split())


def as_sentence(message: str) -> str:
    """End *message* (a platform's words, often without a full stop) so a sentence can follow."""
    message = message.strip()
    return message if not message or message[-1] in ".!?…" else f"{message}."
