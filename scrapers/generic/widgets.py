"""Finding widget blocks on a page nobody wrote a site file for.

A widget is a link-dense block with a heading: "Hot this week", "Related", "Most read".
Each heading is walked up to the smallest ancestor holding three or more teaser links
(links whose text reads like a headline, not "Home" or "Next"); that ancestor is the
block, its links the items. Site navigation and footers never qualify: their links are
short words, and nav/footer/header elements are skipped outright.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, TypeAlias
from urllib.parse import urljoin, urlsplit

from scrapers.dom.values import clean, element_text

Element: TypeAlias = Any  # lxml has no type stubs here: an lxml element

_HEADING_TAGS = frozenset({"h2", "h3", "h4", "h5", "h6"})
_HEADING_CLASS = re.compile(r"(^|[\s_-])(title|heading|header|hed|label)($|[\s_-])", re.I)
_SKIP_TAGS = frozenset({"nav", "footer", "header", "form", "script", "style", "noscript", "template"})
MIN_ITEMS = 3
MIN_TITLE_WORDS = 3


@dataclass
class FoundWidget:
    name: str
    title: str
    element: Element
    heading: Element
    items: list[tuple[str, str]]  # (title, absolute url)


def widget_name(title: str) -> str:
    """'Hot this week' -> 'hot_this_week' (a valid site-file widget name)."""
    name = re.sub(r"[^a-z0-9]+", "_", title.lower()).strip("_")[:40].strip("_")
    return name if name and name[0].isalpha() else f"widget_{name}" if name else "widget"


def _teaser_links(block: Element, base_url: str, page_url: str) -> list[tuple[str, str]]:
    items: list[tuple[str, str]] = []
    seen: set[str] = set()
    page = urlsplit(page_url)._replace(fragment="").geturl()
    for a in block.iter("a"):
        href = (a.get("href") or "").strip()
        if not href or href.startswith(("#", "javascript:", "mailto:", "tel:")):
            continue
        text = clean(element_text(a))
        if len(text.split()) < MIN_TITLE_WORDS and not (len(text) >= 12 and " " not in text):
            continue  # "Home", "Next", a tag: not a teaser
        url = urljoin(base_url, href)
        if url in seen or urlsplit(url)._replace(fragment="").geturl() == page:
            continue
        seen.add(url)
        items.append((text, url))
    return items


def _is_heading(el: Element) -> bool:
    tag = el.tag if isinstance(el.tag, str) else ""
    if tag in _HEADING_TAGS:
        return True
    return tag in ("div", "span", "p", "strong") and bool(_HEADING_CLASS.search(el.get("class", "")))


def _inside_skipped(el: Element) -> bool:
    node: Element | None = el
    while node is not None:
        if isinstance(node.tag, str) and node.tag in _SKIP_TAGS:
            return True
        node = node.getparent()
    return False


def find_widgets(root: Element, page_url: str, story: Element | None = None) -> list[FoundWidget]:
    """Widget blocks in document order; none inside `story` (the body container)."""
    base = root.xpath("string(//base/@href)") or page_url
    base_url = urljoin(page_url, str(base))
    story_nodes = set(story.iter()) if story is not None else set()
    found: list[FoundWidget] = []
    taken: set[Element] = set()
    inside_taken: set[Element] = set()  # a teaser's own heading inside a found block is no block
    for h in root.iter():
        if not isinstance(h.tag, str) or not _is_heading(h) or h in story_nodes or _inside_skipped(h):
            continue
        if h in inside_taken:
            continue
        title = clean(element_text(h))
        if not title or len(title) > 60 or (h.find(".//a") is not None and len(title.split()) > 4):
            continue  # a teaser's own headline, not a block's title
        block = h.getparent()
        while block is not None and block.tag not in ("body", "html"):
            items = _teaser_links(block, base_url, page_url)
            if len(items) >= MIN_ITEMS:
                break
            block = block.getparent()
        else:
            continue
        if block is None or block in taken:
            continue
        below = set(block.iter())
        if story is not None and story in below:
            continue  # climbed past the story: this heading labels nothing of its own
        if not taken.isdisjoint(below):
            continue  # an outer block of one already found
        taken.add(block)
        inside_taken.update(block.iter())
        found.append(FoundWidget(widget_name(title), title, block, h, items))
    return _unique_names(found)


def _unique_names(found: list[FoundWidget]) -> list[FoundWidget]:
    seen: dict[str, int] = {}
    for w in found:
        n = seen.get(w.name, 0)
        seen[w.name] = n + 1
        if n:
            w.name = f"{w.name}_{n + 1}"
    return found
