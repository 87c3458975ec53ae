"""The four development sets generic extraction is scored on, their own body metrics, and folds.

Every set is read from ../shared/data (never copied) into `Page`s; each page's body is scored by
its set's own metric, with the functions of the shared re-implementations in ../shared/tools
(imported, not copied): article-bench and fundus by aeb_score.py's shingle counts (F1 of the mean
precision and the mean recall), fundus-eval by rouge_score_eval.py (ROUGE-LSum, mean F1 x 100),
wcxb by wcxb_score.py (word F1, mean over pages).

Folds group pages by site (the registrable domain of the page's address, so www.bbc.com in one
set and bbc.com in another are one site): no site is on both sides of a split. One assignment
for all four sets, from a fixed seed.
"""

from __future__ import annotations

import gzip
import importlib.util
import json
import random
import statistics
import sys
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import urlsplit

from common import ROOT

from scrapers.net.scope import registrable_domain

SHARED = ROOT.parent / "shared"
DATA = SHARED / "data"
TOOLS = SHARED / "tools"
SETS = ("aeb", "fundus", "feval", "wcxb")
TITLES = {
    "aeb": "article-bench dev",
    "fundus": "fundus",
    "feval": "fundus-eval dev",
    "wcxb": "wcxb dev",
}
METRICS = {
    "aeb": "shingle F1 (aeb_score.py)",
    "fundus": "shingle F1 (aeb_score.py)",
    "feval": "ROUGE-LSum F1 x100 (rouge_score_eval.py)",
    "wcxb": "word F1 (wcxb_score.py)",
}
FOLDS = 5
SEED = 16


def tool(name: str) -> ModuleType:
    """One of ../shared/tools/*.py as a module."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, TOOLS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@dataclass
class Page:
    """One page of one set, with what its reference says (body, and metadata where it has some)."""

    set: str
    key: str
    url: str
    path: Path
    body: Any  # the set's reference body: a text, or fundus-eval's paragraph list
    title: str | None = None
    authors: list[str] | str | None = None  # fundus: a list of names; the others: one byline string
    date: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def site(self) -> str:
        return registrable_domain((urlsplit(self.url).hostname or "").lower().removeprefix("www."))

    def html(self) -> str:
        if self.path.suffix == ".gz":
            return gzip.decompress(self.path.read_bytes()).decode("utf-8", "replace")
        return self.path.read_text(encoding="utf-8")


REFERENCES = ROOT / "bench" / "references"  # hand-made metadata references (bench/references/README.md)


def annotate(pages: list[Page], name: str) -> None:
    """Headline, byline and day from bench/references/`name` onto pages whose set annotates the body only."""
    path = REFERENCES / name
    if not path.is_file():
        return
    refs = json.loads(path.read_text(encoding="utf-8"))
    for page in pages:
        if (ref := refs.get(page.key)) is not None and ref["url"] == page.url:
            page.title, page.authors, page.date = ref["title"], ref["author"], ref["publish_date"]


def load(sets: tuple[str, ...] = SETS) -> list[Page]:
    """The pages of `sets` that are present under ../shared/data."""
    pages: list[Page] = []
    if "aeb" in sets:
        for jf in sorted((DATA / "article-bench" / "dev").glob("*.json")):
            d = json.loads(jf.read_text(encoding="utf-8"))
            pages.append(Page("aeb", jf.stem, d["url"], jf.with_suffix(".html"), d["articleBody"]))
        annotate([p for p in pages if p.set == "aeb"], "article-bench-dev.json")
    if "fundus" in sets:
        for jf in sorted((DATA / "fundus").glob("*/*.expected.json")):
            d = json.loads(jf.read_text(encoding="utf-8"))
            exp = d["expected"]
            body = None
            if exp.get("body"):
                paras = list(exp["body"].get("summary", []))
                for sec in exp["body"].get("sections", []):
                    paras += sec.get("headline", []) + sec.get("paragraphs", [])
                body = "\n\n".join(paras)
            key = jf.name.removesuffix(".expected.json")
            html = jf.with_name(f"{key}.html")
            pages.append(Page("fundus", key, d["url"], html, body, exp.get("title"), exp.get("authors")))
            pages[-1].date = exp.get("publishing_date")
    if "feval" in sets:
        rouge = tool("rouge_score_eval")
        for jf in sorted((DATA / "fundus-eval" / "dev").glob("*/*.json")):
            d = json.loads(jf.read_text(encoding="utf-8"))
            paras = rouge.read_reference_paragraphs(jf.with_suffix(".txt"))
            pages.append(
                Page("feval", f"{jf.parent.name}/{jf.stem}", d["url"], jf.with_suffix(".html"), paras)
            )
        annotate([p for p in pages if p.set == "feval"], "fundus-eval-dev.json")
    if "wcxb" in sets:
        for jf in sorted((DATA / "wcxb" / "dev").glob("*.json")):
            d = json.loads(jf.read_text(encoding="utf-8"))
            page = Page("wcxb", jf.stem, d["url"], jf.with_suffix(".html.gz"), d.get("main_content") or "")
            page.title, page.authors, page.date = d.get("title"), d.get("author"), d.get("publish_date")
            page.extra = {"with": d.get("with") or [], "without": d.get("without") or []}
            pages.append(page)
    return pages


def folds(pages: list[Page], k: int = FOLDS, seed: int = SEED) -> dict[str, int]:
    """site -> fold: sites shuffled by `seed`, each given to the fold with the fewest pages so far."""
    sizes: dict[str, int] = {}
    for p in pages:
        sizes[p.site] = sizes.get(p.site, 0) + 1
    sites = sorted(sizes)
    random.Random(seed).shuffle(sites)
    sites.sort(key=lambda s: -sizes[s])  # stable: large sites first, ties in shuffled order
    load_ = [0] * k
    out: dict[str, int] = {}
    for s in sites:
        f = min(range(k), key=lambda i: (load_[i], i))
        out[s] = f
        load_[f] += sizes[s]
    return out


# Per-page body scores: (precision or None, recall or None, f1), as the set's tool defines them.
Score = tuple[float | None, float | None, float]


def init_rouge() -> None:
    """Make rouge_score_eval's scorer usable in this process (the venv's Punkt model)."""
    rouge = tool("rouge_score_eval")
    if rouge._SCORER is None:
        rouge._init_worker(str(Path(sys.prefix) / "nltk_data"))


def score_body(page: Page, text: str) -> Score:
    if page.set in ("aeb", "fundus"):
        c = tool("aeb_score").compare(page.body, text)
        return c["precision"], c["recall"], 0.0
    if page.set == "wcxb":
        f, p, r = tool("wcxb_score").word_f1(text, page.body)
        return p, r, f
    init_rouge()
    rouge = tool("rouge_score_eval")
    pred = rouge.prediction_text({"text": text})
    _, p, r, f = rouge.score_article((page.key, page.body, pred, rouge.DEFAULT_MAX_OPTIONAL))
    return p * 100, r * 100, f * 100


def aggregate(set_: str, scores: list[Score]) -> tuple[float, float, float]:
    """(F1, precision, recall) of a set's pages, by that set's tool."""
    if not scores:
        return float("nan"), float("nan"), float("nan")
    if set_ in ("aeb", "fundus"):
        a = tool("aeb_score").aggregate([{"precision": p, "recall": r, "exact": 0} for p, r, _ in scores])
        return a["f1"], a["precision"], a["recall"]
    return (
        statistics.fmean(f for _, _, f in scores),
        statistics.fmean(p or 0.0 for p, _, _ in scores),
        statistics.fmean(r or 0.0 for _, r, _ in scores),
    )


def snippets(page: Page, text: str) -> tuple[int, int, int, int]:
    """wcxb: `with` snippets found, `without` snippets found (as wcxb_score.py counts them), and
    how many of each the page has."""
    ws = tool("wcxb_score").WS
    low = ws.sub(" ", text).lower()
    hit = sum(ws.sub(" ", s).lower().strip() in low for s in page.extra.get("with", []))
    bad = sum(ws.sub(" ", s).lower().strip() in low for s in page.extra.get("without", []))
    return hit, bad, len(page.extra.get("with", [])), len(page.extra.get("without", []))
