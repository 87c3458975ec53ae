"""Running a scrape job: every URL ends as exactly one record, whatever happens.

Workers take URLs from a queue and hand each to the page pipeline (robots, politeness,
retries, render, judge, extract, record). A stop request (Ctrl-C, SIGTERM) lets in-flight
pages finish for a grace period and records the rest as `interrupted`.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from scrapers.config.sitefiles import SiteRegistry
from scrapers.config.sitespec import SiteSpec
from scrapers.job.summary import Summary
from scrapers.output.logs import get_logger
from scrapers.output.record import Record
from scrapers.output.sink import NdjsonSink
from scrapers.page.pipeline import PagePipeline
from scrapers.page.record_builders import interrupted_record, record_line

log = get_logger("storyline.run")


@dataclass
class JobRunner:
    registry: SiteRegistry
    pipeline: PagePipeline
    sink: NdjsonSink
    concurrency: int = 4
    site_name: str | None = None
    grace_s: float = 10.0  # how long in-flight pages may finish after a stop request
    on_record: Callable[[Record], None] | None = None
    summary: Summary = field(default_factory=Summary)
    interrupted: bool = False

    @property
    def stopping(self) -> asyncio.Event:
        return self.pipeline.stopping

    def stop(self) -> None:
        """Ask the run to stop: no new pages; in-flight ones get `grace_s` to finish."""
        if not self.stopping.is_set():
            log.warning("stop requested: finishing in-flight pages", grace_s=self.grace_s)
        self.interrupted = True
        self.stopping.set()

    def _emit(self, rec: Record, attempts: int = 1) -> None:
        rec, line = record_line(rec)
        self.sink.write_line(line)
        self.summary.add(rec, attempts)
        log.info(
            "page",
            url=rec.url,
            site=rec.site,
            status=rec.status,
            missing=rec.missing,
            error=rec.error.kind if rec.error else None,
            message=rec.error.message if rec.error else None,
            attempts=attempts,
            render_ms=rec.timings_ms.render,
        )
        if self.on_record is not None:
            self.on_record(rec)

    def _site(self, url: str) -> SiteSpec:
        site = self.registry.choose(url, self.site_name)
        self.summary.sites.setdefault(site.site, site)
        return site

    async def run(self, urls: list[str]) -> Summary:
        queue: asyncio.Queue[str] = asyncio.Queue()
        for u in urls:
            queue.put_nowait(u)
        workers = [asyncio.create_task(self._worker(queue)) for _ in range(max(1, self.concurrency))]
        stop_wait: asyncio.Future[Any] = asyncio.ensure_future(self.stopping.wait())
        all_done: asyncio.Future[Any] = asyncio.gather(*workers, return_exceptions=True)
        await asyncio.wait([stop_wait, all_done], return_when=asyncio.FIRST_COMPLETED)
        if self.stopping.is_set() and not all_done.done():
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.grace_s):
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
                result = await self.pipeline.run(url, site)
            except asyncio.CancelledError:
                self._emit(interrupted_record(url, site, started=True), attempts=0)
                raise
            self._emit(result.record, result.attempts)
