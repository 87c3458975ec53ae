"""Memory over a long run: the Storyline job runner on --pages demo articles.

    python bench/memory.py [--pages 3000] [--concurrency 4]

Samples once a second the memory of this Python process plus every process below it
(Playwright's driver, Chromium's browser, GPU, network and renderer processes), as PSS (shared
pages split fairly, so Chromium's many processes are not counted several times) and as RSS.
Prints the peak, and the growth per 1,000 pages after the first 500 (least squares over the
samples taken after page 500, against pages done).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import tempfile
import threading
import time
from pathlib import Path

from common import descendants, machine, memory_mb
from throughput import serve, site_spec, urls_of

from scrapers.config.jobspec import JobSpec, Politeness, Start
from scrapers.config.sitefiles import SiteRegistry
from scrapers.job.run import run_job
from scrapers.output import logs


def sampler(out: Path, stop: threading.Event, samples: list[tuple[float, int, float, float, float]]) -> None:
    """Every second: (t, pages done, python PSS, total PSS, total RSS)."""
    me = os.getpid()
    t0 = time.monotonic()
    done = offset = 0
    while not stop.wait(1.0):
        if out.exists():  # count only the lines added since the last look: the file grows large
            with out.open("rb") as f:
                f.seek(offset)
                chunk = f.read()
            offset += len(chunk)
            done += chunk.count(b"\n")
        py_pss = memory_mb(me)[1]
        rss = pss = 0.0
        for pid in descendants(me):
            r, p = memory_mb(pid)
            rss += r
            pss += p
        samples.append((time.monotonic() - t0, done, py_pss, pss, rss))


def slope_per_1000(points: list[tuple[int, float]]) -> float:
    n = len(points)
    if n < 2:
        return float("nan")
    mx = sum(x for x, _ in points) / n
    my = sum(y for _, y in points) / n
    sxx = sum((x - mx) ** 2 for x, _ in points)
    sxy = sum((x - mx) * (y - my) for x, y in points)
    return 1000 * sxy / sxx if sxx else float("nan")


async def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pages", type=int, default=3000)
    ap.add_argument("--concurrency", type=int, default=4)
    ap.add_argument("--json", type=Path, help="also write the samples here")
    args = ap.parse_args()
    logs.configure(-1, json=True)
    print(f"machine: {machine()}")
    site = site_spec("demo", 0)
    samples: list[tuple[float, int, float, float, float]] = []
    with serve("demo", args.pages) as (base, _), tempfile.TemporaryDirectory() as tmp:
        urls = urls_of("demo", base, args.pages)
        out = Path(tmp) / "memory.ndjson"
        job = JobSpec(
            name="memory",
            site=site.site,
            start=Start(urls=urls),
            politeness=Politeness(concurrency=args.concurrency),
        )
        print(
            f"{len(urls)} pages at concurrency {args.concurrency}, browser recycled every {job.recycle_after}"
        )
        stop = threading.Event()
        thread = threading.Thread(target=sampler, args=(out, stop, samples), daemon=True)
        thread.start()
        t0 = time.monotonic()
        report = (await run_job(job, out, SiteRegistry([site]), resume=False, grace_s=10)).report
        stop.set()
        thread.join()
        wall = time.monotonic() - t0
    ok = report["by_status"].get("ok", 0)
    print(f"{report['pages']} pages ({ok} ok) in {wall:.0f} s, {report['pages'] / wall:.2f} pages/s")
    print(f"{'pages':>6} {'python PSS':>10} {'total PSS':>10} {'total RSS':>10}   (MB)")
    step = max(1, len(samples) // 12)
    for _, done, py, pss, rss in samples[::step]:
        print(f"{done:>6} {py:>10.0f} {pss:>10.0f} {rss:>10.0f}")
    late = [(d, pss) for _, d, _, pss, _ in samples if d >= 500]
    late_py = [(d, py) for _, d, py, _, _ in samples if d >= 500]
    print(
        f"peak: total PSS {max(s[3] for s in samples):.0f} MB, "
        f"total RSS {max(s[4] for s in samples):.0f} MB, "
        f"python {max(s[2] for s in samples):.0f} MB"
    )
    print(
        f"growth after page 500: total PSS {slope_per_1000(late):+.1f} MB per 1,000 pages, "
        f"python {slope_per_1000(late_py):+.1f} MB per 1,000 pages"
    )
    if args.json:
        args.json.write_text(json.dumps({"machine": machine(), "samples": samples, "report": report}))


if __name__ == "__main__":
    asyncio.run(main())
