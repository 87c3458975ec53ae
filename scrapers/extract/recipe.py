"""Extraction: HTML + final URL + site file -> story, widgets, page fields.

A pure function with no browser, so it runs the same on a live rendering, a recording or a
page saved to disk. One algorithm serves every site file; the files differ only in their
selectors. `extract` reads as its recipe: each step takes what it needs and returns what it found.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlsplit

from lxml import etree
from parsel import Selector

from scrapers.config.fieldspec import Field
from scrapers.config.sitefiles import generic_site
from scrapers.config.sitespec import BodySpec, LeadImageSpec, SiteSpec, StorySpec
from scrapers.dom import jsonld
from scrapers.dom.parse import drop, parse_html
from scrapers.dom.select import select, select_first
from scrapers.extract.body import story_body
from scrapers.extract.fields import PageContext, Value, as_list, as_str, eval_field, page_fields
from scrapers.extract.widgets import declared_widgets, detected_widgets
from scrapers.generic import dates as generic_dates
from scrapers.generic import headline as generic
from scrapers.generic import metadata
from scrapers.generic.byline import labelled_authors, written_byline
from scrapers.output import record

META_FIELDS = ("headline", "summary", "authors", "published", "modified", "section", "topics")
GENERIC_FALLBACK = -1  # story.matched value: found by generic extraction, the file's selectors missed
AUTO_BODY = BodySpec(auto=True)


@dataclass
class Extraction:
    extractor: Literal["selectors", "generic"]
    site: str | None
    story: record.Story
    widgets: list[record.Widget]
    page: record.Page
    missing: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Found:
    """Field values found on a page, which selector of each matched, and the required ones missing."""

    values: dict[str, Value]
    matched: dict[str, int]
    missing: list[str]


def extract(html: str | Selector, final_url: str, site: SiteSpec) -> Extraction:
    """Extract one page (its HTML, or a tree from `parse_html` nobody else still needs: story
    excludes edit it). Never raises on page content; selectors were checked when loading."""
    root = html if isinstance(html, Selector) else parse_html(html)
    doc = PageContext.of(root, final_url, site.render.timezone)
    spec = site.story
    # 1. Around the story, read before step 2 edits the tree.
    page, page_missing = page_fields(site, doc)
    widgets, widget_missing = declared_widgets(site, doc)
    # 2. The story's scope, without its excluded parts.
    scope, scope_missing = story_scope(spec, doc)
    # 3. Its fields; the standfirst's elements are remembered so the body does not repeat them.
    standfirst: set[Any] = set()
    meta = story_fields(spec, scope, doc, standfirst)
    if site.extractor == "generic":
        meta = generic_fixes(meta, doc)
    lead, lead_found = lead_image(spec.lead_image, scope, doc)
    custom = story_fields(spec.fields, scope, doc, prefix="fields.")
    # 4. The body.
    body, body_index, container = (
        story_body(spec.body, scope, doc, standfirst) if spec.body else ([], -1, None)
    )
    # 5. Degrade, never empty: what the file requires and missed, generic extraction finds.
    meta = required_from_generic(spec, meta, doc, site.site)
    no_body = spec.body is not None and spec.body.required and not any(s.paragraphs for s in body)
    body_matched = body_index if body_index >= 0 else None
    tried_auto = spec.body is not None and spec.body.auto and scope is not None  # step 4 ran it
    if no_body and not tried_auto:
        body, _, container = story_body(AUTO_BODY, scope or doc.root, doc, standfirst)
        body_matched = GENERIC_FALLBACK if body else None
    if site.detect_widgets:
        widgets += detected_widgets(doc, container, {w.name for w in widgets})
    # 6. The story as the record carries it.
    matched = {**meta.matched, **lead_found.matched, **custom.matched}
    if body_matched is not None:
        matched["body"] = body_matched
    story = build_story(meta.values, lead, custom.values, body, matched)
    missing = page_missing + widget_missing + scope_missing + meta.missing + lead_found.missing
    return Extraction(
        extractor=site.extractor,
        site=None if site.extractor == "generic" else site.site,
        story=story,
        widgets=widgets,
        page=page,
        missing=missing + custom.missing + (["body"] if no_body else []),
    )


def required_from_generic(spec: StorySpec, found: Found, doc: PageContext, site_name: str) -> Found:
    """Required fields the site file's selectors missed, looked up with the generic file's sources
    (JSON-LD, meta, the page's <h1>/<title>); `matched` says GENERIC_FALLBACK, `missing` keeps the
    name, so the record is `partial` and the file gets a look."""
    fallback = generic_site().story
    values, matched = dict(found.values), dict(found.matched)
    for name in found.missing:
        f = getattr(fallback, name, None) if name in META_FIELDS else None
        if isinstance(f, Field) and (got := eval_field(f, doc.root, doc)) is not None:
            value: Value | None = got[0]
            if f.sources()[got[1]].xpath == "//title":
                value = _title_headline(as_str(value), doc, site_name)
            if value is None:
                continue  # a <title> that is only the site's name (an empty shell) is no headline
            values[name], matched[name] = value, GENERIC_FALLBACK
    return Found(values, matched, found.missing)


def _title_headline(title: str | None, doc: PageContext, site_name: str) -> str | None:
    """The page's <title> as the last headline fallback (docs/site-files.md): without the site's
    name and section it appends, None when nothing else is left (an empty shell's title is the
    site's name: its og:site_name, its host, or the site file's name, "demo-news": "Demo News")."""
    names = [n for n in doc.head.metas.get("og:site_name", []) if n] + [site_name.replace("-", " ")]
    cleaned = generic.better_headline(title, names, _host(doc.url), title)
    page = metadata.PageMeta(doc.head.metas, doc.jsonld, doc.url, doc.head.canonical, doc.head.title)
    tokens = [*page.site_tokens, generic.norm_name(site_name.replace("-", " "))]
    if not cleaned or metadata.is_site_name(cleaned, tokens, page.host):
        return None
    return cleaned


def story_scope(spec: StorySpec, doc: PageContext) -> tuple[Selector | None, list[str]]:
    """The element the story's selectors search (the page when no root is set), with its
    excluded parts removed; None and ["story.root"] when the root is not on the page."""
    scope: Selector = doc.root
    if spec.root is not None:
        found, _ = select_first(doc.root, spec.root)
        if not found:
            return None, ["story.root"]
        scope = found[0]
    for ex in spec.exclude:
        for sel in select(scope, ex):
            if isinstance(sel.root, etree._Element):
                drop(sel.root)
    return scope, []


def story_fields(
    fields: StorySpec | dict[str, Field],
    scope: Selector | None,
    doc: PageContext,
    standfirst: set[Any] | None = None,
    prefix: str = "",
) -> Found:
    """The story's metadata fields (or its custom `fields`), each by its selectors in order."""
    specs = {n: getattr(fields, n) for n in META_FIELDS} if isinstance(fields, StorySpec) else fields
    values: dict[str, Value] = {}
    matched: dict[str, int] = {}
    missing: list[str] = []
    for name, f in specs.items():
        if f is None:
            continue
        got = eval_field(f, scope, doc, standfirst if name == "summary" else None)
        if got is None:
            if f.required:
                missing.append(prefix + name)
            continue
        values[name], matched[prefix + name] = got
    return Found(values, matched, missing)


def generic_fixes(found: Found, doc: PageContext) -> Found:
    """Generic extraction only: a cleaner headline; authors and date from the article's own
    JSON-LD node and <meta>, never the publisher as an author; htmldate when nothing declares
    a date (scrapers/generic/metadata.py)."""
    names = [n for n in doc.head.metas.get("og:site_name", []) if n]
    names += jsonld.lookup(doc.jsonld, "*Article|BlogPosting|Report.publisher.name")
    host = _host(doc.url)
    values, matched = dict(found.values), dict(found.matched)
    declared = as_str(values.get("headline"))
    shown = generic.shown_headline(doc.root.root, declared) or declared
    headline = generic.better_headline(shown, names, host, doc.head.title)
    page = metadata.PageMeta(doc.head.metas, doc.jsonld, doc.url, doc.head.canonical, doc.head.title)
    decided: dict[str, Value | None] = {"headline": headline, "authors": metadata.authors(page)}
    if not decided["authors"]:  # nothing declared, or only the publisher: a labelled byline?
        byline = [
            n
            for n in labelled_authors(doc.root.root) or written_byline(doc.root.root)
            if not metadata.is_site_name(n, page.site_tokens, page.host)
        ]
        decided["authors"] = byline or decided["authors"]
    decided["published"] = _published(page, values, doc)
    for name, value in decided.items():
        if name == "authors" and value is None:
            continue  # no author source named anyone: what the selectors found stands
        if value != values.get(name):
            matched.pop(name, None)  # no longer what that selector found
        if value:
            values[name] = value
        else:
            values.pop(name, None)
    return Found(values, matched, found.missing)


def _published(page: metadata.PageMeta, values: dict[str, Value], doc: PageContext) -> Value | None:
    """What the page declares, else htmldate's page-wide search; the search first where the
    declared date is known to move with every re-publication (metadata.dates_republished)."""
    declared = metadata.published(page, doc.tz) or values.get("published")
    if isinstance(declared, str):
        declared = metadata.in_local_offset(declared, doc.root.root)
    if declared and not metadata.dates_republished(page, doc.root.root):
        return declared
    shown = generic_dates.fallback_published(doc.root.root, doc.url, doc.tz)
    if not shown or (isinstance(declared, str) and declared[:10] == shown[:10]):
        return declared  # the same day: the declared instant says more
    return shown


def _host(url: str) -> str:
    try:
        return urlsplit(url).hostname or ""
    except ValueError:  # "http://[": no host to name the site
        return ""


def lead_image(
    spec: LeadImageSpec | None, scope: Selector | None, doc: PageContext
) -> tuple[record.LeadImage | None, Found]:
    if spec is None:
        return None, Found({}, {}, [])
    parts = {"url": spec.url, "caption": spec.caption, "credit": spec.credit}
    found = story_fields({k: v for k, v in parts.items() if v is not None}, scope, doc, prefix="lead_image.")
    image = record.LeadImage(**{k: as_str(found.values.get(k)) for k in parts})
    return (image if image.url is not None or image.caption is not None else None), found


def build_story(
    values: dict[str, Value],
    lead: record.LeadImage | None,
    custom: dict[str, Value],
    body: list[record.Section],
    matched: dict[str, int],
) -> record.Story:
    summary = as_str(values.get("summary"))
    text = "\n\n".join(([summary] if summary else []) + [p for s in body for p in s.paragraphs])
    return record.Story(
        headline=as_str(values.get("headline")),
        summary=summary,
        authors=as_list(values.get("authors")),
        published=as_str(values.get("published")),
        modified=as_str(values.get("modified")),
        section=as_str(values.get("section")),
        topics=as_list(values.get("topics")),
        lead_image=lead,
        body=body,
        text=text,
        fields=dict(custom),
        matched=matched,
    )
