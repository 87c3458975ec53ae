"""Widget blocks by a learned classifier: every block of links on a page is a candidate.

A candidate is the outermost element holding a given set of links to other pages (a list, a box,
a single "Read also" line): one walk from the leaves up counts each element's distinct link
targets, text and linked text. Each candidate is described by what a page cannot fake easily —
link density, how alike its children are, where it sits against the story's container, its
heading's words (many languages, widgetwords.py), nav/aside/footer tags and roles, class words,
what the HTML says about its visibility — and a logistic model (widget_model.json, trained by
bench/widget_model.py on the hand-labelled widget pages outside the lockbox) says whether it is a
widget block. The most probable candidates are taken, none inside or around one already taken.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeAlias, TypeVar
from urllib.parse import urlsplit

from scrapers.dom.values import element_text, join_url
from scrapers.generic.blocks import Logistic, read_json
from scrapers.generic.furniture import ATTR_CHARS
from scrapers.widgetfind import words as widgetwords

Element: TypeAlias = Any  # an lxml element
T = TypeVar("T")

MODEL_PATH = Path(__file__).with_name("widget_model.json")
MAX_URLS = 40  # a block of more distinct links is a menu or an index, never one widget
_NONE: dict[str, str] = {}  # the links of an element holding none (shared, never changed)
_NO_TEXT = frozenset({"script", "style", "noscript", "template", "svg", "head", "title"})
_TAGS = ("ul", "ol", "li", "nav", "aside", "section", "article", "footer", "header", "div", "p", "a")
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_HEADING_CLASS = re.compile(r"(^|[\s_-])(title|heading|header|hed|label)($|[\s_-])", re.I)
_TAGLIKE_URL = re.compile(
    r"/(tags?|topics?|themen?|thema|schlagw\w*|keywords?|stichw\w*|sujets?|temas?)(/|$)", re.I
)
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_HIDDEN_CLASS = re.compile(
    r"(^|\s)(sr-only|visually-?hidden|screen-?reader-?text|d-none|hidden|is-hidden)($|\s)", re.I
)


@dataclass
class WidgetModel:
    model: Logistic
    threshold: float

    @classmethod
    def load(cls, path: Path = MODEL_PATH) -> WidgetModel | None:
        d = read_json(path)
        return None if d is None else cls(Logistic(**d["model"]), float(d["threshold"]))

    def to_json(self) -> str:
        m = self.model
        model = {"names": m.names, "mean": m.mean, "scale": m.scale, "weights": m.weights, "bias": m.bias}
        return json.dumps({"model": model, "threshold": self.threshold}, indent=1) + "\n"

    def choose(self, cands: list[Candidate]) -> list[int]:
        return choose(cands, self)


MODEL: WidgetModel | None = WidgetModel.load()


@dataclass
class Candidate:
    element: Element
    items: list[tuple[str, str]]  # (link text, absolute URL), one per URL
    title: str  # its heading, "" when it has none
    parent: int  # the nearest candidate holding it, -1 when none
    x: list[float] = field(default_factory=list)


def hidden(el: Element) -> bool:
    """What the HTML says: hidden, aria-hidden, an inline display:none or visibility:hidden, or a
    visually-hidden/sr-only class."""
    if not el.attrib:
        return False
    if el.get("hidden") is not None or el.get("aria-hidden") == "true":
        return True
    style, cls = (el.get("style") or "")[:ATTR_CHARS], (el.get("class") or "")[:ATTR_CHARS]
    return bool(_HIDDEN_STYLE.search(style) or _HIDDEN_CLASS.search(cls))


class _Walk:
    """Per element: its distinct link targets (up to MAX_URLS), text length and linked text length."""

    def __init__(self, root: Element, page_url: str) -> None:
        base = root.xpath("string(//base/@href)") or page_url
        self.base = join_url(page_url, str(base)) or page_url
        self.page = _strip(page_url)
        self.order: dict[Element, int] = {}
        self.urls: dict[Element, dict[str, str]] = {}
        self.text: dict[Element, int] = {}
        self.linked: dict[Element, int] = {}
        self.kinds: dict[str, tuple[int, int, int]] = {}  # _url_shares' reading of each URL
        els = [el for el in root.iter() if isinstance(el.tag, str)]
        self.order = {el: i for i, el in enumerate(els)}
        for el in reversed(els):
            self._up(el)

    def _up(self, el: Element) -> None:
        if el.tag in _NO_TEXT:
            self.urls[el], self.text[el], self.linked[el] = _NONE, 0, 0
            return
        # Most elements hold the links of one child at most: that child's mapping is shared, not
        # copied (none is changed once made).
        urls: dict[str, str] = _NONE
        own = el.text
        text = len(own.strip()) if own else 0
        linked = 0
        if el.tag == "a" and (item := self._link(el)) is not None:
            urls = {item[1]: item[0]}
        for c in el:
            if tail := c.tail:
                text += len(tail.strip())
            if not isinstance(c.tag, str):
                continue
            text += self.text[c]
            linked += self.linked[c]
            below = self.urls[c]
            if not below:
                continue
            if not urls:
                urls = below
                continue
            if urls is below or len(urls) > MAX_URLS:
                continue
            urls = dict(urls)
            for u, t in below.items():
                if len(urls) > MAX_URLS:
                    break
                urls.setdefault(u, t)
        if el.tag == "a":
            linked = text
        self.urls[el], self.text[el], self.linked[el] = urls, text, linked

    def _link(self, a: Element) -> tuple[str, str] | None:
        href = (a.get("href") or "").strip()
        if not href or href.startswith(("#", "javascript:", "mailto:", "tel:")):
            return None
        url = join_url(self.base, href)
        if url is None or _strip(url) in (None, self.page):
            return None
        return element_text(a), url


def _strip(url: str) -> str | None:
    try:
        return urlsplit(url)._replace(fragment="").geturl()
    except ValueError:
        return None


def candidates(
    root: Element, page_url: str, story: Element | None, chrome: Any, within: set[Element] | None = None
) -> list[Candidate]:
    """Every outermost element of its set of link targets, in document order, with features
    (only those in `within`, when given: describing a candidate is most of the finder's time)."""
    walk = _Walk(root, page_url)
    story_and_above = {story, *story.iterancestors()} if story is not None else set()
    # never candidates, so their children are: the story's container and what holds it, the page
    stop = {*story_and_above, None, *root.iter("body", "html")}
    span = _span(walk, story)
    out: list[Candidate] = []
    index: dict[Element, int] = {}
    hidden_memo: dict[Element, bool] = {}
    for el in walk.order:
        urls = walk.urls[el]
        parent = el.getparent()
        if not urls or len(urls) > MAX_URLS or el in story_and_above or el.tag in ("html", "body"):
            continue
        if parent not in stop and len(walk.urls.get(parent, ())) == len(urls):
            continue  # its parent holds the same links: the parent is the candidate
        if within is not None and el not in within:
            continue
        up = next((index[a] for a in el.iterancestors() if a in index), -1)
        index[el] = len(out)
        c = Candidate(el, [(t, u) for u, t in urls.items()], _title(el), up)
        c.x = _features(c, walk, span, chrome.inside(el), _hidden_up(el, hidden_memo), page_url)
        out.append(c)
    return out


def _span(walk: _Walk, story: Element | None) -> tuple[int, int, int]:
    """The story container's first and last element in document order, and the page's size."""
    n = max(1, len(walk.order))
    if story is None or story not in walk.order:
        return -1, -1, n
    last = story
    for last in story.iter():  # noqa: B007 - the last descendant is wanted
        pass
    return walk.order[story], walk.order.get(last, walk.order[story]), n


def first_up(
    start: Element | None, memo: dict[Element, T], hit: Callable[[Element], T | None], default: T
) -> T:
    """The first answer `hit` gives on the way up from `start` to <body> (`default` if none),
    remembered in `memo` for every element passed: many starts climb the same ancestors."""
    path: list[Element] = []
    node, answer = start, default
    while node is not None and node.tag not in ("body", "html"):
        if node in memo:
            answer = memo[node]
            break
        path.append(node)
        if (found := hit(node)) is not None:
            answer = found
            break
        node = node.getparent()
    for el in path:
        memo[el] = answer
    return answer


def _hidden_up(el: Element, memo: dict[Element, bool]) -> bool:
    return first_up(el, memo, lambda n: True if hidden(n) else None, False)


def _title(el: Element) -> str:
    """The block's heading: a heading element before its first link, else one just before it,
    else the text before its only link ("Lire aussi : <a>")."""
    for n, d in enumerate(el.iter()):
        if n > 40 or d.tag == "a":
            break
        if d is not el and _is_heading(d):
            return element_text(d)[:80]
    prev = el.getprevious()
    while prev is not None and not isinstance(prev.tag, str):
        prev = prev.getprevious()
    if prev is not None and _is_heading(prev) and prev.find(".//a") is None:
        return element_text(prev)[:80]
    lead = (el.text or "").strip()
    return lead[:80] if 2 <= len(lead) <= 40 else ""


def _is_heading(el: Element) -> bool:
    tag = el.tag if isinstance(el.tag, str) else ""
    if tag in _HEADINGS:
        return True
    return tag in ("div", "span", "p", "strong") and bool(_HEADING_CLASS.search(el.get("class", "")[:256]))


def feature_names() -> list[str]:
    names = ["urls", "one_url", "two_urls", "link_density", "title_words", "long_titles", "text_per_url"]
    names += ["plain_text", "children", "alike_children", "share_of_parent", "has_title", "title_len"]
    names += [f"title_{c}" for c in widgetwords.VOCABULARY[:-1]] + ["title_chrome"]
    names += [f"tag_{t}" for t in _TAGS] + ["chrome", "in_aside", "hidden"]
    names += [f"own_{f}" for f in widgetwords.CLASS_FLAGS] + [f"up_{f}" for f in widgetwords.CLASS_FLAGS]
    names += ["in_story", "after_story", "before_story", "distance", "page_position", "no_story"]
    names += ["same_host", "article_urls", "tag_urls", "depth"]
    return names


_CHROME_AT = feature_names().index("chrome")


def _features(
    c: Candidate, walk: _Walk, span: tuple[int, int, int], chrome: bool, is_hidden: bool, page_url: str
) -> list[float]:
    el = c.element
    n = len(c.items)
    text = max(1, walk.text[el])
    words = [len(t.split()) for t, _ in c.items]
    kids = [k for k in el if isinstance(k.tag, str)]
    sig = Counter((k.tag, (k.get("class") or "")[:64]) for k in kids)
    parent = el.getparent()
    above = len(walk.urls.get(parent, ())) if parent is not None else n
    cat = widgetwords.heading_category(c.title) if c.title else None
    row = [math.log1p(n), float(n == 1), float(n == 2), walk.linked[el] / text]
    row += [sum(words) / n, sum(w >= 3 for w in words) / n, math.log1p(text / n)]
    row += [math.log1p(max(0, text - walk.linked[el])), math.log1p(len(kids))]
    row += [max(sig.values()) / len(kids) if kids else 0.0, n / max(1, above)]
    row += [float(bool(c.title)), math.log1p(len(c.title.split()))]
    row += [float(cat == v) for v in widgetwords.VOCABULARY[:-1]]
    row += [float(bool(c.title) and widgetwords.chrome_heading(c.title))]
    row += [float(el.tag == t) for t in _TAGS] + [float(chrome), _in_aside(el), float(is_hidden)]
    row += list(widgetwords.class_flags(_names(el)))
    row += list(widgetwords.class_flags(" ".join(_names(a) for a in _ancestors(el, 4))))
    row += _position(walk.order[el], span)
    row += [*_url_shares(c.items, page_url, walk.kinds), math.log1p(sum(1 for _ in _ancestors(el, 60)))]
    return row


def _names(el: Element) -> str:
    return f"{(el.get('class') or '')[:256]} {(el.get('id') or '')[:128]}"


def _ancestors(el: Element, k: int) -> list[Element]:
    out: list[Element] = []
    for a in el.iterancestors():
        if len(out) >= k:
            break
        out.append(a)
    return out


def _in_aside(el: Element) -> float:
    return float(any(a.tag == "aside" or a.get("role") == "complementary" for a in _ancestors(el, 12)))


def _position(at: int, span: tuple[int, int, int]) -> list[float]:
    first, last, n = span
    if first < 0:
        return [0.0, 0.0, 0.0, 0.0, at / n, 1.0]
    inside = first <= at <= last
    dist = 0.0 if inside else (at - last) / n if at > last else (at - first) / n
    return [float(inside), float(at > last), float(at < first), dist, at / n, 0.0]


def _url_shares(
    items: list[tuple[str, str]], page_url: str, known: dict[str, tuple[int, int, int]]
) -> list[float]:
    """Shares of the links to the page's host, to article-like paths and to tag-like paths (each
    URL read once a page: nested candidates share their links)."""
    host = (urlsplit(page_url).hostname or "").removeprefix("www.")
    same = article = taglike = 0
    for _, u in items:
        if (kind := known.get(u)) is None:
            parts = urlsplit(u)
            path = parts.path
            kind = known[u] = (
                int((parts.hostname or "").removeprefix("www.").endswith(host)),
                int(len(path) >= 40 or path.count("-") >= 3 or bool(re.search(r"\d{4,}", path))),
                int(bool(_TAGLIKE_URL.search(path))),
            )
        same, article, taglike = same + kind[0], article + kind[1], taglike + kind[2]
    n = max(1, len(items))
    return [same / n, article / n, taglike / n]


def choose(cands: list[Candidate], model: WidgetModel) -> list[int]:
    """Indices of the candidates taken, in document order: the most probable first, none inside
    or around one already taken."""
    return pick(cands, probabilities(model, [c.x for c in cands]), model.threshold)


def probabilities(model: WidgetModel, rows: list[list[float]]) -> list[float]:
    """The model's probability for each candidate's features; none for a block in site chrome
    (navigation, the page's header or footer, a menu): menus and footer columns look like headed
    link lists, and they are never a widget, whatever the rest of the page says."""
    chrome = _CHROME_AT
    return [0.0 if row[chrome] else model.model.prob(row) for row in rows]


def pick(cands: list[Candidate], probs: list[float], threshold: float) -> list[int]:
    """choose's answer for given probabilities (bench/widget_model.py replays it)."""
    taken: set[int] = set()
    below: set[int] = set()  # candidates holding a taken one
    for i in sorted(range(len(cands)), key=lambda i: -probs[i]):
        if probs[i] < threshold:
            break
        chain = _chain(cands, i)
        if i in below or any(j in taken for j in chain):
            continue
        taken.add(i)
        below.update(chain)
    return sorted(taken)


def _chain(cands: list[Candidate], i: int) -> list[int]:
    out: list[int] = []
    j = cands[i].parent
    while j >= 0:
        out.append(j)
        j = cands[j].parent
    return out


def category(c: Candidate) -> str:
    """The vocabulary name: the heading's words, else the block's class words, else the links'."""
    if c.title and (cat := widgetwords.heading_category(c.title)):
        return cat
    own = dict(zip(widgetwords.CLASS_FLAGS, widgetwords.class_flags(_names(c.element)), strict=True))
    for flag, cat in (("tags", "topics"), ("popular", "most_read"), ("latest", "latest_news")):
        if own[flag]:
            return cat
    if own["newsletter"]:
        return "newsletter"
    if c.items and all(_short(t) for t, _ in c.items):
        return "topics"  # short link texts: tags, not teasers
    return "related_articles"


def _short(text: str) -> bool:
    """A tag's text, not a teaser's: three words at most, or (scripts without spaces) 12 characters."""
    return len(text.split()) <= 3 and len(text) <= (24 if " " in text.strip() else 12)
