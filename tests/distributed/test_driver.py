"""The driver of a distributed run accepts a record only for the pending page it answers, and only
if it is that page's (scrapers/scale/driver.py; issue 27, point 9): a forged records-stream entry
neither puts another URL in the output nor drops the real page. A real `storyline worker` on a
real redis-server."""

from __future__ import annotations

import subprocess
import time
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from clirun import read, storyline
from localserver import LocalServer, Reply, text
from redisserver import RedisServer
from scrapers.output.record import Record
from scrapers.scale.queue import records_key

pytestmark = pytest.mark.browser

STORY = "<h1>Storm hits the coast</h1>" + "<p>The storm reached the coast at dawn and the river rose.</p>" * 4
PAGE = text(f"<html><body><article>{STORY}</article></body></html>", "text/html")


def _slow(server: LocalServer) -> object:
    def reply(handler: BaseHTTPRequestHandler) -> Reply:
        deadline = time.monotonic() + 8  # pending long enough for the forged entries to arrive
        while time.monotonic() < deadline and not server.stop.is_set():
            time.sleep(0.05)
        return PAGE

    return reply


def test_forged_stream_entries_neither_add_a_url_nor_drop_the_real_one(
    server: LocalServer, tmp_path: Path
) -> None:
    server.routes.update({f"/p{i}": PAGE for i in range(3)})
    server.routes["/slow"] = _slow(server)  # type: ignore[assignment]
    urls = [server.url(f"/p{i}") for i in range(3)] + [server.url("/slow")]
    redis = RedisServer(tmp_path / "redis").start()
    out = tmp_path / "out.ndjson"
    with (tmp_path / "worker.log").open("wb") as wlog, (tmp_path / "driver.log").open("wb") as dlog:
        worker = subprocess.Popen(
            storyline("worker", "--redis", redis.url, "--concurrency", "2", selectors=tmp_path),
            stdout=wlog,
            stderr=subprocess.STDOUT,
        )
        args = [a for u in urls for a in ("--url", u)]
        driver = subprocess.Popen(
            storyline(
                "run",
                *args,
                "--out",
                str(out),
                "--redis",
                redis.url,
                "--min-delay-ms",
                "0",
                selectors=tmp_path,
            ),
            stdout=dlog,
            stderr=subprocess.STDOUT,
        )
        try:
            while server.hits["/slow"] == 0:  # the page is pending on a worker now
                assert driver.poll() is None, (tmp_path / "driver.log").read_text()[-2000:]
                time.sleep(0.05)
            forged = Record(url="http://forged.example/x", fetched_at="2026-01-01T00:00:00Z", status="ok")
            with redis.client() as r:
                key = records_key("run")
                r.xadd(key, {"url": urls[-1], "record": forged.to_json(), "attempts": 1, "ms": "[]"})
                r.xadd(key, {"url": urls[-1], "record": "not a record", "attempts": 1, "ms": "[]"})
                r.xadd(key, {"nothing": "of a page"})
            assert driver.wait(240) in (0, 1), (tmp_path / "driver.log").read_text()[-3000:]
        finally:
            worker.terminate()
            worker.wait(60)
            if driver.poll() is None:
                driver.kill()
            redis.stop()
    records = read(out)
    assert sorted(r["url"] for r in records) == sorted(urls)  # the real page kept, nothing forged
    assert {r["status"] for r in records} == {"ok"}
    said = (tmp_path / "driver.log").read_text()
    assert "a record of another URL, ignored" in said and "no record, ignored" in said
