"""Discovery: turn a job's start points into the list of article URLs to scrape.

Listing pages are rendered (they are as dynamic as articles); feeds, sitemaps and
robots.txt are plain XML/text fetched over HTTP.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import urljoin

from scrapers.browser.renderer import RenderedPage
from scrapers.config.jobspec import JobSpec
from scrapers.config.renderspec import ListingSpec, RenderSpec
from scrapers.config.sitespec import SiteSpec
from scrapers.config.urls import canonicalize
from scrapers.dom.parse import parse_html
from scrapers.dom.select import select
from scrapers.dom.values import to_url
from scrapers.errors import FetchError, PageError, Refused
from scrapers.job.feeds import Entry as Entry  # re-exported: discovery's readers, as before
from scrapers.job.feeds import parse_feed as parse_feed
from scrapers.job.feeds import parse_sitemap as parse_sitemap
from scrapers.job.feeds import resolve_link, shorten
from scrapers.job.feeds import robots_sitemaps as robots_sitemaps
from scrapers.job.scope import job_policy
from scrapers.net.client import Fetcher
from scrapers.net.scope import UrlPolicy
from scrapers.output.logs import get_logger

log = get_logger("storyline.discover")

MAX_SITEMAP_DEPTH = 5
MAX_SITEMAP_FETCHES = 1000  # a sitemap index of a whole site is large; an endless one is an attack

RenderFn = Callable[[str, RenderSpec, SiteSpec], Awaitable[RenderedPage]]
SiteFor = Callable[[str], SiteSpec]
IsKnown = Callable[[str, str | None], bool]  # (url, feed/sitemap date) -> scraped before, unchanged


MAX_PROBLEMS_PER_REASON = 20  # then only counted: a hostile sitemap cannot flood the summary


@dataclass
class Discovery:
    """The ordered, de-duplicated article URLs, and what went wrong finding them."""

    urls: list[str] = field(default_factory=list)
    known: set[str] = field(default_factory=set)  # skipped: scraped before and unchanged
    on_found: Callable[[int], None] | None = None  # hears the count of URLs so far (progress)
    _seen: set[str] = field(default_factory=set)
    _problems: list[str] = field(default_factory=list)
    _counts: Counter[str] = field(default_factory=Counter)

    def add(self, url: str, canonical: str) -> bool:
        if canonical in self._seen:
            return False
        self._seen.add(canonical)
        self.urls.append(url)
        if self.on_found is not None:
            self.on_found(len(self.urls))
        return True

    def problem(self, reason: str, line: str) -> None:
        """One problem, as one line; past MAX_PROBLEMS_PER_REASON of one reason, only counted."""
        self._counts[reason] += 1
        if self._counts[reason] <= MAX_PROBLEMS_PER_REASON:
            self._problems.append(line)
            log.warning("discovery problem", reason=reason, problem=line)

    @property
    def problems(self) -> list[str]:
        more = [
            f"... and {n - MAX_PROBLEMS_PER_REASON} more: {reason}"
            for reason, n in self._counts.items()
            if n > MAX_PROBLEMS_PER_REASON
        ]
        return self._problems + more


def refusal_reason(exc: Refused) -> str:
    """The reason a refusal is counted under (its message names the host; this does not)."""
    if exc.reason.startswith("malformed URL"):
        return "malformed URL"
    if exc.reason.startswith("only http and https"):
        return "not an http(s) URL"
    return "outside the job's scope" if exc.kind == "offsite" else "blocked address"


def listing_render(site: SiteSpec, listing: ListingSpec) -> RenderSpec:
    return site.render.model_copy(update={"wait_for": listing.wait_for, "actions": listing.actions})


def _absolute(raw: str, base: str) -> str | None:
    try:
        return to_url(raw, base)
    except ValueError:  # http://[x and the like: no link at all
        return None


def listing_links(html: str, url: str, site: SiteSpec, listing: ListingSpec) -> tuple[list[str], str | None]:
    """Links on one listing page (absolute, unfiltered) and the next page's URL."""
    doc = parse_html(html)
    links: list[str] = []
    for src in listing.links.sources():
        for sel in select(doc, src):
            raw = sel.attrib.get(src.attr or "href") if hasattr(sel, "attrib") else None
            absolute = _absolute(raw, url) if raw else None
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
                nxt = _absolute(raw, url)
                break
    return links, nxt


class Discoverer:
    """A job's start points -> article URLs. Every URL found (feed and sitemap entries, child
    sitemaps, robots.txt `Sitemap:` lines, listing links and next pages) must pass the job's URL
    policy (`check_target`, navigation scope) before it is added or fetched; what does not, and
    every malformed entry, is reported in `Discovery.problems` and skipped, never fatal."""

    def __init__(
        self,
        job: JobSpec,
        site_for: SiteFor,
        fetch: Fetcher,
        render: RenderFn,
        stop: asyncio.Event | None = None,
        *,
        policy: UrlPolicy | None = None,
        is_known: IsKnown | None = None,
        on_found: Callable[[int], None] | None = None,
    ) -> None:
        self.job = job
        self._known = is_known
        self._stop = stop or asyncio.Event()
        self.site_for = site_for
        self.fetch = fetch
        self.render = render
        self.policy = policy if policy is not None else job_policy(job)
        self.result = Discovery(on_found=on_found)
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

    def _accept(self, url: str, found_in: str) -> str | None:
        """The canonical URL when the policy lets discovery follow `url`; else None, reported."""
        try:
            self.policy.check_target(url, navigation=True)
            return self._canon(url)
        except Refused as exc:
            reason, why = refusal_reason(exc), exc.reason
        except ValueError as exc:
            reason, why = "malformed URL", f"malformed URL: {exc}"
        self.result.problem(reason, f"{shorten(url)} (in {shorten(found_in)}): refused: {why}")
        return None

    def _skip_known(self, url: str, published: str | None = None) -> bool:
        """An incremental job's page scraped before and unchanged: counted, not scraped (and not
        counted against limits.max_pages, so new pages still get their turn)."""
        if self._known is None or not self._known(url, published):
            return False
        self.result.known.add(url)
        return True

    def _add(self, url: str, found_in: str, published: str | None = None) -> None:
        if self._full:
            return
        canonical = self._accept(url, found_in)
        if canonical is not None and not self._skip_known(canonical, published):
            self.result.add(canonical, canonical)

    def _add_given(self, url: str) -> None:
        """A start URL: kept exactly as given (records keep it), promised a record even on a stop."""
        limit = self.job.limits.max_pages
        if limit is not None and len(self.result.urls) >= limit:
            return
        try:
            canonical = self._canon(url)
        except ValueError:
            canonical = url  # malformed: its record will say so
        if not self._skip_known(url):
            self.result.add(url, canonical)

    def _add_entry(self, entry: Entry, found_in: str) -> None:
        try:
            too_old = bool(
                self._cutoff and entry.published and datetime.fromisoformat(entry.published) < self._cutoff
            )
        except (ValueError, TypeError):
            too_old = False
        if not too_old:
            self._add(resolve_link(entry.url, found_in), found_in, entry.published)

    async def run(self) -> Discovery:
        start = self.job.start
        for url in start.urls:
            self._add_given(url)
        for url in start.listings:
            if not self._full:
                await self._listing(url)
        for url in start.feeds:
            if not self._full:
                await self._feed(url)
        sitemaps = [(url, "start.sitemaps") for url in start.sitemaps]
        for root in start.robots:
            sitemaps += await self._robots(root) if not self._full else []
        for url, found_in in sitemaps:
            if not self._full:
                await self._sitemap(url, 0, found_in)
        return self.result

    async def _get(self, url: str, found_in: str) -> bytes | None:
        """The body of `url`, or None: a failure is reported; a stop request abandons the fetch."""
        fetch = asyncio.ensure_future(self.fetch(url))
        stopped = asyncio.ensure_future(self._stop.wait())
        try:
            await asyncio.wait((fetch, stopped), return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopped.cancel()
            if not fetch.done():
                fetch.cancel()  # fetch_bytes aborts its transfer
        if fetch.cancelled() or not fetch.done():
            return None
        try:
            return fetch.result()
        except FetchError as exc:
            at = "" if exc.url == url else f" (at {shorten(exc.url)})"  # a redirect went there
            line = f"{shorten(url)} (in {shorten(found_in)}){at}: {exc.message}"
            self.result.problem(f"could not read ({exc.kind})", line)
            return None

    async def _listing(self, url: str) -> None:
        site = self.site_for(url)
        if site.listing is None:
            self.result.problem("listing", f"{url}: site {site.site!r} has no 'listing' section")
            return
        cfg = listing_render(site, site.listing)
        seen_pages: set[str] = set()
        page_url: str | None = url if self._accept(url, "start.listings") else None
        while page_url and len(seen_pages) < site.listing.max_pages and not self._full:
            seen_pages.add(self._canon(page_url))
            try:
                rendered = await self.render(page_url, cfg, site)
            except PageError as exc:
                self.result.problem("listing", f"{page_url}: listing page failed: {exc.kind}: {exc.message}")
                return
            links, nxt = listing_links(rendered.html, rendered.final_url, site, site.listing)
            for link in links:
                if self._is_article(link, site):  # after canonicalising: tracking params gone
                    self._add(link, page_url)
            nxt_key = self._accept(nxt, page_url) if nxt else None
            page_url = nxt if nxt_key and nxt_key not in seen_pages else None

    def _is_article(self, link: str, site: SiteSpec) -> bool:
        try:
            return site.is_article(self._canon(link))
        except ValueError:
            return False  # a malformed link on a listing page is no article

    async def _feed(self, url: str) -> None:
        data = await self._get(url, "start.feeds")
        if data is not None:
            for entry in parse_feed(data, self.result.problem, url):
                self._add_entry(entry, url)

    async def _robots(self, root: str) -> list[tuple[str, str]]:
        try:
            url = urljoin(root, "/robots.txt")
        except ValueError as exc:
            self.result.problem("malformed URL", f"{shorten(root)}: refused: malformed URL: {exc}")
            return []
        data = await self._get(url, "start.robots")
        if data is None:
            return []
        return [(sitemap, url) for sitemap in robots_sitemaps(data.decode("utf-8-sig", "replace"))]

    async def _sitemap(self, url: str, depth: int, found_in: str) -> None:
        # Indexes of indexes, but never a cycle, never past the job's limits or a stop request.
        key = self._accept(url, found_in)
        if key is None or depth > MAX_SITEMAP_DEPTH or key in self._sitemaps_seen or self._full:
            return
        if len(self._sitemaps_seen) >= MAX_SITEMAP_FETCHES:
            self.result.problem(
                "sitemap limit", f"{shorten(url)}: not fetched: {MAX_SITEMAP_FETCHES} sitemaps already read"
            )
            return
        self._sitemaps_seen.add(key)
        data = await self._get(url, found_in)
        if data is None:
            return
        children, entries = parse_sitemap(data, self.result.problem)
        for entry in entries:
            self._add_entry(entry, url)
        for child in children:
            await self._sitemap(resolve_link(child, url), depth + 1, url)
