"""Reading a page's OpenGraph tags for a link card, from a fake site on loopback."""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Iterator

import pytest

from planner.connectors import ssrf
from planner.connectors.base import ConnectorOptions
from planner.connectors.http import HttpClient
from planner.connectors.opengraph import CardError, read_card
from tests.fakes.fixtures import fake_site  # noqa: F401
from tests.fakes.images import small_png
from tests.fakes.site import FakeSite, huge_page, og_page

LOOPBACK = ConnectorOptions(allow_private_hosts=True, timeout=5)


def test_the_tags_and_the_image_make_the_card(fake_site: FakeSite) -> None:  # noqa: F811
    fake_site.file("/img/loaf.png", small_png(), "image/png")
    url = fake_site.page(
        "/bread",
        og_page(
            title="Fresh sourdough & rye",
            description="  Baked\n at dawn.  ",
            image="/img/loaf.png",
            html_title="Ignored when og:title is there",
        ),
    )
    card = read_card(url, options=LOOPBACK)
    assert card.title == "Fresh sourdough & rye"
    assert card.description == "Baked at dawn."
    assert card.image_url == fake_site.url + "/img/loaf.png"
    assert card.image == small_png()
    assert card.image_problem is None
    assert fake_site.requests_to("/bread")[0].headers["accept"] == "text/html"


def test_a_page_without_opengraph_falls_back_to_title_and_description(
    fake_site: FakeSite,  # noqa: F811
) -> None:
    url = fake_site.page("/plain", og_page(html_title="Bakery", meta_description="Open daily"))
    card = read_card(url, options=LOOPBACK)
    assert (card.title, card.description, card.image) == ("Bakery", "Open daily", None)


def test_a_page_with_nothing_to_show_makes_no_card(fake_site: FakeSite) -> None:  # noqa: F811
    url = fake_site.page("/bare", og_page())
    with pytest.raises(CardError, match="no title or description"):
        read_card(url, options=LOOPBACK)


def test_a_link_that_is_not_a_web_page_makes_no_card(fake_site: FakeSite) -> None:  # noqa: F811
    url = fake_site.file("/menu.pdf", b"%PDF-1.4", "application/pdf")
    with pytest.raises(CardError, match=r"not a web page \(application/pdf\)"):
        read_card(url, options=LOOPBACK)


def test_a_missing_page_makes_no_card(fake_site: FakeSite) -> None:  # noqa: F811
    with pytest.raises(CardError, match="answered 404"):
        read_card(fake_site.url + "/gone", options=LOOPBACK)


def test_only_the_first_bytes_of_a_huge_page_are_read(fake_site: FakeSite) -> None:  # noqa: F811
    url = fake_site.page("/huge", huge_page(3 * 1024 * 1024, title="Big"))
    response, cut = HttpClient(LOOPBACK).fetch(
        url, max_bytes=512 * 1024, deadline=time.monotonic() + 5
    )
    assert cut is True
    assert len(response.body) == 512 * 1024
    assert read_card(url, options=LOOPBACK).title == "Big"


def test_tags_past_the_byte_cap_are_not_seen(fake_site: FakeSite) -> None:  # noqa: F811
    late = og_page(title="Too late", body="<p>" + "x" * 5000 + "</p>")
    late = late.replace("<head>", "<head>" + "<!-- padding -->" * 400, 1)
    url = fake_site.page("/late", late)
    with pytest.raises(CardError, match="no title or description"):
        read_card(url, options=LOOPBACK, page_bytes=2000)
    assert read_card(url, options=LOOPBACK).title == "Too late"


def test_a_slow_site_is_given_up_within_the_time_budget(fake_site: FakeSite) -> None:  # noqa: F811
    url = fake_site.page("/slow", og_page(title="Slow"))
    fake_site.delay_next(3, path="/slow")
    started = time.monotonic()
    with pytest.raises(CardError, match="did not answer in time"):
        read_card(url, options=LOOPBACK, seconds=0.5)
    assert time.monotonic() - started < 1.5


def test_a_slow_image_leaves_a_card_without_it(fake_site: FakeSite) -> None:  # noqa: F811
    fake_site.file("/slow.png", small_png(), "image/png")
    url = fake_site.page("/p", og_page(title="Quick page", image="/slow.png"))
    fake_site.delay_next(3, path="/slow.png")
    card = read_card(url, options=LOOPBACK, seconds=0.7)
    assert card.title == "Quick page"
    assert card.image is None
    assert card.image_problem is not None and "did not answer in time" in card.image_problem


def test_a_broken_or_huge_image_leaves_a_card_without_it(fake_site: FakeSite) -> None:  # noqa: F811
    fake_site.file("/big.png", b"\x89PNG" + b"0" * 4000, "image/png")
    missing = fake_site.page("/a", og_page(title="A", image="/nope.png"))
    big = fake_site.page("/b", og_page(title="B", image="/big.png"))
    assert read_card(missing, options=LOOPBACK).image_problem == "127.0.0.1 answered 404"
    card = read_card(big, options=LOOPBACK, image_bytes=1000)
    assert card.image is None
    assert card.image_problem is not None and "larger than" in card.image_problem


def test_redirects_are_followed_to_the_page(fake_site: FakeSite) -> None:  # noqa: F811
    fake_site.page("/new", og_page(title="Moved here", image="pic.png"))
    fake_site.file("/pic.png", small_png(), "image/png")
    url = fake_site.redirect("/old", "/new", status=301)
    card = read_card(url, options=LOOPBACK)
    assert card.title == "Moved here"
    assert card.url == fake_site.url + "/new"
    assert card.image_url == fake_site.url + "/pic.png"  # relative to the page it was on


def test_a_redirect_loop_is_cut_short(fake_site: FakeSite) -> None:  # noqa: F811
    url = fake_site.redirect("/loop", "/loop")
    with pytest.raises(CardError, match="more than 3 redirects"):
        read_card(url, options=LOOPBACK)
    assert fake_site.hits("/loop") == 4


def test_a_private_link_is_refused_without_a_request(fake_site: FakeSite) -> None:  # noqa: F811
    url = fake_site.page("/inside", og_page(title="Internal"))
    with pytest.raises(CardError, match="non-public address 127.0.0.1"):
        read_card(url, options=ConnectorOptions())
    assert fake_site.requests == []


class PublicSite(FakeSite):
    """A site on a second loopback address, which the test treats as a public server."""

    host = "127.0.0.2"


@pytest.fixture
def public_site(monkeypatch: pytest.MonkeyPatch) -> Iterator[PublicSite]:
    judge = ssrf.is_public
    stand_in = ipaddress.ip_address(PublicSite.host)
    monkeypatch.setattr(ssrf, "is_public", lambda address: address == stand_in or judge(address))
    with PublicSite() as site:
        yield site


def test_a_redirect_to_a_private_address_is_refused(
    public_site: PublicSite,
    fake_site: FakeSite,  # noqa: F811
) -> None:
    """The first hop is allowed; the hop it redirects to (127.0.0.1) is checked and refused."""
    secret = fake_site.page("/admin", og_page(title="Internal admin"))
    url = public_site.redirect("/go", secret)
    with pytest.raises(CardError, match="non-public address 127.0.0.1"):
        read_card(url, options=ConnectorOptions())
    assert public_site.hits("/go") == 1
    assert fake_site.requests == []


def test_an_image_on_a_private_address_is_not_fetched(
    public_site: PublicSite,
    fake_site: FakeSite,  # noqa: F811
) -> None:
    inside = fake_site.file("/secret.png", small_png(), "image/png")
    url = public_site.page("/p", og_page(title="Public page", image=inside))
    card = read_card(url, options=ConnectorOptions())
    assert card.title == "Public page"
    assert card.image is None
    assert card.image_problem is not None and "non-public" in card.image_problem
    assert fake_site.requests == []
