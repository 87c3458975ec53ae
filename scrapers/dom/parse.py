"""HTML text -> a parsel Selector over a plain lxml tree.

parsel's own `Selector(text=...)` builds the tree with lxml.html's parser, whose custom
element classes cost a Python callback for every element touched; on news pages that was a
quarter of extraction time. A plain `etree.HTMLParser` builds the same tree without them.
The one lxml.html method we relied on, `drop_tree`, is `drop` here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from lxml import etree
from parsel import Selector

from scrapers.dom.values import BLOCK_TAGS, without_surrogates

# libxml2 compares each attribute of a tag with every one before it: one element with 80,000
# attributes takes it 5 s, 200,000 half a minute. Such a start tag keeps its first
# MAX_ATTRIBUTES (real pages: 73 at most, on an <img>). The patterns read tags as HTML does (an
# attribute name runs to a space, "/", ">" or "="; values quoted or not) and never give back what
# they matched, so one pass over the page takes linear time; they step over comments and the text
# of <script> and <style>, where libxml2 reads no tags either.
MAX_ATTRIBUTES = 1000
_ATTRIBUTE = r"""[\s/]*+[^\s/>][^\s/>=]*+(?>\s*+=\s*+(?>"[^"]*+"|'[^']*+'|[^\s>]++))?+"""
_COMMENT = r"<!--(?:-?>|(?>[^-]++|-(?!-!?>))*+(?:--!?>|\Z))"  # "<!-->" ends at once
_RAW = r"<(?i:script|style)(?=[\s/>])"  # a start tag whose text is no HTML
_RAW_TEXT = r"[^>]*+(?:>(?>[^<]++|<(?!/(?i:script|style)))*+)?"  # ... the rest of it, and that text
_TAG = r"<[A-Za-z][^\s/>]*+"  # any other start tag
_FEW = rf"(?>{_ATTRIBUTE}){{0,{MAX_ATTRIBUTES}}}+(?!{_ATTRIBUTE})"
_MANY = rf"(?>{_ATTRIBUTE}){{{MAX_ATTRIBUTES}}}"
# One match runs over everything up to the next tag with too many attributes (or the end), so
# Python sees a match per such tag, not per tag: the scan of a page stays in C. The first group
# ends where that tag's attributes become too many, `cut` where they end.
_SCAN = re.compile(
    rf"""
    (?: [^<]++ | {_COMMENT} | {_RAW}{_FEW}{_RAW_TEXT} | {_TAG}{_FEW}
      | (?!{_RAW}{_MANY}{_ATTRIBUTE}|{_TAG}{_MANY}{_ATTRIBUTE})< )*+
    (?: (?P<raw>{_RAW}{_MANY}) (?>{_ATTRIBUTE})*+ (?P<rawcut>) {_RAW_TEXT}
      | (?P<tag>{_TAG}{_MANY}) (?>{_ATTRIBUTE})*+ (?P<tagcut>)
      | \Z )
    """,
    re.X,
)


def parse_html(html: str) -> Selector:
    """The page as a Selector (type "html": CSS works as usual). Never raises on content."""
    body = html.replace("\x00", "") if "\x00" in html else html
    body = fewer_attributes(body)
    # A parser per call: lxml parsers must not be shared between threads (extraction runs in
    # worker threads), and making one costs about a microsecond.
    parser = etree.HTMLParser(recover=True, encoding="utf-8", huge_tree=True)
    root = None
    if body and not body.isspace():
        root = etree.fromstring(utf8(body), parser=parser)
    if root is None:  # only comments or whitespace: libxml2 returns no tree
        root = etree.fromstring(b"<html></html>", parser=parser)
    return Selector(root=root, type="html")


def fewer_attributes(html: str) -> str:
    """`html` with each start tag holding more than MAX_ATTRIBUTES cut after that many."""
    pieces: list[str] = []
    done = 0
    for found in _SCAN.finditer(html):
        group = "raw" if found.start("raw") >= 0 else "tag"
        if found.start(group) < 0:
            break  # the end of the page
        pieces.append(html[done : found.end(group)])
        done = found.end(f"{group}cut")
    return "".join([*pieces, html[done:]]) if pieces else html


def utf8(text: str) -> bytes:
    """`text` as UTF-8, a lone surrogate (a browser's DOM can hold one; a str decoded with
    "surrogateescape" holds one for every invalid byte) becoming U+FFFD. Two surrogates that
    make a pair (JavaScript's way of writing an emoji) become that character."""
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return without_surrogates(text).encode("utf-8")


def drop(el: Any) -> None:
    """Remove an element but keep its tail text, which belongs to the parent's flow. A block
    element leaves an empty `<div>` behind: the text before and after it stays two lines, not
    one glued word ("institutions.He")."""
    parent = el.getparent()
    if parent is None:
        return
    if isinstance(el.tag, str) and el.tag.lower() in BLOCK_TAGS:
        # Children (with their tails), attributes and text go; selectors no longer match it.
        # The tail is left where it is: lxml refuses to set text holding a control character
        # that libxml2's HTML parser kept ("\x1f"), so it is never set again.
        for child in list(el):
            el.remove(child)
        el.text = None
        el.attrib.clear()
        el.tag = "div"
        return
    if el.tail:
        prev = el.getprevious()
        if prev is not None:
            _set_text(prev, "tail", (prev.tail or "") + el.tail)
        else:
            _set_text(parent, "text", (parent.text or "") + el.tail)
    parent.remove(el)


# What lxml refuses in text it is given (XML 1.0's forbidden characters); libxml2's HTML parser
# keeps them in text it reads.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _set_text(el: Any, which: str, text: str) -> None:
    try:
        setattr(el, which, text)
    except ValueError:
        setattr(el, which, _NOT_XML.sub("", text))


@dataclass
class HeadIndex:
    """The page-wide facts fields ask for again and again, gathered in one walk of the tree:
    each `//meta[...]` or `//link[...]` XPath would walk the whole tree again (≈0.3 ms on a
    news page)."""

    metas: dict[str, list[str]] = field(default_factory=dict)  # property/name/itemprop -> contents
    canonical: str | None = None
    title: str | None = None
    jsonld: list[str] = field(default_factory=list)  # text of each application/ld+json script

    @classmethod
    def build(cls, root: Any) -> HeadIndex:
        idx = cls()
        for el in root.iter("meta", "link", "title", "script"):
            tag = el.tag
            if tag == "meta":
                content = el.get("content")
                if content is None:
                    continue
                # A meta found by two of its attributes under one key still counts once.
                for key in {el.get("property"), el.get("name"), el.get("itemprop")} - {None}:
                    idx.metas.setdefault(key, []).append(content)
            elif tag == "link":
                if idx.canonical is None and el.get("rel") == "canonical" and el.get("href") is not None:
                    idx.canonical = el.get("href")
            elif tag == "title":
                if idx.title is None:
                    idx.title = "".join(el.itertext())
            elif el.get("type") == "application/ld+json" and el.text:
                idx.jsonld.append(el.text)
        return idx
