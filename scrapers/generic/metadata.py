"""Who wrote the story and when it first appeared, on a page nobody wrote a site file for.

Pages declare both in several places, and not all of them describe this story:
- JSON-LD may hold many articles (a live blog's updates, related teasers); only the page's
  main entity speaks for the page.
- An author may be the publisher itself ("Deutsche Welle (www.dw.com)", an Organization in
  JSON-LD, the site's og:site_name): that names no journalist.
- A date found in the page's text may be a teaser's; the article's own declarations come first.
"""

from __future__ import annotations

import functools
import html
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from scrapers.dom import jsonld
from scrapers.dom.values import clean, to_datetime
from scrapers.generic.headline import norm_name, site_tokens, strip_site_suffix
from scrapers.net.scope import registrable_domain

JsonObj = dict[str, Any]

# The types of a story's JSON-LD node: NewsArticle, ReportageNewsArticle, LiveBlogPosting,
# ClaimReview (fact checks)...
ARTICLE_TYPES = "*Article|*BlogPosting|Report|ClaimReview"
# Authors of these types are the publisher or a brand, never a journalist.
_NOT_PERSON = ("Organization", "Corporation", "NGO", "WebSite", "Brand")
# <meta> names that declare a first publication, most specific first (compared lower-cased).
PUBLISHED_METAS = (
    "article:published_time", "og:article:published_time", "og:published_time", "article:published",
    "article:published:time", "datepublished", "publishdate", "publish-date", "publish_date", "pubdate",
    "parsely-pub-date", "sailthru.date", "cxenseparse:recs:publishtime", "dc.date.issued",
    "dcterms.issued", "dcterms.created", "citation_publication_date", "date",
)  # fmt: skip
AUTHOR_METAS = (
    "author", "article:author", "parsely-author", "sailthru.author", "cxenseparse:author", "dc.creator",
    "dcterms.creator", "byl",
)  # fmt: skip
# How the site names itself in <meta>: any of these may be the author a CMS fills in by default.
# (Not twitter:site or copyright: on a one-person site those name the person.)
SITE_NAME_METAS = ("og:site_name", "application-name", "publisher")
# Second-level labels under which a country's sites register: the name of bbc.co.uk is "bbc".
MAX_NAME_CHARS = 200  # longer is a sentence, not a byline

Candidate = tuple[str, bool]  # an author's name, and whether JSON-LD types it a Person


class PageMeta:
    """A page's head facts, read for authors and dates: its <meta> by lower-cased name, its
    JSON-LD and main entity, its host, its <title>."""

    def __init__(
        self,
        metas: dict[str, list[str]],
        index: jsonld.Index,
        url: str,
        canonical: str | None = None,
        title: str | None = None,
    ) -> None:
        self.metas: dict[str, list[str]] = {}
        for key, values in metas.items():
            self.metas.setdefault(key.lower(), []).extend(values)
        self.index = index
        self.host = _host(url)
        self.title = title
        self.main = main_entity(index, {u for u in (_same_page(url), _same_page(canonical or "")) if u})

    @functools.cached_property
    def site_tokens(self) -> list[str]:
        """The names the site declares for itself: <meta>, its JSON-LD publishers and
        organisations. Not its host's label alone: on a one-person site (janedoe.com) that is
        the author's name, and a publisher's brand is declared somewhere anyway."""
        names = [v for key in SITE_NAME_METAS for v in self.metas.get(key, [])]
        if self.main is not None:  # a publisher typed Person is a person: a one-person site's author
            names += [n for p in _as_list(self.main.get("publisher")) for n in _org_names(p, self.index)]
        names += [n for o in self.index.objs if _is_organization(o) for n in _names(o)]
        return site_tokens([n for n in names if n], "")


def main_entity(index: jsonld.Index, page_urls: set[str]) -> JsonObj | None:
    """The JSON-LD article node that is the page: one at the top (not a live blog's update or a
    teaser inside another node) naming this page's URL, else one a WebPage calls its
    mainEntity, else the first at the top, else the first anywhere."""
    articles = index.of_type(ARTICLE_TYPES)
    if not articles:
        return None
    entities = {id(e) for o in index.objs if isinstance(e := _resolve(o.get("mainEntity"), index), dict)}
    top = entities | {id(o) for o in index.objs}
    at_top = [o for o in articles if id(o) in top]
    for o in at_top:
        if page_urls & _declared_urls(o):
            return o
    named = [o for o in at_top if id(o) in entities]
    return (named or at_top or articles)[0]


def published(page: PageMeta, tz: str) -> str | None:
    """The main entity's datePublished, else a publication <meta>, else the date the page's
    <title> puts after the site's name ("| DW | 28.04.2023"). None: nothing declares one."""
    declared: list[Any] = _as_list(page.main.get("datePublished")) if page.main is not None else []
    declared += [v for key in PUBLISHED_METAS for v in page.metas.get(key, [])]
    for value in declared:
        if isinstance(value, str) and (when := to_datetime(value, tz)) is not None:
            return when
    return title_date(page, tz)


def dates_republished(page: PageMeta, root: Any) -> bool:
    """A Webflow page (its <html data-wf-site>, or its generator <meta>). Webflow sites fill
    datePublished from the CMS item's "Published On", which moves each time the item is
    published again (a typo fix, a site-wide re-publish): the date the page shows is the story's."""
    if root is not None and (root.get("data-wf-site") or root.get("data-wf-page")):
        return True
    return any(g.strip().lower().startswith("webflow") for g in page.metas.get("generator", []))


def in_local_offset(when: str, root: Any) -> str:
    """`when`, a UTC instant, as a `<time datetime>` of the page writes the same instant in its
    own offset: WordPress declares UTC in JSON-LD and local time in its theme, and readers (and
    the day) go by the local one. Any other `when` stays as it is."""
    if not when.endswith("+00:00") or root is None:
        return when
    try:
        instant = datetime.fromisoformat(when)
    except ValueError:
        return when
    for el in root.iter("time"):
        try:
            local = datetime.fromisoformat((el.get("datetime") or "").strip()[:40])
        except ValueError:
            continue
        offset = local.utcoffset()
        if offset and local == instant:  # aware, not UTC, the same moment
            return local.isoformat()
    return when


def title_date(page: PageMeta, tz: str) -> str | None:
    """A date among what the <title> or og:title appends to the headline: the page's own day."""
    for title in (page.title, *page.metas.get("og:title", [])):
        for segment in strip_site_suffix(title or "", page.site_tokens)[1]:
            if segment[:1].isdigit() and segment[-1:].isdigit() and (when := to_datetime(segment, tz)):
                return when
    return None


def authors(page: PageMeta) -> list[str] | None:
    """The main entity's authors, else those of the first author <meta> naming any, none of them
    the publisher or an address. None when no source says anything (the caller keeps what it
    found); [] when everything declared was the site's own or no name."""
    sources: list[list[Candidate]] = [_entity_authors(page)]
    sources += [[(v, False) for v in page.metas.get(key, [])] for key in AUTHOR_METAS]
    declared = False
    site_people: list[str] = []
    for source in sources:
        kept: list[str] = []
        for raw, person in source:
            name = clean(raw)
            declared = declared or bool(name)
            if not _could_be_person(name):
                continue
            if is_site_name(name, page.site_tokens, page.host):
                if person:
                    site_people.append(name)
            elif name not in kept:
                kept.append(name)
        if kept:
            return kept
    # A Person named like the site, and nobody else: a one-person site ("Jane Doe" on janedoe.com).
    return site_people[:1] if site_people else [] if declared else None


def is_site_name(name: str, tokens: list[str], host: str) -> bool:
    """`name` is the site's: it spells out the host ("Deutsche Welle (www.dw.com)", an e-mail
    address there), or is one of the site's names (og:site_name, publisher, host label)."""
    lowered = name.lower()
    if host and registrable_domain(host) in lowered:
        return True
    return norm_name(name) in tokens


def _entity_authors(page: PageMeta) -> list[Candidate]:
    """The main entity's authors; an Organization is none."""
    out: list[Candidate] = []
    for value in _as_list(page.main.get("author")) if page.main is not None else []:
        value = _resolve(value, page.index)
        if isinstance(value, dict) and "@type" not in value and isinstance(ref := value.get("@id"), str):
            value = {**page.index.by_id.get(ref, {}), **value}  # {"name", "@id"}: typed where defined
        if isinstance(value, str):
            out.append((html.unescape(value), False))  # CMSs write HTML entities into JSON-LD
        elif isinstance(value, dict) and not _is_organization(value):
            out += [(html.unescape(n), _is_person(value)) for n in _names(value)]
    return out


def _org_names(value: Any, index: jsonld.Index) -> list[str]:
    value = _resolve(value, index)
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict) and not _is_person(value):
        return _names(value)
    return []


def _could_be_person(name: str) -> bool:
    """A byline: has letters, is short, is no address ("https://facebook.com/...")."""
    if not name or len(name) > MAX_NAME_CHARS or "://" in name or name.startswith("www."):
        return False
    return any(c.isalpha() for c in name)


def _types(obj: JsonObj) -> list[str]:
    t = obj.get("@type")
    return [x for x in (t if isinstance(t, list) else [t]) if isinstance(x, str)]


def _is_person(obj: JsonObj) -> bool:
    return "person" in (t.lower() for t in _types(obj))


def _is_organization(obj: JsonObj) -> bool:
    """Typed as an organisation and not as a person: a one-person site is both."""
    return any(t.endswith(_NOT_PERSON) for t in _types(obj)) and not _is_person(obj)


def _names(obj: JsonObj) -> list[str]:
    return [n for n in _as_list(obj.get("name")) if isinstance(n, str)]


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value] if value is not None else []


def _resolve(value: Any, index: jsonld.Index) -> Any:
    """{"@id": "#author-1"} is the full object of that @id elsewhere in the @graph."""
    if isinstance(value, dict) and len(value) == 1 and isinstance(ref := value.get("@id"), str):
        return index.by_id.get(ref, value)
    return value


def _declared_urls(obj: JsonObj) -> set[str]:
    """The page addresses an article node names for itself: url, @id, mainEntityOfPage."""
    out: set[str] = set()
    for value in (obj.get("url"), obj.get("@id"), *_as_list(obj.get("mainEntityOfPage"))):
        for v in [value.get("@id"), value.get("url")] if isinstance(value, dict) else [value]:
            if isinstance(v, str) and (u := _same_page(v)):
                out.add(u)
    return out


def _same_page(url: str) -> str | None:
    """`url` as compared with another address of the same page: host and path, no "www.", no
    query, fragment or trailing slash (feeds add "?maca=..." to the address a page is fetched at)."""
    try:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").removeprefix("www.")
    except ValueError:  # "http://[": no address
        return None
    return f"{host}{parts.path.rstrip('/')}" if host else None


def _host(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""
