"""Train generic extraction's widget classifier (scrapers/widgetfind/widget_model.json).

    python bench/widget_model.py [--out scrapers/widgetfind/widget_model.json]

Labels: the hand-labelled widget pages (../shared/data/widgets/dev) outside the lockbox
(bench/generic_lockbox.py). Every page is extracted generically while the candidates the widget finder
sees are recorded (scrapers/widgetfind/classifier.py); a candidate is a widget when it matches a
labelled block the way widget_score.py counts a match both ways: at least half of its links are
in the block and it holds at least half of the block's. A logistic regression (bench/block_model.py's
Newton fit; every page weighs the same) is fitted to them, and the keep threshold is the one that
maximises blocks found + reported blocks real (their F1) on the same training pages, replaying the
finder's choice. `--folds` prints the out-of-fold figures of 5 site-grouped folds.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from block_model import fit_arrays
from common import ROOT
from generic_lockbox import part_of, site_of
from quality_sets import DATA, Page, folds, load, tool

from scrapers.config.sitefiles import SiteRegistry, generic_site
from scrapers.extract.recipe import extract
from scrapers.widgetfind import classifier as widgetclass
from scrapers.widgetfind.classifier import Candidate, WidgetModel

LABELS = DATA / "widgets" / "dev"
THRESHOLDS = [round(0.1 + 0.05 * i, 2) for i in range(17)]
L2 = 10.0
SOURCE = "library"  # the site library's labels too (library_pages); "design": the hand labels only
LIBRARY_WEIGHT = 0.25


@dataclass
class PageData:
    key: str
    site: str
    x: np.ndarray
    y: np.ndarray
    parent: list[int]
    urls: list[set[str]]  # each candidate's normalised link targets
    labelled: list[set[str]]  # the labelled blocks with items
    cache: dict[str, Any] = field(default_factory=dict)


class _Recorder(WidgetModel):
    """A model that takes nothing and keeps what it was shown."""

    def __init__(self) -> None:
        self.seen: list[Candidate] = []

    def choose(self, cands: list[Candidate]) -> list[int]:
        self.seen = cands
        return []


def label_pages(part: str = "design") -> list[dict[str, Any]]:
    out = []
    for f in sorted(LABELS.glob("*.json")):
        d = json.loads(f.read_text(encoding="utf-8"))
        d["_id"] = f.stem
        if part_of(site_of(d["url"]), part):
            out.append(d)
    return out


def page_html(label: dict[str, Any]) -> str:
    if "html" in label:
        return str(label["html"])
    path = DATA / label["source"]
    raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    return raw.decode("utf-8", "replace")


def page_data(label: dict[str, Any]) -> PageData:
    nurl = tool("widget_score").nurl
    rec = _Recorder()
    shipped, widgetclass.MODEL = widgetclass.MODEL, rec
    try:
        extract(page_html(label), label["url"], generic_site())
    finally:
        widgetclass.MODEL = shipped
    labelled = [{nurl(u) for u in w["items"]} for w in label["widgets"] if w["items"]]
    urls = [{nurl(u) for _, u in c.items} for c in rec.seen]
    y = [float(any(_match(u, lab) for lab in labelled)) for u in urls]
    x = np.array([c.x for c in rec.seen], dtype=float).reshape(
        len(rec.seen), len(widgetclass.feature_names())
    )
    return PageData(
        label["_id"], site_of(label["url"]), x, np.array(y), [c.parent for c in rec.seen], urls, labelled
    )


def _match(urls: set[str], lab: set[str]) -> bool:
    both = len(urls & lab)
    return both >= 0.5 * len(urls) and both >= 0.5 * len(lab)


def fit(data: list[PageData]) -> WidgetModel:
    x = np.vstack([d.x for d in data if len(d.x)])
    y = np.concatenate([d.y for d in data if len(d.x)])
    sw = np.concatenate([np.full(len(d.x), _weight(d) / len(d.x)) for d in data if len(d.x)]) * len(data)
    model = WidgetModel(fit_arrays(x, y, sw, widgetclass.feature_names(), L2), 0.5)
    hand = [d for d in data if not d.key.startswith("library:")]  # complete labels only
    model.threshold = max(THRESHOLDS, key=lambda t: (block_f1(hand, model, t), -t))
    return model


def _weight(d: PageData) -> float:
    return LIBRARY_WEIGHT if d.key.startswith("library:") else 1.0


def picked(d: PageData, model: WidgetModel, threshold: float) -> list[int]:
    if "probs" not in d.cache or d.cache["model"] is not model:
        d.cache.update(model=model, probs=widgetclass.probabilities(model, d.x.tolist()))
    cands = [Candidate(None, [], "", p) for p in d.parent]
    return widgetclass.pick(cands, d.cache["probs"], threshold)


def counts(d: PageData, taken: list[int]) -> tuple[int, int, int, int]:
    """(labelled blocks found, labelled, reported blocks real, reported), as widget_score.py counts."""
    rep = [d.urls[i] for i in taken]
    found = sum(any(len(lab & r) >= 0.5 * len(lab) for r in rep) for lab in d.labelled)
    real = sum(any(len(lab & r) >= 0.5 * len(r) for lab in d.labelled) for r in rep)
    return found, len(d.labelled), real, len(rep)


def block_f1(data: list[PageData], model: WidgetModel, threshold: float) -> float:
    tot = np.zeros(4)
    for d in data:
        tot += counts(d, picked(d, model, threshold))
    r, p = tot[0] / max(1, tot[1]), tot[2] / max(1, tot[3])
    return 2 * p * r / (p + r) if p + r else 0.0


def library_pages() -> list[dict[str, Any]]:
    """The second label source: development pages outside the lockbox and outside the labelled set
    whose site has a file in selectors/; the widgets that file declares, applied to the page, are
    its labelled blocks (a block the file does not declare is an unlabelled one, so this source
    only adds positives reliably: the trainer weighs its pages at half)."""
    registry = SiteRegistry.from_dir(ROOT / "selectors")
    nurl = tool("widget_score").nurl
    hand = {nurl(p["url"]) for p in label_pages("all")}
    out = []
    for page in load():
        site = registry.for_url(page.url)
        if site is None or not part_of(page.site, "design") or nurl(page.url) in hand:
            continue
        ex = extract(page.html(), page.url, site)
        widgets = [{"items": [i.url for i in w.items if i.url]} for w in ex.widgets]
        if any(w["items"] for w in widgets):
            out.append(
                {"_id": f"library:{page.key}", "url": page.url, "html": page.html(), "widgets": widgets}
            )
    return out


_DATA: dict[str, list[PageData]] = {}


def dataset(part: str = "design") -> list[PageData]:
    if part not in _DATA:
        pages = label_pages("design") + (library_pages() if part == "library" else [])
        _DATA[part] = [page_data(p) for p in pages]
    return _DATA[part]


def label_folds(urls: list[str]) -> dict[str, int]:
    """site -> fold for labelled pages, by bench/quality_sets.folds' rule (5 site-grouped folds)."""
    return folds([Page("widgets", u, u, LABELS, None) for u in urls])


def fold_models(fold_of: dict[str, int], source: str = SOURCE) -> dict[int, WidgetModel]:
    """One model per fold, trained without the fold's sites (library pages of a site in the fold too)."""
    data = dataset(source)
    return {f: fit([d for d in data if fold_of.get(d.site, -1) != f]) for f in set(fold_of.values())}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=ROOT / "scrapers" / "generic" / "widget_model.json")
    ap.add_argument("--folds", action="store_true", help="print out-of-fold block figures too")
    ap.add_argument("--source", choices=("design", "library"), default=SOURCE)
    args = ap.parse_args()
    data = dataset(args.source)
    if args.folds:
        fold_of = label_folds([p["url"] for p in label_pages()])
        models = fold_models(fold_of, args.source)
        tot = np.zeros(4)
        for d in (d for d in data if not d.key.startswith("library:")):
            m = models[fold_of[d.site]]
            tot += counts(d, picked(d, m, m.threshold))
        print(f"out of fold: blocks found {tot[0]:.0f}/{tot[1]:.0f}, reported real {tot[2]:.0f}/{tot[3]:.0f}")
    model = fit(data)
    args.out.write_text(model.to_json(), encoding="utf-8")
    n = sum(len(d.x) for d in data)
    print(
        f"trained on {len(data)} pages, {n} candidates ({int(sum(d.y.sum() for d in data))} widgets);"
        f" threshold {model.threshold}; wrote {args.out}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
