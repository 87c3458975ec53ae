"""Looking up one field on a page: its selectors in order, regex, splitting, conversion."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

from lxml import etree
from parsel import Selector

from scrapers.config.fieldspec import Field, Source, ValueType
from scrapers.config.sitespec import SiteSpec
from scrapers.dom import jsonld
from scrapers.dom.parse import HeadIndex
from scrapers.dom.select import select
from scrapers.dom.values import clean, element_text, to_datetime, to_int, to_url
from scrapers.output import record

Value = str | int | list[Any]


@dataclass(frozen=True)
class PageContext:
    """What every field lookup on one page shares. The head (meta, title, canonical, the JSON-LD
    scripts' text) is read when the context is made, before anything edits the tree (story
    excludes remove elements); the JSON-LD is parsed from that text when first asked for."""

    root: Selector
    url: str
    tz: str
    head: HeadIndex

    @classmethod
    def of(cls, root: Selector, url: str, tz: str) -> PageContext:
        return cls(root, url, tz, HeadIndex.build(root.root))

    @functools.cached_property
    def jsonld(self) -> jsonld.Index:
        return jsonld.Index(jsonld.parse_blocks(self.head.jsonld))


def _raw_values(
    src: Source, scope: Selector | None, doc: PageContext, vtype: ValueType, used: set[Any] | None = None
) -> list[str]:
    if src.jsonld is not None:
        return jsonld.lookup(doc.jsonld, src.jsonld)
    if src.meta is not None:
        return list(doc.head.metas.get(src.meta, ()))
    if scope is None:
        return []
    out: list[str] = []
    for sel in select(scope, src):
        node = sel.root
        if not isinstance(node, etree._Element):
            out.append(str(node))  # ::text, ::attr(), @attr and string XPath results
            continue
        if used is not None:
            used.add(node)
        if src.attr is not None:
            value = node.get(src.attr)
            if value is not None:
                out.append(value)
        elif vtype == ValueType.html:
            out.append(sel.get())
        elif vtype == ValueType.url and (link := node.get("href") or node.get("src") or node.get("content")):
            out.append(link)
        else:
            out.append(element_text(node))
    return out


def _convert(raw: str, f: Field, doc: PageContext) -> str | int | None:
    text = raw if f.type == ValueType.html else clean(raw)
    if f.type == ValueType.url:
        return to_url(text, doc.url)
    if f.type == ValueType.datetime:
        return to_datetime(text, doc.tz, f.format)
    if f.type == ValueType.int:
        return to_int(text)
    return text or None


# A site file's regex runs on page text, and Python's regexes backtrack: `^(.*?)\s*(\(.*\))?\s*$`
# takes cubic time on a run of spaces, quadratic on words. So the regex sees the value with its
# whitespace collapsed (as the value ends up anyway) and no more than its first MAX_REGEX_CHARS:
# the longest value a regex of ours matched on the fundus pages had 1,012 characters, and the
# slowest of our regexes takes 0.15 s on 5,000 hostile ones.
MAX_REGEX_CHARS = 5000


def _apply_regex(raw: str, pattern: str | None, vtype: ValueType = ValueType.text) -> str | None:
    if pattern is None:
        return raw
    text = raw if vtype == ValueType.html else clean(raw)
    m = re.search(pattern, text[:MAX_REGEX_CHARS])
    if m is None:
        return None
    if "value" in m.re.groupindex:
        return m.group("value")
    return m.group(1) if m.re.groups else m.group(0)


def eval_field(
    f: Field, scope: Selector | None, doc: PageContext, used: set[Any] | None = None
) -> tuple[Value, int] | None:
    """The field's value and the index of the selector that produced it, or None.

    Elements the value came from are added to `used` when given.
    """
    for index, src in enumerate(f.sources()):
        values: list[str | int] = []
        for raw in _raw_values(src, scope, doc, f.type, used):
            picked = _apply_regex(raw, src.regex, f.type)
            if picked is None:
                continue
            pieces = picked.split(f.split) if f.split else [picked]
            for piece in pieces:
                v = _convert(piece, f, doc)
                if v is not None and v not in values:
                    values.append(v)
        if not values:
            continue
        if f.many:
            return values, index
        if f.join is not None:
            return f.join.join(str(v) for v in values), index
        return values[0], index
    return None


def as_str(v: Value | None) -> str | None:
    if v is None:
        return None
    if isinstance(v, list):
        return "\n\n".join(str(x) for x in v) or None
    return str(v)


def as_list(v: Value | None) -> list[str]:
    if v is None:
        return []
    return [str(x) for x in v] if isinstance(v, list) else [str(v)]


def page_fields(site: SiteSpec, doc: PageContext) -> tuple[record.Page, list[str]]:
    """The page's title, language, canonical URL and the site's page fields; and the required
    ones that are missing."""
    r = doc.root
    canonical = doc.head.canonical
    fields: dict[str, record.JsonValue] = {}
    missing: list[str] = []
    for name, f in site.page.items():
        got = eval_field(f, r, doc)
        if got is not None:
            fields[name] = got[0]
        elif f.required:
            missing.append(f"page.{name}")
    page = record.Page(
        title=clean(doc.head.title or "") or None,
        language=(r.xpath("/html/@lang").get() or "").strip() or None,
        canonical_url=to_url(canonical, doc.url) if canonical else None,
        fields=fields,
    )
    return page, missing
