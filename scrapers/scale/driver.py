"""The driver of a distributed run (`storyline run JOB --redis URL`): `run_job` as everywhere,
with the job runner replaced by `RemoteRunner`, which queues the pages and collects their records.

Discovery, the output file, `--resume`, the state store and the summary are `run_job`'s
(scrapers/job/run.py): the records are the same lines a local run writes. The runner:

1. publishes the job's description (queue.py) and, unless resuming, empties the job's stream;
2. reads the records already on the stream (a resumed driver: pages finished while it was away);
3. enqueues every other page (its id makes a page already queued a no-op);
4. reads the stream until every page has its record, keeping the first record of each URL (a page
   whose worker died after sending its record is scraped again: its second record is dropped);
5. when nothing arrives for a while, looks for pages whose arq job vanished without a record (it
   failed outside the pipeline, or Redis lost it) and queues them again, up to LOST_TRIES times;
6. at the end clears the job's keys. A stop (Ctrl-C, SIGTERM) waits `grace_s` for records, then
   records the rest as interrupted; their jobs stay queued for `--resume`.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from functools import partial

from arq.connections import ArqRedis
from arq.constants import job_key_prefix

from scrapers.config.jobspec import JobSpec
from scrapers.errors import PageError
from scrapers.job.run import Backend
from scrapers.job.summary import Summary
from scrapers.job.workers import JobRunner
from scrapers.output.logs import get_logger
from scrapers.output.record import Record
from scrapers.page.record_builders import error_record, interrupted_record, now_utc
from scrapers.scale.connection import DEFAULT_QUEUE, connect
from scrapers.scale.limiter import RedisGate
from scrapers.scale.queue import (
    Finished,
    enqueue_pages,
    finished,
    job_key,
    page_job_id,
    publish_context,
    records_key,
)
from scrapers.scale.robots import RedisRobots

log = get_logger("storyline.run")

READ_BLOCK_MS = 1000
SWEEP_AFTER_S = 5.0  # this long without a record: look for pages whose job vanished
LOST_TRIES = 2  # a page whose job vanished this many times becomes an error record


@dataclass(frozen=True)
class Remote:
    redis: ArqRedis
    job: JobSpec
    resume: bool = False


@dataclass
class RemoteRunner(JobRunner):
    """JobRunner's contract (records, summary, stop), with the pages scraped by workers."""

    remote: Remote | None = field(default=None, kw_only=True)
    _pending: dict[str, str] = field(default_factory=dict, kw_only=True)  # url -> site name
    _lost: dict[str, int] = field(default_factory=dict, kw_only=True)
    _last_id: str = field(default="0", kw_only=True)

    @property
    def _r(self) -> Remote:
        assert self.remote is not None, "RemoteRunner needs remote="
        return self.remote

    async def run(self, urls: list[str]) -> Summary:
        redis, name = self._r.redis, self._r.job.name
        self._pending = {u: self._site(u).site for u in urls}
        if not self._r.resume:
            await redis.delete(records_key(name))
        sites = self.summary.sites.values()
        digest = await publish_context(redis, self._r.job, sites, self.pipeline.options.overrides)
        await self._read(0)  # records that arrived while a killed driver was away
        new = await enqueue_pages(redis, name, digest, self._pending)
        log.info("pages queued", pages=len(self._pending), new=new, queued_before=len(self._pending) - new)
        await self._collect(digest)
        if self._pending:
            await self._stopped()
        else:
            await self._clear()
        return self.summary

    async def _collect(self, digest: str) -> None:
        quiet_since = time.monotonic()
        while self._pending and not self.stopping.is_set():
            if await self._read(READ_BLOCK_MS):
                quiet_since = time.monotonic()
            elif time.monotonic() - quiet_since > SWEEP_AFTER_S:
                await self._sweep(digest)
                quiet_since = time.monotonic()

    async def _read(self, block_ms: int) -> int:
        """Emit the records on the stream after the last one read; returns how many entries came."""
        streams: dict[str, str] = {records_key(self._r.job.name): self._last_id}
        read = await self._r.redis.xread(streams, count=500, block=block_ms or None)  # type: ignore[arg-type]
        entries = read[0][1] if read else []
        for entry_id, fields in entries:
            self._last_id = entry_id.decode()
            try:
                page = finished(fields)
            except (KeyError, ValueError) as exc:
                log.warning("records stream: an entry that is no page's, ignored", error=repr(exc)[:200])
                continue
            self._take(page)
        return len(entries)

    def _take(self, page: Finished) -> None:
        """Accept a record only for the pending page it names, and only if it is that page's:
        anyone who can write to the stream must not swap one URL's record for another's."""
        if page.url not in self._pending:
            return  # a page of another run, or one already recorded
        try:
            rec = Record.model_validate_json(page.line)
        except ValueError as exc:
            log.warning("records stream: no record, ignored", url=page.url, error=str(exc)[:200])
            return
        if rec.url != page.url:
            log.warning("records stream: a record of another URL, ignored", url=page.url, record_url=rec.url)
            return
        del self._pending[page.url]
        for ms in page.attempt_ms:
            self.summary.attempt(ms)
        self._emit(rec, page.attempts)

    async def _sweep(self, digest: str) -> None:
        """Queue again the pages whose job is gone and whose record never came (see the module doc)."""
        redis, name = self._r.redis, self._r.job.name
        urls = list(self._pending)
        async with redis.pipeline(transaction=False) as pipe:
            for url in urls:
                pipe.exists(job_key_prefix + page_job_id(name, url))
            exists = await pipe.execute()
        await self._read(0)  # a record sent before its job ended is on the stream by now
        gone = [u for u, alive in zip(urls, exists, strict=True) if not alive and u in self._pending]
        for url in gone:
            self._lost[url] = self._lost.get(url, 0) + 1
            if self._lost[url] > LOST_TRIES:
                self._give_up(url)
        again = {u: self._pending[u] for u in gone if u in self._pending}
        if again:
            log.warning("pages lost from the queue: queued again", pages=len(again))
            await enqueue_pages(redis, name, digest, again)

    def _give_up(self, url: str) -> None:
        site = self._site(url)
        self._pending.pop(url)
        err = PageError("browser", f"its job left the queue {LOST_TRIES + 1} times without a record")
        self._emit(error_record(url, site, err, attempts=0, fetched_at=now_utc()), 0)

    async def _stopped(self) -> None:
        """A stop: `grace_s` more for records, then the rest are interrupted (still queued)."""
        deadline = time.monotonic() + self.grace_s
        while self._pending and time.monotonic() < deadline:
            await self._read(max(1, int(min(READ_BLOCK_MS, (deadline - time.monotonic()) * 1000))))
        for url in list(self._pending):
            self._pending.pop(url)
            self._emit(interrupted_record(url, self._site(url), started=False), attempts=0)

    async def _clear(self) -> None:
        redis, name = self._r.redis, self._r.job.name
        robots = [k async for k in redis.scan_iter(match=job_key(name, "robots:*"))]
        await redis.delete(records_key(name), job_key(name, "spec"), *robots)


@contextlib.asynccontextmanager
async def remote_backend(
    url: str, job: JobSpec, *, resume: bool = False, queue: str = DEFAULT_QUEUE
) -> AsyncIterator[Backend]:
    """The `run_job` backend of a run whose pages workers scrape (RedisUnreachable if Redis is not there)."""
    redis = await connect(url, queue)
    try:
        if not resume:
            robots = [k async for k in redis.scan_iter(match=job_key(job.name, "robots:*"))]
            if robots:
                await redis.delete(*robots)
        remote = Remote(redis, job, resume)
        yield Backend(partial(RemoteRunner, remote=remote), RedisGate(redis), RedisRobots(redis, job.name))
    finally:
        await redis.aclose()
