"""Fallbacks that would also match: on a page where a body selector finds something, its
fallbacks are never tried. When a fallback would find other text on that same page, the file
most likely meant "all of these" (`paragraphs: {all: [...]}`) and loses that text silently."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lxml import etree

from scrapers.config.fieldspec import AllOf, Selectors, Source, alternatives
from scrapers.config.sitespec import SiteSpec
from scrapers.dom.parse import parse_html
from scrapers.dom.select import select
from scrapers.dom.values import element_text
from scrapers.extract.fields import PageContext
from scrapers.extract.recipe import story_scope

SNIPPET = 60


@dataclass(frozen=True)
class Overlap:
    """Fallback `index` (from 0) of `key` matched `extra` elements the first match leaves out."""

    key: str  # "paragraphs" or "headings"
    index: int
    extra: int
    sample: str


def _roots(scope: Any, group: list[Source]) -> list[Any]:
    found = [s.root for src in group if src.kind in ("css", "xpath") for s in select(scope, src)]
    return [el for el in found if isinstance(el, etree._Element)]


def _uncovered(taken: list[Any], other: list[Any]) -> list[Any]:
    """Elements of `other` with text that is neither inside nor around an element of `taken`."""
    inside: set[Any] = set()
    around: set[Any] = set()
    for el in taken:
        inside.update(el.iter())
        around.update(el.iterancestors())
    return [el for el in other if el not in inside and el not in around and element_text(el)]


def _check(key: str, spec: Selectors | AllOf, scope: Any) -> list[Overlap]:
    ways = alternatives(spec)
    taken: list[Any] = []
    first = -1
    for i, group in enumerate(ways):
        if group[0].kind in ("jsonld", "meta"):
            return []  # the body comes from the page's data there, not its elements
        taken = _roots(scope, group)
        if taken:
            first = i
            break
    out = []
    for i in range(first + 1, len(ways)) if first >= 0 else ():
        if extra := _uncovered(taken, _roots(scope, ways[i])):
            sample = element_text(extra[0])
            sample = sample if len(sample) <= SNIPPET else sample[: SNIPPET - 1] + "…"
            out.append(Overlap(key, i - 1, len(extra), sample))
    return out


def fallback_overlaps(site: SiteSpec, html: str, url: str) -> list[Overlap]:
    """The body fallbacks of `site` that find text on this page besides what is taken."""
    body = site.story.body
    if body is None:
        return []
    doc = PageContext.of(parse_html(html), url, site.render.timezone)
    scope, _ = story_scope(site.story, doc)
    if scope is None:
        return []
    out = _check("paragraphs", body.paragraphs, scope) if body.paragraphs is not None else []
    return out + (_check("headings", body.headings, scope) if body.headings is not None else [])
