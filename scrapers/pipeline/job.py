"""One scrape job from start to summary: discovery, the runner over the page pipeline, the
summary file. `run`, `scrape` and `demo` all end up here.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scrapers.browser.renderer import Renderer
from scrapers.config.jobspec import JobSpec
from scrapers.config.sitefiles import SiteRegistry
from scrapers.net.scope import UrlPolicy
from scrapers.output.atomic import write_atomic
from scrapers.output.logs import get_logger
from scrapers.output.record import Record
from scrapers.output.resume import ResumeState, prepare_resume
from scrapers.output.sink import NullSink, output_sink
from scrapers.pipeline.discover import Discoverer
from scrapers.pipeline.fetch import fetcher
from scrapers.pipeline.page import PagePipeline, PipelineOptions
from scrapers.pipeline.records import now_utc
from scrapers.pipeline.runner import JobRunner
from scrapers.pipeline.scope_of_job import job_policy
from scrapers.pipeline.summary import Summary

log = get_logger("storyline.run")


@dataclass(frozen=True)
class JobResult:
    report: dict[str, Any]
    interrupted: bool

    @property
    def failed(self) -> int:
        return int(self.report["by_status"].get("error", 0))

    @property
    def output_written(self) -> bool:
        """False when the run had nothing to write and left an existing output as it was."""
        return bool(self.report.get("output_written", True))


def summary_path(out: Path) -> Path:
    return out.with_name(out.stem + ".summary.json")


def pipeline_options(job: JobSpec, policy: UrlPolicy | None = None) -> PipelineOptions:
    polite = job.politeness
    return PipelineOptions(
        policy=policy,
        obey_robots=polite.obey_robots,
        user_agent=polite.agent,
        page_budget_ms=job.page_budget_ms,
        # The job's User-Agent if it names one, else Chromium's own plus the Storyline token
        # (a site file's render.user_agent wins over both).
        browser_user_agent=polite.user_agent,
        min_delay_ms=polite.min_delay_ms,
    )


@contextlib.contextmanager
def _stop_on_signals(loop: asyncio.AbstractEventLoop, stop: Callable[[], None]) -> Iterator[None]:
    """Ctrl-C and SIGTERM become a clean stop: pages in flight finish, the rest are recorded."""
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop)
    try:
        yield
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)


@contextlib.contextmanager
def _no_signals(loop: asyncio.AbstractEventLoop, stop: Callable[[], None]) -> Iterator[None]:
    yield


@contextlib.contextmanager
def _stop_when_set(event: asyncio.Event | None, stop: Callable[[], None]) -> Iterator[None]:
    """A caller's stop request (a library consumer that stopped reading) is a clean stop too."""
    if event is None:
        yield
        return

    async def watch() -> None:
        await event.wait()
        stop()

    watcher = asyncio.ensure_future(watch())
    try:
        yield
    finally:
        watcher.cancel()


def _resume_state(out: Path) -> ResumeState:
    state = prepare_resume(out)
    log.info(
        "resuming",
        out=str(out),
        kept=state.kept,
        torn=state.dropped_torn,
        interrupted=state.dropped_interrupted,
    )
    return state


async def run_job(
    job: JobSpec,
    out: Path | None,
    registry: SiteRegistry,
    *,
    resume: bool = False,
    force: bool = False,
    grace_s: float = 10.0,
    headed: bool = False,
    on_start: Callable[[int], None] | None = None,
    on_record: Callable[[Record], None] | None = None,
    write: bool = True,
    handle_signals: bool = True,
    stop: asyncio.Event | None = None,
) -> JobResult:
    """Run the job; records go to `out` (None: standard output) and the summary beside it.

    An existing `out` is replaced only once the run has records for it (`output_sink`), unless
    `force`; `resume` continues the last run's file. `write=False` writes nothing (records reach
    only `on_record`); `handle_signals=False` leaves SIGINT/SIGTERM to the caller (a library
    must not take them over, and only the main thread may), who may set `stop` instead."""
    started_at, t0 = now_utc(), time.monotonic()
    sink = output_sink(out, resume=resume, force=force) if write else NullSink()
    state = _resume_state(sink.path) if resume and sink.path is not None else None
    summary = Summary()
    async with Renderer(headless=not headed, recycle_after=job.recycle_after) as renderer:
        policy = job_policy(job, registry)  # one answer for discovery, robots.txt and the browser
        pipeline = PagePipeline(renderer, pipeline_options(job, policy), on_attempt=summary.attempt)
        with sink:
            runner = JobRunner(
                registry, pipeline, sink, job.politeness.concurrency, job.site, grace_s, on_record, summary
            )
            # From here on a stop request is the runner's: discovery ends early, pages are recorded.
            signals = _stop_on_signals if handle_signals else _no_signals
            with signals(asyncio.get_running_loop(), runner.stop), _stop_when_set(stop, runner.stop):
                discovery = await Discoverer(
                    job,
                    lambda u: registry.choose(u, job.site),
                    fetcher(policy, job.politeness.agent),
                    pipeline.render_judged,
                    runner.stopping,
                    policy=policy,
                ).run()
                done = state.done if state else set()
                todo = [u for u in discovery.urls if u not in done]
                if on_start is not None:
                    on_start(len(todo))
                await runner.run(todo)
        report = summary.to_dict(
            job=job.name,
            output=str(out) if out is not None else "-",
            output_written=sink.committed is not False,
            started_at=started_at,
            finished_at=now_utc(),
            wall_s=round(time.monotonic() - t0, 2),
            interrupted=runner.interrupted,
            discovered=len(discovery.urls),
            skipped_already_done=len(discovery.urls) - len(todo),
            discovery_problems=discovery.problems,
            browser={"version": renderer.version, "launches": renderer.launches},
        )
    if out is not None and write:
        write_atomic(summary_path(out), json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    log.info("run finished", **{k: report[k] for k in ("pages", "by_status", "errors_by_kind", "wall_s")})
    return JobResult(report, runner.interrupted)
