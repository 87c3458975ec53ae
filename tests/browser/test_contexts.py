"""Pages of one settings key share a browser context (bench/contexts.py: a context per page
starts a renderer process per navigation), and still start without their site's cookies."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler

import pytest

from conftest import BrowserSession
from localserver import LocalServer, Reply, text
from scrapers.browser.contexts import site_of
from scrapers.browser.renderer import RenderedPage
from scrapers.config.renderspec import RenderSpec
from scrapers.errors import PageError

pytestmark = pytest.mark.browser


def cookie_echo(handler: BaseHTTPRequestHandler) -> Reply:
    """A page that sets a cookie and shows the cookies it was sent."""
    sent = handler.headers.get("Cookie", "") or "none"
    return text(
        f"<html><body><h1>cookies: {sent}</h1></body></html>",
        "text/html; charset=utf-8",
        Set_Cookie="meter=1; Path=/",
    )


def slow(handler: BaseHTTPRequestHandler) -> Reply:
    time.sleep(3)
    return text("late")


@pytest.fixture
def site() -> Iterator[LocalServer]:
    with LocalServer({f"/a/{n}": cookie_echo for n in range(12)}) as server:
        yield server


def render(session: BrowserSession, urls: list[str], cfg: RenderSpec) -> list[RenderedPage]:
    async def all_at_once() -> list[RenderedPage]:
        return list(await asyncio.gather(*(session.renderer.render(u, cfg) for u in urls)))

    return session.run(all_at_once())


def test_concurrent_pages_share_one_context(browser_session: BrowserSession, site: LocalServer) -> None:
    before = len(browser_session.renderer.browser.contexts)
    cfg = RenderSpec(wait_for="h1", locale="de-CH")  # a settings key no other test uses
    pages = render(browser_session, [site.url(f"/a/{n}") for n in range(6)], cfg)
    assert all(p.http_status == 200 for p in pages)
    assert len(browser_session.renderer.browser.contexts) == before + 1


def test_each_page_starts_without_its_sites_cookies_unless_the_site_keeps_them(
    browser_session: BrowserSession, site: LocalServer
) -> None:
    fresh = RenderSpec(wait_for="h1", locale="fr-CH")
    for n in range(3):  # one after the other, in the same shared context
        (page,) = render(browser_session, [site.url(f"/a/{n}")], fresh)
        assert "cookies: none" in page.html
    keep = RenderSpec(wait_for="h1", locale="it-CH", keep_cookies=True)
    seen = [render(browser_session, [site.url(f"/a/{n}")], keep)[0].html for n in (3, 4)]
    assert "cookies: none" in seen[0] and "cookies: meter=1" in seen[1]


def test_a_failed_page_retires_its_context(browser_session: BrowserSession, site: LocalServer) -> None:
    site.routes["/slow"] = slow
    cfg = RenderSpec(wait_for="h1", locale="rm-CH", timeout_ms=1000)
    render(browser_session, [site.url("/a/5")], cfg)
    contexts = len(browser_session.renderer.browser.contexts)
    with pytest.raises(PageError) as failed:
        render(browser_session, [site.url("/slow")], cfg)
    assert failed.value.kind == "timeout"
    render(browser_session, [site.url("/a/6")], cfg)  # a fresh context; the old one closed
    assert len(browser_session.renderer.browser.contexts) == contexts


def test_site_of_is_the_registrable_domain() -> None:
    assert site_of("https://www.bbc.co.uk/news/x") == "bbc.co.uk"
    assert site_of("https://edition.cnn.com/x") == "cnn.com"
    assert site_of("http://127.0.0.1:8765/a") == "127.0.0.1"
    assert site_of("http://localhost:3000/") == "localhost"
