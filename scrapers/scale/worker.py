"""`storyline worker`: an arq worker that scrapes the pages of any job on its queue.

One Chromium per process (launched at start, reused by every page, recycled as in a local run),
`concurrency` pages at once, each through the same `PagePipeline` as a local run (robots.txt,
retries, render, judge, extract), with the per-domain gate and robots.txt shared through Redis.
Each page's record goes to its job's stream (queue.py) before arq marks the job done.

Dying workers: arq marks a job in progress with a key that lapses; this worker renews the keys of
its running jobs every IN_PROGRESS_S / 3, so the jobs of a worker killed with SIGKILL are started
again by another worker within IN_PROGRESS_S (plus a poll). arq counts the starts of a job in Redis
(`job_try`, across workers): a page started more than `max_tries` times (its worker died each time)
becomes an error record instead of killing workers forever. SIGTERM: no new jobs; pages in flight
get `grace_s` to finish, then go back to the queue.
"""

from __future__ import annotations

import asyncio
import contextlib
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from arq.connections import ArqRedis
from arq.constants import in_progress_key_prefix
from arq.worker import Worker, func
from redis.exceptions import RedisError

from scrapers.browser.renderer import Renderer
from scrapers.config.sitefiles import SiteRegistry
from scrapers.errors import PageError
from scrapers.job.scope import job_policy
from scrapers.output.logs import get_logger
from scrapers.page.pipeline import PagePipeline, PageResult, PipelineOptions
from scrapers.page.record_builders import error_record, now_utc, record_line
from scrapers.scale.connection import DEFAULT_QUEUE, dump_job, load_job, settings
from scrapers.scale.limiter import RedisGate
from scrapers.scale.queue import PAGE_FUNCTION, Finished, JobContext, load_context, publish_record
from scrapers.scale.robots import RedisRobots

log = get_logger("storyline.worker")

IN_PROGRESS_S = 15.0  # a killed worker's pages are started again within this (see the module doc)
JOB_TIMEOUT_S = 1800  # arq's own limit per page job: far above a page's budget, retries and waits
DEFAULT_MAX_TRIES = 3
STATE = "storyline"
_attempt_ms: ContextVar[list[int] | None] = ContextVar("storyline_attempt_ms", default=None)


@dataclass(frozen=True)
class WorkerOptions:
    redis_url: str
    queue: str = DEFAULT_QUEUE
    concurrency: int = 2
    grace_s: float = 10.0
    max_tries: int = DEFAULT_MAX_TRIES
    headless: bool = True
    recycle_after: int | None = None
    poll_s: float = 0.02  # how often an idle slot asks the queue for a page
    burst: bool = False  # stop once the queue is empty (tests, one-off runs)


def _timed(ms: int) -> None:
    """The pipeline's per-attempt callback: into the list of the page job running in this task."""
    timings = _attempt_ms.get()
    if timings is not None:
        timings.append(ms)


@dataclass
class WorkerState:
    """What a worker process keeps: its browser, its Redis, and one pipeline per job."""

    redis: ArqRedis
    renderer: Renderer
    max_tries: int
    gate: RedisGate = field(init=False)
    _jobs: dict[tuple[str, str], tuple[JobContext, PagePipeline]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.gate = RedisGate(self.redis)

    async def pipeline(self, job: str, digest: str) -> tuple[JobContext, PagePipeline]:
        if (job, digest) not in self._jobs:
            ctx = await load_context(self.redis, job)
            policy = job_policy(ctx.job, SiteRegistry(ctx.sites.values()))
            pipeline = PagePipeline(
                self.renderer,
                PipelineOptions(ctx.job, ctx.overrides, policy),
                on_attempt=_timed,
                gate=self.gate,
                robots_cache=RedisRobots(self.redis, job),
            )
            if len(self._jobs) >= 16:
                self._jobs.pop(next(iter(self._jobs)))
            self._jobs[(job, digest)] = (ctx, pipeline)
        return self._jobs[(job, digest)]


async def scrape_page(ctx: dict[str, Any], job: str, digest: str, url: str, site_name: str) -> None:
    """arq's job function: one page of `job`, its record onto the job's stream."""
    state: WorkerState = ctx[STATE]
    try:
        context, pipeline = await state.pipeline(job, digest)
    except LookupError as exc:  # the driver finished and cleared the job: nobody waits for it
        log.warning("page of a finished job dropped", url=url, job=job, error=str(exc))
        return
    site = context.sites[site_name]
    timings: list[int] = []
    _attempt_ms.set(timings)
    started = int(ctx["job_try"])
    if started > state.max_tries:
        result = _given_up(url, context, site_name, started - 1)
    else:
        result = await pipeline.run(url, site)
    rec, line = record_line(result.record)
    await publish_record(state.redis, job, Finished(url, line, result.attempts, timings))
    error = (rec.error.kind, rec.error.message) if rec.error else (None, None)
    log.info("page", url=url, job=job, status=rec.status, error=error[0], message=error[1])


def _given_up(url: str, context: JobContext, site_name: str, died: int) -> PageResult:
    err = PageError("browser", f"its worker stopped while scraping it, {died} times: given up")
    return PageResult(
        error_record(url, context.sites[site_name], err, attempts=died, fetched_at=now_utc()), 0
    )


class PageWorker(Worker):
    """arq's worker, with in-progress keys that lapse soon unless this process renews them."""

    def __init__(self, *, in_progress_s: float = IN_PROGRESS_S, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.in_progress_timeout_s = in_progress_s

    async def main(self) -> None:
        keeper = asyncio.create_task(self._renew_in_progress())
        try:
            await super().main()
        finally:
            keeper.cancel()

    async def _renew_in_progress(self) -> None:
        lease_ms = int(self.in_progress_timeout_s * 1000)
        while True:
            await asyncio.sleep(self.in_progress_timeout_s / 3)
            running = [job_id for job_id, task in self.tasks.items() if not task.done()]
            if self._pool is None or not running:
                continue
            try:
                async with self.pool.pipeline(transaction=False) as pipe:
                    for job_id in running:
                        pipe.pexpire(in_progress_key_prefix + job_id, lease_ms)
                    await pipe.execute()
            except (RedisError, OSError) as exc:
                log.warning("could not renew the in-progress marks", jobs=len(running), error=str(exc))


def build_worker(opts: WorkerOptions) -> PageWorker:
    """The worker process's arq Worker (call its `run()`); the browser starts with it."""
    stack = contextlib.AsyncExitStack()

    async def startup(ctx: dict[str, Any]) -> None:
        renderer = Renderer(headless=opts.headless, recycle_after=opts.recycle_after)
        await stack.enter_async_context(renderer)
        ctx[STATE] = WorkerState(ctx["redis"], renderer, opts.max_tries)
        log.info("worker ready", queue=opts.queue, concurrency=opts.concurrency, browser=renderer.version)

    async def shutdown(ctx: dict[str, Any]) -> None:
        await stack.aclose()

    return PageWorker(
        **arq_settings(opts.max_tries),
        queue_name=opts.queue,
        redis_settings=settings(opts.redis_url),
        on_startup=startup,
        on_shutdown=shutdown,
        max_jobs=opts.concurrency,
        poll_delay=opts.poll_s,
        job_completion_wait=max(1, round(opts.grace_s)),
        health_check_interval=10,
        burst=opts.burst,
    )


def arq_settings(max_tries: int = DEFAULT_MAX_TRIES) -> dict[str, Any]:
    """What every page worker's arq Worker is given, whatever its process."""
    return {
        # arq's own limit is a backstop: scrape_page gives up on the start after `max_tries`
        "functions": [func(scrape_page, name=PAGE_FUNCTION, max_tries=max_tries + 1)],
        "job_timeout": JOB_TIMEOUT_S,
        "keep_result": 0,  # records travel on the job's stream; a result would block re-enqueueing
        "job_serializer": dump_job,
        "job_deserializer": load_job,
    }
