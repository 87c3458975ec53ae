"""Distributed runs (scrapers/scale/, docs/scaling.md) on a real redis-server.

The fast tests drive the Redis pieces without a browser; the heavy one runs a 240-URL job on
three `storyline worker` processes against the demo site, killing a worker and the driver."""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from clirun import read, run_cli, storyline, write_job
from localserver import run_async
from redisserver import RedisServer
from scrapers.browser.renderer import Renderer
from scrapers.config.jobspec import JobSpec, Start
from scrapers.config.sitefiles import SiteRegistry
from scrapers.demo.requestlog import pages_in_flight
from scrapers.demo.server import DemoServer
from scrapers.job.workers import JobRunner
from scrapers.page.policies import RobotsAnswer
from scrapers.scale.connection import connect
from scrapers.scale.driver import RemoteRunner
from scrapers.scale.limiter import RedisGate
from scrapers.scale.queue import (
    enqueue_pages,
    finished,
    page_job_id,
    publish_context,
    records_key,
)
from scrapers.scale.robots import RedisRobots, robots_key
from scrapers.scale.worker import STATE, PageWorker, WorkerState, arq_settings

ROOT = Path(__file__).resolve().parents[2]
SITES = ROOT / "tests" / "sites"
LIGHT = SiteRegistry.from_dir(SITES).get("demo-light")


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path / "redis").start()
    yield server
    server.stop()


def test_the_limit_holds_across_processes_and_a_dead_holders_slot_comes_back(
    redis_server: RedisServer,
) -> None:
    async def go() -> tuple[int, float, int, float]:
        pools = [await connect(redis_server.url) for _ in range(4)]  # four "workers"
        gates = [RedisGate(p) for p in pools]
        now = peak = 0

        async def page(gate: RedisGate) -> None:
            nonlocal now, peak
            async with gate.slot("http://example.org/a", 2, 0):
                now += 1
                peak = max(peak, now)
                await asyncio.sleep(0.03)
                now -= 1

        await asyncio.gather(*(page(g) for g in gates for _ in range(6)))
        # A holder that dies never renews its lease: the slot is free again once it lapses.
        short = RedisGate(pools[0], lease_s=0.3)
        assert await short.take("dead.example", "a", 1, 0) == 0
        assert await short.take("dead.example", "b", 1, 0) == -1
        t0 = time.monotonic()
        while await short.take("dead.example", "b", 1, 0) != 0:
            await asyncio.sleep(0.02)
        lapsed = time.monotonic() - t0  # 0.3 s lease, taken just before
        # The minimum delay between page starts on one host holds across gates too.
        starts = []
        for gate in gates[:3]:
            async with gate.slot("http://slow.example/x", 5, 0.2):
                starts.append(time.monotonic())
        for p in pools:
            await p.aclose()
        return peak, lapsed, len(starts), min(b - a for a, b in itertools.pairwise(starts))

    peak, lapsed, n, gap = run_async(go())
    assert peak == 2  # 24 pages from 4 gates, never more than the limit at once
    assert lapsed > 0.1  # held until the lease lapsed (how late it is seen depends on the load)
    assert n == 3 and gap >= 0.19


def test_robots_txt_is_read_once_per_origin_and_job_across_workers(redis_server: RedisServer) -> None:
    reads: list[str] = []

    async def read() -> RobotsAnswer:
        reads.append("x")
        await asyncio.sleep(0.1)
        return RobotsAnswer("User-agent: *\nDisallow: /private/\n")

    async def go() -> list[RobotsAnswer]:
        pools = [await connect(redis_server.url) for _ in range(3)]
        caches = [RedisRobots(p, "daily") for p in pools]
        answers = await asyncio.gather(
            *(c.answer("http://example.org", read) for c in caches for _ in range(2))
        )
        other_job = await RedisRobots(pools[0], "weekly").answer("http://example.org", read)
        for p in pools:
            await p.aclose()
        return [*answers, other_job]

    answers = run_async(go())
    assert len(reads) == 2  # once for "daily" (six askers, three processes), once for "weekly"
    assert {a.text for a in answers} == {"User-agent: *\nDisallow: /private/\n"}


class _LateLook:
    """A Redis connection whose first look for the answer comes back empty after another worker
    has read robots.txt, stored the answer and let its lock go: the race a loaded machine
    produces between a worker's look and its lock."""

    def __init__(self, redis: Any, meanwhile: Any) -> None:
        self.redis, self.meanwhile, self.looked = redis, meanwhile, False

    async def get(self, key: str) -> Any:
        if not self.looked:
            self.looked = True
            await self.meanwhile()
            return None  # what this worker saw before the other one finished
        return await self.redis.get(key)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.redis, name)


def test_a_worker_locking_after_another_stored_the_answer_does_not_read_again(
    redis_server: RedisServer,
) -> None:
    reads: list[str] = []

    async def read() -> RobotsAnswer:
        reads.append("x")
        return RobotsAnswer("User-agent: *\nDisallow: /private/\n")

    async def go() -> tuple[RobotsAnswer, int, int]:
        first, second = await connect(redis_server.url), await connect(redis_server.url)
        other = RedisRobots(first, "daily")
        late = RedisRobots(_LateLook(second, lambda: other.answer("http://example.org", read)), "daily")  # type: ignore[arg-type]
        got = await late.answer("http://example.org", read)
        left = await first.exists(robots_key("daily", "http://example.org") + ":lock")
        for p in (first, second):
            await p.aclose()
        return got, late.reads, left

    got, late_reads, lock_left = run_async(go())
    assert reads == ["x"] and late_reads == 0  # read once, by the other worker
    assert got.text == "User-agent: *\nDisallow: /private/\n"
    assert lock_left == 0


def test_a_url_is_queued_once_and_the_queue_survives_a_redis_restart(redis_server: RedisServer) -> None:
    urls = {f"http://example.org/news/{i}": "demo-light" for i in range(20)}
    assert page_job_id("daily", "http://example.org/news/1") == page_job_id(
        "daily", "http://example.org/news/1"
    )
    assert page_job_id("daily", "http://example.org/news/1") != page_job_id(
        "weekly", "http://example.org/news/1"
    )

    async def go() -> tuple[int, int, int, int]:
        redis = await connect(redis_server.url, "test:queue")
        first = await enqueue_pages(redis, "daily", "d1", urls)
        again = await enqueue_pages(redis, "daily", "d1", dict(list(urls.items())[:5]))
        await redis.xadd(records_key("daily"), {"url": "u", "record": "{}", "attempts": 1, "ms": "[]"})
        await asyncio.to_thread(redis_server.restart)  # appendonly: the queue and stream come back
        queued = await redis.zcard("test:queue")  # the same client: it reconnects by itself
        stream = await redis.xlen(records_key("daily"))
        await redis.aclose()
        return first, again, queued, stream

    assert run_async(go()) == (20, 0, 20, 1)


def test_a_page_whose_worker_died_too_often_becomes_an_error_record(redis_server: RedisServer) -> None:
    """arq counts a job's starts in Redis, whichever worker made them: a page started a fourth time
    (its three workers killed while on it) is recorded as an error without rendering it again."""
    url = "http://127.0.0.1:9/news/killer"
    job = JobSpec(name="killer", start=Start(urls=[url]))

    async def go() -> list[Any]:
        redis = await connect(redis_server.url, "test:queue")
        digest = await publish_context(redis, job, [LIGHT])
        await enqueue_pages(redis, job.name, digest, {url: LIGHT.site})
        await redis.set("arq:retry:" + page_job_id(job.name, url), 3)  # three starts, three deaths

        async def startup(ctx: dict[str, Any]) -> None:
            ctx[STATE] = WorkerState(ctx["redis"], Renderer(), max_tries=3)  # never launched

        worker = PageWorker(
            **arq_settings(max_tries=3),
            queue_name="test:queue",
            redis_pool=redis,
            on_startup=startup,
            burst=True,
            poll_delay=0.01,
            handle_signals=False,
        )
        await worker.async_run()
        entries = await redis.xrange(records_key(job.name))
        left = await redis.zcard("test:queue")
        await redis.aclose()
        return [left, *[finished(fields) for _, fields in entries]]

    left, *pages = run_async(go())
    assert left == 0 and len(pages) == 1
    rec = json.loads(pages[0].line)
    assert rec["url"] == url and rec["status"] == "error" and rec["error"]["kind"] == "browser"
    assert "3 times: given up" in rec["error"]["message"]


def test_remote_runner_is_a_job_runner() -> None:
    """The driver swaps the runner only: output, resume, state and summary stay run_job's."""
    assert issubclass(RemoteRunner, JobRunner)


def test_unreachable_redis_is_one_line_and_exit_2(tmp_path: Path) -> None:
    dead = "redis://127.0.0.1:1/0"
    for args in (["run", "--url", "http://127.0.0.1:9/a", "--out", str(tmp_path / "o.ndjson")], ["worker"]):
        done = run_cli(*args, "--redis", dead, timeout=60)
        assert done.returncode == 2, done.stderr
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and "does not answer" in lines[0], done.stderr


# The heavy one: 240 pages, three workers, a worker SIGKILLed and restarted, the driver SIGKILLed
# and resumed, the demo server's own log checked for the per-domain limit across all of it.

PAGES = 240
LIMIT = 3  # demo-light's fetch.max_concurrent; 3 workers x 2 pages each want 6 at once


def _lines(path: Path) -> int:
    try:
        return path.read_bytes().count(b"\n")
    except FileNotFoundError:
        return 0


def _wait_for(path: Path, n: int, driver: subprocess.Popen[bytes], timeout: float = 240) -> None:
    deadline = time.monotonic() + timeout
    while _lines(path) < n:
        assert driver.poll() is None, f"the driver ended early ({driver.returncode})"
        assert time.monotonic() < deadline, f"{path.name}: {_lines(path)} lines after {timeout}s"
        time.sleep(0.1)


@pytest.mark.browser
@pytest.mark.heavy
def test_three_workers_a_killed_worker_and_a_killed_driver_lose_and_double_nothing(
    tmp_path: Path, redis_server: RedisServer
) -> None:
    procs: list[subprocess.Popen[bytes]] = []

    def start(name: str, *args: str) -> subprocess.Popen[bytes]:
        with (tmp_path / f"{name}.log").open("ab") as log:
            p = subprocess.Popen(storyline(*args), stdout=log, stderr=subprocess.STDOUT, cwd=tmp_path)
        procs.append(p)
        return p

    def worker(i: int) -> subprocess.Popen[bytes]:
        return start(
            f"worker{i}", "worker", "--redis", redis_server.url, "--concurrency", "2", "--grace", "2"
        )

    with DemoServer(0, generated=PAGES, latency_ms=5, log_requests=True) as demo:
        urls = demo.article_urls()[:PAGES]
        out = tmp_path / "out.ndjson"
        job = write_job(
            tmp_path,
            site="demo-light",
            start={"urls": urls},
            scope={"allow_private": True},
            output=str(out),
            state={"incremental": False},
        )
        try:
            workers = [worker(i) for i in range(3)]
            driver = start("driver1", "run", str(job), "--redis", redis_server.url)
            _wait_for(out, 40, driver)
            workers[0].send_signal(signal.SIGKILL)  # mid-job: its pages in flight are lost with it
            _wait_for(out, 120, driver)
            driver.send_signal(signal.SIGKILL)  # the workers go on; their records wait on the stream
            driver.wait(10)
            workers.append(worker(3))  # the killed worker, restarted
            resumed = start("driver2", "run", str(job), "--redis", redis_server.url, "--resume")
            assert resumed.wait(240) == 0, (tmp_path / "driver2.log").read_text()[-3000:]
            for w in workers[1:]:
                w.send_signal(signal.SIGTERM)
            for w in workers[1:]:
                assert w.wait(30) == 0  # a clean stop on SIGTERM
        finally:
            for p in procs:
                if p.poll() is None:
                    os.kill(p.pid, signal.SIGKILL)
                    p.wait(10)
        log = list(demo.site.request_log or [])

    records = read(out)
    assert sorted(r["url"] for r in records) == sorted(urls)  # every URL exactly once
    assert {r["status"] for r in records} == {"ok"}
    host = demo.base_url.removeprefix("http://")
    in_flight = pages_in_flight(log)[host]
    assert 2 <= in_flight <= LIMIT  # across three workers, a worker's death and restarts
    assert sum(r.path == "/robots.txt" for r in log) == 1  # once per host and job, not per worker
    with redis_server.client() as r:
        assert r.zcard("storyline:queue") == 0 and not r.keys("storyline:job:*")  # nothing left over
