"""Feeds, sitemaps and robots.txt read into entries: URLs with the dates their files give them.

RSS and Atom are read by feedparser (xml:base, guid permalinks, RSS 1.0); sitemaps by lxml.
Only bytes Storyline fetched itself (size caps, scope checks) are parsed: nothing here fetches.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin
from xml.parsers import expat

import feedparser
from lxml import etree
from protego import Protego

from scrapers.dom.dates import DateReader

OnProblem = Callable[[str, str], None]  # (reason, line)


@dataclass(frozen=True)
class Entry:
    url: str
    published: str | None = None  # ISO 8601, when the feed or sitemap says


MAX_URL_IN_PROBLEM = 200


def shorten(url: str) -> str:
    return url if len(url) <= MAX_URL_IN_PROBLEM else url[:MAX_URL_IN_PROBLEM] + "..."


def resolve_link(link: str, base: str) -> str:
    """A link made absolute against the document it was found in (as given when malformed)."""
    try:
        return urljoin(base, link)
    except ValueError:
        return link


def _xml(data: bytes) -> etree._Element | None:
    try:
        return etree.fromstring(data, etree.XMLParser(recover=True, resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError:
        return None


def _date(raw: str, url: str, on_problem: OnProblem | None, read: DateReader) -> str | None:
    """The entry's date as ISO 8601; an unreadable one is reported and the entry kept undated."""
    raw = raw.strip()
    if not raw:
        return None
    try:
        when, why = read(raw), "no date Storyline can read"
    except (ValueError, OverflowError) as exc:  # e.g. an offset of -25:00
        when, why = None, str(exc)
    if when is None and on_problem is not None:
        on_problem("unreadable date", f"{shorten(url)}: date {raw[:60]!r} unreadable ({why}); kept undated")
    return when


_HTML_TYPES = ("text/html", "application/xhtml+xml")
_WEB_ADDRESS = re.compile(r"\s*https?://", re.IGNORECASE)


def _entry_link(item: Any, atom: bool) -> str | None:
    """The entry's page: its first alternate link (an HTML one if any), else an RSS guid that is a
    permalink and a web address (a guid like `12345` names the item, no page). None when it has
    none; "" when its link is empty or could not be joined to its xml:base."""
    alternates = [link for link in item.get("links", ()) if link.get("rel") == "alternate" and "href" in link]
    html = [link for link in alternates if link.get("type") in _HTML_TYPES]
    if html or alternates:
        return str((html or alternates)[0]["href"]).strip()
    guid = item.get("link")  # feedparser's stand-in for a missing link: the guid
    if not atom and guid and item.get("guidislink") and _WEB_ADDRESS.match(guid):
        return str(guid).strip()
    return None


# A reference to no character (a lone surrogate &#xD83D;, as broken CMSes escape emoji, or
# &#2000000;) makes feedparser raise (chr() or UTF-8 refuse it) and lose the whole feed.
_CHARREF = re.compile(rb"&#(?:[xX]([0-9a-fA-F]+)|([0-9]+));")


def _no_char(ref: re.Match[bytes]) -> bytes:
    hex_digits, digits = ref.group(1), ref.group(2)
    text = (hex_digits or digits).lstrip(b"0")
    if len(text) > 8:
        return b"&#xFFFD;"
    code = int(text or b"0", 16 if hex_digits else 10)
    return b"&#xFFFD;" if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF else ref.group()


# What feedparser reads in seconds: it spends ~20 µs on each element (a 10,000-item feed has
# 60,000), and XML that is not well-formed goes to its pure-Python parser, ~2.5 s per MiB.
MAX_FEED_TAGS = 200_000
MAX_LOOSE_FEED_BYTES = 2 * 2**20


def _well_formed(data: bytes) -> bool:
    """As feedparser's strict parser (expat, namespaces on) sees it; ~100 MiB/s, bombs refused."""
    try:
        expat.ParserCreate(namespace_separator=" ").Parse(data, True)
    except expat.ExpatError:
        return False
    return True


def _readable_part(data: bytes, on_problem: OnProblem | None, base: str) -> bytes:
    """All of `data`, or (said as a problem) as much of its start as is read in seconds: a feed
    lists its newest entries first. Every `<` counts as a tag (CDATA's too: an upper bound)."""
    too_many = data.count(b"<") > MAX_FEED_TAGS
    if not too_many and (len(data) <= MAX_LOOSE_FEED_BYTES or _well_formed(data)):
        return data
    end = -1
    for _ in range(MAX_FEED_TAGS if too_many else 0):
        end = data.find(b"<", end + 1)
    cut = min(MAX_LOOSE_FEED_BYTES, end if too_many else len(data))
    if on_problem is not None:
        why = f"over {MAX_FEED_TAGS:,} tags" if too_many else "not well-formed XML over 2 MiB"
        on_problem("feed too costly", f"{shorten(base or 'the feed')}: {why}: its first {cut:,} bytes read")
    return data[:cut]


def parse_feed(data: bytes, on_problem: OnProblem | None = None, base: str = "") -> list[Entry]:
    """RSS 2.0 / RSS 1.0 / Atom entries, in feed order, links made absolute against their xml:base
    and `base` (the feed's URL); `on_problem(reason, line)` hears of bad ones."""
    # A stream, never bytes or str: feedparser fetches a str that is a URL and opens one that names
    # a file. No base URL for it either: it empties a link it cannot join (http://[x) without a
    # word; it joins xml:base, `resolve_link` the feed's URL, after. Entries' HTML is never used.
    try:
        stream = io.BytesIO(_CHARREF.sub(_no_char, _readable_part(data, on_problem, base)))
        parsed = feedparser.parse(stream, sanitize_html=False, resolve_relative_uris=False)
    except Exception as exc:  # a third-party parser on hostile bytes: the feed is lost, not the run
        if on_problem is not None:
            on_problem("unreadable feed", f"{shorten(base or 'the feed')}: {type(exc).__name__}: {exc}")
        return []
    atom = str(parsed.get("version", "")).startswith("atom")
    read = DateReader()
    out = []
    for item in parsed.get("entries", ()):
        link = _entry_link(item, atom)
        if link == "" and on_problem is not None:
            on_problem("malformed URL", f"an entry of {shorten(base or 'the feed')}: link empty or malformed")
        if link:
            url = resolve_link(link, base)
            # dict.get: FeedParserDict.get("updated") answers "published" with a DeprecationWarning
            raw = next((item[k] for k in ("published", "updated", "created") if dict.get(item, k)), "")
            out.append(Entry(url, _date(str(raw), url, on_problem, read)))
    return out


def parse_sitemap(data: bytes, on_problem: OnProblem | None = None) -> tuple[list[str], list[Entry]]:
    """(child sitemaps, page entries) of a sitemap index or urlset, news sitemaps included."""
    root = _xml(data)
    if root is None:
        return [], []
    children = [s.strip() for s in root.xpath("//*[local-name()='sitemap']/*[local-name()='loc']/text()")]
    entries, read = [], DateReader()
    for url in root.xpath("//*[local-name()='url']"):
        loc = url.xpath("string(*[local-name()='loc'])").strip()
        date = url.xpath("string(.//*[local-name()='publication_date'] | *[local-name()='lastmod'])")
        if loc:
            entries.append(Entry(loc, _date(date, loc, on_problem, read)))
    return children, entries


def robots_sitemaps(text: str) -> list[str]:
    """The `Sitemap:` lines of a robots.txt (Protego reads them as RFC 9309 parsers do)."""
    return list(Protego.parse(text).sitemaps)
