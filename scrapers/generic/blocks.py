"""A learned second look at every paragraph-like block: story or not.

The body algorithm (body.py) picks a container and the blocks in it by fixed rules. This module
describes each candidate block by a few dozen page-independent features — its text (length,
sentences, commas, links, case, digits), its tag, the furniture and story words in its own and its
ancestors' class/id names and tags, where it sits against the rules' container, whether the rules
took it and its neighbours — and a logistic model (`block_model.json`, trained by
bench/block_model.py from ../shared/data, never from pages copied here) says which to keep.

Nothing here reads a site's names: the class/id words are the same furniture and story words the
rules use, so the model weighs general evidence, not the development pages' layouts.
"""

from __future__ import annotations

import functools
import json
import math
import operator
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeAlias

from scrapers.generic.names import EDGE, END, NameFlags, name_regex

Element: TypeAlias = Any

MODEL_PATH = Path(__file__).with_name("block_model.json")

# Words in an element's class/id (and tags) that say something about what it holds.
_NAME_FLAGS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("story", name_regex("article|story|entry|post|prose|body|content|text")),
    ("main", name_regex("main", EDGE, END)),
    ("comment", name_regex("comment|reply|respond|disqus|discussion")),
    ("related", name_regex("related|recommend|more|teaser|promo|trending|popular|read-?next|card")),
    ("social", name_regex("share|sharing|social|follow")),
    ("side", name_regex("sidebar|rail|aside|widget")),
    ("chrome", name_regex("nav|navbar|menu|header|footer|breadcrumb|masthead", EDGE)),
    ("ad", name_regex(r"ad|ads|advert\w*|sponsor\w*|dfp|gpt", EDGE, END)),
    ("meta", name_regex("byline|author|meta|date|caption|credit|tags")),
    ("subscribe", name_regex("newsletter|subscri|signup|cookie|consent|modal|popup")),
    ("paywall", name_regex("paywall|premium|locked|restricted")),  # often the story's own, marked up
)
_TAG_FLAGS = ("article", "main", "header", "footer", "aside", "nav", "li", "table", "form", "blockquote")
_OWN_TAGS = ("p", "li", "heading", "textdiv", "quote")
N_ANCESTOR = len(_NAME_FLAGS) + len(_TAG_FLAGS) + 1  # + itemprop=articleBody


_LOGISTIC = ("names", "mean", "scale", "weights", "bias")


@dataclass
class Logistic:
    """A logistic model over named features, standardised by `mean` and `scale`."""

    names: list[str]
    mean: list[float]
    scale: list[float]
    weights: list[float]
    bias: float

    def __post_init__(self) -> None:  # the standardisation folded into the weights, once
        self._w = [w / s for w, s in zip(self.weights, self.scale, strict=True)]
        self._b = self.bias - sum(w * m for w, m in zip(self._w, self.mean, strict=True))

    def prob(self, x: Sequence[float]) -> float:
        z = self._b + sum(map(operator.mul, self._w, x))  # rows are built to len(names)
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


def read_json(path: Path) -> Any:
    """A shipped model file's content, None when it is absent (the rules then work alone)."""
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


@dataclass
class BlockModel:
    """Two stages: `first` judges each block by its own features; `second` judges it again by
    the first's verdicts on its neighbours, siblings and enclosing block (context_features). A
    block is kept when the second's probability reaches `threshold`."""

    first: Logistic
    second: Logistic
    threshold: float

    @classmethod
    def load(cls, path: Path = MODEL_PATH) -> BlockModel | None:
        if (data := read_json(path)) is None:
            return None
        stages = [Logistic(**{k: data[stage][k] for k in _LOGISTIC}) for stage in ("first", "second")]
        return cls(stages[0], stages[1], float(data["threshold"]))

    def to_json(self) -> str:
        stages = {
            n: {k: getattr(m, k) for k in _LOGISTIC}
            for n, m in (("first", self.first), ("second", self.second))
        }
        return json.dumps({**stages, "threshold": self.threshold}, indent=0) + "\n"


MODEL: BlockModel | None = BlockModel.load()


_FLAGS = NameFlags([pattern for _, pattern in _NAME_FLAGS])


@functools.lru_cache(maxsize=1 << 16)
def _bit_row(bits: int, width: int) -> tuple[float, ...]:
    return tuple(float(bits >> k & 1) for k in range(width))


def _name_bits(el: Element) -> int:
    get = el.get
    cls, id_ = get("class"), get("id")  # cut before the cache, which keeps its keys
    return _bits_of(
        el.tag, cls[:512] if cls else "", id_[:256] if id_ else "", get("itemprop") == "articleBody"
    )


@functools.lru_cache(maxsize=8192)
def _bits_of(tag: Any, cls: str, id_: str, article_body: bool) -> int:
    """_name_bits of an element with this tag and these attributes (asked once per set)."""
    bits = _FLAGS.of(f"{cls} {id_}") if cls or id_ else 0
    if isinstance(tag, str) and tag in _TAG_FLAGS:
        bits |= 1 << (len(_NAME_FLAGS) + _TAG_FLAGS.index(tag))
    if article_body:
        bits |= 1 << (N_ANCESTOR - 1)
    return bits


def ancestor_bits(wanted: Iterable[Element]) -> dict[Element, int]:
    """For each element of `wanted`: the flags of its ancestors below <body>, OR-ed together.
    Each ancestor is read once (`within`: its flags and its own ancestors'), and only ancestors:
    the page's many inline leaves are never asked."""
    within: dict[Element, int] = {}
    out: dict[Element, int] = {}
    for el in wanted:
        chain = []
        node = el.getparent()
        while node is not None and node not in within:
            chain.append(node)
            node = node.getparent()
        acc = within[node] if node is not None else 0
        for n in reversed(chain):
            if isinstance(n.tag, str) and n.tag not in ("html", "body"):
                acc |= _name_bits(n)
            within[n] = acc
        parent = el.getparent()
        out[el] = within[parent] if parent is not None else 0
    return out


@dataclass
class Block:
    """What body.py knows of a candidate when it asks the model."""

    el: Element
    text: str
    linked: int
    tag_kind: str  # one of _OWN_TAGS
    in_chrome: bool
    inside: bool  # inside the rules' container
    taken: bool  # the rules took it
    clutter: bool
    lone: bool
    parent_score: float
    passes: bool  # the clutter rules let it through (body.passes)


def feature_names() -> list[str]:
    own = [f"own_{n}" for n, _ in _NAME_FLAGS]
    anc = [f"anc_{n}" for n, _ in _NAME_FLAGS] + [f"anc_{t}" for t in _TAG_FLAGS] + ["anc_articlebody"]
    text = ["log_chars", "log_words", "link_density", "sentences", "commas", "ends_sentence", "digits"]
    text += ["upper", "short", "rel_length"]
    place = ["in_chrome", "inside", "taken", "clutter", "lone", "passes", "position", "before", "after"]
    place += ["parent_score", "prev_taken", "next_taken", "gap_to_taken", "inside_x_taken_far"]
    return text + [f"tag_{t}" for t in _OWN_TAGS] + place + own + anc


def features(blocks: list[Block]) -> list[list[float]]:
    """One feature row per block, in the order of feature_names()."""
    bits = ancestor_bits(b.el for b in blocks)
    longest = max((len(b.text) for b in blocks), default=1) or 1
    taken_at = [i for i, b in enumerate(blocks) if b.taken]
    first = taken_at[0] if taken_at else len(blocks)
    last = taken_at[-1] if taken_at else -1
    gaps = _gaps(len(blocks), taken_at)
    rows = []
    count = len(blocks)
    taken = [b.taken for b in blocks] + [False]  # taken[-1] and taken[count]: no block there
    for i, b in enumerate(blocks):
        text = b.text
        n = len(text)
        gap = gaps[i]
        row = [
            math.log1p(n),
            math.log1p(len(text.split())),
            b.linked / n,
            min(10.0, 100 * (text.count(". ") + text.count("。")) / n),
            min(10.0, 100 * text.count(",") / n),
            float(text.rstrip().endswith(_SENTENCE_ENDS)),
            sum(map(str.isdigit, text)) / n,
            sum(map(str.isupper, text)) / n,
            float(n < 25),
            n / longest,
            *_KIND_ROWS[b.tag_kind],
            float(b.in_chrome),
            float(b.inside),
            float(b.taken),
            float(b.clutter),
            float(b.lone),
            float(b.passes),
            i / count,
            float(i < first),
            float(i > last),
            b.parent_score,
            float(i > 0 and taken[i - 1]),
            float(taken[i + 1]),
            math.log1p(gap),
            float(b.inside and not b.taken and gap > 2),
            *_bit_row(_name_bits(b.el), len(_NAME_FLAGS)),
            *_bit_row(bits[b.el], N_ANCESTOR),
        ]
        rows.append(row)
    return rows


_SENTENCE_ENDS = (".", "!", "?", '"', "”", "’", ":", "。", ")")
_KIND_ROWS = {kind: tuple(float(kind == t) for t in _OWN_TAGS) for kind in _OWN_TAGS}


def _gaps(n: int, taken_at: list[int]) -> list[int]:
    """For each position, how many blocks away the nearest taken one is (n when none is)."""
    out = [n] * n
    for pos in taken_at:
        out[pos] = 0
    for i in range(1, n):
        out[i] = min(out[i], out[i - 1] + 1)
    for i in range(n - 2, -1, -1):
        out[i] = min(out[i], out[i + 1] + 1)
    return out


CONTEXT_NAMES = [
    "logit", "siblings", "n_siblings", "prev", "next", "prev3", "next3", "outer", "agreement",
    "taken", "inside", "logit_x_taken",
]  # fmt: skip


def context_features(
    first: Sequence[float],
    group: Sequence[int],
    outer: Sequence[int],
    taken: Sequence[bool],
    inside: Sequence[bool],
) -> list[list[float]]:
    """Per block, from the first stage's probabilities: its own (as a logit), its siblings'
    (blocks of the same parent element, `group`), its neighbours' in document order, that of
    the block holding it (`outer`, -1: none), and how far the first stage agrees with the rules."""
    n = len(first)
    sums: dict[int, float] = {}
    counts: dict[int, int] = {}
    for p, g in zip(first, group, strict=True):
        sums[g] = sums.get(g, 0.0) + p
        counts[g] = counts.get(g, 0) + 1
    agreed = [p for p, t in zip(first, taken, strict=True) if t]
    agreement = sum(agreed) / len(agreed) if agreed else 0.0
    rows = []
    for i, p in enumerate(first):
        g = group[i]
        others = counts[g] - 1
        logit = math.log(max(p, 1e-6) / max(1 - p, 1e-6))
        before = first[max(0, i - 3) : i]
        after = first[i + 1 : i + 4]
        rows.append(
            [
                logit,
                (sums[g] - p) / others if others else p,
                math.log1p(others),
                first[i - 1] if i else 0.0,
                first[i + 1] if i + 1 < n else 0.0,
                sum(before) / len(before) if before else 0.0,
                sum(after) / len(after) if after else 0.0,
                first[outer[i]] if outer[i] >= 0 else 0.0,
                agreement,
                float(taken[i]),
                float(inside[i]),
                logit * taken[i],
            ]
        )
    return rows


def structure(blocks: list[Block]) -> tuple[list[int], list[int]]:
    """Per block: an id of its parent element (siblings share it), and the index of the nearest
    block holding it (-1: none). Walks up from the blocks, each element at most once."""
    index = {b.el: i for i, b in enumerate(blocks)}
    parents: dict[Element, int] = {}
    group = [parents.setdefault(b.el.getparent(), len(parents)) for b in blocks]
    holder: dict[Element, int] = {}  # element -> the nearest block at or above it

    def nearest(node: Element | None) -> int:
        chain = []
        while node is not None and node not in holder and node not in index:
            chain.append(node)
            node = node.getparent()
        found = -1 if node is None else holder[node] if node in holder else index[node]
        for n in chain:
            holder[n] = found
        return found

    return group, [nearest(b.el.getparent()) for b in blocks]


def choose(blocks: list[Block], model: BlockModel) -> list[bool]:
    """Which blocks the model keeps."""
    first = [model.first.prob(x) for x in features(blocks)]
    group, outer = structure(blocks)
    rows = context_features(first, group, outer, [b.taken for b in blocks], [b.inside for b in blocks])
    return [model.second.prob(x) >= model.threshold for x in rows]
