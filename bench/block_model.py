"""Train the generic body's block model (scrapers/generic/block_model.json) from ../shared/data.

    python bench/block_model.py [--out scrapers/generic/block_model.json] [--jobs 2]

Every development page (bench/quality_sets.py: article-bench, fundus, fundus-eval and wcxb dev) is
parsed and its candidate blocks described as generic extraction describes them
(scrapers.generic.body.rule_guess, scrapers.generic.blocks.features). A block's label is whether
the page's reference body holds it: at least half of its lower-cased word 4-grams (a block of
fewer words: all of them in a row). A logistic regression (then a second one over the first's verdicts on each
block's siblings, neighbours and enclosing block) is fitted to the labels by Newton's
method (L2 penalty; every page weighs the same, each block by its share of the page's words), and
the keep threshold is chosen on the same training pages, by an estimate of the pages' word F1.
Nothing random: the same pages give the same model. Only numbers are written, no page text.

bench/generic_quality.py calls `train` once per fold on the other folds' pages, so the held-out
figure it prints is that of models that never saw the fold's sites.
"""

from __future__ import annotations

import argparse
import hashlib
import multiprocessing
import pickle
import re
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from common import ROOT
from generic_lockbox import part_of
from quality_sets import Page, load

from scrapers.dom.parse import parse_html
from scrapers.generic import blocks, body
from scrapers.generic.blocks import BlockModel as BlockModel
from scrapers.generic.blocks import Logistic

WORD = re.compile(r"\w+")
CACHE = Path(tempfile.gettempdir()) / "storyline-generic-quality"
L2 = 1.0
THRESHOLDS = [round(0.2 + 0.05 * i, 2) for i in range(13)]
Array = np.ndarray


@dataclass
class PageData:
    """One page's blocks as the model sees them: features, labels and what scoring needs."""

    set: str
    key: str
    site: str
    x: Array  # blocks x features
    held: Array  # share of the block's n-grams the reference holds
    words: Array  # words in the block
    outer: Array  # index of the nearest candidate holding the block, -1 when none
    group: Array  # an id of the block's parent element: siblings share it
    passes: Array  # the clutter rules let it through
    texts: list[str]  # kept in the /tmp cache only, for the cross-validation's real metrics
    ref_words: int


def reference_text(page: Page) -> str:
    if isinstance(page.body, list):  # fundus-eval: paragraphs, optional ones bracketed
        return "\n\n".join(p[1:-1] if p.startswith("[") and p.endswith("]") else p for p in page.body)
    return str(page.body or "")


def _grams(tokens: list[str], n: int) -> set[tuple[str, ...]]:
    return {tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)}


def page_data(page: Page) -> PageData | None:
    if page.body is None:
        return None
    root = parse_html(page.html()).root
    guess, described = body.rule_guess(root)
    if guess.container is None or not described:
        return None
    ref = WORD.findall(reference_text(page).lower())
    ref_grams = {n: _grams(ref, n) for n in (1, 2, 3, 4)}
    held, words = [], []
    for b in described:
        tokens = WORD.findall(b.text.lower())
        n = min(4, len(tokens))
        grams = [tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)] if n else []
        held.append(sum(g in ref_grams[n] for g in grams) / len(grams) if grams else 0.0)
        words.append(len(tokens))
    group, outer = blocks.structure(described)
    x = np.array(blocks.features(described), dtype=float)
    arrays = np.array(held), np.array(words), np.array(outer), np.array(group)
    passing = np.array([b.passes for b in described])
    return PageData(page.set, page.key, page.site, x, *arrays, passing, [b.text for b in described], len(ref))


def dataset(pages: list[Page], jobs: int = 2) -> list[PageData]:
    """Every page's blocks, cached under /tmp by the source of the code that makes them."""
    code = Path(body.__file__).parent  # every generic module, and the DOM helpers they use
    sources = [*sorted(code.glob("*.py")), *sorted((code.parent / "dom").glob("*.py")), Path(__file__)]
    digest = hashlib.sha256(b"".join(p.read_bytes() for p in sources)).hexdigest()[:16]
    names = ",".join(sorted({p.set for p in pages}))
    cached = CACHE / f"blocks-{names}-{len(pages)}-{digest}.pickle"
    if cached.exists():
        return [PageData(**d) for d in pickle.loads(cached.read_bytes())]
    if jobs > 1:
        with multiprocessing.get_context("fork").Pool(jobs) as pool:
            found = list(pool.imap(page_data, pages, chunksize=8))
    else:
        found = [page_data(p) for p in pages]
    out = [d for d in found if d is not None]
    cached.parent.mkdir(parents=True, exist_ok=True)
    cached.write_bytes(pickle.dumps([d.__dict__ for d in out]))  # plain data: __main__ or not
    return out


def fit(data: list[PageData], xs_: list[Array], names: list[str]) -> Logistic:
    """An L2 logistic regression of the pages' labels on `xs_` (one array per page), standardised."""
    x = np.vstack(xs_)
    y = np.concatenate([(d.held >= 0.5).astype(float) for d in data])
    sets = Counter(d.set for d in data)  # every set weighs the same, and within it every page
    sw = np.concatenate([d.words / max(1, d.words.sum()) / sets[d.set] for d in data]) * len(data)
    return fit_arrays(x, y, sw, names)


def fit_arrays(x: Array, y: Array, sw: Array, names: list[str], l2: float = L2) -> Logistic:
    """An L2 logistic regression of `y` on `x` with sample weights `sw`, standardised, by Newton's
    method (bench/widget_model.py fits its widget model with it too)."""
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale == 0] = 1.0
    xs = np.hstack([(x - mean) / scale, np.ones((len(x), 1))])
    w = np.zeros(xs.shape[1])
    penalty = np.full(xs.shape[1], l2)
    penalty[-1] = 0.0
    for _ in range(30):
        p = 1 / (1 + np.exp(-np.clip(xs @ w, -30, 30)))
        grad = xs.T @ (sw * (p - y)) + penalty * w
        hess = (xs * (sw * p * (1 - p))[:, None]).T @ xs + np.diag(penalty + 1e-9)
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-6:
            break
    mean_, scale_, w_ = ([round(float(v), 6) for v in a] for a in (mean, scale, w[:-1]))
    return Logistic(names, mean_, scale_, w_, round(float(w[-1]), 6))


def probs(model: Logistic, x: Array) -> Array:
    z = ((x - np.array(model.mean)) / np.array(model.scale)) @ np.array(model.weights) + model.bias
    return np.asarray(1 / (1 + np.exp(-np.clip(z, -30, 30))))


TAKEN, INSIDE = (blocks.feature_names().index(n) for n in ("taken", "inside"))


def context(d: PageData, first: Array) -> Array:
    taken, inside = (d.x[:, TAKEN] > 0.5).tolist(), (d.x[:, INSIDE] > 0.5).tolist()
    rows = blocks.context_features(first.tolist(), d.group.tolist(), d.outer.tolist(), taken, inside)
    return np.array(rows, dtype=float).reshape(len(d.x), len(blocks.CONTEXT_NAMES))


def page_f1(d: PageData, keep: Array) -> float:
    """An estimate of the page's word F1 when `keep` blocks are taken (inner ones of a taken
    block are not taken again)."""
    taken = keep.copy()
    for i in range(len(taken)):
        j = d.outer[i]
        while taken[i] and j >= 0:
            if keep[j]:
                taken[i] = False
            j = d.outer[j]
    pred = float(d.words[taken].sum())
    tp = float((d.words[taken] * d.held[taken]).sum())
    if not pred or not d.ref_words or not tp:
        return 0.0
    p, r = tp / pred, min(1.0, tp / d.ref_words)
    return 2 * p * r / (p + r)


def train(data: list[PageData]) -> BlockModel:
    first = fit(data, [d.x for d in data], blocks.feature_names())
    second_x = [context(d, probs(first, d.x)) for d in data]
    second = fit(data, second_x, blocks.CONTEXT_NAMES)
    pairs = [(d, probs(second, x)) for d, x in zip(data, second_x, strict=True)]
    best = max(THRESHOLDS, key=lambda t: (np.mean([page_f1(d, p >= t) for d, p in pairs]), -t))
    return BlockModel(first, second, best)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=ROOT / "scrapers" / "generic" / "block_model.json")
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args()
    data = dataset([p for p in load() if part_of(p.site, "design")], args.jobs)  # never the lockbox
    model = train(data)
    args.out.write_text(model.to_json(), encoding="utf-8")
    n = sum(len(d.x) for d in data)
    print(f"trained on {len(data)} pages, {n} blocks; threshold {model.threshold}; wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
