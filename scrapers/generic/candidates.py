"""Candidate blocks of a story: paragraph-like elements and their text, in document order."""

from __future__ import annotations

from typing import Any, TypeAlias

from scrapers.dom.values import clean, element_text

Element: TypeAlias = Any  # an lxml element

HEADINGS = frozenset({"h2", "h3", "h4", "h5", "h6"})
_PARA_TAGS = frozenset({"p", "li", "blockquote", "pre", "dd"}) | HEADINGS
_TEXT_DIVS = frozenset({"div", "section", "td", "span", "font", "article"})
BLOCK_TAGS = _BLOCKS = frozenset(
    {
        "p", "div", "section", "article", "ul", "ol", "li", "table", "blockquote", "figure",
        "h1", "h2", "h3", "h4", "h5", "h6", "pre", "dl", "header", "footer", "aside", "nav", "form",
    }
)  # fmt: skip
# Limit that keeps hostile pages linear (the fundus pages nest candidates 4 deep).
MAX_NESTED = 6  # candidates inside candidates: a deeper one is no paragraph of its own
_SKIP = frozenset({"script", "style", "noscript", "template", "svg"})
_MAYBE = _PARA_TAGS | _TEXT_DIVS  # the tags a candidate has: most elements of a page are asked no more


def _has_block_child(el: Element) -> bool:
    return any(isinstance(c.tag, str) and c.tag in _BLOCKS for c in el)


def find_blocks(root: Element) -> list[tuple[Element, str]]:
    """Paragraph-like elements with their text, in document order. Candidates nest (a <span>
    of text inside a <div> of text); one inside MAX_NESTED others is none, so that no text is
    read more than MAX_NESTED + 1 times."""
    out: list[tuple[Element, str]] = []
    nested: dict[Element, int] = {}  # element -> candidates it is inside (when any)
    for el in root.iter():
        depth = nested.get(el.getparent(), 0) if el is not root else 0
        if el.tag in _MAYBE and _is_candidate(el) and depth < MAX_NESTED:
            text = own_text(el) if is_mixed(el) else element_text(el)
            if text:
                out.append((el, text))
            depth += 1
        if depth:
            nested[el] = depth
    return out


def _is_candidate(el: Element) -> bool:
    tag = el.tag if isinstance(el.tag, str) else ""
    if tag in _PARA_TAGS:
        return not (tag in ("li", "blockquote", "dd") and _has_block_child(el))  # else: its inner paragraphs
    if tag in _TEXT_DIVS:  # <div>Text<br>more text</div>, or text beside paragraphs
        return bool((el.text or "").strip()) or (
            _has_block_child(el) and any((c.tail or "").strip() for c in el if isinstance(c.tag, str))
        )
    return False


def is_mixed(el: Element) -> bool:
    """A text block that also holds paragraphs: "<div>Text<br>more<p>A paragraph</p></div>". Its
    text is its own (own_text), and taking it does not take what it holds."""
    return el.tag in _TEXT_DIVS and _has_block_child(el)


def own_text(el: Element) -> str:
    """The text of `el` outside its block children."""
    parts = [el.text or ""]
    for child in el:
        if isinstance(child.tag, str) and child.tag not in _BLOCKS and child.tag not in _SKIP:
            parts.append(f" {element_text(child)} ")
        elif isinstance(child.tag, str) and child.tag in _BLOCKS:
            parts.append(" ")
        parts.append(child.tail or "")
    return clean("".join(parts))
