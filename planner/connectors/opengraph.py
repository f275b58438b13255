"""Read a web page's OpenGraph tags for a link card: its title, description and image.

The page is a stranger's: it is fetched through the SSRF-guarded client (public addresses
only, every redirect hop checked again), at most ``PAGE_BYTES`` of it are read, and the page
and its image together must arrive within one time budget, so saving a post never hangs on a
slow site. Parsing uses the standard library's forgiving ``html.parser``.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from planner.connectors.base import ConnectorOptions
from planner.connectors.errors import ConnectorError
from planner.connectors.http import HttpClient
from planner.connectors.replies import Response

PAGE_BYTES = 512 * 1024  # OpenGraph tags live in <head>; the rest of a long page is not needed
IMAGE_BYTES = 5 * 1024 * 1024
TOTAL_SECONDS = 5.0
MAX_REDIRECTS = 3
MAX_TITLE = 300
MAX_DESCRIPTION = 1000
REDIRECTS = frozenset({301, 302, 303, 307, 308})
HTML_TYPES = ("text/html", "application/xhtml+xml")
_SPACE = re.compile(r"\s+")
_CHARSET = re.compile(rb"""<meta[^>]+charset=["']?([A-Za-z0-9_.:-]+)""", re.IGNORECASE)


class CardError(Exception):
    """No card can be built from this link; ``message`` says why in a few words."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class PageCard:
    """What a page says about itself, and its image's bytes when they could be had.

    ``image_problem`` says why a page that names an image has none here.
    """

    url: str  # the page's own address, after any redirects
    title: str
    description: str
    image_url: str | None = None
    image: bytes | None = field(default=None, repr=False)
    image_problem: str | None = None


def read_card(
    url: str,
    *,
    options: ConnectorOptions,
    seconds: float = TOTAL_SECONDS,
    page_bytes: int = PAGE_BYTES,
    image_bytes: int = IMAGE_BYTES,
) -> PageCard:
    """Fetch *url* and its ``og:image`` within *seconds* in all, or raise ``CardError``.

    Falls back to ``<title>`` and ``<meta name="description">`` where the OpenGraph tags are
    missing. A missing or unreadable image leaves a card without one, never no card.
    """
    deadline = time.monotonic() + seconds
    client = HttpClient(options)
    page_url, response, _cut = _get(
        client, url, max_bytes=page_bytes, deadline=deadline, accept="text/html"
    )
    kind = _media_type(response)
    if kind not in HTML_TYPES:
        raise CardError(f"the link is not a web page ({kind or 'no content type'})")
    tags = _parse(_decode(response))
    title = _clean(tags.get("og:title") or tags.get("twitter:title") or tags.get("title"))
    description = _clean(
        tags.get("og:description") or tags.get("twitter:description") or tags.get("description"),
        MAX_DESCRIPTION,
    )
    if not title and not description:
        raise CardError("the page has no title or description")
    image_url = tags.get("og:image") or tags.get("og:image:url") or tags.get("twitter:image")
    image = problem = None
    if image_url:
        image_url = urljoin(page_url, image_url.strip())
        try:
            _where, answer, cut = _get(
                client, image_url, max_bytes=image_bytes, deadline=deadline, accept="image/*"
            )
            if cut:
                problem = f"the image is larger than {image_bytes // 1_048_576} MB"
            else:
                image = answer.body
        except CardError as exc:
            problem = exc.message
    return PageCard(
        url=page_url,
        title=title,
        description=description,
        image_url=image_url,
        image=image,
        image_problem=problem,
    )


def _get(
    client: HttpClient, url: str, *, max_bytes: int, deadline: float, accept: str
) -> tuple[str, Response, bool]:
    """GET *url*, following up to ``MAX_REDIRECTS`` redirects, each to a checked address.

    Returns the final address, the reply and whether its body was cut at *max_bytes*.
    """
    for _hop in range(MAX_REDIRECTS + 1):
        try:
            response, cut = client.fetch(url, max_bytes=max_bytes, deadline=deadline, accept=accept)
        except ConnectorError as exc:
            raise CardError(_reason(exc)) from exc
        except ValueError as exc:
            raise CardError(f"the address cannot be used ({exc})") from exc
        if response.status in REDIRECTS and response.headers.get("location"):
            url = urljoin(url, response.headers["location"].strip())
            continue
        if not response.ok:
            raise CardError(f"{urlsplit(url).hostname} answered {response.status}")
        return url, response, cut
    raise CardError(f"more than {MAX_REDIRECTS} redirects")


def _reason(exc: ConnectorError) -> str:
    message = exc.message
    if "timed out" in message or "No time was left" in message:
        return "the site did not answer in time"
    return message[0].lower() + message[1:] if message else type(exc).__name__


def _media_type(response: Response) -> str:
    return response.headers.get("content-type", "").split(";", 1)[0].strip().lower()


def _decode(response: Response) -> str:
    """Decode the page by its declared charset (header, then ``<meta>``), UTF-8 otherwise."""
    charset = None
    for param in response.headers.get("content-type", "").split(";")[1:]:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            charset = value.strip().strip("\"'")
    if charset is None and (found := _CHARSET.search(response.body[:4096])):
        charset = found.group(1).decode("ascii")
    try:
        return response.body.decode(charset or "utf-8", errors="replace")
    except LookupError:
        return response.body.decode("utf-8", errors="replace")


def _clean(value: str | None, limit: int = MAX_TITLE) -> str:
    text = _SPACE.sub(" ", value or "").strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _parse(page: str) -> dict[str, str]:
    """Return the page's card tags: ``og:*`` and ``twitter:*`` by name, ``title``, ``description``.

    The first value of each wins, as the OpenGraph protocol says.
    """
    parser = _TagParser()
    parser.feed(page)
    parser.close()
    return parser.tags


class _TagParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: dict[str, str] = {}
        self._in_title = False
        self._title: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "meta":
            found = {name.lower(): value or "" for name, value in attrs}
            key = (found.get("property") or found.get("name") or "").strip().lower()
            content = found.get("content", "")
            wanted = key.startswith(("og:", "twitter:")) or key == "description"
            if wanted and content.strip():
                self.tags.setdefault(key, content)
        elif tag == "title" and "title" not in self.tags:
            self._in_title = True

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self._title.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "title" and self._in_title:
            self._in_title = False
            self.tags.setdefault("title", "".join(self._title))
