"""A fake web site on loopback: pages with OpenGraph tags, their images, redirects, huge pages.

Link cards are read from whatever site a post links to, so this fake serves what real sites
do: tags in <head> (sometimes only <title>), an image at a relative or absolute address,
redirects (``Location`` relative or absolute), replies that come late, and pages far larger
than anyone should read whole.
"""

from __future__ import annotations

from html import escape

from tests.fakes.server import FakeServer, RecordedRequest, Reply

HTML = "text/html; charset=utf-8"


def og_page(
    *,
    title: str | None = None,
    description: str | None = None,
    image: str | None = None,
    html_title: str | None = None,
    meta_description: str | None = None,
    body: str = "<p>Our bakery.</p>",
) -> str:
    """Return an HTML page with the given OpenGraph tags and fallbacks (None leaves one out)."""
    head = ['<meta charset="utf-8">']
    if html_title is not None:
        head.append(f"<title>{escape(html_title)}</title>")
    if meta_description is not None:
        head.append(f'<meta name="description" content="{escape(meta_description)}">')
    for name, value in (("og:title", title), ("og:description", description), ("og:image", image)):
        if value is not None:
            head.append(f'<meta property="{name}" content="{escape(value)}">')
    return f"<!doctype html><html><head>{''.join(head)}</head><body>{body}</body></html>"


class FakeSite(FakeServer):
    """Serve the paths given with ``page``, ``file`` and ``redirect``; 404 for the rest."""

    def __init__(self) -> None:
        super().__init__()
        self._routes: dict[str, Reply] = {}

    def page(self, path: str, html: str, *, content_type: str = HTML) -> str:
        """Serve *html* at *path*; return its full URL."""
        return self.file(path, html.encode("utf-8"), content_type)

    def file(self, path: str, data: bytes, content_type: str) -> str:
        """Serve *data* as *content_type* at *path*; return its full URL."""
        with self.lock:
            self._routes[path] = Reply(200, data, {"Content-Type": content_type})
        return self.url + path

    def redirect(self, path: str, location: str, *, status: int = 302) -> str:
        """Answer *path* with a redirect to *location*; return the path's full URL."""
        with self.lock:
            self._routes[path] = Reply(status, "", {"Location": location})
        return self.url + path

    def hits(self, path: str) -> int:
        """How many requests for exactly *path* arrived."""
        return sum(1 for request in self.requests if request.path == path)

    def respond(self, request: RecordedRequest) -> Reply:
        with self.lock:
            found = self._routes.get(request.path)
        if found is None or request.method not in ("GET", "HEAD"):
            return Reply(404, "<h1>Not found</h1>", {"Content-Type": HTML})
        return found


def huge_page(size: int, *, title: str = "Huge") -> str:
    """Return a page of at least *size* bytes whose OpenGraph tags come first, in <head>."""
    filler = "<p>" + "crumb " * 100 + "</p>"
    return og_page(title=title, description="A very long page", body=filler * (size // 600 + 1))
