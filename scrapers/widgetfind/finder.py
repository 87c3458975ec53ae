"""Finding widget blocks on a page nobody wrote a site file for.

A widget is a link-dense block with a heading: "Hot this week", "Related", "Most read".
Each heading is walked up to the smallest ancestor holding three or more teaser links
(links whose text reads like a headline, not "Home" or "Next"); that ancestor is the
block, its links the items. Site navigation, headers and footers never qualify: their links
are mostly short words, and what sits in a nav/header/footer element, in a navigation, banner
or contentinfo role, or in an element whose id or class names navigation or a menu
(`div#navMain`, `ul.mega-menu`: a mega menu's columns look like headed link lists) is
skipped outright.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeAlias, TypeVar
from urllib.parse import urlsplit

from scrapers.dom.values import element_text, join_url
from scrapers.generic.furniture import ATTR_CHARS, is_page_level
from scrapers.widgetfind import classifier as widgetclass
from scrapers.widgetfind.classifier import first_up

T = TypeVar("T")

Element: TypeAlias = Any  # lxml has no type stubs here: an lxml element

_HEADING_TAGS = frozenset({"h2", "h3", "h4", "h5", "h6"})
_HEADING_CLASS = re.compile(r"(^|[\s_-])(title|heading|header|hed|label)($|[\s_-])", re.I)
_SKIP_TAGS = frozenset({"nav", "form", "script", "style", "noscript", "template"})
# A <header> or <footer> is the page's banner or footer, unless it sits in one of these: then it
# is that article's or section's own ("<section><header><h2>Related</h2></header>...").
# ARIA landmarks of site chrome: the same as <nav>, <header> and <footer> on pages built of <div>s.
_SKIP_ROLES = frozenset({"navigation", "banner", "contentinfo", "menu", "menubar", "search"})
# A word of an id or class naming navigation ("navMain", "site-nav", "mega-menu"), once camelCase
# is split; not after "no-" ("no_nav"). A fixed alternation between non-letters: linear on any
# class string.
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
_NAV_WORD = re.compile(
    r"(?<![a-z])(?<!no[-_])(nav|navi|navigation|navbar|menu|menubar|megamenu|mainnav|subnav|topnav)(?![a-z])"
)
MIN_ITEMS = 3
MIN_TITLE_WORDS = 3
MAX_HEADING_ELEMENTS = 2000  # a heading holding more elements is no title (fundus: 1,300 at most)


@dataclass
class FoundWidget:
    name: str
    title: str
    element: Element
    heading: Element | None  # None: the classifier's block, whose heading may sit outside it
    items: list[tuple[str, str]]  # (title, absolute url)


def widget_name(title: str) -> str:
    """'Hot this week' -> 'hot_this_week' (a valid site-file widget name)."""
    name = re.sub(r"[^a-z0-9]+", "_", title.lower()).strip("_")[:40].strip("_")
    return name if name and name[0].isalpha() else f"widget_{name}" if name else "widget"


class _Teasers:
    """The teaser links of a page's blocks: (title, absolute URL), one per URL, none to the page
    itself. Each link is read once, and whether a block holds MIN_ITEMS of them is known from its
    children's answers, so climbing from every heading of a page stays linear."""

    def __init__(self, base_url: str, page_url: str) -> None:
        self.base_url = base_url
        self.page = _without_fragment(page_url)
        self._link: dict[Element, tuple[str, str] | None] = {}
        self._first: dict[Element, tuple[str, ...]] = {}  # the first MIN_ITEMS URLs below
        self._above: dict[Element, Element | None] = {}  # element -> block_above's answer from it

    def link(self, a: Element) -> tuple[str, str] | None:
        if a not in self._link:
            self._link[a] = self._read(a)
        return self._link[a]

    def _read(self, a: Element) -> tuple[str, str] | None:
        href = (a.get("href") or "").strip()
        if not href or href.startswith(("#", "javascript:", "mailto:", "tel:")):
            return None
        text = element_text(a)
        if len(text.split()) < MIN_TITLE_WORDS and not (len(text) >= 12 and " " not in text):
            return None  # "Home", "Next", a tag: not a teaser
        url = join_url(self.base_url, href)
        if url is None or _without_fragment(url) in (None, self.page):
            return None  # no URL ("http://["), or this page's own
        return text, url

    def of(self, block: Element) -> list[tuple[str, str]]:
        items: list[tuple[str, str]] = []
        seen: set[str] = set()
        for a in block.iter("a"):
            if (item := self.link(a)) is not None and item[1] not in seen:
                seen.add(item[1])
                items.append(item)
        return items

    def enough(self, block: Element) -> bool:
        """Whether `block` holds MIN_ITEMS teaser links: `len(self.of(block)) >= MIN_ITEMS`."""
        return len(_bottom_up(block, self._first, self._first_urls)) >= MIN_ITEMS

    def _first_urls(self, el: Element, below: list[tuple[str, ...]]) -> tuple[str, ...]:
        urls: list[str] = []
        if el.tag == "a" and (item := self.link(el)) is not None:
            urls.append(item[1])
        for child_urls in below:  # the first URLs of the children: enough to count to MIN_ITEMS
            urls.extend(u for u in child_urls if u not in urls)
            if len(urls) >= MIN_ITEMS:
                break
        return tuple(urls[:MIN_ITEMS])

    def block_above(self, heading: Element) -> Element | None:
        """The smallest ancestor of `heading` below <body> holding MIN_ITEMS teaser links. The
        answer is remembered for every element on the way: headings climb the same ancestors."""
        return first_up(heading.getparent(), self._above, lambda n: n if self.enough(n) else None, None)


def _bottom_up(top: Element, known: dict[Element, Any], value: Callable[[Element, list[Any]], Any]) -> Any:
    """`value(el, [the children's values])` of `top`, computed leaves first for the elements not
    `known` yet and remembered there: asked of each ancestor in turn, each element is read once."""
    stack: list[tuple[Element, bool]] = [(top, False)]
    while stack:
        el, children_done = stack.pop()
        if el in known:
            continue
        if children_done:
            known[el] = value(el, [known[c] for c in el])
        else:
            stack.append((el, True))
            stack.extend((c, False) for c in el)
    return known[top]


def _size(el: Element, below: list[int]) -> int:
    return 1 + sum(below)


def _without_fragment(url: str) -> str | None:
    try:
        return urlsplit(url)._replace(fragment="").geturl()
    except ValueError:
        return None


def _is_heading(el: Element) -> bool:
    tag = el.tag if isinstance(el.tag, str) else ""
    if tag in _HEADING_TAGS:
        return True
    return tag in ("div", "span", "p", "strong") and bool(_HEADING_CLASS.search(el.get("class", "")))


def _is_chrome(el: Element) -> bool:
    """A nav, page header or page footer, by tag, ARIA role, or an id or class naming navigation."""
    if el.tag in _SKIP_TAGS or (el.get("role") or "").strip().lower() in _SKIP_ROLES:
        return True
    if el.tag in ("header", "footer"):
        return is_page_level(el)
    names = f"{(el.get('id') or '')[:ATTR_CHARS]} {(el.get('class') or '')[:ATTR_CHARS]}".split()
    # A BEM modifier describes a look, not a role: "carousel--nav-top-right" is no menu.
    names = [n.split("--", 1)[0] for n in names]
    return bool(_NAV_WORD.search(_CAMEL.sub(" ", " ".join(names)).lower()))


class _Chrome:
    """Whether an element sits in site chrome (`_is_chrome`), each element decided once. The
    story's container and its ancestors never count: a page wrapper may be classed "has-menu"."""

    def __init__(self, story_and_above: set[Element]) -> None:
        self.known: dict[Element, bool] = {}
        self.exempt = story_and_above

    def inside(self, el: Element) -> bool:
        def chrome(node: Element) -> bool | None:
            exempt = not isinstance(node.tag, str) or node in self.exempt
            return True if not exempt and _is_chrome(node) else None

        return first_up(el, self.known, chrome, False)


def find_widgets(root: Element, page_url: str, story: Element | None = None) -> list[FoundWidget]:
    """Widget blocks in document order, by the learned classifier (widgetclass.py) when its
    model is there, else by headings (find_headed_widgets)."""
    model = widgetclass.MODEL
    if model is None:
        return find_headed_widgets(root, page_url, story)
    story_and_above = {story, *story.iterancestors()} if story is not None else set()
    cands = widgetclass.candidates(root, page_url, story, _Chrome(story_and_above))
    found = []
    for i in model.choose(cands):
        c = cands[i]
        found.append(FoundWidget(widgetclass.category(c), c.title, c.element, None, c.items))
    return _unique_names(found)


def story_widgets(root: Element, story: Element | None) -> set[Element]:
    """The widget blocks the classifier finds inside the story's container ("Read also" boxes,
    teaser lists between paragraphs): the body leaves them out. The page's address is unknown
    here; its canonical link, else og:url, resolves the links (only the candidates' shape and
    place matter, not where the links go)."""
    model = widgetclass.MODEL
    if model is None or story is None:
        return set()
    xp = "string((//link[@rel='canonical']/@href | //meta[@property='og:url']/@content)[1])"
    base = str(root.xpath(xp) or "").strip() or "https://page.invalid/"
    inside = set(story.iter())
    story_and_above = {story, *story.iterancestors()}
    cands = widgetclass.candidates(root, base, story, _Chrome(story_and_above), inside)
    # a block mostly of unlinked text is story with links in it, whatever the model says
    dense = widgetclass.feature_names().index("link_density")
    return {
        c.element
        for c in (cands[i] for i in model.choose(cands))
        if c.element in inside and c.x[dense] >= 0.5
    }


def find_headed_widgets(root: Element, page_url: str, story: Element | None = None) -> list[FoundWidget]:
    """Widget blocks with a heading, in document order; none inside `story` (the body container)."""
    base = root.xpath("string(//base/@href)") or page_url
    teasers = _Teasers(join_url(page_url, str(base)) or page_url, page_url)
    story_nodes = set(story.iter()) if story is not None else set()
    story_and_above = {story, *story.iterancestors()} if story is not None else set()
    chrome = _Chrome(story_and_above)
    sizes: dict[Element, int] = {}
    found: list[FoundWidget] = []
    taken: set[Element] = set()
    above_taken: set[Element] = set()  # the ancestors of the blocks found
    inside_taken: set[Element] = set()  # a teaser's own heading inside a found block is no block
    for h in root.iter():
        if not isinstance(h.tag, str) or not _is_heading(h) or h in story_nodes or h in inside_taken:
            continue
        if chrome.inside(h) or _bottom_up(h, sizes, _size) > MAX_HEADING_ELEMENTS:
            continue
        title = element_text(h)
        if not title or len(title) > 60 or (h.find(".//a") is not None and len(title.split()) > 4):
            continue  # a teaser's own headline, not a block's title
        block = teasers.block_above(h)
        if block is None or block in taken:
            continue
        if block in story_and_above:
            continue  # climbed past the story: this heading labels nothing of its own
        if block in above_taken:
            continue  # an outer block of one already found
        taken.add(block)
        for up in block.iterancestors():
            if up in above_taken:
                break  # and so are all of its ancestors
            above_taken.add(up)
        inside_taken.update(block.iter())
        found.append(FoundWidget(widget_name(title), title, block, h, teasers.of(block)))
    return _unique_names(found)


def _unique_names(found: list[FoundWidget]) -> list[FoundWidget]:
    seen: dict[str, int] = {}
    for w in found:
        n = seen.get(w.name, 0)
        seen[w.name] = n + 1
        if n:
            w.name = f"{w.name}_{n + 1}"
    return found
