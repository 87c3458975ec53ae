"""Real publisher pages from ../shared/data/fundus, extracted with our site files."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.async_api import BrowserContext, Route

from fundus_pages import FUNDUS, FundusPage, all_pages, mismatches, pages_for
from scrapers.config.sitefiles import SiteRegistry
from scrapers.config.sitespec import SiteSpec
from scrapers.extract.recipe import extract

ROOT = Path(__file__).resolve().parents[1]
REGISTRY = SiteRegistry.from_dir(ROOT / "selectors")
PAGES = all_pages() if FUNDUS.is_dir() else []
CASES = [
    (site, page) for name in REGISTRY.names if (site := REGISTRY.get(name)) for page in pages_for(site, PAGES)
]

needs_data = pytest.mark.skipif(
    not FUNDUS.is_dir(), reason=f"fundus pages not found at {FUNDUS} (the shared benchmark data is absent)"
)


@needs_data
def test_at_least_ten_publishers_have_site_files() -> None:
    publishers = {site.site for site, _ in CASES}
    assert len(publishers) >= 10, sorted(publishers)


@needs_data
@pytest.mark.parametrize(("site", "page"), CASES, ids=[p.name for _, p in CASES])
def test_extraction_matches_reference(site: SiteSpec, page: FundusPage) -> None:
    ex = extract(page.html(), page.url, site)
    assert mismatches(page, ex.story) == []
    assert ex.missing == []
    assert REGISTRY.for_url(page.url) is site  # found by domain, as `scrape` would


@needs_data
@pytest.mark.browser
def test_rendered_in_chromium_at_its_real_url(browser_session: object) -> None:
    """Serve the saved page at its real address; block every other request so nothing leaves the machine."""
    from conftest import BrowserSession

    assert isinstance(browser_session, BrowserSession)
    site, page = next((s, p) for s, p in CASES if s.site == "theintercept")
    served: list[str] = []
    blocked: list[str] = []

    async def prepare(ctx: BrowserContext) -> None:
        async def handle(route: Route) -> None:
            if route.request.url == page.url:
                served.append(route.request.url)
                await route.fulfill(status=200, content_type="text/html; charset=utf-8", body=page.html())
            else:
                blocked.append(route.request.url)
                await route.abort()

        await ctx.route("**/*", handle)

    cfg = site.render.model_copy(update={"timeout_ms": 15000})
    rendered = browser_session.run(browser_session.renderer.render(page.url, cfg, prepare))
    assert served == [page.url] and rendered.final_url == page.url and rendered.http_status == 200
    assert blocked, "the page's scripts and images were requested and blocked"
    ex = extract(rendered.html, rendered.final_url, site)
    assert mismatches(page, ex.story) == []
