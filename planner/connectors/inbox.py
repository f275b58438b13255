"""What connectors hand the inbox: replies and mentions as plain values, and our sent answers.

Platforms send post text as HTML (Mastodon) or plain text (Bluesky); ``plain_text`` reduces the
HTML to text with the standard library, so what is stored is never markup, and every page
escapes it again on output.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from html.parser import HTMLParser

from planner.connectors.errors import PermanentError

REPLY = "reply"
MENTION = "mention"
# Elements whose content is never text a person wrote.
_SKIPPED = frozenset({"script", "style", "template", "head", "title"})
_BREAKS = frozenset({"br"})
_BLOCKS = frozenset({"p", "div", "li", "blockquote", "pre", "h1", "h2", "h3", "h4", "h5", "h6"})


@dataclass(frozen=True)
class Incoming:
    """One reply or mention found on a platform; ``in_reply_to`` is the post it answers, if any."""

    external_id: str
    kind: str
    author_name: str
    author_handle: str
    author_url: str | None
    text: str
    url: str | None
    received_at: datetime
    in_reply_to: str | None = None


@dataclass(frozen=True)
class SentAnswer:
    """Where our answer can be found on the platform."""

    external_id: str | None
    external_url: str | None


class NotAvailable(PermanentError):
    """This platform gives planner no replies or mentions to read, or no way to answer them."""


class _TextOnly(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED:
            self.skipping += 1
        elif tag in _BREAKS:
            self.parts.append("\n")
        elif tag in _BLOCKS and self.parts and not self.parts[-1].endswith("\n"):
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED:
            self.skipping = max(0, self.skipping - 1)
        elif tag in _BLOCKS:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def plain_text(html: str) -> str:
    """Return the text a person sees in *html*: tags dropped, entities decoded, paragraphs kept."""
    parser = _TextOnly()
    parser.feed(html or "")
    parser.close()
    lines = [" ".join(line.split()) for line in "".join(parser.parts).split("\n")]
    text = "\n".join(lines)
    while "\n\n\n" in text:
        text = text.replace("\n\n\n", "\n\n")
    return text.strip()


def parse_time(value: object, default: datetime) -> datetime:
    """Read a platform's ISO 8601 timestamp as an aware UTC instant; *default* when unreadable."""
    if not isinstance(value, str) or not value:
        return default
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return default
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
