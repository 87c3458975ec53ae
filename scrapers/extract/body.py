"""The story body: paragraphs and sub-headings by the site's selectors, else the shared body
algorithm (scrapers.generic.body)."""

from __future__ import annotations

from typing import Any

from lxml import etree
from parsel import Selector

from scrapers.config.fieldspec import Source, alternatives
from scrapers.config.sitespec import BodySpec
from scrapers.dom import jsonld
from scrapers.dom.select import select
from scrapers.dom.values import BLOCK_TAGS, clean, element_text
from scrapers.extract.fields import PageContext
from scrapers.generic import story as mainbody
from scrapers.output import record


def story_body(
    spec: BodySpec, scope: Selector | None, doc: PageContext, skip: set[Any]
) -> tuple[list[record.Section], int, Any]:
    """Sections of the body, the index of the paragraph alternative used (-1: none matched; one
    past the last alternative: the automatic body), and the container found automatically."""
    ways = alternatives(spec.paragraphs) if spec.paragraphs is not None else []
    sections, index = _body_by_selectors(spec, ways, scope, doc, skip)
    if sections or not spec.auto or scope is None:
        return sections, index, None
    found, container = mainbody.body_sections(scope.root, skip)
    auto = [record.Section(heading=h, paragraphs=ps) for h, ps in found]
    return auto, (len(ways) if auto else -1), container


def _body_by_selectors(
    spec: BodySpec, ways: list[list[Source]], scope: Selector | None, doc: PageContext, skip: set[Any]
) -> tuple[list[record.Section], int]:
    """The first alternative that yields a body; a group's matches are taken together."""
    for index, group in enumerate(ways):
        if group[0].jsonld is not None:
            texts = jsonld.lookup(doc.jsonld, group[0].jsonld)
            paras = [clean(p) for t in texts[:1] for p in t.splitlines() if clean(p)]
            if paras:
                return [record.Section(heading=None, paragraphs=paras)], index
        elif scope is not None:
            found = [s.root for src in group if src.meta is None for s in select(scope, src)]
            if found:
                near = _near(skip)
                paras = [el for el in found if el not in near]
                sections = _sections(scope, _headings(spec, scope), paras, spec.split_at_br)
                if sections:
                    return sections, index
    return [], -1


def _headings(spec: BodySpec, scope: Selector) -> list[Any]:
    """The sub-headings of the first alternative that finds any."""
    for group in alternatives(spec.headings) if spec.headings is not None else []:
        if found := [s.root for src in group for s in select(scope, src)]:
            return found
    return []


def _near(skip: set[Any]) -> set[Any]:
    """The elements that are, contain or sit inside an element in `skip`: made once, where
    asking of each paragraph would walk its ancestors and descendants each time."""
    near: set[Any] = set()
    for el in skip:
        if not isinstance(el, etree._Element):
            continue
        near.update(el.iter())
        for up in el.iterancestors():
            if up in near:
                break  # and so are the ones above it
            near.add(up)
    return near


def _sections(
    scope: Selector, heads: list[Any], paras: list[Any], split: bool = False
) -> list[record.Section]:
    nodes = [n for n in heads + paras if isinstance(n, etree._Element)]
    chosen = set(nodes)
    head_set = set(heads)
    # Document order; a node inside another chosen node is part of that one.
    order: dict[Any, int] = {}
    for i, n in enumerate(scope.root.iter()):
        if n in chosen:
            order[n] = i
            if len(order) == len(chosen):
                break  # the rest of the page cannot change the order
    sections: list[record.Section] = []
    known: dict[Any, bool] = {}
    for node in sorted(chosen, key=lambda n: order.get(n, 0)):
        if _inside(node, chosen, scope.root, known):
            continue
        pieces = (
            _split(node, head_set)
            if split and node not in head_set
            else [(element_text(node), node in head_set)]
        )
        for text, heading in pieces:
            if not text:
                continue
            if heading:
                sections.append(record.Section(heading=text, paragraphs=[]))
            else:
                if not sections:
                    sections.append(record.Section(heading=None, paragraphs=[]))
                sections[-1].paragraphs.append(text)
    return [s for s in sections if s.paragraphs or s.heading]


def _split(node: Any, heads: set[Any]) -> list[tuple[str, bool]]:
    """An element's text cut at its <br>s, its block children and the sub-headings inside it:
    (text, is heading). Walked with a stack of steps: a page can nest deeper than Python recurses."""
    out: list[tuple[str, bool]] = []
    buf: list[str] = []
    breaking = _holding_breaks(node, heads)
    steps: list[tuple[str, Any]] = [("walk", node)]
    while steps:
        step, el = steps.pop()
        if step == "flush":
            out.append((clean("".join(buf)), False))
            buf.clear()
        elif step == "heading":
            out.append((element_text(el), True))
        elif step == "text":
            buf.append(element_text(el))
        elif step == "tail":
            buf.append(el.tail or "")
        else:  # "walk": its text, then its children's steps in order
            buf.append(el.text or "")
            todo: list[tuple[str, Any]] = []
            for child in el:
                tag = child.tag.lower() if isinstance(child.tag, str) else ""
                if tag == "br":
                    todo.append(("flush", None))
                elif child in heads:
                    todo += [("flush", None), ("heading", child)]
                elif tag in BLOCK_TAGS:  # a block is a line of its own
                    todo += [
                        ("flush", None),
                        ("walk" if child in breaking else "text", child),
                        ("flush", None),
                    ]
                elif child in breaking:
                    todo.append(("walk", child))
                elif tag:
                    todo.append(("text", child))
                todo.append(("tail", child))
            steps.extend(reversed(todo))
    out.append((clean("".join(buf)), False))
    return [(t, h) for t, h in out if t]


def _holding_breaks(node: Any, heads: set[Any]) -> set[Any]:
    """The elements below `node` with a <br> or a sub-heading below them."""
    holding: set[Any] = set()
    for d in node.iterdescendants():
        if d.tag == "br" or d in heads:
            for up in d.iterancestors():
                if up is node or up in holding:
                    break
                holding.add(up)
    return holding


def _inside(node: Any, chosen: set[Any], stop: Any, known: dict[Any, bool]) -> bool:
    """Whether an ancestor of `node` up to `stop` is chosen (walking no further than the scope).
    `known` keeps the answer for each ancestor walked: the next node's walk ends where it meets one."""
    path: list[Any] = []
    parent, answer = node.getparent(), False
    while parent is not None:
        if parent in known:
            answer = known[parent]
            break
        path.append(parent)
        if parent in chosen:
            answer = True
            break
        if parent is stop:
            break
        parent = parent.getparent()
    for up in path:
        known[up] = answer
    return answer
