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


def _first(ways: list[list[Source]], scope: Any) -> tuple[int, list[Any]]:
    """The alternative the body takes on this page, and its elements ((-1, []): none, or data)."""
    for i, group in enumerate(ways):
        if group[0].kind in ("jsonld", "meta"):
            return -1, []  # the body comes from the page's data there, not its elements
        if taken := _roots(scope, group):
            return i, taken
    return -1, []


def _check(key: str, spec: Selectors | AllOf, scope: Any, also: list[Any]) -> list[Overlap]:
    """`also`: elements the body takes anyway (the sub-headings, for paragraphs)."""
    ways = alternatives(spec)
    first, taken = _first(ways, scope)
    out = []
    for i in range(first + 1, len(ways)) if first >= 0 else ():
        if extra := _uncovered(taken + also, _roots(scope, ways[i])):
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
    # Taken anyway: the sub-headings, and the standfirst (never also a body paragraph).
    taken = [_first(alternatives(s), scope)[1] for s in (body.headings, site.story.summary) if s is not None]
    also = [el for els in taken for el in els]
    out = _check("paragraphs", body.paragraphs, scope, also) if body.paragraphs is not None else []
    return out + (_check("headings", body.headings, scope, []) if body.headings is not None else [])
