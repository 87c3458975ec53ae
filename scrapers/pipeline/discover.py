"""Discovery: turn a job's start points into the list of article URLs to scrape.

Listing pages are rendered (they are as dynamic as articles); feeds, sitemaps and
robots.txt are plain XML/text fetched over HTTP.
"""

from __future__ import annotations

import asyncio
import urllib.robotparser
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from lxml import etree

from scrapers.browser.renderer import RenderedPage
from scrapers.config.jobspec import JobSpec
from scrapers.config.renderspec import ListingSpec, RenderSpec
from scrapers.config.sitespec import SiteSpec
from scrapers.config.urls import canonicalize
from scrapers.dom.parse import parse_html
from scrapers.dom.select import select
from scrapers.dom.values import to_datetime, to_url
from scrapers.errors import PageError
from scrapers.output.logs import get_logger
from scrapers.pipeline.fetch import FetchError

log = get_logger("storyline.discover")

Fetcher = Callable[[str], Awaitable[bytes]]
MAX_SITEMAP_DEPTH = 5
MAX_SITEMAP_FETCHES = 1000  # a sitemap index of a whole site is large; an endless one is an attack

RenderFn = Callable[[str, RenderSpec, SiteSpec], Awaitable[RenderedPage]]
SiteFor = Callable[[str], SiteSpec]


@dataclass(frozen=True)
class Entry:
    url: str
    published: str | None = None  # ISO 8601, when the feed or sitemap says


@dataclass
class Discovery:
    """The ordered, de-duplicated article URLs, and what went wrong finding them."""

    urls: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    _seen: set[str] = field(default_factory=set)

    def add(self, url: str, canonical: str) -> bool:
        if canonical in self._seen:
            return False
        self._seen.add(canonical)
        self.urls.append(url)
        return True


def _xml(data: bytes) -> etree._Element | None:
    try:
        return etree.fromstring(data, etree.XMLParser(recover=True, resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError:
        return None


def parse_feed(data: bytes) -> list[Entry]:
    """RSS 2.0 / RSS 1.0 / Atom entries, in feed order."""
    root = _xml(data)
    if root is None:
        return []
    out = []
    for item in root.xpath("//*[local-name()='item' or local-name()='entry']"):
        link = item.xpath(
            "string(*[local-name()='link'][not(@rel) or @rel='alternate'][1]/@href)"
        ) or item.xpath("string(*[local-name()='link'][1])")
        date = item.xpath(
            "string(*[local-name()='pubDate' or local-name()='published' or local-name()='updated' "
            "or local-name()='date'][1])"
        )
        if link.strip():
            out.append(Entry(link.strip(), to_datetime(date) if date.strip() else None))
    return out


def parse_sitemap(data: bytes) -> tuple[list[str], list[Entry]]:
    """(child sitemaps, page entries) of a sitemap index or urlset, news sitemaps included."""
    root = _xml(data)
    if root is None:
        return [], []
    children = [s.strip() for s in root.xpath("//*[local-name()='sitemap']/*[local-name()='loc']/text()")]
    entries = []
    for url in root.xpath("//*[local-name()='url']"):
        loc = url.xpath("string(*[local-name()='loc'])").strip()
        date = url.xpath("string(.//*[local-name()='publication_date'] | *[local-name()='lastmod'])").strip()
        if loc:
            entries.append(Entry(loc, to_datetime(date) if date else None))
    return children, entries


def robots_sitemaps(text: str) -> list[str]:
    parser = urllib.robotparser.RobotFileParser()
    parser.parse(text.splitlines())
    return list(parser.site_maps() or [])


def listing_render(site: SiteSpec, listing: ListingSpec) -> RenderSpec:
    return site.render.model_copy(update={"wait_for": listing.wait_for, "actions": listing.actions})


def listing_links(html: str, url: str, site: SiteSpec, listing: ListingSpec) -> tuple[list[str], str | None]:
    """Links on one listing page (absolute, unfiltered) and the next page's URL."""
    doc = parse_html(html)
    links: list[str] = []
    for src in listing.links.sources():
        for sel in select(doc, src):
            raw = sel.attrib.get(src.attr or "href") if hasattr(sel, "attrib") else None
            absolute = to_url(raw, url) if raw else None
            if absolute:
                links.append(absolute)
        if links:
            break
    nxt: str | None = None
    if listing.next is not None:
        for src in listing.next.sources():
            found = select(doc, src)
            raw = found[0].attrib.get(src.attr or "href") if found else None
            if raw:
                nxt = to_url(raw, url)
                break
    return links, nxt


class Discoverer:
    def __init__(
        self,
        job: JobSpec,
        site_for: SiteFor,
        fetch: Fetcher,
        render: RenderFn,
        stop: asyncio.Event | None = None,
    ) -> None:
        self.job = job
        self._stop = stop or asyncio.Event()
        self.site_for = site_for
        self.fetch = fetch
        self.render = render
        self.result = Discovery()
        self._sitemaps_seen: set[str] = set()
        self._cutoff = (
            datetime.now(UTC) - timedelta(hours=job.limits.max_age_hours)
            if job.limits.max_age_hours
            else None
        )

    @property
    def _full(self) -> bool:
        """No more URLs wanted: the page limit is reached, or the run was asked to stop."""
        limit = self.job.limits.max_pages
        return self._stop.is_set() or (limit is not None and len(self.result.urls) >= limit)

    def _canon(self, url: str) -> str:
        return canonicalize(url, self.job.urls.drop_params, self.job.urls.keep_fragment)

    def _add(self, url: str, *, as_given: bool = False) -> None:
        limit = self.job.limits.max_pages
        if limit is not None and len(self.result.urls) >= limit:
            return
        if self._stop.is_set() and not as_given:
            return  # given URLs are promised a record (an interrupted one if need be); found ones are not
        canonical = self._canon(url)
        self.result.add(url if as_given else canonical, canonical)

    def _add_entry(self, entry: Entry) -> None:
        if self._cutoff and entry.published and datetime.fromisoformat(entry.published) < self._cutoff:
            return
        self._add(entry.url)

    async def run(self) -> Discovery:
        start = self.job.start
        for url in start.urls:
            self._add(url, as_given=True)  # records keep explicit URLs exactly as given
        for url in start.listings:
            if not self._full:
                await self._listing(url)
        for url in start.feeds:
            if not self._full:
                await self._feed(url)
        sitemaps = list(start.sitemaps)
        for root in start.robots:
            sitemaps += await self._robots(root) if not self._full else []
        for url in sitemaps:
            if not self._full:
                await self._sitemap(url, depth=0)
        return self.result

    async def _get(self, url: str) -> bytes | None:
        try:
            return await self.fetch(url)
        except FetchError as exc:
            self.result.problems.append(str(exc))
            log.warning("discovery fetch failed", url=url, error=str(exc))
            return None

    async def _listing(self, url: str) -> None:
        site = self.site_for(url)
        if site.listing is None:
            self.result.problems.append(f"{url}: site {site.site!r} has no 'listing' section")
            return
        cfg = listing_render(site, site.listing)
        seen_pages: set[str] = set()
        page_url: str | None = url
        while page_url and len(seen_pages) < site.listing.max_pages and not self._full:
            seen_pages.add(self._canon(page_url))
            try:
                rendered = await self.render(page_url, cfg, site)
            except PageError as exc:
                self.result.problems.append(f"{page_url}: listing page failed: {exc.kind}: {exc.message}")
                return
            links, nxt = listing_links(rendered.html, rendered.final_url, site, site.listing)
            for link in links:
                if site.is_article(self._canon(link)):  # after canonicalising: tracking params gone
                    self._add(link)
            page_url = nxt if nxt and self._canon(nxt) not in seen_pages else None

    async def _feed(self, url: str) -> None:
        data = await self._get(url)
        if data is not None:
            for entry in parse_feed(data):
                self._add_entry(entry)

    async def _robots(self, root: str) -> list[str]:
        data = await self._get(to_url("/robots.txt", root) or root)
        return robots_sitemaps(data.decode("utf-8", "replace")) if data is not None else []

    async def _sitemap(self, url: str, depth: int) -> None:
        # Indexes of indexes, but never a cycle, never past the job's limits or a stop request.
        key = self._canon(url)
        if depth > MAX_SITEMAP_DEPTH or key in self._sitemaps_seen or self._full:
            return
        if len(self._sitemaps_seen) >= MAX_SITEMAP_FETCHES:
            self.result.problems.append(f"{url}: not fetched: {MAX_SITEMAP_FETCHES} sitemaps already read")
            return
        self._sitemaps_seen.add(key)
        data = await self._get(url)
        if data is None:
            return
        children, entries = parse_sitemap(data)
        for entry in entries:
            self._add_entry(entry)
        for child in children:
            await self._sitemap(child, depth + 1)
