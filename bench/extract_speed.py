"""Extraction time per page: Storyline's selectors, its generic extractor, and trafilatura.

    python bench/extract_speed.py [--repeat 7] [--dev-sets]

On every page of ../shared/data/fundus/ that has a site file in selectors/ (and, for generic
extraction and trafilatura, on all of them), in one run. With --dev-sets, generic extraction and
trafilatura instead on every page of the four development sets of bench/generic_quality.py
(article-bench, fundus, fundus-eval and wcxb dev), per set and over all. The extractors take turns
on each page, --repeat rounds, and each page's median is kept; the table gives the median and p95 over pages.
The time includes parsing the HTML, as a user pays it (and as trafilatura.extract does); parse
alone, and selector extraction on a tree parsed beforehand, are shown for reference.
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
from scrapers.config.sitefiles import SiteRegistry, generic_site
from scrapers.dom.parse import parse_html
from scrapers.extract.recipe import extract

Timed = Callable[[str, str], Callable[[], object]]  # (url, html) -> the call to time, set up


def interleaved(items: list[tuple[str, str]], rows: dict[str, Timed], repeat: int) -> dict[str, list[float]]:
    """Per-page median ms of each row. The rows take turns on each page, so a noisy moment on a
    shared machine hits all of them alike: their ratio is what this bench is for."""
    out: dict[str, list[float]] = {label: [] for label in rows}
    for url, html in items:
        times: dict[str, list[float]] = {label: [] for label in rows}
        for _ in range(repeat):
            for label, setup in rows.items():
                call = setup(url, html)  # not timed: e.g. parsing for the "already parsed" row
                t = time.perf_counter()
                call()
                times[label].append((time.perf_counter() - t) * 1000)
        for label, ms in times.items():
            out[label].append(statistics.median(ms))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--json", type=Path)
    ap.add_argument("--dev-sets", action="store_true", help="generic vs trafilatura on the 4 dev sets")
    args = ap.parse_args()
    if args.dev_sets:
        return dev_sets(args.repeat)
    if not FUNDUS.is_dir():
        print(f"{FUNDUS} is absent: nothing to measure", file=sys.stderr)
        return 2
    print(f"machine: {machine()}")
    registry = SiteRegistry.from_dir(ROOT / "selectors")
    generic = generic_site()
    pages = [(p.url, p.html(), registry.for_url(p.url)) for p in all_pages()]
    with_site = [(u, h, s) for u, h, s in pages if s is not None]
    sel = [(u, h) for u, h, _ in with_site]
    sites = {u: s for u, _, s in with_site}

    def timed(fn: Callable[[str, str], object]) -> Timed:
        return lambda u, h: functools.partial(fn, u, h)

    def on_parsed_tree(u: str, h: str) -> Callable[[], object]:
        return functools.partial(extract, parse_html(h), u, sites[u])

    same = interleaved(
        sel,
        {
            "parse only (htmldoc.parse_html)": timed(lambda u, h: parse_html(h)),
            "selectors (site files)": timed(lambda u, h: extract(h, u, sites[u])),
            "selectors, tree already parsed": on_parsed_tree,
            "generic, same pages": timed(lambda u, h: extract(h, u, generic)),
            "trafilatura.extract, same pages": timed(lambda u, h: trafilatura.extract(h, url=u)),
        },
        args.repeat,
    )
    everything = [(u, h) for u, h, _ in pages]
    allp = interleaved(
        everything,
        {
            "generic, all pages": timed(lambda u, h: extract(h, u, generic)),
            "trafilatura.extract, all pages": timed(lambda u, h: trafilatura.extract(h, url=u)),
        },
        max(3, args.repeat // 2),
    )
    results = {k: (len(sel), v) for k, v in same.items()} | {k: (len(everything), v) for k, v in allp.items()}

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


def dev_sets(repeat: int) -> int:
    """Generic extraction (everything it returns: body, metadata, widgets) against
    trafilatura.extract on the same pages: the body alone (as bench/generic_quality.py calls it),
    and body and metadata (with_metadata=True: what generic extraction is compared with there)."""
    from quality_sets import SETS, TITLES, load

    print(f"machine: {machine()}")
    generic = generic_site()
    by_set: dict[str, list[tuple[str, str]]] = {}
    for page in load():
        by_set.setdefault(page.set, []).append((page.url, page.html()))
    rows: dict[str, Timed] = {
        "generic": lambda u, h: functools.partial(extract, h, u, generic),
        "trafilatura": lambda u, h: functools.partial(trafilatura.extract, h, url=u, include_comments=False),
        "trafilatura with metadata": lambda u, h: functools.partial(
            trafilatura.extract, h, url=u, include_comments=False, with_metadata=True
        ),
    }
    print("medians, ms a page; ratio: generic / trafilatura")
    head = f"{'generic':>8} {'trafilatura':>12} {'ratio':>6} {'with metadata':>14} {'ratio':>6}"
    print(f"\n{'set':16} {'pages':>5} {head}")
    every: dict[str, list[float]] = {label: [] for label in rows}
    for set_ in SETS:
        if set_ not in by_set:
            continue
        ms = interleaved(by_set[set_], rows, repeat)
        for label, got in ms.items():
            every[label] += got
        _ratio_line(TITLES[set_], ms)
    _ratio_line("all", every)
    return 0


def _ratio_line(title: str, ms: dict[str, list[float]]) -> None:
    g, t = statistics.median(ms["generic"]), statistics.median(ms["trafilatura"])
    m = statistics.median(ms["trafilatura with metadata"])
    print(f"{title:16} {len(ms['generic']):>5} {g:>8.2f} {t:>12.2f} {g / t:>6.2f} {m:>14.2f} {g / m:>6.2f}")


if __name__ == "__main__":
    sys.exit(main())
