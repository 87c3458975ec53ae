"""A byline written as a labelled field in the page, for pages that declare no author.

Some publishers name the journalist only in a small fact box — `<strong>Autorin/Autor</strong>
Roman Goncharenko`, `<dt>Author</dt><dd>Jane Doe</dd>` — and give the publisher in every
machine-readable place. A label element whose whole text is such a label, followed by a short
name, is that byline. One pass over a few tag names, no regex: linear on any page.
"""

from __future__ import annotations

import functools
import itertools
import re

from lxml import etree

from scrapers.dom.values import clean
from scrapers.generic.furniture import cut_attr

# Whole-text labels (lower case, a trailing colon dropped), in the languages of the site library.
LABELS = frozenset(
    {
        "author",
        "authors",
        "written by",
        "reporter",
        "autor",
        "autorin",
        "autoren",
        "autorin/autor",
        "autor/autorin",
        "autor/-in",
        "auteur",
        "auteurs",
        "autore",
        "autori",
        "autora",
        "autores",
        "forfatter",
        "författare",
        "auteur(s)",
    }
)
LABEL_TAGS = ("strong", "b", "dt", "th", "span", "label", "em")
MAX_NAME_CHARS = 80  # a byline, not a sentence
MAX_LABELS = 200  # a page with more label-like elements than this is no fact box: stop looking
# Author elements read per tier: each read takes its whole text, so a page of thousands of nested
# "author" elements would take quadratic time; real pages find theirs among the first few.
MAX_TRIED = 50


def labelled_authors(root: etree._Element) -> list[str]:
    """The names after the first author label of the page, or []."""
    seen = 0
    for el in root.iter(*LABEL_TAGS):
        text = (el.text or "") if len(el) == 0 else None  # a label is a leaf
        if text is None or len(text) > 30:
            continue
        seen += 1
        if seen > MAX_LABELS:
            break
        if clean(text).rstrip(":").strip().lower() not in LABELS:
            continue
        names = _split(_following_text(el))
        if names:
            return names
    return []


def written_byline(root: etree._Element) -> list[str]:
    """The byline written in the page ("By Jane Doe" in an element classed author or byline,
    rel=author links...), split into names: [] when there is none. The rules are trafilatura's
    byline reader's (three tiers of author markup, comments, dates and figures left out), asked
    in one pass with each set of attributes read once, where its XPath regexes cost a Python call
    per element; trafilatura's own name cleaning then applies."""
    from trafilatura.json_metadata import normalize_authors  # only on pages that declare no author

    found = _byline_text(root)
    if not found:
        return []
    try:
        found = normalize_authors(None, found) or ""
    except Exception:  # odd text: then there is no byline
        return []
    return [n for n in (clean(x) for x in found.split(";")) if n and len(n) <= MAX_NAME_CHARS]


def _byline_text(root: etree._Element) -> str | None:
    """The text of the first element of the first tier that has one of 3 to 119 characters."""
    tiers: list[list[etree._Element]] = [[], [], []]
    left_out: set[etree._Element] = set()  # comments, dates, figures and all inside them
    for el in root.iter("*"):
        if el in left_out:
            continue
        get = el.get
        # Cut before the cache, which keeps its keys (a page's attributes can be huge).
        attrs = tuple(cut_attr(get(name)) for name in _ATTRS)
        marks = _marks(el.tag, *attrs) if any(attrs) or el.tag in _PLAIN_MARKS else 0
        if marks & _LEFT_OUT:
            left_out.update(el.iter())
            continue
        for tier in range(3):
            if marks >> tier & 1:
                tiers[tier].append(el)
    for found in tiers:
        for el in found[:MAX_TRIED]:
            text = " ".join(_text_pieces(el, left_out)).split()
            if 2 < len(content := " ".join(text)) < 120:
                return content
    return None


_LEFT_OUT = 8
_ATTRS = ("id", "class", "rel", "itemprop", "data-testid", "data-component")
_PLAIN_MARKS = frozenset({"author", "time", "figure"})  # marked by the tag alone
_TIER0_TAGS = frozenset({"a", "address", "div", "link", "p", "span", "strong"})
_TIER1_TAGS = frozenset({"a", "div", "h3", "h4", "p", "span"})
_LEAVE_TAGS = frozenset({"a", "div", "section", "span"})
_TIER0_CLASS = re.compile("author-?name|AuthorName|authorName")
_TIER1_ID = re.compile("author|zuozhe|bianji|xiaobian")
_TIER1_CLASS = re.compile("author|channel-name|zuozhe|bianji|xiaobian|submitted-by|posted-by|journalist-name")
_TIER2_ID = re.compile("[Aa]uthor")
_TIER2_CLASS = re.compile("[Aa]uthor|screenname|writer|[Bb]yline")
_LEAVE_ID = re.compile("^comments|comment-?list|ProductReviews")
_LEAVE_CLASS = re.compile(
    "^[Cc]omments|commentlist|comments-list|sidebar|is-hidden|quote|embedly-instagram|article-(?:share|support)"
    "|print|category|meta-date|meta-reviewer"
)


@functools.lru_cache(maxsize=8192)
def _marks(
    tag: object,
    id_: str | None,
    cls: str | None,
    rel: str | None,
    itemprop: str | None,
    testid: str | None,
    component: str | None,
) -> int:
    """Bits 1, 2, 4: an author element of tier 0, 1, 2; bit 8: left out with all it holds."""
    i, c, p, d = id_ or "", cls or "", itemprop or "", component or ""
    leave = tag in _LEAVE_TAGS and bool(
        i == "comments"
        or c in ("comments", "title", "date")
        or _LEAVE_ID.search(i)
        or _LEAVE_CLASS.search(c)
        or "Figure" in d
    )
    if leave or tag in ("time", "figure"):
        return _LEFT_OUT
    marks = 0
    if tag == "author" or (
        tag in _TIER0_TAGS
        and (
            rel == "author"
            or i == "author"
            or c == "author"
            or p == "author name"
            or testid in ("AuthorCard", "AuthorURL")
            or _TIER0_CLASS.search(c)
        )
    ):
        marks |= 1
    if tag in _TIER1_TAGS and (
        c in ("byline", "username", "byl", "BBL")
        or "author" in p
        or _TIER1_ID.search(i)
        or _TIER1_CLASS.search(c)
    ):
        marks |= 2
    if "Byline" in d or "author" in p or _TIER2_ID.search(i) or _TIER2_CLASS.search(c):
        marks |= 4
    return marks


def _text_pieces(el: etree._Element, left_out: set[etree._Element]) -> list[str]:
    """el.itertext() without what is left out (the tails of left-out elements stay)."""
    if not any(d in left_out for d in el.iterdescendants("*")):
        return list(el.itertext())
    pieces: list[str] = [el.text or ""]
    stack = [(c, False) for c in reversed(el)]
    while stack:
        node, closing = stack.pop()
        if closing:
            pieces.append(node.tail or "")
            continue
        stack.append((node, True))
        if isinstance(node.tag, str) and node not in left_out:
            pieces.append(node.text or "")
            stack.extend((c, False) for c in reversed(node))
    return pieces


def _following_text(label: etree._Element) -> str:
    """The text right after the label: its tail, else the next element's (a <dd> after a <dt>)."""
    tail = clean(label.tail or "")
    if tail.strip(":"):
        return tail.strip(":").strip()
    nxt = label.getnext()
    if nxt is None or not isinstance(nxt.tag, str):
        return ""
    text = "".join(itertools.islice(nxt.itertext(), 20))  # a name is a few text nodes at most
    return clean(text) if len(text) <= MAX_NAME_CHARS * 4 else ""


def _split(text: str) -> list[str]:
    """'Jane Doe, John Roe und Ann Poe' -> three names; [] when it does not read as names."""
    if not text or len(text) > MAX_NAME_CHARS * 3:
        return []
    parts = [text]
    for sep in (",", ";", " & ", " und ", " and ", " et ", " y ", " e "):
        parts = [p for chunk in parts for p in chunk.split(sep)]
    names = [p.strip() for p in parts if p.strip()]
    return names if names and all(_is_name(n) for n in names) else []


def _is_name(name: str) -> bool:
    """One to five words, letters first, each capitalised; no digits, no address."""
    words = name.split()
    return (
        0 < len(words) <= 5
        and len(name) <= MAX_NAME_CHARS
        and not any(c.isdigit() for c in name)
        and "@" not in name
        and "/" not in name
        and all(w[0].isupper() or w.lower() in _PARTICLES for w in words)
    )


_PARTICLES = frozenset({"von", "van", "de", "der", "den", "da", "di", "del", "la", "le", "zu", "bin", "al"})
