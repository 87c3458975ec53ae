"""Page furniture: navigation, asides, footers, share bars, promos, ads — never story text.

An element is furniture by its tag, its ARIA role, its hidden state, or the words in its class
and id names (`is_chrome`). The story's body algorithm (body.py) drops every candidate inside
furniture; `suggest` turns the furniture inside a story into `exclude` entries.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Iterable
from typing import Any, TypeAlias

from scrapers.generic.names import EDGE, END, NameFlags, name_regex

Element: TypeAlias = Any  # an lxml element

# Never part of a story, whatever their text.
_CHROME_TAGS = frozenset(
    {
        "nav", "aside", "footer", "form", "button", "figcaption", "figure", "noscript", "script",
        "style", "template", "svg", "select", "iframe", "dialog", "label", "menu", "time", "h1",
    }
)  # fmt: skip
# Distinctive words: a class or id starting with one is furniture ("relatedArticles").
_CHROME_WORDS = (
    r"share|sharing|social|related|recommend|promo|newsletter|subscri|signup|sign-up|caption|credit"
    r"|byline|breadcrumb|comment|advert|sponsor|outbrain|taboola|most-?read|most-?popular"
    r"|trending|sidebar|toolbar|cookie|consent|paywall|teaser|further-?reading"
    r"|read-?more|read-?next|more-?stories|disclaimer|copyright|footnote|masthead|popup|overlay"
    r"|tooltip|visually-?hidden|sr-only|screen-?reader|skip-?link|pagination|dateline|timestamp"
    r"|article-?meta|post-?meta|inline-?ad|ad-?slot|ad-?container|ad-?wrapper|gpt-?ad|video-?player"
)
_CHROME_RE = name_regex(_CHROME_WORDS, EDGE)
# Short words: only as a whole part of a name ("nav", "site-header"), not inside "pageRow".
_CHROME_PARTS = (
    r"nav|navbar|menu|header|footer|banner|modal|print|hidden|tags|topics|keywords|author|meta|embed"
    r"|dfp|pager|popular|rail|right-rail|left-rail|aside"
)
_CHROME_PART_RE = name_regex(_CHROME_PARTS, EDGE, END)
_AD_RE = name_regex("ad|ads", EDGE, END)
# Class names that also say "story here" outweigh a chrome word (like "article-header-wrap").
_STORY_RE = name_regex("article|body|content|main|story|entry|post|text|column|prose")
_AD, _CHROME, _PART, _STORY = 1, 2, 4, 8
_CHROME_NAMES = NameFlags([_AD_RE, _CHROME_RE, _CHROME_PART_RE, _STORY_RE])
_NEVER_TEXT = frozenset({"script", "style", "template", "noscript", "svg", "select", "iframe"})
# A limit that keeps hostile pages linear. Real pages stay far below it (the fundus pages: class
# names up to 2,100 characters).
ATTR_CHARS = 4096  # of a class, id, role, itemprop or style read for names (and by byline.py, widgets.py)


_CHROME_ROLES = frozenset({"navigation", "complementary", "contentinfo", "banner", "menu", "dialog"})
_SECTIONING = frozenset({"article", "aside", "main", "section"})
MAX_SECTIONING_DEPTH = 64  # ancestors searched for one (real pages: a handful)


def is_page_level(el: Element) -> bool:
    """A <header> or <footer> of the page, not of an article, aside, main or section (HTML maps
    only the page's to the banner and contentinfo roles; a story's own holds its byline)."""
    if el.tag not in ("header", "footer"):
        return False
    ancestors = itertools.islice(el.iterancestors(), MAX_SECTIONING_DEPTH)
    return not any(a.tag in _SECTIONING for a in ancestors)


def is_chrome(el: Element) -> bool:
    """Whether the element itself is page furniture (by tag, role, class or id)."""
    tag = el.tag if isinstance(el.tag, str) else ""
    if tag in _CHROME_TAGS:
        return True
    if not len(el.attrib):
        return False  # most elements of a page: nothing to read
    get = el.get
    if get("hidden") is not None or get("aria-hidden") == "true":
        return True
    # Cut to ATTR_CHARS before the cache: it keeps its keys, and a page's attributes can be huge.
    return _chrome_by_attributes(
        *(cut_attr(get(name)) for name in ("class", "id", "role", "itemprop", "style"))
    )


def cut_attr(value: str | None) -> str:
    """An attribute's first ATTR_CHARS characters ("" when it is missing)."""
    return value[:ATTR_CHARS] if value else ""


@functools.lru_cache(maxsize=4096)
def _chrome_by_attributes(cls: str, id_: str, role: str, itemprop: str, style: str) -> bool:
    """is_chrome's answer from an element's attributes but its hidden state (pages repeat a few
    sets of them many times: each set is read once)."""
    look = style.replace(" ", "").lower()
    if "display:none" in look or "visibility:hidden" in look:
        return True
    if itemprop in ("articleBody", "text"):
        return False
    names = " ".join((cls, id_, role, itemprop))
    flags = _CHROME_NAMES.of(names)
    if flags & _AD or (flags & (_CHROME | _PART) and not flags & _STORY):
        return True
    return role in _CHROME_ROLES


def chrome_below(
    root: Element, blocks: list[tuple[Element, str]], linked: dict[Element, int]
) -> tuple[dict[Element, None], set[Element]]:
    """The outermost chrome elements, in document order (body/html never count), and every
    element inside them (themselves included): nothing inside furniture is asked again.

    A class name is only a hint: layout wrappers get called "container-sidebar" or
    "pg-rail-tall__body" too. An element named like furniture that holds three or more
    real paragraphs (100+ characters, few links) is not treated as furniture.
    """
    seeds = {el: 1.0 for el, text in blocks if len(text) >= 100 and linked[el] < 0.2 * len(text)}
    story_paras = sum_up(root, seeds)
    out: dict[Element, None] = {}
    inside: set[Element] = set()  # covered(out), made as it grows
    for el in root.iter("*"):  # elements only: no comments
        if el in inside or el.tag in ("html", "body") or not is_chrome(el):
            continue
        paras = story_paras.get(el, 0)
        if paras >= 3 and (el.tag not in _CHROME_TAGS or _swallowed(el, paras, len(seeds))):
            continue
        out[el] = None
        inside.update(el.iter())
    return out, inside


def _swallowed(el: Element, paras: float, page_paras: int) -> bool:
    """A <nav>, <button> or <aside> holding most of the page's paragraphs: libxml2 left it open
    ("<button><div></button>" keeps the button open to the end of the page, where a browser
    closes it), so the story sits inside it."""
    return el.tag not in _NEVER_TEXT and paras >= 0.5 * page_paras


def covered(marked: Iterable[Element]) -> set[Element]:
    """The elements in `marked` and every element inside them: made once, where asking of each
    element whether it or an ancestor is marked would walk its ancestors each time. In document
    order, each element is added once."""
    out: set[Element] = set()
    for el in marked:
        if el not in out:  # else inside one before it, and so is all it holds
            out.update(el.iter())
    return out


def sum_up(root: Element, seeds: dict[Element, float]) -> dict[Element, float]:
    """For every element, the sum of the seeds of the elements below it (the elements of `root`,
    and the ancestors of `root` up to the document's): one walk from the leaves up."""
    below: dict[Element, float] = {}
    for el in reversed(list(root.iter())):  # every element after all of its descendants
        got = below.get(el, 0.0) + seeds.get(el, 0.0)
        if got and (parent := el.getparent()) is not None:
            below[parent] = below.get(parent, 0.0) + got
    node = root.getparent()
    while node is not None and (parent := node.getparent()) is not None:
        if node in below:
            below[parent] = below.get(parent, 0.0) + below[node]
        node = parent
    return below
