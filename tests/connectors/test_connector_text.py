from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from planner.connectors import text

THUMB = "\U0001f44d\U0001f3fd"  # thumbs up, medium skin tone: 1 grapheme, 2 code points
FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467"  # one grapheme of five code points


@pytest.mark.parametrize(
    ("value", "expected"),
    [("", 0), ("abc", 3), (THUMB, 1), (FAMILY, 1), ("e\u0301", 1), ("🇫🇷", 1), ("a\nb", 3)],
)
def test_graphemes_count_user_perceived_characters(value: str, expected: int) -> None:
    assert text.graphemes(value) == expected


@given(st.lists(st.sampled_from([chr(i) for i in range(128)] + ["\r\n"]), max_size=60).map("".join))
def test_ascii_text_counts_as_the_grapheme_rules_count_it(value: str) -> None:
    # Plain ASCII skips the regex (every character its own cluster but CR LF): same answer.
    assert text.graphemes(value) == len(text.GRAPHEME.findall(value))


@pytest.mark.parametrize("value", ["\r\n", "a\r\nb", "\r\r\n\n", "\n\r", "x\ty\x00\x7f"])
def test_ascii_line_breaks_count_as_the_regex_counts_them(value: str) -> None:
    assert text.graphemes(value) == len(text.GRAPHEME.findall(value))


def test_utf8_length_counts_bytes() -> None:
    assert text.utf8_length(THUMB) == 8
    assert text.utf8_length("café") == 5


@pytest.mark.parametrize(
    ("value", "urls"),
    [
        ("see https://example.com/a?b=1.", ["https://example.com/a?b=1"]),
        (
            "(https://en.wikipedia.org/wiki/Bread_(food))",
            ["https://en.wikipedia.org/wiki/Bread_(food)"],
        ),
        ("two http://a.io, https://b.org/x!", ["http://a.io", "https://b.org/x"]),
        ("no scheme example.com", []),
        ("https:// nothing", []),
        ("word/https://example.com", []),
    ],
)
def test_find_urls_trims_trailing_punctuation(value: str, urls: list[str]) -> None:
    assert [url for _start, _end, url in text.find_urls(value)] == urls


def test_mastodon_counts_each_url_as_23() -> None:
    long_url = "https://example.com/" + "a" * 200
    assert text.mastodon_length(f"Menu: {long_url}") == len("Menu: ") + 23
    assert text.mastodon_length("https://a.io") == 23


def test_mastodon_counts_remote_mentions_as_the_user_part() -> None:
    assert text.mastodon_length("hi @baker@bread.social") == len("hi @baker")
    assert text.mastodon_length("hi @baker") == len("hi @baker")


def test_mastodon_url_width_comes_from_the_server() -> None:
    assert text.mastodon_length("https://example.com/long/path", url_length=30) == 30


def test_link_facets_use_utf8_byte_offsets_after_emoji() -> None:
    value = f"{THUMB}{FAMILY} Order at https://shop.example/menu today"
    [facet] = text.link_facets(value)
    start, end = facet["index"]["byteStart"], facet["index"]["byteEnd"]
    assert value.encode()[start:end] == b"https://shop.example/menu"
    assert start == len(f"{THUMB}{FAMILY} Order at ".encode())
    assert facet["features"] == [
        {"$type": "app.bsky.richtext.facet#link", "uri": "https://shop.example/menu"}
    ]


def test_tag_facets_cover_the_hash_and_skip_numbers() -> None:
    value = "Fresh #bread, #2024 and #café!"
    facets = text.tag_facets(value)
    assert [facet["features"][0]["tag"] for facet in facets] == ["bread", "café"]
    for facet in facets:
        start, end = facet["index"]["byteStart"], facet["index"]["byteEnd"]
        assert value.encode()[start:end].decode().startswith("#")


def test_bluesky_facets_are_in_text_order() -> None:
    facets = text.bluesky_facets("#new https://a.io #bread")
    assert [facet["index"]["byteStart"] for facet in facets] == [0, 5, 18]


@given(
    before=st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40),
    after=st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40),
)
def test_link_facet_bytes_always_slice_out_the_url(before: str, after: str) -> None:
    url = "https://shop.example/menu"
    value = f"{before} {url} {after}"
    facets = [f for f in text.link_facets(value) if f["features"][0]["uri"] == url]
    assert facets
    encoded = value.encode()
    for facet in facets:
        assert encoded[facet["index"]["byteStart"] : facet["index"]["byteEnd"]] == url.encode()
