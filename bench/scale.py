"""Distributed runs: pages/s with 1, 2 and 3 `storyline worker` processes against the demo site,
and the distributed path's overhead against a local run at the same concurrency.

    python bench/scale.py [--pages 150] [--concurrency 2] [--workers 1,2,3] [--repeats 2]

Everything runs as a user runs it, each in its own process: the demo site (`python -m
scrapers.demo.server`), a redis-server (appendonly on, in a temporary folder), the workers
(`storyline worker`, started and warmed before the timed run, as long-lived workers are), and the
driver or the local run (`storyline run JOB`). The site file is tests/sites/demo-light.yaml (the
story only, no scrolling) with its per-domain limit raised so that it limits nothing here.

Cells, each `--repeats` times with local and distributed runs alternating:
- local at C: `storyline run JOB --concurrency C`;
- N workers: N x `storyline worker --concurrency C`, `storyline run JOB --redis URL`.
pages/s = pages / the summary's wall_s (a local run's includes launching its browser, ~1 s; the
driver needs none). On a 2-core machine more workers share the same two cores: they cannot go
past what the cores render, they show what the queue costs and whether work spreads.
"""

from __future__ import annotations

import argparse
import json
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml
from common import ROOT, free_port, machine

from scrapers.demo.content import build_articles

SITE = ROOT / "tests" / "sites" / "demo-light.yaml"


def _storyline(*args: str) -> list[str]:
    return [sys.executable, str(ROOT / "runner.py"), *args]


def _wait_port(port: int, timeout: float = 20) -> None:
    import socket

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port}")


class Bench:
    def __init__(self, work: Path, pages: int) -> None:
        self.work = work
        self.procs: list[subprocess.Popen[bytes]] = []
        self.demo_port, self.redis_port = free_port(), free_port()
        self.sites = work / "sites"
        self.sites.mkdir()
        site = yaml.safe_load(SITE.read_text(encoding="utf-8"))
        site["fetch"]["max_concurrent"] = 32  # politeness is not what this measures
        (self.sites / "demo-light.yaml").write_text(yaml.safe_dump(site), encoding="utf-8")
        slugs = [a.slug for a in build_articles(pages)][:pages]
        self.urls = [f"http://127.0.0.1:{self.demo_port}/news/{s}" for s in slugs]

    @property
    def redis(self) -> str:
        return f"redis://127.0.0.1:{self.redis_port}/0"

    def start(self, *cmd: str, log: Path | None = None) -> subprocess.Popen[bytes]:
        out = log.open("wb") if log is not None else subprocess.DEVNULL
        p = subprocess.Popen(list(cmd), stdout=out, stderr=subprocess.STDOUT, cwd=self.work)
        self.procs.append(p)
        return p

    def up(self) -> None:
        demo = [sys.executable, "-m", "scrapers.demo.server", "--port", str(self.demo_port)]
        self.start(*demo, "--articles", str(len(self.urls)))
        redis_dir = self.work / "redis"
        redis_dir.mkdir()
        self.start(
            "redis-server", "--port", str(self.redis_port), "--bind", "127.0.0.1", "--dir", str(redis_dir)
        )
        _wait_port(self.demo_port)
        _wait_port(self.redis_port)

    def job(self, name: str) -> Path:
        path = self.work / f"{name}.yaml"
        body = {
            "name": name,
            "site": "demo-light",
            "start": {"urls": self.urls},
            "scope": {"allow_private": True},
            "output": f"{name}.ndjson",
            "state": {"incremental": False},
        }
        path.write_text(yaml.safe_dump(body), encoding="utf-8")
        return path

    def run(self, name: str, *extra: str) -> float:
        job = self.job(name)
        cmd = _storyline("--selectors", str(self.sites), "run", str(job), "--force", *extra)
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=self.work)
        report = json.loads((self.work / f"{name}.summary.json").read_text(encoding="utf-8"))
        assert report["by_status"].get("ok") == len(self.urls), report["by_status"]
        return len(self.urls) / float(report["wall_s"])

    def local(self, concurrency: int) -> float:
        return self.run("local", "--concurrency", str(concurrency))

    def distributed(self, workers: int, concurrency: int) -> float:
        cmd = _storyline(
            "--log-format", "json", "worker", "--redis", self.redis, "--concurrency", str(concurrency)
        )
        logs = [self.work / f"worker{i}.log" for i in range(workers)]
        started = [self.start(*cmd, log=log) for log in logs]
        try:
            deadline = time.monotonic() + 60
            while not all("worker ready" in log.read_text(encoding="utf-8") for log in logs):
                assert time.monotonic() < deadline, "the workers did not start"
                time.sleep(0.1)
            return self.run(f"dist{workers}", "--redis", self.redis)
        finally:
            for p in started:
                p.send_signal(signal.SIGTERM)
            for p in started:
                p.wait(60)

    def down(self) -> None:
        for p in self.procs:
            if p.poll() is None:
                p.terminate()
                p.wait(30)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pages", type=int, default=150)
    ap.add_argument("--concurrency", type=int, default=2, help="pages at once per worker (and locally)")
    ap.add_argument("--workers", default="1,2,3")
    ap.add_argument("--repeats", type=int, default=2)
    args = ap.parse_args()
    if shutil.which("redis-server") is None:
        sys.exit("redis-server is not installed (apt-get install redis-server)")
    workers = [int(x) for x in args.workers.split(",")]
    results: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory(prefix="storyline-scale-") as tmp:
        bench = Bench(Path(tmp), args.pages)
        bench.up()
        try:
            for rep in range(args.repeats):
                cells = [("local", 0), *[(f"{n} worker(s)", n) for n in workers]]
                for label, n in cells if rep % 2 == 0 else list(reversed(cells)):
                    c = args.concurrency
                    rate = bench.local(c) if n == 0 else bench.distributed(n, c)
                    results.setdefault(label, []).append(rate)
                    print(f"  {label:12} {rate:6.2f} pages/s", flush=True)
        finally:
            bench.down()
    print(f"\n{machine()}\n{args.pages} demo pages (demo-light), concurrency {args.concurrency} per process")
    print("| run | pages/s (median) | runs |\n|---|---:|---|")
    for label, rates in results.items():
        print(f"| {label} | {statistics.median(rates):.2f} | {', '.join(f'{r:.2f}' for r in rates)} |")
    local = statistics.median(results["local"])
    if "1 worker(s)" in results:
        one = statistics.median(results["1 worker(s)"])
        print(f"\n1 worker / local at the same concurrency: {one / local:.2f}")


if __name__ == "__main__":
    main()
