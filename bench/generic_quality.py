"""How good is extraction without a site file? Generic extraction and trafilatura, side by side.

    python bench/generic_quality.py [--only aeb,fundus,feval,wcxb,suggest] [--jobs 2] [--dump FILE]

On the four development sets in ../shared/data (bench/quality_sets.py), in one run:

1. body F1 of Storyline's generic extractor and of trafilatura alone, each set scored by its own
   metric (the shared tools' functions): article-bench dev and fundus by aeb_score.py's shingle F1,
   fundus-eval dev by ROUGE-LSum (rouge_score_eval.py; needs rouge-score, nltk and the Punkt model,
   which `make bench` installs), wcxb dev by word F1 (wcxb_score.py, with its snippet shares);
2. next to each full-set figure, a held-out estimate: pages split into 5 folds by site (no site on
   both sides), the set's figure computed on each fold and averaged. For a fixed rule that is the
   fold mean; anything chosen or trained (bench/block_model.py) is chosen on the four other folds;
3. headline, authors and publication date of both, against the references that have them (fundus:
   title, author list, instant to the second; wcxb: title, byline words, day; article-bench and
   fundus-eval annotate the body only, so their headline, byline and day come from the hand-made
   references in bench/references/), and the widgets generic extraction finds;
4. suggest on fundus-eval dev: for every publisher, a site file drafted from article 0 extracts
   article 1 unedited, scored by ROUGE-LSum.

trafilatura's outputs are cached under /tmp (keyed by its version): it does not change between runs.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import block_model
import trafilatura
from block_model import BlockModel
from common import machine
from generic_lockbox import part_of
from quality_meta import (
    author_words,
    names_the_site,
    same_authors,
    same_day,
    same_instant,
    typography,
    widget_places,
)
from quality_sets import (
    DATA,
    FOLDS,
    METRICS,
    SETS,
    TITLES,
    TOOLS,
    Page,
    aggregate,
    folds,
    load,
    score_body,
    snippets,
)

from scrapers.config.sitefiles import generic_site, parse_site_text
from scrapers.dom.values import clean
from scrapers.extract.recipe import extract
from scrapers.generic import blocks
from scrapers.generic.suggest import draft_site

CACHE = Path(tempfile.gettempdir()) / "storyline-generic-quality" / f"trafilatura-{trafilatura.__version__}"
NLTK_DATA = Path(sys.prefix) / "nltk_data"
FEVAL = DATA / "fundus-eval" / "dev"
Result = dict[str, Any]


def body_text(html: str, url: str) -> tuple[str, Any]:
    """Generic extraction's body (sub-headings and paragraphs), and the whole extraction."""
    ex = extract(html, url, generic_site())
    parts = [p for s in ex.story.body for p in ([s.heading] if s.heading else []) + s.paragraphs]
    return "\n\n".join(parts), ex


def generic_run(page: Page, html: str) -> Result:
    text, ex = body_text(html, page.url)
    places = widget_places(html, page.url, ex.widgets) if page.set in ("fundus", "wcxb") else (0, 0, 0)
    return {
        "text": text,
        "headline": ex.story.headline,
        "authors": list(ex.story.authors),
        "published": ex.story.published,
        "widgets": [len(ex.widgets), *places],
    }


def trafilatura_run(page: Page, html: str) -> Result:
    """trafilatura alone: its body (fundus-eval: the benchmark's own call; elsewhere without the
    comments, which no reference counts as the story) and its metadata."""
    cached = CACHE / page.set / f"{page.key.replace('/', '_')}.json"
    if cached.exists():
        return dict(json.loads(cached.read_text(encoding="utf-8")))
    if page.set == "feval":
        text = trafilatura.extract(html, include_tables=False, include_comments=False)
    else:
        text = trafilatura.extract(html, url=page.url, include_comments=False)
    meta = trafilatura.extract_metadata(html, default_url=page.url)
    out = {
        "text": text or "",
        "headline": meta.title if meta else None,
        "authors": [a.strip() for a in ((meta.author if meta else None) or "").split(";") if a.strip()],
        "published": meta.date if meta else None,
    }
    cached.parent.mkdir(parents=True, exist_ok=True)
    cached.write_text(json.dumps(out), encoding="utf-8")
    return out


def run_page(job: tuple[Page, BlockModel | None]) -> Result:
    """Both extractors on one page; with a fold's block model, generic extraction once more
    with that model (trained without the page's fold) for the held-out figure."""
    page, fold_model = job
    html = page.html()
    t0 = time.perf_counter()
    g = generic_run(page, html)
    g["ms"] = (time.perf_counter() - t0) * 1000
    t = trafilatura_run(page, html)
    out: Result = {"set": page.set, "key": page.key, "site": page.site, "g": g, "t": t}
    if fold_model is not None:
        shipped, blocks.MODEL = blocks.MODEL, fold_model
        try:
            out["held"] = generic_run(page, html)
        finally:
            blocks.MODEL = shipped
    for side in ("g", "t", "held"):
        if side in out and page.body is not None:
            out[side]["score"] = score_body(page, out[side]["text"])
        if side in out and page.set == "wcxb":
            out[side]["snippets"] = snippets(page, out[side]["text"])
    return out


def fold_models(fold_of: dict[str, int]) -> dict[int, BlockModel]:
    """One block model per fold, trained on the other folds' pages (none when none is shipped)."""
    if blocks.MODEL is None:
        return {}
    data = block_model.dataset([p for p in load() if part_of(p.site, "design")])
    return {f: block_model.train([d for d in data if fold_of[d.site] != f]) for f in range(FOLDS)}


def run_all(pages: list[Page], fold_of: dict[str, int], jobs: int, held: bool = True) -> list[Result]:
    models = fold_models(fold_of) if held else {}
    work = [(p, models.get(fold_of[p.site])) for p in pages]
    if jobs <= 1:
        return [run_page(w) for w in work]
    with multiprocessing.get_context("fork").Pool(jobs) as pool:
        return list(pool.imap(run_page, work, chunksize=4))


def held_out(set_: str, rows: list[Result], fold_of: dict[str, int], side: str) -> tuple[float, float, float]:
    """(mean, min, max) over folds of the set's figure on each fold's pages: generic extraction
    with the fold's own block model where there is one, else with the fixed rules."""
    side = "held" if side == "g" and rows and "held" in rows[0] else side
    per = [
        aggregate(set_, [r[side]["score"] for r in rows if fold_of[r["site"]] == f])[0]
        for f in range(FOLDS)
        if any(fold_of[r["site"]] == f for r in rows)
    ]
    return statistics.fmean(per), min(per), max(per)


def print_body(results: list[Result], fold_of: dict[str, int]) -> dict[str, Any]:
    print(f"\nbody, each set by its own metric; held-out: mean over {FOLDS} site-grouped folds (min-max)")
    print(
        f"  {'set':16} {'pages':>5}  {'extractor':18} {'F1':>7} {'P':>7} {'R':>7}   {'held-out':>8} (range)"
    )
    summary: dict[str, Any] = {}
    for set_ in SETS:
        rows = [r for r in results if r["set"] == set_ and "score" in r["g"]]
        if not rows:
            continue
        for side, name in (("g", "storyline generic"), ("t", "trafilatura alone")):
            f1, p, r = aggregate(set_, [x[side]["score"] for x in rows])
            mean, lo, hi = held_out(set_, rows, fold_of, side)
            summary[f"{set_}/{side}"] = {"full": f1, "held_out": mean}
            print(
                f"  {TITLES[set_]:16} {len(rows):>5}  {name:18} {f1:>7.4f} {p:>7.4f} {r:>7.4f}"
                f"   {mean:>8.4f} ({lo:.4f}-{hi:.4f})"
            )
        if set_ == "wcxb":
            for side, name in (("g", "storyline generic"), ("t", "trafilatura alone")):
                found = sum(x[side]["snippets"][0] for x in rows)
                bad = sum(x[side]["snippets"][1] for x in rows)
                n_with = sum(x[side]["snippets"][2] for x in rows)
                n_without = sum(x[side]["snippets"][3] for x in rows)
                print(
                    f"  {'':16} {'':5}  {name:18} `with` snippets found {found / n_with:.1%},"
                    f" `without` found {bad / n_without:.1%} (lower is better)"
                )
    print("  metrics: " + "; ".join(f"{TITLES[s]}: {METRICS[s]}" for s in SETS))
    return summary


def share(hits: int, n: int) -> str:
    return f"{hits}/{n} = {hits / n:.1%}" if n else "no reference"


MetaTest = Callable[[Page, Result], bool]


def print_metadata(pages: list[Page], results: list[Result]) -> None:
    """Headline, authors and date of both extractors where the set's reference has them."""
    by_key = {(r["set"], r["key"]): r for r in results}
    tests: dict[str, tuple[str, Callable[[Page], bool], MetaTest]] = {
        "headline exact": ("title", lambda p: bool(p.title), head_exact),
        "headline, typography aside": ("title", lambda p: bool(p.title), head_typo),
        "authors": ("authors", lambda p: p.authors is not None, authors_ok),
        "publication instant": ("date", lambda p: p.set == "fundus" and bool(p.date), instant_ok),
        "publication day": ("date", lambda p: bool(p.date), day_ok),
        "authors, a person named": ("authors", _names_a_person, authors_ok),
    }
    print("\nmetadata against the references (article-bench and fundus-eval: bench/references/, by hand)")
    print(f"  {'set':16} {'field':28} {'storyline generic':>22} {'trafilatura alone':>22}")
    for set_ in SETS:
        mine = [p for p in pages if p.set == set_]
        for label, (_, has, test) in tests.items():
            refs = [p for p in mine if has(p)]
            if not refs:
                continue
            cells = [
                share(sum(test(p, by_key[(set_, p.key)][side]) for p in refs), len(refs)) for side in "gt"
            ]
            print(f"  {TITLES[set_]:16} {label:28} {cells[0]:>22} {cells[1]:>22}")
    for set_ in SETS:
        rows = [(p, by_key[(set_, p.key)]) for p in pages if p.set == set_]
        named = sum(any(names_the_site(a, p.url) for a in r["g"]["authors"]) for p, r in rows)
        print(f"  {TITLES[set_]}: pages with the site or publisher among generic's authors: {named}")


def _names_a_person(page: Page) -> bool:
    """The reference's byline names somebody, not the site or its publisher ("Reuters" on
    reuters.com): generic extraction never gives the publisher as an author, by design."""
    names = page.authors if isinstance(page.authors, list) else [page.authors] if page.authors else []
    return bool(names) and not any(names_the_site(a, page.url) for a in names)


def head_exact(page: Page, side: Result) -> bool:
    return clean(side["headline"] or "") == clean(page.title or "")


def head_typo(page: Page, side: Result) -> bool:
    return typography(side["headline"] or "") == typography(page.title or "")


def authors_ok(page: Page, side: Result) -> bool:
    """fundus: exactly the reference's list; wcxb: the same words as its byline (none when it has none)."""
    got = side["authors"]
    if isinstance(page.authors, list):
        return same_authors(page.authors, got)[0]
    if not page.authors:
        return not got
    return bool(got) and author_words(" ".join(got)) == author_words(page.authors)


def instant_ok(page: Page, side: Result) -> bool:
    return same_instant(str(page.date), side["published"])


def day_ok(page: Page, side: Result) -> bool:
    return same_day(str(page.date), side["published"])


def print_widgets(pages: int, per_page: list[int], landmark: int, named: int, any_header: int) -> None:
    total = sum(per_page)
    print(
        f"  widgets: {total} on {pages} pages ({total / pages:.2f} a page, pages with none:"
        f" {per_page.count(0)}, most on one page: {max(per_page, default=0)})"
    )
    print(f"  ... inside nav, the page's header/footer, a navigation/banner/contentinfo role: {landmark}")
    print(f"  ... inside an element whose id or class names navigation or a menu: {named}")
    print(f"  ... inside any header/footer element (an article's or section's own too): {any_header}")


def print_all_widgets(results: list[Result]) -> None:
    for set_ in ("fundus", "wcxb"):
        rows = [r["g"]["widgets"] for r in results if r["set"] == set_]
        if rows:
            print(f"\n{TITLES[set_]} ({len(rows)} pages), generic widgets")
            print_widgets(len(rows), [w[0] for w in rows], *(sum(w[i] for w in rows) for i in (1, 2, 3)))


def suggest(tmp: Path) -> None:
    preds = []
    rows = []
    for pub_dir in sorted(p for p in FEVAL.iterdir() if p.is_dir()):
        pub = pub_dir.name
        first = (pub_dir / "0.html").read_text(encoding="utf-8")
        url0 = json.loads((pub_dir / "0.json").read_text())["url"]
        name = pub.lower()
        yaml_text = draft_site(first, url0, name)
        (tmp / f"{name}.yaml").write_text(yaml_text)
        site = parse_site_text(yaml_text, f"{name}.yaml")  # the draft passes `storyline check`
        second = (pub_dir / "1.html").read_text(encoding="utf-8")
        url1 = json.loads((pub_dir / "1.json").read_text())["url"]
        ex = extract(second, url1, site)
        paras = [p for s in ex.story.body for p in ([s.heading] if s.heading else []) + s.paragraphs]
        preds.append({"publisher": pub, "id": "1", "paragraphs": paras})
        rows.append(pub)
    path = tmp / "suggest.ndjson"
    path.write_text("".join(json.dumps(p) + "\n" for p in preds))
    out_json = tmp / "rouge.json"
    cmd = [sys.executable, str(TOOLS / "rouge_score_eval.py"), str(FEVAL), str(path)]
    cmd += ["--nltk-data", str(NLTK_DATA), "--json", str(out_json), "--missing-as-empty"]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        print(f"\nsuggest: the ROUGE scorer failed: {proc.stderr.strip()[-400:]}")
        return
    data = json.loads(out_json.read_text())
    per = {(a["publisher"], str(a["id"])): a for a in data["articles"]} if "articles" in data else {}
    print("\nsuggest on fundus-eval dev: draft from article 0, extract article 1 with it unedited")
    print(f"  {'publisher':18} {'ROUGE-LSum F1':>14}")
    good = 0
    for pub in rows:
        art = per.get((pub, "1"))
        f1 = float(art["f1"]) if art else float("nan")
        f1 = f1 * 100 if f1 <= 1 else f1
        good += f1 >= 90
        print(f"  {pub:18} {f1:>14.2f}")
    print(f"  publishers with F1 >= 90: {good} of {len(rows)}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", default="aeb,fundus,feval,wcxb,suggest")
    ap.add_argument("--jobs", type=int, default=2, help="processes (at most 2 on a shared machine)")
    ap.add_argument("--dump", type=Path, help="write every page's outputs and scores here (JSON)")
    ap.add_argument(
        "--part",
        choices=("design", "lockbox"),
        default="design",
        help="design: the pages outside the lockbox (bench/generic_lockbox.py), with held-out folds"
        " among them; lockbox: the locked pages, once, to confirm a finished change (the shipped model)",
    )
    args = ap.parse_args()
    parts = set(args.only.split(","))
    print(f"machine: {machine()}")
    print(f"part: {args.part} (bench/generic_lockbox.py)")
    started = time.perf_counter()
    pages = [p for p in load(tuple(s for s in SETS if s in parts)) if part_of(p.site, args.part)]
    # one assignment, whatever --only says; the lockbox is one fold scored by the shipped model,
    # which bench/block_model.py trains on the design pages only
    design = [p for p in load() if part_of(p.site, "design")]
    fold_of = folds(design) if args.part == "design" else {p.site: 0 for p in pages}
    results = run_all(pages, fold_of, args.jobs, args.part == "design")
    print(f"{len(pages)} pages, {len({p.site for p in pages})} sites, {FOLDS} folds by site")
    summary = print_body(results, fold_of)
    print_metadata(pages, results)
    print_all_widgets(results)
    ms = [r["g"]["ms"] for r in results]
    if ms:
        print(
            f"\ngeneric extraction, ms a page (in this run, with the scoring beside it): median "
            f"{statistics.median(ms):.1f}, p95 {sorted(ms)[int(0.95 * (len(ms) - 1))]:.1f}"
        )
    if args.dump:
        args.dump.write_text(json.dumps({"summary": summary, "pages": results}), encoding="utf-8")
    if "suggest" in parts:
        with tempfile.TemporaryDirectory() as t:
            suggest(Path(t))
    print(f"\nran in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
