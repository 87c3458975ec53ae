"""Why Storyline's browser spends more CPU per page than a raw loop: contexts and processes.

    python bench/contexts.py [--pages 80] [--concurrency 4] [--repeats 2]

On the light site (bench/lightsite.py), the same raw loop three ways, alternated:
- shared: one context, one long-lived page per worker (what a hand-written loop does);
- per-worker: a context per worker, one page in it (what Storyline's slots are: a context each,
  so cookies can be cleared between pages without touching another page);
- per-worker, no site isolation: the same with --disable-site-isolation-trials.
Prints pages/s, Chromium CPU ms per page and how many renderer processes were started. A context
with a single page starts a renderer process for every navigation; pages sharing a context reuse
a handful.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time

import lightsite  # noqa: F401  (the site is served by its own process below)
from common import cpu_split, descendants, machine
from playwright.async_api import async_playwright
from throughput import serve

from scrapers.browser.locate import find_chromium, launch_args

MODES = {
    "shared": (False, []),
    "per-worker": (True, []),
    "per-worker, no site isolation": (True, ["--disable-site-isolation-trials"]),
}


async def run(
    base: str, pages: int, conc: int, per_worker: bool, extra: list[str]
) -> tuple[float, float, int]:
    renderers: set[int] = set()
    done = asyncio.Event()

    async def watch() -> None:  # renderer processes come and go: sample them
        while not done.is_set():
            for p in descendants(os.getpid()):
                try:
                    with open(f"/proc/{p}/cmdline", "rb") as fh:
                        if b"--type=renderer" in fh.read():
                            renderers.add(p)
                except OSError:
                    continue
            await asyncio.sleep(0.02)

    async with async_playwright() as pw:
        exe = find_chromium(pw.chromium.executable_path).executable
        browser = await pw.chromium.launch(executable_path=exe, args=[*launch_args(), *extra])
        shared = await browser.new_context()
        queue = list(range(1, pages + 1))
        watcher = asyncio.create_task(watch())
        t0 = time.monotonic()

        async def worker() -> None:
            page = await (await browser.new_context() if per_worker else shared).new_page()
            while queue:
                await page.goto(f"{base}/a/{queue.pop()}", wait_until="domcontentloaded")
                await page.wait_for_selector("aside.related", state="attached")
                await page.content()

        await asyncio.gather(*(worker() for _ in range(conc)))
        wall, cpu = time.monotonic() - t0, cpu_split(os.getpid())["browser"]
        done.set()
        await watcher
        await browser.close()
    return pages / wall, cpu * 1000 / pages, len(renderers)


async def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pages", type=int, default=80)
    ap.add_argument("--concurrency", type=int, default=4)
    ap.add_argument("--repeats", type=int, default=2)
    args = ap.parse_args()
    print(f"machine: {machine()}")
    results: dict[str, list[tuple[float, float, int]]] = {m: [] for m in MODES}
    with serve("light", args.pages) as (base, _):
        for r in range(args.repeats):
            for mode in list(MODES) if r % 2 == 0 else list(reversed(MODES)):
                results[mode].append(await run(base, args.pages, args.concurrency, *MODES[mode]))
    print(f"light site, {args.pages} pages, concurrency {args.concurrency}, median of {args.repeats}")
    for mode, rows in results.items():
        pps, cpu, procs = (statistics.median(x[i] for x in rows) for i in range(3))
        print(f"  {mode:30} {pps:6.2f} pages/s  browser {cpu:5.0f} ms/page  {procs:4.0f} renderer processes")


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
