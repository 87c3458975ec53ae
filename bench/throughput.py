"""Pages per second: the Storyline runner against a minimal raw Playwright loop, side by side.

    python bench/throughput.py [--pages 500] [--concurrency 1,2,4,8]

Serves the demo site with --pages articles and scrapes them all, for each concurrency, with and
without the site's resource blocking, twice over:

- storyline: the job runner as `storyline run` uses it (robots.txt, per-domain gate, retries,
  extraction, NDJSON records, the summary);
- raw: the floor for any Playwright scraper of this site: one browser (the same executable and
  flags), one page per worker, and per URL only `goto`, the site file's steps written as plain
  Playwright calls (accept the consent banner if shown, wait for the headline, scroll the lazy
  widgets in, wait for the last one), then `content()`. No extraction, no output.

Runs alternate raw/storyline so drift on a shared machine hits both alike.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from common import ROOT, machine
from playwright.async_api import Route, async_playwright

from scrapers.browser.locate import find_chromium, launch_args
from scrapers.config.jobspec import JobSpec, Politeness, Start
from scrapers.config.renderspec import BlockSpec
from scrapers.config.sitefiles import SiteRegistry
from scrapers.config.sitespec import SiteSpec
from scrapers.demo.content import build_articles
from scrapers.output import logs
from scrapers.pipeline.job import run_job

AUTHORED = 9  # the demo's hand-written articles; the rest are generated
_HEIGHT = "document.documentElement.scrollHeight"
_SCROLL = f"window.scrollBy(0, innerHeight), [scrollY + innerHeight >= {_HEIGHT} - 2, {_HEIGHT}]"


@contextlib.contextmanager
def demo_server(articles: int) -> Iterator[str]:
    """The demo site in its own process, so serving it takes no time from the scraper's."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    generated = max(0, articles - AUTHORED)
    cmd = [sys.executable, "-m", "scrapers.demo.server", "--port", str(port), "--articles", str(generated)]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            with contextlib.suppress(OSError):
                urllib.request.urlopen(base + "/robots.txt", timeout=1).close()
                break
            time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        proc.wait(10)


def demo_site(block: bool) -> SiteSpec:
    site = SiteRegistry.from_dir(ROOT / "selectors").get("demo-news")
    if block:
        return site
    return site.model_copy(update={"render": site.render.model_copy(update={"block": BlockSpec()})})


async def storyline(urls: list[str], site: SiteSpec, concurrency: int, out: Path) -> tuple[float, int]:
    job = JobSpec(
        name="bench", site=site.site, start=Start(urls=urls), politeness=Politeness(concurrency=concurrency)
    )
    t0 = time.monotonic()
    report = (await run_job(job, out, SiteRegistry([site]), resume=False, grace_s=10)).report
    return time.monotonic() - t0, int(report["by_status"].get("ok", 0))


async def raw(urls: list[str], site: SiteSpec, concurrency: int) -> tuple[float, int]:
    blocked = {str(t) for t in site.render.block.resources}
    t0 = time.monotonic()
    async with async_playwright() as pw:
        choice = find_chromium(pw.chromium.executable_path)
        browser = await pw.chromium.launch(executable_path=choice.executable, args=launch_args())
        queue: asyncio.Queue[str] = asyncio.Queue()
        for u in urls:
            queue.put_nowait(u)
        good = 0

        async def block(route: Route) -> None:
            if route.request.resource_type in blocked:
                await route.abort()
            else:
                await route.fallback()

        async def worker() -> None:
            nonlocal good
            ctx = await browser.new_context(
                viewport={"width": site.render.viewport.width, "height": site.render.viewport.height},
                locale=site.render.locale,
                timezone_id=site.render.timezone,
            )
            if blocked:
                await ctx.route("**/*", block)
            page = await ctx.new_page()
            while not queue.empty():
                url = queue.get_nowait()
                await page.goto(url, wait_until="domcontentloaded")
                consent = page.locator("#consent-accept")
                if await consent.is_visible():
                    await consent.click()
                await page.wait_for_selector("article.story h1.headline", state="attached")
                for _ in range(8):  # a screen at a time; done at the end once nothing more loads
                    at_end, height = await page.evaluate(_SCROLL)
                    await asyncio.sleep(0.1)
                    if at_end and await page.evaluate(_HEIGHT) <= height:
                        break
                await page.wait_for_selector(
                    'section.widget[data-widget="related_articles"][data-loaded="true"]', state="attached"
                )
                html = await page.content()
                good += 'class="headline"' in html
            await ctx.close()

        await asyncio.gather(*(worker() for _ in range(concurrency)))
        await browser.close()
    return time.monotonic() - t0, good


async def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pages", type=int, default=500, help="demo articles to scrape per run (default 500)")
    ap.add_argument("--concurrency", default="1,2,4,8", help="comma-separated (default 1,2,4,8)")
    ap.add_argument("--json", type=Path, help="also write the results here")
    args = ap.parse_args()
    logs.configure(-1, json=True)  # errors only: per-page logging is not what is measured
    levels = [int(c) for c in args.concurrency.split(",")]
    print(f"machine: {machine()}")
    rows = []
    with demo_server(args.pages) as base, tempfile.TemporaryDirectory() as tmp:
        slugs = [a.slug for a in build_articles(max(0, args.pages - AUTHORED))]
        urls = [f"{base}/news/{slug}" for slug in slugs][: args.pages]
        print(f"demo site: {len(urls)} articles at {base} (own process); {len(urls)} pages per run\n")
        print(
            f"{'blocking':8} {'conc':>4} {'raw p/s':>8} {'storyline p/s':>13} {'ratio':>6}  ok raw/storyline"
        )
        for block in (True, False):
            site = demo_site(block)
            for i, c in enumerate(levels):
                out = Path(tmp) / f"run-{block}-{c}.ndjson"
                if i % 2 == 0:
                    raw_s, raw_ok = await raw(urls, site, c)
                    sl_s, sl_ok = await storyline(urls, site, c, out)
                else:
                    sl_s, sl_ok = await storyline(urls, site, c, out)
                    raw_s, raw_ok = await raw(urls, site, c)
                raw_ps, sl_ps = len(urls) / raw_s, len(urls) / sl_s
                row = {
                    "blocking": block,
                    "concurrency": c,
                    "raw_pages_per_s": round(raw_ps, 2),
                    "storyline_pages_per_s": round(sl_ps, 2),
                    "ratio": round(sl_ps / raw_ps, 3),
                    "raw_ok": raw_ok,
                    "storyline_ok": sl_ok,
                }
                rows.append(row)
                print(
                    f"{'on' if block else 'off':8} {c:>4} {raw_ps:>8.2f} {sl_ps:>13.2f}"
                    f" {sl_ps / raw_ps:>6.3f}"
                    f"  {raw_ok}/{sl_ok}",
                    flush=True,
                )
    print("\nresource blocking gain (pages/s with blocking / without):")
    for c in levels:
        on = next(r for r in rows if r["blocking"] and r["concurrency"] == c)
        off = next(r for r in rows if not r["blocking"] and r["concurrency"] == c)
        print(
            f"  concurrency {c}: "
            f"storyline {on['storyline_pages_per_s'] / off['storyline_pages_per_s']:.2f}x, "
            f"raw {on['raw_pages_per_s'] / off['raw_pages_per_s']:.2f}x"
        )
    if args.json:
        args.json.write_text(json.dumps({"machine": machine(), "rows": rows}, indent=2))


if __name__ == "__main__":
    asyncio.run(main())
