"""How a generic extraction's metadata and widgets compare with a page's reference.

Shared by bench/generic_quality.py: headlines up to typography, publication instants and days,
author lists (fundus) and byline words (wcxb), and where on a page a widget's links sit.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from scrapers.dom.parse import parse_html
from scrapers.dom.values import clean, join_url


def typography(text: str) -> str:
    """Quotes, dashes, soft hyphens and spaces as typed: ’ and ' are the same headline."""
    text = re.sub(r"[\u00ad\u200b]", "", text)
    text = re.sub(r"[‘’‚′´`]", "'", re.sub(r"[“”„«»″]", '"', re.sub(r"[–—−]", "-", text)))
    return clean(text)


def same_day(expected: str, got: str | None) -> bool:
    return bool(got) and str(got)[:10] == str(expected)[:10]


def same_instant(expected: str, got: str | None) -> bool:
    """To the second. A reference without an offset (its parser found none) is a wall-clock
    time: then ours must show the same wall-clock time in its own offset."""
    if not got:
        return False
    try:
        have = datetime.fromisoformat(got).replace(microsecond=0)
    except ValueError:
        return False
    want = datetime.fromisoformat(expected).replace(microsecond=0)
    if want.tzinfo is None or have.tzinfo is None:
        return have.replace(tzinfo=None) == want.replace(tzinfo=None)
    return have == want


def same_authors(expected: list[str], got: list[str]) -> tuple[bool, bool]:
    """(exactly the reference's list, the same names in any order and case)."""
    exact = [clean(a) for a in expected] == got
    return exact, {clean(a).casefold() for a in expected} == {g.casefold() for g in got}


_NAME_JOINS = {"and", "und", "y", "et", "e", "by", "von", "de"}


def author_words(text: str) -> set[str]:
    """A byline's words without joiners: "A. Smith and B. Jones" and ["A. Smith", "B. Jones"] agree."""
    return {w for w in re.findall(r"\w+", text.casefold()) if w not in _NAME_JOINS}


def names_the_site(author: str, url: str) -> bool:
    """A publisher in the author list: the host's name ("dw" of www.dw.com) is all of one of its
    words, or the author spells the host out ("Deutsche Welle (www.dw.com)")."""
    host = (urlsplit(url).hostname or "").lower().removeprefix("www.")
    words = author_words(author)
    label = host.split(".")[0]
    return bool(host) and (host in author.lower() or (len(label) >= 2 and label in words and len(words) <= 3))


# Landmarks that hold site navigation, never a story's widget: by tag, or by ARIA role. A
# <header> or <footer> inside an article, aside, main or section is that part's own (HTML maps
# only the page's to the banner and contentinfo roles): a teaser's <header> holds its link.
_FURNITURE_ROLES = frozenset({"navigation", "banner", "contentinfo", "menu", "menubar"})
_SECTIONING = frozenset({"article", "aside", "main", "section"})
_NAMED_MENU = re.compile(r"(^|[\s_-])(nav|navigation|navbar|menu|megamenu)($|[\s_A-Z-])|(^|[\s_-])nav[A-Z]")


def widget_places(html: str, url: str, widgets: list[Any]) -> tuple[int, int, int]:
    """How many `widgets` sit in page furniture: (inside a nav, the page's header or footer, or a
    navigation, banner or contentinfo role; inside an element whose id or class names
    navigation or a menu; inside any header or footer element, a section's own too).
    A widget's place is where most of its item links are; a link that is also elsewhere on the
    page (a menu often repeats a teaser's URL) counts as elsewhere."""
    root = parse_html(html).root
    where: dict[str, list[Any]] = {}
    for a in root.iter("a"):
        if (u := join_url(url, (a.get("href") or "").strip())) is not None:
            where.setdefault(u, []).append(a)
    counts = [0, 0, 0]
    for w in widgets:
        links = [where[i.url] for i in w.items if i.url in where]
        for n, test in enumerate((_is_landmark, _named_menu, _is_header_or_footer)):
            inside = sum(all(_inside(a, test) for a in same) for same in links)
            counts[n] += bool(links) and inside * 2 > len(links)
    return counts[0], counts[1], counts[2]


def _inside(a: Any, test: Any) -> bool:
    return any(test(e) for e in (a, *a.iterancestors()))


def _named_menu(el: Any) -> bool:
    return bool(_NAMED_MENU.search(f"{el.get('id', '')} {el.get('class', '')}"))


def _is_landmark(el: Any) -> bool:
    if el.tag in ("header", "footer"):
        return not any(a.tag in _SECTIONING for a in el.iterancestors())
    return el.tag == "nav" or (el.get("role") or "").strip().lower() in _FURNITURE_ROLES


def _is_header_or_footer(el: Any) -> bool:
    return el.tag in ("header", "footer")
