"""Record a reference recording of every publisher in the site library (make library-recordings).

    python scripts/record_library.py                  every site file in selectors/
    python scripts/record_library.py dw bbc           some of them

For each site file, every page of ../shared/data/fundus/ its domains match (one per layout of the
publisher) and the first page (id 0) of its ../shared/data/fundus-eval/dev/ folder become
`recordings/<site>/<page>/`: meta.json naming the page by path and sha256, expected.json what
`storyline extract` gets from it (docs/recordings.md). The pages are never copied. The clock is the
page's crawl date. Every page is then rendered in Chromium at its URL (offline): where the browser
extracts it differently, its record is kept as expected.chromium.json and the difference printed
for review. The recordings in CHROMIUM are marked for Chromium replay in `make test`. Reference
recordings of a site that no longer match a page are removed; recordings with a HAR (demo-news)
are never touched.

Review the git diff of recordings/ before committing: expected.json is the regression baseline.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scrapers.browser.renderer import Renderer  # noqa: E402  (after the path is set)
from scrapers.config.sitefiles import SiteRegistry  # noqa: E402
from scrapers.config.sitespec import SiteSpec  # noqa: E402
from scrapers.page.pipeline import PagePipeline  # noqa: E402
from scrapers.recordings.recording import OFFLINE  # noqa: E402
from scrapers.recordings.reference import (  # noqa: E402
    Reference,
    find_references,
    record_chromium,
    record_reference,
)

DATA = ROOT.parent / "shared" / "data"
FUNDUS, EVAL = DATA / "fundus", DATA / "fundus-eval" / "dev"
# Replayed through Chromium by `make test` (all of them by `make replay-library`): publishers
# spread over layouts and page builders: a Next.js app (BBC), an old and a new layout of one
# publisher (DW), French, Japanese and Chinese pages (the last served over its <meta charset>), a
# page whose iframes have file names too long for any disk (Reuters), a fundus-eval page (The
# Guardian), and one whose scripts change what is extracted (ZDF: its own Chromium baseline).
CHROMIUM = {
    "bbc/bbc-2026-04-25",
    "dw/dw-2023-04-28",
    "dw/dw-2024-01-30",
    "lemonde/lemonde-2023-09-01",
    "nikkei/nikkei-2025-01-27",
    "people/people-2024-04-24",
    "reuters/reuters-2023-05-16",
    "spiegelonline/spiegelonline-2023-04-28",
    "theguardian/eval-0",
    "zdf/zdf-2025-11-07",
}


@dataclass(frozen=True)
class Page:
    html: Path
    url: str
    name: str  # the recording's folder name
    clock: datetime


def pages() -> list[Page]:
    """Every fundus page, and page 0 of every fundus-eval publisher."""
    found = []
    for jf in sorted(FUNDUS.glob("*/*.expected.json")):
        data = json.loads(jf.read_text(encoding="utf-8"))
        stem = jf.name.removesuffix(".expected.json")
        name = stem.lower().replace("_", "-")
        found.append(Page(jf.with_name(f"{stem}.html"), data["url"], name, _clock(data["crawl_date"])))
    for jf in sorted(EVAL.glob("*/0.json")):
        data = json.loads(jf.read_text(encoding="utf-8"))
        found.append(Page(jf.with_suffix(".html"), data["url"], "eval-0", _clock(data["crawl_date"])))
    return found


def _clock(crawl_date: str) -> datetime:
    # The data gives the crawler's wall-clock time without a zone: taken as UTC, to the second.
    return datetime.fromisoformat(crawl_date).replace(tzinfo=UTC, microsecond=0)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("sites", nargs="*", help="site file names (default: all but demo-news)")
    ap.add_argument("--into", type=Path, default=ROOT / "recordings")
    args = ap.parse_args()
    if not FUNDUS.is_dir():
        print(f"error: {FUNDUS} is absent: nothing to record from", file=sys.stderr)
        return 2
    registry = SiteRegistry.from_dir(ROOT / "selectors")
    wanted = set(args.sites) or set(registry.names) - {"demo-news"}
    if unknown := wanted - set(registry.names):
        print(f"error: no site file named {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2
    made: dict[str, Reference] = {}
    for page in pages():
        site = registry.for_url(page.url)
        if site is None or site.site not in wanted:
            continue
        dest = args.into / site.site / page.name
        # Both data READMEs: every page is UTF-8, whatever its <meta charset> still says.
        ref = record_reference(page.html, page.url, site, dest, page.clock, encoding="utf-8")
        made[ref.name] = ref
        print(f"recorded {ref.name}  ({ref.expected()['status']})")
    _prune(args.into, wanted, set(made))
    gaps = sorted(wanted - {ref.meta.site for ref in made.values()})
    if gaps:
        print(f"no page in {DATA} for: {', '.join(gaps)} (list them in docs/site-library.md)")
    if unknown := sorted(CHROMIUM - set(made)) if not args.sites else []:
        print(f"error: CHROMIUM names no recording: {', '.join(unknown)}", file=sys.stderr)
        return 1
    differ = asyncio.run(_render(list(made.values()), registry))
    print(f"{len(made)} reference recordings of {len({r.meta.site for r in made.values()})} publishers;")
    print(f"{len(differ)} differ in Chromium (expected.chromium.json): {', '.join(differ) or 'none'}")
    return 0


def _prune(into: Path, sites: set[str], keep: set[str]) -> None:
    """Reference recordings of the chosen sites that no page made any more (a page left the data)."""
    for ref in find_references([into / s for s in sorted(sites) if (into / s).is_dir()]):
        if ref.name not in keep:
            shutil.rmtree(ref.path)
            print(f"removed  {ref.name}")


async def _render(refs: list[Reference], registry: SiteRegistry) -> list[str]:
    """Every page rendered; the CHROMIUM ones marked. The names where the browser differs."""
    differ = []
    async with Renderer() as renderer:
        pipeline = PagePipeline(renderer, OFFLINE)
        for ref in refs:
            site: SiteSpec = registry.get(ref.meta.site)
            result = await record_chromium(pipeline, ref, site, mark=ref.name in CHROMIUM)
            if not result.ok:
                differ.append(ref.name)
                print(f"chromium differs: {result.report()}")
    return differ


if __name__ == "__main__":
    sys.exit(main())
