"""Real publisher pages from ../shared/data/fundus, extracted with our site files."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from playwright.async_api import BrowserContext, Route

from fundus_pages import FUNDUS, FundusPage, all_pages, mismatches
from scrapers.config.sitefiles import SiteRegistry
from scrapers.config.sitespec import SiteSpec
from scrapers.extract.recipe import extract

# Slow (hundreds of real pages, or generated inputs by the thousand): `make quick` leaves them out.
pytestmark = pytest.mark.heavy

ROOT = Path(__file__).resolve().parents[2]
REGISTRY = SiteRegistry.from_dir(ROOT / "selectors")
PAGES = all_pages() if FUNDUS.is_dir() else []
# Each page with the site file `scrape` would choose for its URL (the most specific domain).
CASES = [(site, page) for page in PAGES if (site := REGISTRY.for_url(page.url)) is not None]

needs_data = pytest.mark.skipif(
    not FUNDUS.is_dir(), reason=f"fundus pages not found at {FUNDUS} (the shared benchmark data is absent)"
)


EXCEPTIONS: dict[str, dict[str, list[str]]] = yaml.safe_load(
    (Path(__file__).parents[1] / "fundus_exceptions.yaml").read_text(encoding="utf-8")
)
FIELDS = ("title", "authors", "published", "topics", "body", "headings", "summary", "missing")


def _field(mismatch: str) -> str:
    return mismatch.split(":", 1)[0]


def _problems(site: SiteSpec, page: FundusPage) -> dict[str, str]:
    """Field -> what differs from the reference ("missing": fields the file did not find)."""
    ex = extract(page.html(), page.url, site)
    found = {_field(m): m for m in mismatches(page, ex.story)}
    if ex.missing:
        found["missing"] = f"missing: {ex.missing}"
    return found


@needs_data
def test_every_publisher_has_a_site_file() -> None:
    publishers = {p.html_path.parent.name for p in PAGES}
    covered = {p.html_path.parent.name for _, p in CASES}
    assert sorted(publishers - covered) == []


@needs_data
def test_exceptions_name_real_pages_and_fields() -> None:
    names = {p.name for p in PAGES}
    for name, fields in EXCEPTIONS.items():
        assert name in names, f"fundus_exceptions.yaml: no page {name}"
        for field, (kind, reason) in fields.items():
            assert field in FIELDS and kind in ("reference", "gap") and reason, (name, field)


@needs_data
@pytest.mark.parametrize(("site", "page"), CASES, ids=[p.name for _, p in CASES])
def test_extraction_matches_reference(site: SiteSpec, page: FundusPage) -> None:
    """Every field of every page as the reference has it, except the documented exceptions,
    which must still differ (a fixed one is deleted from the list)."""
    problems = _problems(site, page)
    excepted = EXCEPTIONS.get(page.name, {})
    assert [m for f, m in problems.items() if f not in excepted] == []
    assert [f for f in excepted if f not in problems] == [], "exception no longer needed: delete it"
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
