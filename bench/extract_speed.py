"""Extraction time per page: Storyline's selectors, its generic extractor, and trafilatura.

    python bench/extract_speed.py [--repeat 7]

On every page of ../shared/data/fundus/ that has a site file in selectors/ (and, for generic
extraction and trafilatura, on all of them), in one run. Each page is extracted --repeat times
and its median kept; the table gives the median and p95 over pages. The time includes parsing the
HTML, as a user pays it; parse alone (parsel.Selector) is shown for reference.
"""

from __future__ import annotations

import argparse
import functools
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from common import ROOT, machine, percentile

sys.path.insert(0, str(ROOT / "tests"))

import trafilatura

from fundus_pages import FUNDUS, all_pages
from scrapers.extract import extract
from scrapers.htmldoc import parse_html
from scrapers.siteload import SiteRegistry, generic_site


def per_page_ms(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    if not FUNDUS.is_dir():
        print(f"{FUNDUS} is absent: nothing to measure", file=sys.stderr)
        return 2
    print(f"machine: {machine()}")
    registry = SiteRegistry.from_dir(ROOT / "selectors")
    generic = generic_site()
    pages = [(p.url, p.html(), registry.for_url(p.url)) for p in all_pages()]
    with_site = [(u, h, s) for u, h, s in pages if s is not None]
    results: dict[str, tuple[int, list[float]]] = {}

    def run(label: str, items: list[tuple[str, str]], fn: Callable[[str, str], object], repeat: int) -> None:
        results[label] = (len(items), [per_page_ms(functools.partial(fn, u, h), repeat) for u, h in items])

    sel = [(u, h) for u, h, _ in with_site]
    sites = {u: s for u, _, s in with_site}
    run("parse only (htmldoc.parse_html)", sel, lambda u, h: parse_html(h), args.repeat)
    run("selectors (site files)", sel, lambda u, h: extract(h, u, sites[u]), args.repeat)
    run("generic, same pages", sel, lambda u, h: extract(h, u, generic), args.repeat)
    run(
        "trafilatura.extract, same pages",
        sel,
        lambda u, h: trafilatura.extract(h, url=u),
        max(3, args.repeat // 2),
    )
    everything = [(u, h) for u, h, _ in pages]
    run("generic, all pages", everything, lambda u, h: extract(h, u, generic), args.repeat)
    run("trafilatura.extract, all pages", everything, lambda u, h: trafilatura.extract(h, url=u), 3)

    print(f"\n{'extractor':34} {'pages':>5} {'median ms':>10} {'p95 ms':>8}")
    for label, (n, ms) in results.items():
        print(f"{label:34} {n:>5} {statistics.median(ms):>10.2f} {percentile(ms, 95):>8.2f}")
    sel_med = statistics.median(results["selectors (site files)"][1])
    tra_med = statistics.median(results["trafilatura.extract, same pages"][1])
    print(
        f"\nselectors vs trafilatura on the same {len(sel)} pages: {tra_med / sel_med:.1f}x faster (medians)"
    )
    if args.json:
        args.json.write_text(json.dumps({"machine": machine(), "ms": {k: v[1] for k, v in results.items()}}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
