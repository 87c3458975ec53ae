"""Running a scrape job: every URL ends as exactly one record, whatever happens.

Workers take URLs from a queue; per-domain gates keep politeness; robots.txt is
consulted; tenacity retries transient failures with backoff (honouring
Retry-After); each attempt has a hard time budget; a stop request (Ctrl-C,
SIGTERM) lets in-flight pages finish for a grace period and records the rest as
`interrupted`.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import urllib.robotparser
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from parsel import Selector
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential_jitter,
)

from scrapers import record
from scrapers.errors import ErrorKind
from scrapers.extract import Extraction, extract
from scrapers.fetch import FetchError, fetch_bytes
from scrapers.htmldoc import parse_html
from scrapers.job import build_record, choose_site, error_record, is_retryable, now_utc
from scrapers.logs import get_logger
from scrapers.output import NdjsonSink
from scrapers.render import OPEN_PAGE_TIMEOUT_S, Renderer, RenderError
from scrapers.siteconfig import Blocked, SiteConfig
from scrapers.siteload import SiteRegistry
from scrapers.summary import Summary

log = get_logger("storyline.run")

MAX_RETRY_AFTER_S = 60.0  # a server asking for longer gets this; the page is retried or recorded


@dataclass(frozen=True)
class RunOptions:
    concurrency: int = 4
    obey_robots: bool = True
    user_agent: str = "Storyline/0.1 (+news scraper)"
    page_budget_ms: int | None = None
    site_name: str | None = None
    grace_s: float = 10.0  # how long in-flight pages may finish after a stop request
    browser_user_agent: str | None = None  # for pages whose site file sets none


class DomainGate:
    """Per-domain concurrency limit and minimum delay between page starts."""

    def __init__(self) -> None:
        self._sems: dict[str, asyncio.Semaphore] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._next: dict[str, float] = {}

    @contextlib.asynccontextmanager
    async def slot(self, host: str, max_concurrent: int, min_delay_s: float) -> AsyncIterator[None]:
        sem = self._sems.setdefault(host, asyncio.Semaphore(max_concurrent))
        lock = self._locks.setdefault(host, asyncio.Lock())
        async with sem:
            async with lock:
                wait = self._next.get(host, 0.0) - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                self._next[host] = time.monotonic() + min_delay_s
            yield


class RobotsCache:
    """robots.txt per origin, fetched once; an unreachable file allows everything."""

    def __init__(self, user_agent: str) -> None:
        self.user_agent = user_agent
        self._parsers: dict[str, urllib.robotparser.RobotFileParser | None] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def _parser(self, url: str) -> urllib.robotparser.RobotFileParser | None:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        async with self._locks.setdefault(origin, asyncio.Lock()):
            if origin not in self._parsers:
                try:
                    text = (await fetch_bytes(origin + "/robots.txt", self.user_agent, 10)).decode(
                        "utf-8", "replace"
                    )
                    parser = urllib.robotparser.RobotFileParser()
                    parser.parse(text.splitlines())
                    self._parsers[origin] = parser
                except FetchError as exc:
                    log.info("no robots.txt; allowing all", origin=origin, error=str(exc))
                    self._parsers[origin] = None
            return self._parsers[origin]

    async def check(self, url: str) -> tuple[bool, float]:
        """(allowed, crawl delay in seconds)."""
        parser = await self._parser(url)
        if parser is None:
            return True, 0.0
        delay = parser.crawl_delay(self.user_agent)
        return parser.can_fetch(self.user_agent, url), float(delay or 0)


def blocked_reason(html: str, doc: Selector, markers: Blocked) -> str | None:
    """Why a 2xx page looks like a bot challenge or consent wall, or None (`doc`: `html` parsed)."""
    for sel in markers.selectors:
        if doc.css(sel):
            return f"challenge marker {sel!r} found"
    # Visible text is costly to gather on a big page; a marker absent from the raw HTML is absent.
    texts = [t for t in markers.texts if t in html]
    if texts:
        body_text = " ".join(doc.xpath("//body//text()[not(ancestor::script or ancestor::style)]").getall())
        for text in texts:
            if text in body_text:
                return f"challenge text {text!r} found"
    return None


def judge_and_extract(html: str, final_url: str, site: SiteConfig) -> Extraction:
    """One parse serves both: is this a challenge page (RenderError "blocked"), and the extraction."""
    doc = parse_html(html)
    reason = blocked_reason(html, doc, site.fetch.blocked)
    if reason:
        raise RenderError("blocked", reason, None, final_url)
    return extract(doc, final_url, site)


def interrupted_record(url: str, site: SiteConfig | None, started: bool) -> record.Record:
    what = "stopped while the page was in progress" if started else "stopped before the page was started"
    return record.Record(
        site=None if site is None or site.site == "generic" else site.site,
        url=url,
        fetched_at=now_utc(),
        status="error",
        error=record.Error(kind="interrupted", message=what, attempts=0),
    )


def _retry_wait(state: RetryCallState) -> float:
    exc = state.outcome.exception() if state.outcome else None
    if isinstance(exc, RenderError) and exc.retry_after is not None:
        return min(exc.retry_after, MAX_RETRY_AFTER_S)
    return float(wait_exponential_jitter(multiplier=0.5, max=10, jitter=0.5)(state))


@dataclass
class JobRunner:
    registry: SiteRegistry
    renderer: Renderer
    sink: NdjsonSink
    options: RunOptions = field(default_factory=RunOptions)
    on_record: Callable[[record.Record], None] | None = None
    summary: Summary = field(default_factory=Summary)
    stopping: asyncio.Event = field(default_factory=asyncio.Event)
    interrupted: bool = False
    _gate: DomainGate = field(default_factory=DomainGate)
    _robots: RobotsCache | None = None

    def stop(self) -> None:
        """Ask the run to stop: no new pages; in-flight ones get `grace_s` to finish."""
        if not self.stopping.is_set():
            log.warning("stop requested: finishing in-flight pages", grace_s=self.options.grace_s)
        self.interrupted = True
        self.stopping.set()

    def _emit(self, rec: record.Record, attempts: int = 1) -> None:
        self.sink.write(rec)
        self.summary.add(rec, attempts)
        log.info(
            "page",
            url=rec.url,
            site=rec.site,
            status=rec.status,
            missing=rec.missing,
            error=rec.error.kind if rec.error else None,
            attempts=attempts,
            render_ms=rec.timings_ms.render,
        )
        if self.on_record is not None:
            self.on_record(rec)

    def _site(self, url: str) -> SiteConfig:
        site = choose_site(url, self.registry, self.options.site_name)
        self.summary.sites.setdefault(site.site, site)
        return site

    async def run(self, urls: list[str]) -> Summary:
        if self.options.obey_robots:
            self._robots = RobotsCache(self.options.user_agent)
        queue: asyncio.Queue[str] = asyncio.Queue()
        for u in urls:
            queue.put_nowait(u)
        workers = [asyncio.create_task(self._worker(queue)) for _ in range(max(1, self.options.concurrency))]
        stop_wait: asyncio.Future[Any] = asyncio.ensure_future(self.stopping.wait())
        all_done: asyncio.Future[Any] = asyncio.gather(*workers, return_exceptions=True)
        await asyncio.wait([stop_wait, all_done], return_when=asyncio.FIRST_COMPLETED)
        if self.stopping.is_set() and not all_done.done():
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.options.grace_s):
                    await asyncio.shield(all_done)
            for w in workers:
                w.cancel()
        await all_done
        stop_wait.cancel()
        while not queue.empty():  # never started: still one line each
            url = queue.get_nowait()
            self._emit(interrupted_record(url, self._site(url), started=False), attempts=0)
        return self.summary

    async def _worker(self, queue: asyncio.Queue[str]) -> None:
        while not self.stopping.is_set():
            try:
                url = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            site = self._site(url)
            try:
                rec, attempts = await self._page(url, site)
            except asyncio.CancelledError:
                self._emit(interrupted_record(url, site, started=True), attempts=0)
                raise
            except Exception as exc:  # a bug must not lose the page
                log.exception("page failed unexpectedly", url=url)
                err = RenderError("browser", f"unexpected failure: {type(exc).__name__}: {exc}")
                rec, attempts = error_record(url, site, err, 1, now_utc(), 0), 1
            self._emit(rec, attempts)

    async def _page(self, url: str, site: SiteConfig) -> tuple[record.Record, int]:
        fetched_at = now_utc()
        t0 = time.monotonic()
        delay = site.fetch.min_delay_ms / 1000
        if self._robots is not None:
            allowed, crawl_delay = await self._robots.check(url)
            if not allowed:
                err = RenderError("robots", "disallowed by robots.txt")
                return error_record(url, site, err, 0, fetched_at, 0), 0
            delay = max(delay, crawl_delay)
        host = urlsplit(url).hostname or ""
        attempts = 0
        failures: list[ErrorKind] = []  # kinds of the failed attempts, in order

        def retryable(exc: BaseException) -> bool:
            return not self.stopping.is_set() and is_retryable(exc)

        try:
            async for attempt in AsyncRetrying(
                stop=stop_after_attempt(site.fetch.attempts),
                wait=_retry_wait,
                retry=retry_if_exception(retryable),
                reraise=True,
            ):
                with attempt:
                    attempts = attempt.retry_state.attempt_number
                    async with self._gate.slot(host, site.fetch.max_concurrent, delay):
                        try:
                            rec = await self._attempt(url, site, fetched_at)
                        except RenderError as exc:
                            self.summary.attempt(exc.render_ms)
                            failures.append(exc.kind)
                            raise
                        self.summary.attempt(rec.timings_ms.render + rec.timings_ms.extract)
        except RenderError as err:
            if self.stopping.is_set():
                return interrupted_record(url, site, started=True), attempts
            rec = error_record(url, site, err, attempts, fetched_at, err.render_ms, failures[:-1])
        rec.timings_ms.total = int((time.monotonic() - t0) * 1000)
        return rec, attempts

    async def _attempt(self, url: str, site: SiteConfig, fetched_at: str) -> record.Record:
        """One try. The budget runs from navigation to the finished record; opening a browser page
        is bounded separately (render.OPEN_PAGE_TIMEOUT_S), so a busy machine does not eat it."""
        budget_ms = self.options.page_budget_ms or site.render.timeout_ms
        update: dict[str, Any] = {"timeout_ms": budget_ms}
        if site.render.user_agent is None and self.options.browser_user_agent:
            update["user_agent"] = self.options.browser_user_agent
        cfg = site.render.model_copy(update=update)
        try:
            async with asyncio.timeout(budget_ms / 1000 + OPEN_PAGE_TIMEOUT_S + 5):  # a safety net only
                rendered = await self.renderer.render(url, cfg)
        except TimeoutError:
            raise RenderError("browser", "the browser did not answer") from None
        left_s = max(0.05, (budget_ms - rendered.render_ms) / 1000)
        t1 = time.perf_counter()
        try:
            async with asyncio.timeout(left_s):
                # In a thread so a monster page cannot stall the other workers or outlive the budget.
                ex = await asyncio.to_thread(judge_and_extract, rendered.html, rendered.final_url, site)
        except RenderError as blocked:  # a challenge page
            blocked.http_status, blocked.render_ms = rendered.http_status, rendered.render_ms
            raise
        except TimeoutError:
            err = RenderError("timeout", f"page budget of {budget_ms} ms exceeded while extracting")
            err.http_status, err.render_ms = rendered.http_status, budget_ms
            raise err from None
        return build_record(
            url,
            ex,
            final_url=rendered.final_url,
            http_status=rendered.http_status,
            fetched_at=fetched_at,
            render_ms=rendered.render_ms,
            extract_ms=int((time.perf_counter() - t1) * 1000),
        )
