"""Every site file on every development page of its publisher (no browser): the fundus pages, the
fundus-eval dev pages and the hand-labelled widget pages of ../shared/data.

On each page the file's own selectors find the headline and the body (no generic fallback, nothing
`missing`, except the gaps documented in fundus_exceptions.yaml); on a labelled page every story
snippet is in the body and every widget block reported is real, as the shared scorer
(../shared/tools/widget_score.py) judges it: most of its links belong to one labelled block, and
they are not mostly site navigation. Author bios and sponsored boxes (`author_box`,
`partner_content` in our vocabulary) are exempt: the labels leave those kinds out by rule.
"""

from __future__ import annotations

import importlib.util
import json
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

from fundus_pages import FUNDUS, FUNDUS_EVAL, all_pages, eval_pages
from scrapers.config.sitefiles import SiteRegistry
from scrapers.extract.recipe import Extraction, extract

# Slow (hundreds of real pages, or generated inputs by the thousand): `make quick` leaves them out.
pytestmark = pytest.mark.heavy

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT.parent / "shared" / "data"
LABELS = DATA / "widgets" / "dev"
SCORER = ROOT.parent / "shared" / "tools" / "widget_score.py"
REGISTRY = SiteRegistry.from_dir(ROOT / "selectors")
EXCEPTIONS: dict[str, dict[str, Any]] = yaml.safe_load(
    (Path(__file__).parents[1] / "fundus_exceptions.yaml").read_text(encoding="utf-8")
)
NOT_LABELLED_KINDS = {"author_box", "partner_content"}  # the labels' rules leave these out


@dataclass(frozen=True)
class DevPage:
    name: str
    path: Path
    url: str
    label: dict[str, Any] | None = None  # the widget label file, for a labelled page

    def html(self) -> str:
        return self.path.read_text(encoding="utf-8")


def _labels() -> dict[str, dict[str, Any]]:
    out = {}
    for f in sorted(LABELS.glob("fundus__*.json")) if LABELS.is_dir() else []:
        label = json.loads(f.read_text(encoding="utf-8"))
        out[label["source"]] = label | {"_id": f.stem}
    return out


def _pages_by_site() -> dict[str, list[DevPage]]:
    labels = _labels()
    by_site: dict[str, list[DevPage]] = defaultdict(list)
    for p in all_pages() if FUNDUS.is_dir() else []:
        rel = p.html_path.relative_to(DATA).as_posix()
        if (site := REGISTRY.for_url(p.url)) is not None:
            by_site[site.site].append(DevPage(p.name, p.html_path, p.url, labels.get(rel)))
    for e in eval_pages() if FUNDUS_EVAL.is_dir() else []:
        if (site := REGISTRY.for_url(e.url)) is not None:
            by_site[site.site].append(DevPage(e.name, e.html_path, e.url))
    return dict(by_site)


PAGES = _pages_by_site()
needs_data = pytest.mark.skipif(
    not FUNDUS.is_dir(), reason=f"no development pages at {FUNDUS} (the shared benchmark data is absent)"
)


def _scorer() -> ModuleType:
    spec = importlib.util.spec_from_file_location("widget_score", SCORER)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _story_problems(page: DevPage, ex: Extraction) -> list[str]:
    """The story fields the file's own selectors did not find on this page."""
    allowed = set(EXCEPTIONS.get(page.name, {}))
    out = []
    if ex.missing and "missing" not in allowed:
        out.append(f"missing {ex.missing}")
    for name in ("headline", "body"):
        if ex.story.matched.get(name, -1) < 0 and not ({name, "missing"} & allowed):
            out.append(f"{name} not found by the file's selectors (matched {ex.story.matched.get(name)})")
    return out


def _widget_problems(scorer: ModuleType, page: DevPage, ex: Extraction) -> list[str]:
    assert page.label is not None
    rec = {
        "url": page.url,
        "story": ex.story.model_dump(mode="json"),
        "widgets": [w.model_dump(mode="json") for w in ex.widgets if w.name not in NOT_LABELLED_KINDS],
    }
    scored = scorer.score_page(page.label, rec, DATA)
    return [f"reported but not real: {w}" for w in scored["wrong_blocks"]] + [
        f"story snippet not in the body: {s!r}" for s in scored["story_missing"]
    ]


@needs_data
def test_every_site_file_has_a_development_page() -> None:
    gaps = sorted(set(REGISTRY.names) - set(PAGES) - {"demo-news"})
    assert gaps == [], f"site files without a page in {DATA}: {gaps}"


@needs_data
@pytest.mark.skipif(not SCORER.is_file(), reason=f"the widget scorer is absent ({SCORER})")
@pytest.mark.parametrize("site_name", sorted(PAGES))
def test_site_file_on_all_its_pages(site_name: str) -> None:
    site, scorer = REGISTRY.get(site_name), _scorer()
    problems = []
    for page in PAGES[site_name]:
        ex = extract(page.html(), page.url, site)
        found = _story_problems(page, ex) + (_widget_problems(scorer, page, ex) if page.label else [])
        problems += [f"{page.name}: {p}" for p in found]
    assert problems == []
