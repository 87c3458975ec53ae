"""Pages per second and CPU per page: the Storyline runner against a minimal raw Playwright loop.

    python bench/throughput.py [--site light,demo] [--pages 300] [--concurrency 1,4,8] [--repeats 3]

Two sites, each served by its own process:
- light (bench/lightsite.py): an empty article shell whose story arrives from a JSON API, a
  related-links aside appended 100 ms later, a stylesheet, a web font, three images. A page costs
  the browser little, so a scraper's own per-page work shows.
- demo (the bundled demo site): consent banner, lazy widgets scrolled in a screen at a time.

For each site and concurrency, `raw` and `storyline` run alternately (`--repeats` times, the order
flipped each time, so drift on a shared machine hits both), each in a fresh process:
- raw: the floor for any Playwright scraper of the site: one browser (the same executable and
  flags), one context, one long-lived page per worker, and per URL only `goto`, the site file's
  readiness steps as plain Playwright calls, then `content()`. No extraction, no output.
- storyline: the job runner as `storyline run --urls-file` runs it, with the site's file: robots.txt,
  the URL policy, per-domain gate, retries, extraction, records, NDJSON, the summary.
Reported per cell: pages/s (median of the repeats) and CPU seconds per page of the Python process,
Playwright's driver and Chromium, sampled when the last page is done (before the browser closes).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import lightsite
from common import ROOT, cpu_split, drop_cgroup, free_port, join_cgroup, machine, own_cgroup
from playwright.async_api import Page, async_playwright

from scrapers.browser.locate import find_chromium, launch_args
from scrapers.config.jobspec import JobSpec, Politeness, Start
from scrapers.config.sitefiles import SiteRegistry, parse_site_text
from scrapers.config.sitespec import SiteSpec
from scrapers.demo.content import build_articles
from scrapers.job.run import run_job
from scrapers.output import logs
from scrapers.output.record import Record

AUTHORED = 9  # the demo's hand-written articles; the rest are generated
_HEIGHT = "document.documentElement.scrollHeight"
_SCROLL = f"window.scrollBy(0, innerHeight), [scrollY + innerHeight >= {_HEIGHT} - 2, {_HEIGHT}]"


@contextlib.contextmanager
def serve(site: str, pages: int) -> Iterator[tuple[str, int]]:
    """The site in its own process, so serving it takes no CPU from the scraper's."""
    port = free_port()
    if site == "light":
        cmd = [sys.executable, str(ROOT / "bench" / "lightsite.py"), "--port", str(port)]
    else:
        extra = str(max(0, pages - AUTHORED))
        cmd = [sys.executable, "-m", "scrapers.demo.server", "--port", str(port), "--articles", extra]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            with contextlib.suppress(OSError):
                urllib.request.urlopen(base + "/robots.txt", timeout=1).close()
                break
            time.sleep(0.1)
        yield base, port
    finally:
        proc.terminate()
        proc.wait(10)


def urls_of(site: str, base: str, pages: int) -> list[str]:
    if site == "light":
        return [f"{base}/a/{n}" for n in range(1, pages + 1)]
    return [f"{base}/news/{a.slug}" for a in build_articles(max(0, pages - AUTHORED))][:pages]


def site_spec(site: str, port: int) -> SiteSpec:
    if site == "light":
        return parse_site_text(lightsite.site_file(port), "light.yaml")
    return SiteRegistry.from_dir(ROOT / "selectors").get("demo-news")


async def _light_ready(page: Page) -> None:
    await page.wait_for_selector("article h1", state="attached")
    await page.wait_for_selector("aside.related", state="attached")


async def _demo_ready(page: Page) -> None:
    consent = page.locator("#consent-accept")
    if await consent.is_visible():
        await consent.click()
    await page.wait_for_selector("article.story h1.headline", state="attached")
    for _ in range(8):  # a screen at a time; done at the end once nothing more loads
        at_end, height = await page.evaluate(_SCROLL)
        await asyncio.sleep(0.1)
        if at_end and await page.evaluate(_HEIGHT) <= height:
            break
    for widget in ("hot_this_week", "topics", "related_articles"):  # as selectors/demo-news.yaml waits
        await page.wait_for_selector(
            f'section.widget[data-widget="{widget}"][data-loaded="true"]', state="attached"
        )


async def raw(urls: list[str], site: SiteSpec, concurrency: int) -> dict[str, Any]:
    ready: Callable[[Page], Awaitable[None]] = _light_ready if site.site == "light" else _demo_ready
    blocked = {str(t) for t in site.render.block.resources}
    t0 = time.monotonic()
    async with async_playwright() as pw:
        choice = find_chromium(pw.chromium.executable_path)
        browser = await pw.chromium.launch(executable_path=choice.executable, args=launch_args())
        ctx = await browser.new_context(
            viewport={"width": site.render.viewport.width, "height": site.render.viewport.height},
            locale=site.render.locale,
            timezone_id=site.render.timezone,
        )
        if blocked:
            await ctx.route(
                "**/*",
                lambda route: route.abort() if route.request.resource_type in blocked else route.fallback(),
            )
        queue: asyncio.Queue[str] = asyncio.Queue()
        for u in urls:
            queue.put_nowait(u)
        good = 0

        async def worker() -> None:
            nonlocal good
            page = await ctx.new_page()
            while not queue.empty():
                await page.goto(queue.get_nowait(), wait_until="domcontentloaded")
                await ready(page)
                html = await page.content()
                good += "<h1>Light story" in html or 'class="headline"' in html

        await asyncio.gather(*(worker() for _ in range(concurrency)))
        wall, cpu = time.monotonic() - t0, cpu_split(os.getpid())
        await browser.close()
    return {"wall_s": wall, "ok": good, "cpu": cpu}


async def storyline(urls: list[str], site: SiteSpec, concurrency: int) -> dict[str, Any]:
    job = JobSpec(
        name="bench", site=site.site, start=Start(urls=urls), politeness=Politeness(concurrency=concurrency)
    )
    done: dict[str, Any] = {}

    def on_record(rec: Record) -> None:
        done["n"] = done.get("n", 0) + 1
        if done["n"] == len(urls):  # the last page: the browser is still up, sample it now
            done["wall_s"], done["cpu"] = time.monotonic() - t0, cpu_split(os.getpid())

    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.monotonic()
        result = await run_job(job, Path(tmp) / "out.ndjson", SiteRegistry([site]), on_record=on_record)
    ok = int(result.report["by_status"].get("ok", 0))
    return {"wall_s": done["wall_s"], "ok": ok, "cpu": done["cpu"]}


def child(args: argparse.Namespace) -> None:
    logs.configure(-1, json=True)  # errors only: per-page logging is not what is measured
    site = site_spec(args.site, args.port)
    urls = urls_of(args.site, args.base, args.pages)
    run = raw if args.child == "raw" else storyline
    print(json.dumps(asyncio.run(run(urls, site, args.concurrency))))


def _run_child(kind: str, site: str, base: str, port: int, pages: int, conc: int) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--child", kind, "--site", site, "--base", base, "--port", str(port)]
    cmd += ["--pages", str(pages), "--concurrency", str(conc)]
    group = own_cgroup(f"storyline-bench-{os.getpid()}-{kind}-{conc}-{time.monotonic_ns()}")
    try:
        out = subprocess.run(
            cmd, capture_output=True, text=True, check=True, cwd=ROOT, preexec_fn=lambda: join_cgroup(group)
        )
    finally:
        drop_cgroup(group)
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def _cell(runs: list[dict[str, Any]], pages: int) -> dict[str, Any]:
    return {
        "pages_per_s": round(statistics.median(pages / r["wall_s"] for r in runs), 2),
        "ok": min(r["ok"] for r in runs),
        "cpu_per_page_ms": {
            k: round(statistics.median(r["cpu"][k] for r in runs) * 1000 / pages, 1) for k in runs[0]["cpu"]
        },
    }


def _fmt(cell: dict[str, Any]) -> str:
    return "+".join(f"{v:.0f}" for v in cell["cpu_per_page_ms"].values())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--site", default="light,demo", help="comma-separated: light, demo (default both)")
    ap.add_argument("--pages", type=int, default=300, help="pages per run (default 300)")
    ap.add_argument("--concurrency", default="1,4,8", help="comma-separated (default 1,4,8)")
    ap.add_argument("--repeats", type=int, default=3, help="alternated runs per cell (default 3)")
    ap.add_argument("--json", type=Path, help="also write the results here")
    ap.add_argument("--child", choices=["raw", "storyline"], help=argparse.SUPPRESS)
    ap.add_argument("--base", help=argparse.SUPPRESS)
    ap.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        args.concurrency = int(args.concurrency)
        return child(args)
    print(f"machine: {machine()}")
    rows = []
    for site in args.site.split(","):
        with serve(site, args.pages) as (base, port):
            print(
                f"\n{site} site at {base} (own process): {args.pages} pages per run, {args.repeats} repeats"
            )
            print(
                f"{'conc':>4} {'raw p/s':>8} {'storyline p/s':>13} {'ratio':>6}"
                "   CPU ms/page python+driver+browser"
            )
            for c in (int(x) for x in args.concurrency.split(",")):
                runs: dict[str, list[dict[str, Any]]] = {"raw": [], "storyline": []}
                for r in range(args.repeats):
                    for kind in ("raw", "storyline") if r % 2 == 0 else ("storyline", "raw"):
                        runs[kind].append(_run_child(kind, site, base, port, args.pages, c))
                raw_c, sl_c = _cell(runs["raw"], args.pages), _cell(runs["storyline"], args.pages)
                ratio = sl_c["pages_per_s"] / raw_c["pages_per_s"]
                rows.append(
                    {
                        "site": site,
                        "concurrency": c,
                        "raw": raw_c,
                        "storyline": sl_c,
                        "ratio": round(ratio, 3),
                    }
                )
                print(
                    f"{c:>4} {raw_c['pages_per_s']:>8.2f} {sl_c['pages_per_s']:>13.2f} {ratio:>6.3f}"
                    f"   raw {_fmt(raw_c)} = {sum(raw_c['cpu_per_page_ms'].values()):.0f}"
                    f"  storyline {_fmt(sl_c)} = {sum(sl_c['cpu_per_page_ms'].values()):.0f}"
                    f"  (ok {raw_c['ok']}/{sl_c['ok']})",
                    flush=True,
                )
    if args.json:
        args.json.write_text(json.dumps({"machine": machine(), "rows": rows}, indent=2))


if __name__ == "__main__":
    main()
