"""A byline written as a labelled field in the page, for pages that declare no author.

Some publishers name the journalist only in a small fact box — `<strong>Autorin/Autor</strong>
Roman Goncharenko`, `<dt>Author</dt><dd>Jane Doe</dd>` — and give the publisher in every
machine-readable place. A label element whose whole text is such a label, followed by a short
name, is that byline. One pass over a few tag names, no regex: linear on any page.
"""

from __future__ import annotations

import itertools

from lxml import etree

from scrapers.dom.values import clean

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
    """The byline trafilatura reads off the page ("By Jane Doe" in an element classed author or
    byline, rel=author links...), split into names: [] when it finds none."""
    from trafilatura.metadata import extract_author  # only on pages that declare no author

    try:
        found = extract_author(root) or ""
    except Exception:  # odd markup: then there is no byline
        return []
    return [n for n in (clean(x) for x in found.split(";")) if n and len(n) <= MAX_NAME_CHARS]


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
