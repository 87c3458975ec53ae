"""One scrape job from start to summary: discovery, the runner over the page pipeline, the
summary file. `run`, `scrape` and `demo` all end up here.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scrapers.browser.renderer import Renderer
from scrapers.config.jobspec import JobSpec
from scrapers.config.settings import NO_OVERRIDES, Overrides
from scrapers.config.sitefiles import SiteRegistry
from scrapers.job.discover import Discoverer, Discovery, IsKnown
from scrapers.job.scope import job_policy
from scrapers.job.stats import DEFAULT_INTERVAL_S, stats_logged
from scrapers.job.summary import Summary
from scrapers.job.workers import JobRunner
from scrapers.net.client import HttpClient, fetcher
from scrapers.net.scope import UrlPolicy
from scrapers.output.atomic import write_atomic
from scrapers.output.logs import get_logger
from scrapers.output.record import Record
from scrapers.output.resume import ResumeState, carry_over, prepare_resume
from scrapers.output.sink import NdjsonSink, NullSink, output_sink
from scrapers.output.state import StateStore
from scrapers.page.pipeline import PagePipeline, PipelineOptions
from scrapers.page.policies import Gate, RobotsCache
from scrapers.page.record_builders import now_utc

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


@dataclass(frozen=True)
class Backend:
    """Where a job's pages are scraped when not in this process (scrapers/scale/: workers on
    Redis): `runner` is built with JobRunner's arguments and replaces it; the pipeline of this
    process (listing pages in discovery) shares `gate` and `robots_cache` with the workers.
    Without listing pages this process starts no browser."""

    runner: Callable[..., JobRunner]
    gate: Gate | None = None
    robots_cache: RobotsCache | None = None


def summary_path(out: Path) -> Path:
    return out.with_name(out.stem + ".summary.json")


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
def _stop_requests(signals: bool, event: asyncio.Event | None, stop: Callable[[], None]) -> Iterator[None]:
    """Ctrl-C/SIGTERM (unless a library caller keeps them) and the caller's `event` call `stop`."""
    with contextlib.ExitStack() as stack:
        if signals:
            stack.enter_context(_stop_on_signals(asyncio.get_running_loop(), stop))
        stack.enter_context(_stop_when_set(event, stop))
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


@dataclass
class _Pages:
    """(url, status, fetched_at) of every record a run ends with, for the state store."""

    rows: list[tuple[str, str, str]]
    then: Callable[[Record], None] | None = None

    def __call__(self, rec: Record) -> None:
        if not (rec.error is not None and rec.error.kind == "interrupted"):  # not a verdict on the page
            self.rows.append((rec.url, rec.status, rec.fetched_at))
        if self.then is not None:
            self.then(rec)


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
    on_found: Callable[[int], None] | None = None,
    write: bool = True,
    handle_signals: bool = True,
    state: Path | None = None,
    full: bool = False,
    stats_every_s: float = DEFAULT_INTERVAL_S,
    stop: asyncio.Event | None = None,
    backend: Backend | None = None,
    overrides: Overrides = NO_OVERRIDES,
) -> JobResult:
    """Run the job; records go to `out` (None: standard output) and the summary beside it.

    `out` is replaced only once the run has records for it (`output_sink`) unless `force`; `resume`
    continues it. `write=False`: records reach only `on_record`; `handle_signals=False` leaves
    SIGINT/SIGTERM to the caller (a library's), who may set `stop` instead. `state`: the job's store
    (output/state.py): known pages are skipped unless `full`; it learns the run once OUT is safe.
    `backend`: the pages are scraped elsewhere (see Backend). `overrides`: the command line's
    settings for every page (config/settings.py)."""
    started_at, t0 = now_utc(), time.monotonic()
    sink = output_sink(out, resume=resume, force=force) if write else NullSink()
    resumed = _resume_state(sink.path) if resume and sink.path is not None else None
    pages, summary = _Pages(list(resumed.pages) if resumed else [], on_record), Summary()
    with StateStore(state) if state is not None else contextlib.nullcontext() as store:
        policy = job_policy(job, registry)  # one answer for discovery, robots.txt and the browser
        options = PipelineOptions(job, overrides, policy)
        agent = options.settings(None).agent
        async with _browser(job, headed, backend) as renderer, HttpClient(policy, agent) as http:
            shared = _shared(backend)
            pipeline = PagePipeline(renderer, options, on_attempt=summary.attempt, http=http, **shared)
            with sink:
                runner = (backend.runner if backend else JobRunner)(
                    registry, pipeline, sink, job.politeness.concurrency, job.site, grace_s, pages, summary
                )
                # From here on a stop request is the runner's: discovery ends early, pages are recorded.
                with _stop_requests(handle_signals, stop, runner.stop):
                    known = store.is_known if store is not None and not full else None
                    discovery = await _discover(job, registry, policy, pipeline, runner, known, on_found)
                    todo = [u for u in discovery.urls if not (resumed and u in resumed.done)]
                    carried = _carry(sink, todo) if store is not None and not resume else 0
                    await _scrape(runner, todo, on_start, stats_every_s)
            report = _report(
                job, out, sink, runner, renderer, started_at, t0, _counts(discovery, todo, state, carried)
            )
        if store is not None and sink.committed is not False:  # only once the records are safe
            store.remember(pages.rows)
    if out is not None and write:
        write_atomic(summary_path(out), json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    log.info("run finished", **{k: report[k] for k in ("pages", "by_status", "errors_by_kind", "wall_s")})
    return JobResult(report, runner.interrupted)


@contextlib.asynccontextmanager
async def _browser(job: JobSpec, headed: bool, backend: Backend | None) -> AsyncIterator[Renderer]:
    """The run's browser: launched unless the pages are scraped elsewhere and no listing page
    needs rendering here."""
    renderer = Renderer(headless=not headed, recycle_after=job.recycle_after)
    if backend is not None and not job.start.listings:
        yield renderer
        return
    async with renderer:
        yield renderer


def _shared(backend: Backend | None) -> dict[str, Any]:
    return {} if backend is None else {"gate": backend.gate, "robots_cache": backend.robots_cache}


def _report(
    job: JobSpec,
    out: Path | None,
    sink: NdjsonSink,
    runner: JobRunner,
    renderer: Renderer,
    started_at: str,
    t0: float,
    counts: dict[str, Any],
) -> dict[str, Any]:
    """The run's summary (OUT.summary.json)."""
    return runner.summary.to_dict(
        job=job.name,
        output=str(out) if out is not None else "-",
        output_written=sink.committed is not False,
        started_at=started_at,
        finished_at=now_utc(),
        wall_s=round(time.monotonic() - t0, 2),
        interrupted=runner.interrupted,
        **counts,
        browser={"version": renderer.version, "launches": renderer.launches},
    )


def _carry(sink: NdjsonSink, todo: list[str]) -> int:
    """An incremental run replacing an output keeps the records of pages it does not scrape
    again: OUT stays the job's whole dataset, one line per URL (docs/jobs.md, 'Daily jobs')."""
    if sink.commit_to is None:
        return 0
    carried = carry_over(sink.commit_to, sink.carry, set(todo))
    log.info("carried over from the last output", records=carried, out=str(sink.commit_to))
    return carried


async def _scrape(
    runner: JobRunner, todo: list[str], on_start: Callable[[int], None] | None, stats_every_s: float
) -> None:
    if on_start is not None:
        on_start(len(todo))
    async with stats_logged(runner.summary, lambda: len(todo), stats_every_s):
        await runner.run(todo)


def _counts(discovery: Discovery, todo: list[str], state: Path | None, carried: int) -> dict[str, Any]:
    return {
        "carried_over": carried,  # records of an earlier output kept (incremental runs)
        "discovered": len(discovery.urls) + len(discovery.known),
        "skipped_already_done": len(discovery.urls) - len(todo),  # --resume
        "skipped_known": len(discovery.known),  # the state store's
        "state": str(state) if state is not None else None,
        "discovery_problems": discovery.problems,
    }


async def _discover(
    job: JobSpec,
    registry: SiteRegistry,
    policy: UrlPolicy,
    pipeline: PagePipeline,
    runner: JobRunner,
    known: IsKnown | None,
    on_found: Callable[[int], None] | None,
) -> Discovery:
    discovery = await Discoverer(
        job,
        lambda u: registry.choose(u, job.site),
        fetcher(policy, pipeline.options.settings(None).agent, client=pipeline.http),
        pipeline.render_judged,
        runner.stopping,
        policy=policy,
        is_known=known,
        on_found=on_found,
    ).run()
    log.info(
        "discovery finished",
        urls=len(discovery.urls),
        known=len(discovery.known),
        problems=len(discovery.problems),
    )
    return discovery
