"""Count text the way each platform counts it, and mark links for Bluesky.

Platforms count user-perceived characters (grapheme clusters), not code points:
a thumbs-up with a skin tone is one character but two code points and eight bytes.
"""

from __future__ import annotations

from typing import Any

import regex

GRAPHEME = regex.compile(r"\X")

# A web address with a scheme; its end is trimmed below the way twitter-text
# (which Mastodon uses) and Bluesky's own client trim trailing punctuation.
URL = regex.compile(
    r"(?<![\w/])https?://(?:[\p{L}\p{N}_-]+\.)+[\p{L}\p{N}-]{2,}(?::\d{1,5})?(?:[/?#]\S*)?",
    regex.IGNORECASE,
)
URL_END_OK = regex.compile(r"[\p{L}\p{N}=_#/+\-)]")

# Mastodon counts a remote mention @user@domain as just @user.
REMOTE_MENTION = regex.compile(r"(^|[^/\w])@(([a-z0-9_]+)@[a-z0-9.\-]+[a-z0-9]+)", regex.IGNORECASE)

# Bluesky's client rule for hashtags: after a space or the start, not only digits.
_INVISIBLE = r"\u00AD\u2060\u200A\u200B\u200C\u200D\u20e2"
TAG = regex.compile(
    rf"(?:^|(?<=\s))[#＃]((?!\ufe0f)[^\s{_INVISIBLE}]*[^\d\s\p{{P}}{_INVISIBLE}]+[^\s{_INVISIBLE}]*)"
)
TRAILING_PUNCTUATION = regex.compile(r"\p{P}+$")
MAX_TAG_GRAPHEMES = 64


def graphemes(text: str) -> int:
    """Return the number of user-perceived characters in *text*."""
    if text.isascii():
        # In ASCII every character is a cluster of its own except CR LF (UAX #29, GB3):
        # the same count as the regex, without its cost on every row of an import.
        return len(text) - text.count("\r\n")
    return len(GRAPHEME.findall(text))


def utf8_length(text: str) -> int:
    """Return the size of *text* in UTF-8 bytes."""
    return len(text.encode("utf-8"))


def find_urls(text: str) -> list[tuple[int, int, str]]:
    """Return ``(start, end, url)`` for each http(s) address, as string indexes."""
    found = []
    for match in URL.finditer(text):
        url = match.group()
        while url and (
            not URL_END_OK.match(url[-1]) or (url[-1] == ")" and url.count("(") < url.count(")"))
        ):
            url = url[:-1]
        if "://" in url and not url.endswith("://"):
            found.append((match.start(), match.start() + len(url), url))
    return found


def mastodon_countable(text: str, url_length: int = 23) -> str:
    """Rewrite *text* the way Mastodon does before counting: URLs to a fixed width."""
    pieces = []
    position = 0
    for start, end, _url in find_urls(text):
        pieces.append(text[position:start])
        pieces.append("x" * url_length)
        position = end
    pieces.append(text[position:])
    return REMOTE_MENTION.sub(r"\1@\3", "".join(pieces))


def mastodon_length(text: str, url_length: int = 23) -> int:
    """Return the length Mastodon checks against its limit."""
    return graphemes(mastodon_countable(text, url_length))


def _byte_span(text: str, start: int, end: int) -> dict[str, int]:
    byte_start = utf8_length(text[:start])
    return {"byteStart": byte_start, "byteEnd": byte_start + utf8_length(text[start:end])}


def link_facets(text: str) -> list[dict[str, Any]]:
    """Return Bluesky link facets, since the server does not detect links itself.

    Offsets are UTF-8 byte positions: ``byteStart`` inclusive, ``byteEnd`` exclusive.
    """
    return [
        {
            "$type": "app.bsky.richtext.facet",
            "index": _byte_span(text, start, end),
            "features": [{"$type": "app.bsky.richtext.facet#link", "uri": url}],
        }
        for start, end, url in find_urls(text)
    ]


def tag_facets(text: str) -> list[dict[str, Any]]:
    """Return Bluesky hashtag facets, so that #tags in a post are clickable."""
    facets = []
    for match in TAG.finditer(text):
        tag = TRAILING_PUNCTUATION.sub("", match.group(1))
        if not tag or graphemes(tag) > MAX_TAG_GRAPHEMES:
            continue
        start = match.start()
        end = match.start(1) + len(tag)
        facets.append(
            {
                "$type": "app.bsky.richtext.facet",
                "index": _byte_span(text, start, end),
                "features": [{"$type": "app.bsky.richtext.facet#tag", "tag": tag}],
            }
        )
    return facets


def bluesky_facets(text: str) -> list[dict[str, Any]]:
    """Return link and hashtag facets in text order."""
    facets = link_facets(text) + tag_facets(text)
    return sorted(facets, key=lambda facet: facet["index"]["byteStart"])
