"""Where else a date may hide, on a page no site file claims: htmldate's page-wide search, on a
copy of the page without what never dates the story but often misdates it."""

from __future__ import annotations

import contextlib
from typing import Any, TypeAlias

from lxml import etree

from scrapers.dom.values import to_datetime
from scrapers.generic.furniture import is_page_level

Element: TypeAlias = Any  # lxml has no type stubs here: an lxml element


def fallback_published(root: Element, url: str, tz: str) -> str | None:
    """A publication date found by htmldate's page-wide search (date only, usually), the
    extensive one, as trafilatura asks it."""
    try:
        from htmldate import find_date  # trafilatura's date finder: only when nothing else said
    except ImportError:
        return None
    options: dict[str, Any] = {"original_date": True, "extensive_search": True, "outputformat": "%Y-%m-%d"}
    with contextlib.suppress(Exception):  # htmldate raises on odd markup; then there is no date
        # htmldate reads the URL before the page, and a date in it is its answer: asked with an
        # empty page first, the page is copied and parsed again only when the URL holds none.
        found = find_date(_EMPTY_PAGE, url=url, **options) if url else None
        if not found:
            found = find_date(_searched_copy(root), url=url, **options)
        if found:
            return to_datetime(found, tz)
    return None


_EMPTY_PAGE = "<html><head></head><body></body></html>"
_NOT_SEARCHED = ("script", "style", "noscript", "nav", "footer")


def _searched_copy(root: Element) -> str:
    """The page as htmldate gets it (a copy: htmldate cleans the tree it parses), without what
    never dates the story but often misdates it: scripts (JSON-LD stays), styles, navigation,
    and the page's footer with its copyright year (an article's own <footer> stays: bylines sit
    there). Less text is also less to parse and scan. The elements are taken out of our tree
    for the copy and put back."""
    taken: list[tuple[Element, int, Element]] = []
    for el in root.iter(_NOT_SEARCHED):
        if _is_searched(el):
            continue
        parent = el.getparent()
        if parent is not None:
            taken.append((parent, parent.index(el), el))
    for parent, _, el in reversed(taken):
        parent.remove(el)
    try:
        return str(etree.tostring(root, encoding="unicode"))
    finally:
        for parent, at, el in taken:
            parent.insert(at, el)


def _is_searched(el: Element) -> bool:
    if el.tag == "script":
        return "ld+json" in (el.get("type") or "").lower()
    return el.tag == "footer" and not is_page_level(el)
