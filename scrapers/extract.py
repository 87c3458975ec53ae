"""Extraction: HTML + final URL + site file -> story, widgets, page fields.

A pure function with no browser, so it runs the same on a live rendering, a
recording or a page saved to disk. One algorithm serves every site file; the
files differ only in their selectors.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlsplit

from lxml import etree
from parsel import Selector, SelectorList

from scrapers import generic, jsonld, mainbody, record, widgetfind
from scrapers.htmldoc import HeadIndex, drop, parse_html
from scrapers.siteconfig import Body, Field, Selectors, SiteConfig, Source, ValueType
from scrapers.values import clean, element_text, to_datetime, to_int, to_url

Value = str | int | list[Any]


@dataclass
class Extraction:
    extractor: Literal["selectors", "generic"]
    site: str | None
    story: record.Story
    widgets: list[record.Widget]
    page: record.Page
    missing: list[str] = field(default_factory=list)


@dataclass
class _Doc:
    """What every field lookup on one page shares."""

    root: Selector
    url: str
    tz: str
    _head: HeadIndex | None = None
    _jsonld: jsonld.Index | None = None

    @property
    def head(self) -> HeadIndex:
        if self._head is None:
            self._head = HeadIndex.build(self.root.root)
        return self._head

    @property
    def jsonld(self) -> jsonld.Index:
        if self._jsonld is None:
            self._jsonld = jsonld.Index(jsonld.parse_blocks(self.head.jsonld))
        return self._jsonld


def select(scope: Selector, src: Source) -> SelectorList[Selector]:
    """Matches of one css or xpath selector within `scope`."""
    return scope.css(src.css) if src.css is not None else scope.xpath(src.expr)


def _select_first(scope: Selector, sels: Selectors) -> tuple[SelectorList[Selector], int]:
    """Matches of the first css/xpath selector that finds anything, and its index."""
    for index, src in enumerate(sels.sources()):
        if src.kind in ("css", "xpath") and (found := select(scope, src)):
            return found, index
    return SelectorList([]), -1


def _raw_values(
    src: Source, scope: Selector | None, doc: _Doc, vtype: ValueType, used: set[Any] | None = None
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


def _convert(raw: str, f: Field, doc: _Doc) -> str | int | None:
    text = raw if f.type == ValueType.html else clean(raw)
    if f.type == ValueType.url:
        return to_url(text, doc.url)
    if f.type == ValueType.datetime:
        return to_datetime(text, doc.tz, f.format)
    if f.type == ValueType.int:
        return to_int(text)
    return text or None


def _apply_regex(raw: str, pattern: str | None) -> str | None:
    if pattern is None:
        return raw
    m = re.search(pattern, raw)
    if m is None:
        return None
    if "value" in m.re.groupindex:
        return m.group("value")
    return m.group(1) if m.re.groups else m.group(0)


def eval_field(
    f: Field, scope: Selector | None, doc: _Doc, used: set[Any] | None = None
) -> tuple[Value, int] | None:
    """The field's value and the index of the selector that produced it, or None.

    Elements the value came from are added to `used` when given.
    """
    for index, src in enumerate(f.sources()):
        values: list[str | int] = []
        for raw in _raw_values(src, scope, doc, f.type, used):
            picked = _apply_regex(raw, src.regex)
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


def _body(
    spec: Body, scope: Selector | None, doc: _Doc, skip: set[Any]
) -> tuple[list[record.Section], int, Any]:
    """Sections of the body, the index of the paragraph selector used (-1: none matched; one
    past the last selector: the automatic body), and the container found automatically."""
    sources = spec.paragraphs.sources() if spec.paragraphs is not None else []
    sections, index = _body_by_selectors(spec, sources, scope, doc, skip)
    if sections or not spec.auto or scope is None:
        return sections, index, None
    found, container = mainbody.body_sections(scope.root, skip)
    auto = [record.Section(heading=h, paragraphs=ps) for h, ps in found]
    return auto, (len(sources) if auto else -1), container


def _body_by_selectors(
    spec: Body, sources: list[Source], scope: Selector | None, doc: _Doc, skip: set[Any]
) -> tuple[list[record.Section], int]:
    for index, src in enumerate(sources):
        if src.jsonld is not None:
            texts = jsonld.lookup(doc.jsonld, src.jsonld)
            paras = [clean(p) for t in texts[:1] for p in t.splitlines() if clean(p)]
            if paras:
                return [record.Section(heading=None, paragraphs=paras)], index
        elif src.meta is None and scope is not None:
            found = select(scope, src)
            if found:
                heads = _select_first(scope, spec.headings)[0] if spec.headings else SelectorList([])
                paras = [s.root for s in found if not _overlaps(s.root, skip)]
                sections = _sections(scope, [s.root for s in heads], paras)
                if sections:
                    return sections, index
    return [], -1


def _generic_fixes(values: dict[str, Value | None], doc: _Doc) -> None:
    """Generic extraction only: a cleaner headline, and htmldate when no date was declared."""
    names = [n for n in doc.head.metas.get("og:site_name", []) if n]
    names += jsonld.lookup(doc.jsonld, "*Article|BlogPosting|Report.publisher.name")
    host = urlsplit(doc.url).hostname or ""
    headline = generic.better_headline(_as_str(values["headline"]), names, host, doc.head.title)
    values["headline"] = headline
    if values["published"] is None:
        values["published"] = generic.fallback_published(doc.root.root, doc.url, doc.tz)


def _detected_widgets(doc: _Doc, container: Any, taken: set[str]) -> list[record.Widget]:
    out = []
    for w in widgetfind.find_widgets(doc.root.root, doc.url, container):
        if w.name in taken:
            continue  # a widget the site file describes itself
        items = [record.WidgetItem(title=t, url=u) for t, u in w.items]
        out.append(record.Widget(name=w.name, title=w.title, items=items))
    return out


def _overlaps(node: Any, skip: set[Any]) -> bool:
    """True when `node` is, contains or sits inside an element in `skip`."""
    if not skip or not isinstance(node, etree._Element):
        return False
    return any(n in skip for n in node.iter()) or any(a in skip for a in node.iterancestors())


def _sections(scope: Selector, heads: list[Any], paras: list[Any]) -> list[record.Section]:
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
    for node in sorted(chosen, key=lambda n: order.get(n, 0)):
        if _inside(node, chosen, scope.root):
            continue
        text = element_text(node)
        if not text:
            continue
        if node in head_set:
            sections.append(record.Section(heading=text, paragraphs=[]))
        else:
            if not sections:
                sections.append(record.Section(heading=None, paragraphs=[]))
            sections[-1].paragraphs.append(text)
    return [s for s in sections if s.paragraphs or s.heading]


def _inside(node: Any, chosen: set[Any], stop: Any) -> bool:
    """Whether an ancestor of `node` up to `stop` is chosen (walking no further than the scope)."""
    parent = node.getparent()
    while parent is not None:
        if parent in chosen:
            return True
        if parent is stop:
            return False
        parent = parent.getparent()
    return False


def _as_str(v: Value | None) -> str | None:
    if v is None:
        return None
    if isinstance(v, list):
        return "\n\n".join(str(x) for x in v) or None
    return str(v)


def _as_list(v: Value | None) -> list[str]:
    if v is None:
        return []
    return [str(x) for x in v] if isinstance(v, list) else [str(v)]


def _page(site: SiteConfig, doc: _Doc, missing: list[str]) -> record.Page:
    r = doc.root
    canonical = doc.head.canonical
    fields: dict[str, record.JsonValue] = {}
    for name, f in site.page.items():
        got = eval_field(f, r, doc)
        if got is not None:
            fields[name] = got[0]
        elif f.required:
            missing.append(f"page.{name}")
    return record.Page(
        title=clean(doc.head.title or "") or None,
        language=(r.xpath("/html/@lang").get() or "").strip() or None,
        canonical_url=to_url(canonical, doc.url) if canonical else None,
        fields=fields,
    )


def _widgets(site: SiteConfig, doc: _Doc, missing: list[str]) -> list[record.Widget]:
    out: list[record.Widget] = []
    for w in site.widgets:
        root, _ = _select_first(doc.root, w.root)
        if not root:
            if w.required:
                missing.append(f"widgets.{w.name}")
            continue
        block = root[0]
        title = eval_field(w.title, block, doc) if w.title else None
        items: list[record.WidgetItem] = []
        spec = w.item
        for el in select(block, w.items):
            item: dict[str, Any] = {}
            for name in ("title", "url", "summary", "published", "image"):
                f = getattr(spec, name)
                got = eval_field(f, el, doc) if f is not None else None
                item[name] = _as_str(got[0]) if got else None
            custom: dict[str, record.JsonValue] = {
                n: got[0] for n, f in spec.fields.items() if (got := eval_field(f, el, doc))
            }
            if any(item.values()) or custom:
                items.append(record.WidgetItem(**item, fields=custom))
        out.append(record.Widget(name=w.name, title=_as_str(title[0]) if title else None, items=items))
    return out


def extract(html: str | Selector, final_url: str, site: SiteConfig) -> Extraction:
    """Extract one page (its HTML, or a tree from `parse_html` nobody else still needs: story
    excludes edit it). Never raises on page content; selectors were checked when loading."""
    root = html if isinstance(html, Selector) else parse_html(html)
    doc = _Doc(root=root, url=final_url, tz=site.render.timezone)
    missing: list[str] = []
    # Widgets and page fields first: story excludes may remove elements from the shared tree.
    page = _page(site, doc, missing)
    widgets = _widgets(site, doc, missing)
    _ = doc.jsonld  # parse before excludes can drop the scripts

    spec = site.story
    scope: Selector | None = doc.root
    if spec.root is not None:
        found, _ = _select_first(doc.root, spec.root)
        scope = found[0] if found else None
        if scope is None:
            missing.append("story.root")
    if scope is not None:
        for ex in spec.exclude:
            for sel in select(scope, ex):
                if isinstance(sel.root, etree._Element):
                    drop(sel.root)

    values: dict[str, Value | None] = {}
    matched: dict[str, int] = {}

    summary_nodes: set[Any] = set()  # the standfirst is not body text, wherever it sits

    def take(name: str, f: Field | None) -> Value | None:
        if f is None:
            return None
        got = eval_field(f, scope, doc, summary_nodes if name == "summary" else None)
        if got is None:
            if f.required:
                missing.append(name)
            return None
        matched[name] = got[1]
        return got[0]

    for name in ("headline", "summary", "authors", "published", "modified", "section", "topics"):
        values[name] = take(name, getattr(spec, name))
    if site.site == "generic":
        _generic_fixes(values, doc)
    lead: record.LeadImage | None = None
    if spec.lead_image is not None:
        li = spec.lead_image
        lead = record.LeadImage(
            url=_as_str(take("lead_image.url", li.url)),
            caption=_as_str(take("lead_image.caption", li.caption)),
            credit=_as_str(take("lead_image.credit", li.credit)),
        )
        if lead.url is None and lead.caption is None:
            lead = None
    custom: dict[str, record.JsonValue] = {}
    for name, f in spec.fields.items():
        v = take(f"fields.{name}", f)
        if v is not None:
            custom[name] = v
    body, body_index, container = _body(spec.body, scope, doc, summary_nodes) if spec.body else ([], -1, None)
    if site.detect_widgets:
        widgets += _detected_widgets(doc, container, {w.name for w in widgets})
    if body_index >= 0:
        matched["body"] = body_index
    if spec.body is not None and spec.body.required and not any(s.paragraphs for s in body):
        missing.append("body")

    summary = _as_str(values["summary"])
    text = "\n\n".join(([summary] if summary else []) + [p for s in body for p in s.paragraphs])
    story = record.Story(
        headline=_as_str(values["headline"]),
        summary=summary,
        authors=_as_list(values["authors"]),
        published=_as_str(values["published"]),
        modified=_as_str(values["modified"]),
        section=_as_str(values["section"]),
        topics=_as_list(values["topics"]),
        lead_image=lead,
        body=body,
        text=text,
        fields=custom,
        matched=matched,
    )
    return Extraction(
        extractor="generic" if site.site == "generic" else "selectors",
        site=None if site.site == "generic" else site.site,
        story=story,
        widgets=widgets,
        page=page,
        missing=missing,
    )
