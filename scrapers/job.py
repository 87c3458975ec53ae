"""Running pages through the chain: render -> extract -> record -> sink.

Every URL handed in comes out as exactly one record, a story or an error.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from tenacity import AsyncRetrying, retry_if_exception, stop_after_attempt, wait_exponential_jitter

from scrapers import record
from scrapers.errors import ErrorKind
from scrapers.extract import Extraction, extract
from scrapers.logs import get_logger
from scrapers.output import NdjsonSink
from scrapers.render import Rendered, Renderer, RenderError
from scrapers.siteconfig import SiteConfig
from scrapers.siteload import SiteRegistry, generic_site

log = get_logger("storyline.job")

RETRYABLE_KINDS = frozenset({"timeout", "network", "browser"})
RETRYABLE_HTTP = frozenset({408, 429, 500, 502, 503, 504})


def now_utc() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def choose_site(url: str, registry: SiteRegistry, site_name: str | None) -> SiteConfig:
    if site_name:
        return registry.get(site_name)
    return registry.for_url(url) or generic_site()


def build_record(
    url: str,
    ex: Extraction,
    *,
    final_url: str,
    http_status: int | None,
    fetched_at: str,
    render_ms: int = 0,
    extract_ms: int = 0,
) -> record.Record:
    return record.Record(
        site=ex.site,
        extractor=ex.extractor,
        url=url,
        final_url=final_url,
        fetched_at=fetched_at,
        http_status=http_status,
        status="partial" if ex.missing else "ok",
        story=ex.story,
        widgets=ex.widgets,
        page=ex.page,
        missing=ex.missing,
        timings_ms=record.Timings(render=render_ms, extract=extract_ms),
    )


def error_record(
    url: str,
    site: SiteConfig | None,
    err: RenderError,
    attempts: int,
    fetched_at: str,
    render_ms: int,
    previous: list[ErrorKind] | None = None,
) -> record.Record:
    return record.Record(
        site=None if site is None or site.site == "generic" else site.site,
        extractor=None,
        url=url,
        final_url=err.final_url,
        fetched_at=fetched_at,
        http_status=err.http_status,
        status="error",
        error=record.Error(
            kind=err.kind,
            message=err.message,
            attempts=attempts,
            http_status=err.http_status,
            previous=previous or [],
        ),
        timings_ms=record.Timings(render=render_ms),
    )


def extract_page(
    url: str,
    html: str,
    final_url: str,
    site: SiteConfig,
    *,
    http_status: int | None,
    fetched_at: str,
    render_ms: int = 0,
) -> record.Record:
    """Extraction and record building for HTML already in hand (the browser-free path)."""
    t0 = time.perf_counter()
    ex = extract(html, final_url, site)
    ms = int((time.perf_counter() - t0) * 1000)
    return build_record(
        url,
        ex,
        final_url=final_url,
        http_status=http_status,
        fetched_at=fetched_at,
        render_ms=render_ms,
        extract_ms=ms,
    )


def is_retryable(exc: BaseException) -> bool:
    """Timeouts, network errors, crashes and 408/429/5xx are worth another try; nothing else is."""
    if not isinstance(exc, RenderError):
        return False
    return exc.kind in RETRYABLE_KINDS or (exc.kind == "http" and exc.http_status in RETRYABLE_HTTP)


async def render_with_retries(
    renderer: Renderer, url: str, site: SiteConfig, attempts: int
) -> tuple[Rendered, int]:
    used = 0
    async for attempt in AsyncRetrying(
        stop=stop_after_attempt(attempts),
        wait=wait_exponential_jitter(multiplier=0.5, max=8, jitter=0.5),
        retry=retry_if_exception(is_retryable),
        reraise=True,
    ):
        with attempt:
            used = attempt.retry_state.attempt_number
            try:
                return await renderer.render(url, site.render), used
            except RenderError as exc:
                exc.attempts = used
                raise
    raise AssertionError("unreachable: tenacity reraises the last error")


async def scrape_one(renderer: Renderer, url: str, site: SiteConfig, attempts: int = 2) -> record.Record:
    fetched_at = now_utc()
    t0 = time.monotonic()
    try:
        rendered, _ = await render_with_retries(renderer, url, site, attempts)
    except RenderError as err:
        ms = int((time.monotonic() - t0) * 1000)
        return error_record(url, site, err, err.attempts, fetched_at, ms)
    try:
        return extract_page(
            url,
            rendered.html,
            rendered.final_url,
            site,
            http_status=rendered.http_status,
            fetched_at=fetched_at,
            render_ms=rendered.render_ms,
        )
    except Exception as exc:  # a bug must not lose the page: it becomes its record
        failure = RenderError(
            "content",
            f"extraction failed: {type(exc).__name__}: {exc}",
            rendered.http_status,
            rendered.final_url,
        )
        return error_record(url, site, failure, 1, fetched_at, rendered.render_ms)


@dataclass
class RunStats:
    by_status: Counter[str] = field(default_factory=Counter)
    started: float = field(default_factory=time.monotonic)

    @property
    def failed(self) -> int:
        return self.by_status["error"]

    @property
    def total(self) -> int:
        return sum(self.by_status.values())

    def line(self) -> str:
        secs = time.monotonic() - self.started
        parts = ", ".join(f"{k} {v}" for k, v in sorted(self.by_status.items()))
        return f"{self.total} pages in {secs:.1f}s ({parts})"


async def scrape_many(
    urls: Iterable[str],
    *,
    registry: SiteRegistry,
    sink: NdjsonSink,
    renderer: Renderer,
    site_name: str | None = None,
    concurrency: int = 2,
    attempts: int = 2,
    on_record: Callable[[record.Record], None] | None = None,
) -> RunStats:
    """Scrape every URL (at most `concurrency` at once); records are written as pages finish."""
    stats = RunStats()
    gate = asyncio.Semaphore(max(1, concurrency))

    async def one(url: str) -> None:
        async with gate:
            site = choose_site(url, registry, site_name)
            rec = await scrape_one(renderer, url, site, attempts)
        sink.write(rec)
        stats.by_status[rec.status] += 1
        log.info(
            "page",
            url=url,
            site=rec.site,
            status=rec.status,
            missing=rec.missing,
            error=rec.error.kind if rec.error else None,
            render_ms=rec.timings_ms.render,
        )
        if on_record is not None:
            on_record(rec)

    await asyncio.gather(*(one(u) for u in urls))
    return stats
