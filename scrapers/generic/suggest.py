"""Drafting a site file from one page: `storyline suggest`.

The generic extractor's findings (body container, sub-headings, in-body clutter, widget
blocks, structured metadata) are turned into selectors a person would keep: anchored on
stable ids, classes, semantic tags, `itemprop` or `data-*` attributes; never positional
(`nth-child`) or hashed (`css-1x2y3z`). Every field carries a comment saying why.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, TypeAlias
from urllib.parse import urlsplit

from lxml import etree
from parsel import Selector

from scrapers.dom import jsonld
from scrapers.dom.parse import HeadIndex, parse_html
from scrapers.dom.values import element_text
from scrapers.generic import body as mainbody
from scrapers.generic.furniture import is_chrome
from scrapers.widgetfind import finder as widgetfind

Element: TypeAlias = Any  # lxml has no type stubs here: an lxml element

_ARTICLE_TYPES = "*Article|BlogPosting|Report"
_GENERIC_CLASSES = frozenset(
    {
        "row",
        "col",
        "container",
        "wrapper",
        "inner",
        "clearfix",
        "cf",
        "group",
        "section",
        "block",
        "grid",
        "content-wrapper",
    }
)


MAX_CLASSES = 8


def stable_name(name: str) -> bool:
    """Whether a class or id looks hand-written (kept across deploys)."""
    if not name or len(name) > 50 or not re.match(r"^[A-Za-z][A-Za-z0-9_-]*$", name):
        return False
    if re.search(r"[0-9a-f]{6,}|\d{3,}", name.lower()) or re.match(r"^(css|jsx|sc|emotion|styled)-", name):
        return False
    if (
        re.search(r"[A-Z]", name)
        and re.search(r"[a-z]", name)
        and len(name) <= 8
        and not re.search(r"[-_]", name)
    ):
        return False  # "eYkPqz": a styled-components hash
    if any(
        re.search(r"\d", part) and re.search(r"[a-z]", part) and len(part) >= 5
        for part in re.split(r"[-_]", name)
    ):
        return False  # "dcr-13dpo5c": a build tool's hash
    return name.lower() not in _GENERIC_CLASSES


def _count(sel: Selector, css: str) -> int:
    try:
        return len(sel.css(css))
    except Exception:  # cssselect refuses some names; then the candidate is skipped
        return -1


def stable_selector(el: Element, sel: Selector, depth: int = 0) -> str | None:
    """A CSS selector matching `el` alone, from stable attributes only, or None."""
    tag = el.tag if isinstance(el.tag, str) else "*"
    tries: list[str] = []
    el_id = el.get("id", "")
    if stable_name(el_id):
        tries.append(f"#{el_id}")
    for attr in ("itemprop", "data-component", "data-testid", "data-module", "role"):
        v = el.get(attr)
        if v and re.match(r"^[A-Za-z][A-Za-z0-9 _-]{1,40}$", v) and not re.search(r"\d{3,}", v):
            tries.append(f'{tag}[{attr}="{v}"]')
    # The first few stable classes: pairs of them are tried, each a query of the whole page.
    classes = [c for c in el.get("class", "").split() if stable_name(c)][:MAX_CLASSES]
    tries += [f"{tag}.{c}" for c in classes]
    tries += [f"{tag}.{a}.{b}" for i, a in enumerate(classes) for b in classes[i + 1 :]]
    if tag in ("article", "main"):
        tries.append(tag)
    for css in tries:
        if _count(sel, css) == 1:
            return css
    if depth < 2:
        parent = el.getparent()
        if parent is not None and parent.tag not in ("html",):
            up = stable_selector(parent, sel, depth + 1)
            if up:
                for css in [f"{up} > {t}" for t in tries] + [f"{up} > {tag}"]:
                    if _count(sel, css) == 1:
                        return css
    return None


@dataclass
class Draft:
    lines: list[str] = field(default_factory=list)

    def add(self, line: str, why: str | None = None) -> None:
        self.lines.append(f"{line}{'  # ' + why if why else ''}")

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


def _q(s: str) -> str:
    return json.dumps(s, ensure_ascii=False)  # a JSON string is a valid YAML scalar


def draft_site(html: str, url: str, name: str) -> str:
    """The YAML text of a draft site file for the page `html` found at `url`."""
    sel = parse_html(html)
    root = sel.root
    head = HeadIndex.build(root)  # the same metas and JSON-LD extraction will look in
    ld = jsonld.Index(jsonld.parse_blocks(head.jsonld))
    d = Draft()
    try:
        host = (urlsplit(url).hostname or "example.com").removeprefix("www.")
    except ValueError:  # "http://[": no host to name
        host = "example.com"
    d.add("# yaml-language-server: $schema=../schemas/site.schema.json")
    d.add(f"# Drafted by `storyline suggest` from {url}")
    d.add("# Review every selector, then record a page: storyline record URL --site " + name)
    d.add(f"site: {name}")
    d.add(f"domains: [{host}]", "the page's host; subdomains match too")
    d.add("story:")

    def meta_exists(n: str) -> bool:
        return any(head.metas.get(n, ()))

    def ld_has(path: str) -> bool:
        return bool(jsonld.lookup(ld, f"{_ARTICLE_TYPES}.{path}"))

    # headline
    h1s = root.xpath("//h1")
    h1_css = stable_selector(h1s[0], sel) if h1s else None
    if h1s and not h1_css and len(h1s) == 1:
        h1_css = "h1"
    sources: list[tuple[str, str]] = []
    if ld_has("headline"):
        sources.append(("jsonld", f"{_ARTICLE_TYPES}.headline"))
    if h1_css:
        sources.append(("css", h1_css))
    if meta_exists("og:title"):
        sources.append(("meta", "og:title"))
    _field(
        d, "headline", sources or [("xpath", "//title")], "JSON-LD is the most stable; the page's <h1> next"
    )

    # authors
    sources = []
    if ld_has("author.name"):
        sources.append(("jsonld", f"{_ARTICLE_TYPES}.author.name"))
    for css in ('[rel="author"]', '[itemprop="author"] [itemprop="name"]', '[itemprop="author"]'):
        if _count(sel, css) > 0:
            sources.append(("css", css))
            break
    if meta_exists("author"):
        sources.append(("meta", "author"))
    if sources:
        _field(d, "authors", sources, "structured author data first, then the byline link")

    # dates
    for fname, ld_key, metas in (
        ("published", "datePublished", ("article:published_time", "datePublished")),
        ("modified", "dateModified", ("article:modified_time", "dateModified")),
    ):
        sources = []
        if ld_has(ld_key):
            sources.append(("jsonld", f"{_ARTICLE_TYPES}.{ld_key}"))
        sources += [("meta", m) for m in metas if meta_exists(m)]
        if fname == "published" and _count(sel, "time[datetime]") > 0:
            sources.append(("time", "time[datetime]"))
        if sources:
            _field(d, fname, sources, "machine-readable timestamps carry the offset")

    if ld_has("description") or meta_exists("og:description"):
        srcs = [("jsonld", f"{_ARTICLE_TYPES}.description")] if ld_has("description") else []
        srcs += [("meta", "og:description")] if meta_exists("og:description") else []
        _field(d, "summary", srcs, "the publisher's own standfirst")

    guess = mainbody.guess_body(root)  # once: the body and the widgets outside it both need it
    _body(d, guess, sel)
    _widgets(d, root, sel, url, guess.container)
    return d.text()


def _field(d: Draft, name: str, sources: list[tuple[str, str]], why: str) -> None:
    d.add(f"  {name}:", why)
    first, *rest = sources
    _source(d, "    ", first)
    if rest:
        d.add("    fallbacks:")
        for s in rest:
            _source(d, "      - ", s, "        ")


def _source(d: Draft, indent: str, src: tuple[str, str], cont: str | None = None) -> None:
    kind, value = src
    cont = cont or indent
    if kind == "time":
        d.add(f"{indent}css: {_q(value)}")
        d.add(f"{cont}attr: datetime")
    else:
        d.add(f"{indent}{kind}: {_q(value)}")


def _body(d: Draft, guess: mainbody.BodyGuess, sel: Selector) -> None:
    if guess.container is None or not guess.blocks:
        d.add("  body:", "no story body recognised on this page: the shared algorithm takes over")
        d.add("    auto: true")
        return
    container = guess.container
    cont_css = stable_selector(container, sel)
    paras = [b for b in guess.blocks if b not in guess.headings]
    tags = Counter(str(b.tag) for b in paras)
    tag, _ = tags.most_common(1)[0]
    # The most common paragraph tag, plus stable classes when text lives in divs.
    para_css = tag
    if tag in ("div", "span", "section"):
        classes = Counter(
            c for b in paras if b.tag == tag for c in b.get("class", "").split() if stable_name(c)
        )
        if classes:
            para_css = f"{tag}.{classes.most_common(1)[0][0]}"
    if cont_css is None:
        cont_css = "article" if _count(sel, "article") == 1 else "body"
        why_cont = "no stable name on the story's container: review this"
    else:
        why_cont = "the element holding most of the story's text"
    excludes = [("css", c) for c in _excludes(container, sel)] + _clutter_texts(container)
    if excludes:
        d.add("  exclude:", "in-body clutter: captions, share bars, promos, related links")
        for kind, value in excludes:
            d.add(f"    - {kind}: {_q(value)}")
    d.add("  body:", "the paragraphs of the element holding most of the story text")
    d.add(
        f"    paragraphs: {_q(f'{cont_css} {para_css}')}", f"{why_cont}; {len(paras)} paragraphs are <{tag}>"
    )
    heads = [h for h in guess.blocks if h in guess.headings]
    if heads:
        htags = sorted({str(h.tag) for h in heads})
        css = ", ".join(f"{cont_css} {t}" for t in htags)
        d.add(f"    headings: {_q(css)}", "sub-headings inside the story start sections")


def _excludes(container: Element, sel: Selector) -> list[str]:
    """Selectors for furniture inside the story container that holds text."""
    out: list[str] = []
    for el in container.iter():
        if el is container or not isinstance(el.tag, str) or not is_chrome(el):
            continue
        if not element_text(el):
            continue
        tag = el.tag
        if tag in ("figure", "figcaption", "aside", "form", "button", "nav", "iframe", "noscript"):
            css = tag
        else:
            names = [c for c in el.get("class", "").split() if stable_name(c)]
            chrome_names = [c for c in names if is_chrome(etree.Element("div", {"class": c}))]
            if not chrome_names:
                continue
            css = f".{chrome_names[0]}"
        if css not in out and _count(sel, css) > 0:
            out.append(css)
    return out[:12]


def _clutter_texts(container: Element) -> list[tuple[str, str]]:
    """XPath excludes for in-body promos recognised by their opening words ("Read more:")."""
    out: list[tuple[str, str]] = []
    for el in container.iter("p", "div", "li", "strong"):
        if el.find(".//p") is not None:
            continue
        m = mainbody.CLUTTER_RE.match(element_text(el))
        if m and len(m.group(0)) >= 6 and '"' not in m.group(0):
            xpath = f'//{el.tag}[starts-with(normalize-space(.), "{m.group(0)}")]'
            if ("xpath", xpath) not in out:
                out.append(("xpath", xpath))
    return out[:6]


def _widgets(d: Draft, root: Element, sel: Selector, url: str, story: Element | None) -> None:
    found = widgetfind.find_headed_widgets(root, url, story)  # a heading to select as the title
    kept = []
    for w in found:
        css = stable_selector(w.element, sel)
        if css:
            kept.append((w, css))
    if not kept:
        return
    d.add("widgets:")
    for w, css in kept:
        d.add(f"  - name: {w.name}", f"{len(w.items)} links under the heading {w.title!r}")
        d.add(f"    root: {_q(css)}")
        d.add(f"    title: {_q(str(w.heading.tag if w.heading is not None else 'h2'))}")
        item_tag = _item_tag(w.element)
        d.add(f"    items: {_q(item_tag)}", "one element per teaser")
        d.add("    item:")
        if item_tag == "a":
            d.add("      title: {xpath: '.'}")
            d.add("      url: {xpath: '.', attr: href, type: url}")
        else:
            d.add("      title: a")
            d.add("      url: {css: a, attr: href, type: url}")


def _item_tag(block: Element) -> str:
    """The element that repeats once per teaser: li or article when present, else the link."""
    for tag in ("li", "article"):
        items = block.findall(f".//{tag}")
        if len(items) >= widgetfind.MIN_ITEMS and all(i.find(".//a") is not None for i in items):
            return tag
    return "a"
