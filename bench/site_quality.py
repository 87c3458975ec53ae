"""The site library against the references: every site file with pages in ../shared/data.

    python bench/site_quality.py [--per-page] [--json OUT] [--part all|dev|lockbox] [--selectors DIR]

For each publisher (its site file chosen by URL, as `scrape` would) and in total:
- fundus pages: headline exact (after whitespace normalisation), authors (the list), published
  (same instant), topics (the same set, where the reference has topics), body ROUGE-LSum F1 of
  standfirst + sub-headings + paragraphs against the reference's, widgets per page and items per
  widget; the cases in tests/fundus_exceptions.yaml are left out of the field they name (their
  count is printed), since there the reference is wrong or a known gap;
- fundus-eval dev pages: body ROUGE-LSum F1 against the hand-written reference.
`--part` keeps the lockbox pages of bench/lockbox.py out (`dev`) or scores only them (`lockbox`);
`--selectors DIR` scores another folder of site files (an older commit's, for a before/after).
ROUGE-LSum is computed by ../shared/tools/rouge_score_eval.py's own scoring function (rouge-score
0.1.2 with NLTK's Punkt; `make bench` installs them).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import re
import statistics
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from common import ROOT, machine
from lockbox import DATA, lockbox

sys.path.insert(0, str(ROOT / "tests"))
import yaml

from fundus_pages import FUNDUS, FUNDUS_EVAL, all_pages, eval_pages, same_instant
from scrapers.config.sitefiles import SiteRegistry
from scrapers.dom.values import clean
from scrapers.extract.recipe import Extraction, extract

SCORER = ROOT.parent / "shared" / "tools" / "rouge_score_eval.py"
NLTK_DATA = ROOT / ".venv" / "nltk_data"
_ASCII_WORD = re.compile(r"[a-z0-9]+")
MIN_ASCII_WORDS = 20
EXCEPTIONS = yaml.safe_load((ROOT / "tests" / "fundus_exceptions.yaml").read_text(encoding="utf-8"))


def _scorer() -> ModuleType:
    spec = importlib.util.spec_from_file_location("rouge_score_eval", SCORER)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    mod._init_worker(str(NLTK_DATA) if NLTK_DATA.is_dir() else None)
    return mod


@dataclass
class Tally:
    hits: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    seen: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    excluded: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    rouge: list[float] = field(default_factory=list)
    rouge_all: list[float] = field(default_factory=list)  # documented exceptions included
    unmeasured: list[str] = field(default_factory=list)
    eval_rouge: list[float] = field(default_factory=list)
    widgets: list[int] = field(default_factory=list)
    items: list[int] = field(default_factory=list)

    def count(self, name: str, ok: bool, page: str) -> None:
        field_name = {"headline": "title", "published": "published", "authors": "authors"}.get(name, name)
        if field_name in EXCEPTIONS.get(page, {}):
            self.excluded[name] += 1
            return
        self.seen[name] += 1
        self.hits[name] += int(ok)

    def rate(self, name: str) -> str:
        n = self.seen[name]
        return f"{self.hits[name]}/{n}" if n else "-"

    def merge(self, other: Tally) -> None:
        for k in other.seen:
            self.seen[k] += other.seen[k]
            self.hits[k] += other.hits[k]
        for k in other.excluded:
            self.excluded[k] += other.excluded[k]
        self.rouge += other.rouge
        self.rouge_all += other.rouge_all
        self.unmeasured += other.unmeasured
        self.eval_rouge += other.eval_rouge
        self.widgets += other.widgets
        self.items += other.items


def _story_text(ex: Extraction) -> str:
    lines = [ex.story.summary] if ex.story.summary else []
    for s in ex.story.body:
        lines += ([s.heading] if s.heading else []) + s.paragraphs
    return "\n".join(lines)


def _reference_paragraphs(body: dict[str, Any]) -> list[str]:
    out = [clean(p) for p in body.get("summary", [])]
    for s in body["sections"]:
        out += [clean(h) for h in s["headline"]] + [clean(p) for p in s["paragraphs"]]
    return [p for p in out if p]


def _rouge(scorer: ModuleType, paragraphs: list[str], prediction: str) -> float:
    pred = scorer.prediction_text({"text": prediction})
    _, _, _, f1 = scorer.score_article(("page", paragraphs, pred, scorer.DEFAULT_MAX_OPTIONAL))
    return float(f1)


def _widgets(t: Tally, ex: Extraction) -> None:
    t.widgets.append(len(ex.widgets))
    t.items += [len(w.items) for w in ex.widgets]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--per-page", action="store_true", help="also print each page's ROUGE-LSum F1")
    ap.add_argument("--json", type=Path, help="also write the table here")
    ap.add_argument("--part", choices=("all", "dev", "lockbox"), default="all", help="see bench/lockbox.py")
    ap.add_argument("--selectors", type=Path, default=ROOT / "selectors", help="the site files to score")
    args = ap.parse_args()
    if not FUNDUS.is_dir():
        print(f"no data at {FUNDUS}", file=sys.stderr)
        return 2
    scorer = _scorer()
    registry = SiteRegistry.from_dir(args.selectors)
    by_site: dict[str, Tally] = defaultdict(Tally)
    box, part = lockbox(), str(args.part)

    def wanted(path: Path) -> bool:
        return part == "all" or (path.relative_to(DATA).as_posix() in box) == (part == "lockbox")

    for page in filter(lambda p: wanted(p.html_path), all_pages()):
        site = registry.for_url(page.url)
        if site is None:
            continue
        t, exp = by_site[site.site], page.expected
        ex = extract(page.html(), page.url, site)
        if "title" in exp:
            t.count("headline", clean(exp["title"]) == ex.story.headline, page.name)
        if "authors" in exp:
            t.count("authors", [clean(a) for a in exp["authors"]] == ex.story.authors, page.name)
        if exp.get("publishing_date"):
            t.count("published", same_instant(exp["publishing_date"], ex.story.published), page.name)
        if exp.get("topics"):
            want = {clean(x) for x in exp["topics"]}
            t.count("topics", want == set(ex.story.topics), page.name)
        if exp.get("body"):
            ref = _reference_paragraphs(exp["body"])
            if len(_ASCII_WORD.findall(" ".join(ref).lower())) < MIN_ASCII_WORDS:
                t.unmeasured.append(page.name)  # the metric keeps [a-z0-9] only: CJK text scores 0/0
            else:
                score = _rouge(scorer, ref, _story_text(ex))
                t.rouge_all.append(score)
                if {"body", "missing"} & set(EXCEPTIONS.get(page.name, {})):
                    t.excluded["body"] += 1
                else:
                    t.rouge.append(score)
                if args.per_page:
                    print(f"  {page.name:40} ROUGE-LSum F1 {score * 100:6.2f}")
        _widgets(t, ex)
    for ep in filter(lambda p: wanted(p.html_path), eval_pages() if FUNDUS_EVAL.is_dir() else []):
        site = registry.for_url(ep.url)
        if site is None:
            continue
        ex = extract(ep.html(), ep.url, site)
        by_site[site.site].eval_rouge.append(_rouge(scorer, ep.paragraphs, _story_text(ex)))
        _widgets(by_site[site.site], ex)
    return _report(by_site, args.json)


def _mean(xs: list[float]) -> str:
    return f"{statistics.mean(xs) * 100:6.2f}" if xs else "     -"


def _report(by_site: dict[str, Tally], out: Path | None) -> int:
    print(f"machine: {machine()}\n")
    cols = ("headline", "authors", "published", "topics")
    print(f"{'site':22} {'headline':>9} {'authors':>8} {'published':>9} {'topics':>7} {'ROUGE':>7} "
          f"{'eval':>7} {'widgets/pg':>10} {'items/w':>8}")  # fmt: skip
    total = Tally()
    rows = {}
    for name in sorted(by_site):
        t = by_site[name]
        total.merge(t)
        wpp = statistics.mean(t.widgets) if t.widgets else 0.0
        ipw = statistics.mean(t.items) if t.items else 0.0
        rows[name] = {c: t.rate(c) for c in cols} | {"rouge": _mean(t.rouge), "eval": _mean(t.eval_rouge)}
        rates = (
            f"{t.rate('headline'):>9} {t.rate('authors'):>8} {t.rate('published'):>9} {t.rate('topics'):>7}"
        )
        print(f"{name:22} {rates} {_mean(t.rouge):>7} {_mean(t.eval_rouge):>7} {wpp:10.1f} {ipw:8.1f}")
    print("\ntotals over ../shared/data/fundus (documented exceptions left out of their field):")
    for c in cols:
        n = total.seen[c]
        rate = total.hits[c] / n if n else 0.0
        print(f"  {c:10} {total.hits[c]:4}/{n:<4} = {rate:7.2%}   (excluded by name: {total.excluded[c]})")
    print(
        f"  body ROUGE-LSum F1 mean over {len(total.rouge)} pages: {_mean(total.rouge).strip()}"
        f"   (excluded by name: {total.excluded['body']}; with them, over {len(total.rouge_all)} pages: "
        f"{_mean(total.rouge_all).strip()})"
    )
    print(f"  not measurable by this ROUGE (reference has < {MIN_ASCII_WORDS} [a-z0-9] words: CJK text): "
          f"{len(total.unmeasured)} pages: {', '.join(total.unmeasured)}")  # fmt: skip
    print(f"fundus-eval dev: body ROUGE-LSum F1 mean over {len(total.eval_rouge)} pages: "
          f"{_mean(total.eval_rouge).strip()}")  # fmt: skip
    wpp, ipw = statistics.mean(total.widgets), statistics.mean(total.items)
    print(f"widgets per page {wpp:.2f}, items per widget {ipw:.2f}")
    if out is not None:
        out.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
