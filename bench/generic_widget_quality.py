"""How well does generic extraction split story and widgets? Scored on the hand-labelled pages.

    python bench/generic_widget_quality.py [--part design|lockbox] [--worst N] [--keep DIR]

Every page of ../shared/data/widgets/dev (README there) of the chosen part (bench/generic_lockbox.py) is
extracted with the built-in generic site file, as `storyline extract --site generic` does, and the
records are scored by ../shared/tools/widget_score.py (blocks found, reported blocks real, item
F1, category agreement, clutter leak, story snippets kept).

design: the pages outside the lockbox, each extracted with a widget model trained without its
site's fold (5 site-grouped folds, bench/quality_sets.folds), so the figure is held out from what
was learned; the rules around the model were designed on these pages, so it is not held out from
them. lockbox: the locked pages with the shipped model (trained on the design pages only), run
once a change is finished.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import widget_model
from common import ROOT
from generic_lockbox import site_of
from quality_sets import DATA, TOOLS

from scrapers.config.sitefiles import generic_site
from scrapers.extract.recipe import extract
from scrapers.widgetfind import classifier as widgetclass


def record(label: dict[str, Any]) -> dict[str, Any]:
    """The page's record as `storyline extract` writes it (the parts the scorer reads)."""
    ex = extract(widget_model.page_html(label), label["url"], generic_site())
    return {
        "url": label["url"],
        "story": ex.story.model_dump(mode="json"),
        "widgets": [w.model_dump(mode="json") for w in ex.widgets],
    }


def records(pages: list[dict[str, Any]], part: str) -> list[dict[str, Any]]:
    """Design pages: each with the widget model of its fold; lockbox: the shipped model."""
    if part != "design" or widgetclass.MODEL is None:
        return [record(p) for p in pages]
    fold_of = widget_model.label_folds([p["url"] for p in pages])
    models = widget_model.fold_models(fold_of)
    out = []
    shipped = widgetclass.MODEL
    try:
        for p in pages:
            widgetclass.MODEL = models[fold_of[site_of(p["url"])]]
            out.append(record(p))
    finally:
        widgetclass.MODEL = shipped
    return out


def score(pages: list[dict[str, Any]], recs: list[dict[str, Any]], worst: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        lab = Path(tmp) / "labels"
        lab.mkdir()
        for p in pages:  # the scorer reads a folder: the part's label files only
            (lab / f"{p['_id']}.json").write_text(
                json.dumps({k: v for k, v in p.items() if k != "_id"}), encoding="utf-8"
            )
        nd = Path(tmp) / "records.ndjson"
        nd.write_text("".join(json.dumps(r) + "\n" for r in recs), encoding="utf-8")
        out = Path(tmp) / "score.json"
        cmd = [sys.executable, str(TOOLS / "widget_score.py"), str(lab), str(nd), "--data", str(DATA)]
        cmd += ["--json", str(out), "--worst", str(worst)]
        proc = subprocess.run(cmd, capture_output=True, text=True, check=True)
        print(proc.stdout)
        return dict(json.loads(out.read_text(encoding="utf-8"))["summary"])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--part", choices=("design", "lockbox"), default="design")
    ap.add_argument("--worst", type=int, default=0, help="list the N pages with the most misses")
    ap.add_argument("--keep", type=Path, help="also write the records here (NDJSON)")
    args = ap.parse_args()
    pages = widget_model.label_pages(args.part)
    print(f"part: {args.part}, {len(pages)} labelled pages, {len({site_of(p['url']) for p in pages})} sites")
    recs = records(pages, args.part)
    if args.keep:
        args.keep.write_text("".join(json.dumps(r) + "\n" for r in recs), encoding="utf-8")
    score(pages, recs, args.worst)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
