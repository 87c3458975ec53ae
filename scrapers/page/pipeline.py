"""The page pipeline: one URL (or one saved page) and its site file in, exactly one record out.

Every command that produces records goes through here (`run`, `scrape`, `demo`, `record`,
`replay`, `suggest`, `extract`). The steps, in order:

1. robots.txt (`RobotsPolicy`), then per attempt (`RetryPolicy`) inside the per-domain gate
   (`DomainGate`):
2. render (`Renderer`), bounded by the page budget;
3. judge (`judge`): a challenge page is `blocked`, an HTTP error is `http`, a page that never
   became ready is `timeout`, whatever the status code;
4. extract in a worker thread, within what is left of the budget;
5. build the record (`records`). Failures are `PageError`s until step 5 turns them into the
   error record; nothing else builds records.
"""

from __future__ import annotations

import asyncio
import email.utils
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from parsel import Selector

from scrapers.browser.guard import AddressBook
from scrapers.browser.renderer import OPEN_PAGE_TIMEOUT_S, Prepare, RenderedPage, Renderer
from scrapers.config.jobspec import JobSpec
from scrapers.config.renderspec import RenderSpec
from scrapers.config.settings import NO_OVERRIDES, Overrides, PageSettings, resolve_page_settings
from scrapers.config.sitespec import SiteSpec
from scrapers.dom.parse import parse_html
from scrapers.errors import ErrorKind, PageError, Refused
from scrapers.extract.recipe import Extraction, extract
from scrapers.net.client import HttpClient
from scrapers.net.scope import UrlPolicy
from scrapers.output.logs import get_logger
from scrapers.output.record import Hidden, Record
from scrapers.page.challenge import at_first_sight, challenge_reason
from scrapers.page.policies import DomainGate, Gate, RetryPolicy, RobotsCache, RobotsPolicy
from scrapers.page.record_builders import (
    error_record,
    interrupted_record,
    now_utc,
    story_record,
    unexpected,
    unwritable,
)

log = get_logger("storyline.page")
NEVER_APPEARED = ("render.wait_for ", "wait_for ")  # how browser/actions.py says a wait ran out
NOT_READY_EXTRACT_S = 5.0  # extraction time of a page whose wait_for never came (it used the budget)


@dataclass(frozen=True)
class PipelineOptions:
    """The job around the pages: its file and the command line's overrides, from which each page's
    settings are resolved (`settings`), and where pages may go."""

    job: JobSpec | None = None
    overrides: Overrides = NO_OVERRIDES
    # Where pages may go (docs/security.md); None: each page's own origin is trusted, the rest
    # of the web must be public, and no host is offsite.
    policy: UrlPolicy | None = None

    def settings(self, site: SiteSpec | None) -> PageSettings:
        """The page's settings (None: those of every page, robots and the agent)."""
        return resolve_page_settings(site, self.job, self.overrides)


@dataclass(frozen=True)
class PageResult:
    record: Record
    attempts: int
    html: str | None = None  # the rendered DOM, when a render succeeded


@dataclass(frozen=True)
class SeenPage:
    """A page as the judge sees it: rendered now, or saved earlier."""

    url: str
    html: str
    final_url: str
    http_status: int | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    not_ready: str | None = None
    render_ms: int = 0
    blocked_requests: int = 0
    hidden: Hidden = field(default_factory=Hidden)
    consent_wall: str | None = None  # the consent manager whose wall the consent step left

    @classmethod
    def rendered(cls, url: str, page: RenderedPage) -> SeenPage:
        return cls(
            url,
            page.html,
            page.final_url,
            page.http_status,
            page.headers,
            page.not_ready,
            page.render_ms,
            page.blocked_requests,
            page.hidden,
            page.consent_wall,
        )


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def judge(page: SeenPage, doc: Selector, site: SiteSpec) -> None:
    """Raise the PageError this page ends in, if any: challenge, HTTP error, never ready."""
    where: dict[str, Any] = {"http_status": page.http_status, "final_url": page.final_url}
    if reason := challenge_reason(page.html, doc, page.headers, site.fetch.blocked):
        raise PageError("blocked", reason, render_ms=page.render_ms, **where)
    if page.consent_wall:  # the story is behind it: its text would be the banner's
        reason = f"consent wall of {page.consent_wall} still shown after the consent step"
        raise PageError("blocked", reason, render_ms=page.render_ms, **where)
    status = page.http_status
    if status is not None and status >= 400:
        retry_after = parse_retry_after(page.headers.get("retry-after"))
        raise PageError(
            "http",
            f"HTTP {status} for {page.final_url}",
            retry_after=retry_after,
            render_ms=page.render_ms,
            **where,
        )
    if page.not_ready:
        # Name the site file: a user who did not choose it learns which one set the wait.
        whose = (
            f" (site file {site.site!r}, domains {', '.join(site.domains)})" if site.site != "generic" else ""
        )
        waited = page.not_ready.startswith(NEVER_APPEARED)  # not a required click: that stays an error
        if not waited or status is None or not doc.xpath("normalize-space(//body)").get():
            raise PageError("timeout", page.not_ready + whose, render_ms=page.render_ms, **where)
        # The page did load, only the site file's element never came (a redesign, most often):
        # it degrades like a selector that misses, never an empty record after every retry.
        log.warning("page extracted as it stands", url=page.url, reason=page.not_ready + whose)


def judge_and_extract(page: SeenPage, site: SiteSpec) -> Extraction:
    """Steps 3 and 4 on one parse of the page: raises PageError, never anything else."""
    try:
        doc = parse_html(page.html)
        judge(page, doc, site)
        return extract(doc, page.final_url, site)
    except PageError:
        raise
    except Exception as exc:  # a bug must not lose the page: it becomes its record
        raise PageError(
            "content",
            f"extraction failed: {type(exc).__name__}: {exc}",
            http_status=page.http_status,
            final_url=page.final_url,
            render_ms=page.render_ms,
        ) from exc


def process_saved(page: SeenPage, site: SiteSpec, fetched_at: str | None = None) -> Record:
    """The pipeline for a page already in hand (saved HTML): judge, extract, record."""
    fetched_at = fetched_at or now_utc()
    t0 = time.perf_counter()
    try:
        ex = judge_and_extract(page, site)
    except PageError as err:
        return error_record(page.url, site, err, attempts=1, fetched_at=fetched_at)
    return _story(page, ex, fetched_at, t0)


def _story(page: SeenPage, ex: Extraction, fetched_at: str, extract_started: float) -> Record:
    """Step 5 for a page that passed the judge; extraction timed from `extract_started`.
    A record that cannot be built is the page's `content` error, like a failed extraction."""
    try:
        return story_record(
            page.url,
            ex,
            final_url=page.final_url,
            http_status=page.http_status,
            fetched_at=fetched_at,
            render_ms=page.render_ms,
            extract_ms=int((time.perf_counter() - extract_started) * 1000),
            blocked_requests=page.blocked_requests,
            hidden=page.hidden,
        )
    except Exception as exc:
        log.error("record could not be built", url=page.url, error=f"{type(exc).__name__}: {exc}")
        return unwritable(page.url, exc, site=ex.site, fetched_at=fetched_at)


class PagePipeline:
    """Live pages: robots, gate, retries, render, judge, extract, record (see the module doc)."""

    def __init__(
        self,
        renderer: Renderer,
        options: PipelineOptions | None = None,
        *,
        stopping: asyncio.Event | None = None,
        on_attempt: Callable[[int], None] | None = None,
        gate: Gate | None = None,
        robots_cache: RobotsCache | None = None,
        http: HttpClient | None = None,
    ) -> None:
        """`gate` and `robots_cache` are shared with other processes in a distributed run
        (scrapers/scale/); by default both are this pipeline's own. `http`: the job's HTTP client
        for robots.txt (its policy is the options')."""
        self.renderer = renderer
        self.http = http
        self.options = options or PipelineOptions()
        self.stopping = stopping or asyncio.Event()
        self._on_attempt = on_attempt or (lambda ms: None)
        every = self.options.settings(None)
        self._robots = (
            RobotsPolicy(every.agent, self.options.policy, cache=robots_cache, client=http)
            if every.obey_robots
            else None
        )
        self._gate: Gate = gate or DomainGate()
        self._policy = self.options.policy or UrlPolicy()
        self._book = AddressBook(self.options.policy) if self.options.policy else None

    async def run(
        self,
        url: str,
        site: SiteSpec,
        *,
        prepare: Prepare | None = None,
        har_path: Path | None = None,
        fetched_at: str | None = None,
    ) -> PageResult:
        """Exactly one record for `url`, whatever happens (cancellation aside)."""
        fetched_at = fetched_at or now_utc()
        t0 = time.monotonic()
        attempts = 0
        failures: list[ErrorKind] = []  # kinds of the failed attempts, in order
        html: str | None = None
        settings = self.options.settings(site)
        try:
            delay = await self._admit(url, settings)
            retry = RetryPolicy(settings.attempts, self.stopping.is_set)
            async for attempt in retry.retrying():
                with attempt:
                    attempts = attempt.retry_state.attempt_number
                    async with self._gate.slot(url, settings.max_concurrent, delay):
                        try:
                            cfg = self._render_spec(site, settings)
                            rec, html = await self._attempt(url, site, cfg, fetched_at, prepare, har_path)
                        except PageError as exc:
                            failures.append(exc.kind)
                            self._on_attempt(exc.render_ms)
                            raise
                    self._on_attempt(rec.timings_ms.render + rec.timings_ms.extract)
        except PageError as err:
            if self.stopping.is_set():
                return PageResult(interrupted_record(url, site, started=True), attempts)
            rec = error_record(
                url, site, err, attempts=attempts, fetched_at=fetched_at, previous=failures[:-1]
            )
        except Exception as exc:  # a bug must not lose the page
            log.exception("page failed unexpectedly", url=url)
            rec = error_record(url, site, unexpected(exc), attempts=max(1, attempts), fetched_at=fetched_at)
        total = rec.timings_ms.model_copy(update={"total": int((time.monotonic() - t0) * 1000)})
        return PageResult(rec.model_copy(update={"timings_ms": total}), attempts, html)

    async def _admit(self, url: str, settings: PageSettings) -> float:
        """Step 1: the URL policy and robots.txt; the delay between page starts on this host."""
        self._in_scope(url)
        delay = settings.min_delay_ms / 1000
        if self._robots is not None:
            delay = max(delay, await self._robots.check(url))
        return delay

    def _in_scope(self, url: str, final: bool = False) -> None:
        try:
            self._policy.check_target(url, navigation=True)
        except Refused as exc:
            where = f"redirected to {exc.url}: " if final else ""
            raise PageError(exc.kind, where + exc.reason, final_url=exc.url if final else None) from None

    def _render_spec(self, site: SiteSpec, settings: PageSettings) -> RenderSpec:
        # Without a User-Agent of its own, the browser's naming Storyline and the job's contact.
        own = self.renderer.user_agent
        agent = settings.user_agent or (f"{own} {settings.agent}" if own else None)
        update: dict[str, Any] = {"timeout_ms": settings.page_budget_ms, "user_agent": agent}
        return site.render.model_copy(update=update)

    async def render(
        self, url: str, cfg: RenderSpec, prepare: Prepare | None = None, har_path: Path | None = None
    ) -> RenderedPage:
        """Step 2, bounded: the budget runs from navigation; opening a tab is bounded separately
        (renderer.OPEN_PAGE_TIMEOUT_S), so a busy machine does not eat the page's budget."""
        try:
            async with asyncio.timeout(cfg.timeout_ms / 1000 + OPEN_PAGE_TIMEOUT_S + 5):  # a safety net only
                page = await self.renderer.render(
                    url, cfg, prepare, har_path, early_stop=at_first_sight, book=self._book
                )
        except TimeoutError:
            raise PageError("browser", "the browser did not answer") from None
        if page.final_url != url:
            self._in_scope(page.final_url, final=True)  # a redirect out of the job's scope
        return page

    async def render_judged(self, url: str, cfg: RenderSpec, site: SiteSpec) -> RenderedPage:
        """Steps 1 to 3 without extraction or retries (listing pages in discovery)."""
        settings = self.options.settings(site)
        delay = await self._admit(url, settings)
        async with self._gate.slot(url, settings.max_concurrent, delay):
            page = await self.render(url, cfg)
        seen = SeenPage.rendered(url, page)
        await asyncio.to_thread(lambda: judge(seen, parse_html(page.html), site))
        return page

    async def _attempt(
        self,
        url: str,
        site: SiteSpec,
        cfg: RenderSpec,
        fetched_at: str,
        prepare: Prepare | None,
        har_path: Path | None,
    ) -> tuple[Record, str]:
        """One try. The budget runs from navigation to the finished record."""
        page = await self.render(url, cfg, prepare, har_path)
        seen = SeenPage.rendered(url, page)
        left_s = max(0.05, (cfg.timeout_ms - page.render_ms) / 1000)
        if seen.not_ready:  # the wait took the budget; the page is extracted as it stands (judge)
            left_s = max(left_s, NOT_READY_EXTRACT_S)
        t1 = time.perf_counter()
        try:
            async with asyncio.timeout(left_s):
                # In a thread so a monster page cannot stall the other workers or outlive the budget.
                ex = await asyncio.to_thread(judge_and_extract, seen, site)
        except TimeoutError:
            raise PageError(
                "timeout",
                f"page budget of {cfg.timeout_ms} ms exceeded while extracting",
                http_status=page.http_status,
                final_url=page.final_url,
                render_ms=cfg.timeout_ms,
            ) from None
        return _story(seen, ex, fetched_at, t1), page.html
