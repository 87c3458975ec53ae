"""Discovery on libraries: feeds by feedparser, URLs by w3lib, other languages' dates by dateparser.

Each test is one thing the hand-written readers got wrong, or one safety promise the libraries
must not break (feedparser never fetches, hostile feeds stay fast, tracking parameters still go).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import feedparser.http
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cputime import timed
from scrapers.config.urls import canonicalize
from scrapers.dom.dates import DateReader
from scrapers.job import feeds
from scrapers.job.discover import parse_sitemap
from scrapers.job.feeds import parse_feed

FEED = "https://n.example/feeds/all.xml"
ATOM = 'xmlns="http://www.w3.org/2005/Atom"'


def atom(entries: str, attrs: str = "") -> bytes:
    return f"<feed {ATOM}{attrs}>{entries}</feed>".encode()


def rss(items: str) -> bytes:
    return f'<?xml version="1.0"?><rss version="2.0"><channel>{items}</channel></rss>'.encode()


def urls(data: bytes, problems: list[str] | None = None) -> list[str]:
    found = parse_feed(
        data, (lambda reason, line: problems.append(line)) if problems is not None else None, FEED
    )
    return [e.url for e in found]


# -- feeds ----------------------------------------------------------------------------------------


def test_a_relative_atom_link_is_resolved_against_the_feed_url() -> None:
    assert urls(atom('<entry><link href="/news/a"/></entry><entry><link href="b"/></entry>')) == [
        "https://n.example/news/a",
        "https://n.example/feeds/b",
    ]


def test_a_relative_atom_link_is_resolved_against_xml_base() -> None:
    absolute = atom('<entry><link href="a"/></entry>', ' xml:base="https://cdn.n.example/news/"')
    assert urls(absolute) == ["https://cdn.n.example/news/a"]
    # A relative xml:base is itself resolved against the feed's URL; an entry's own one wins.
    entries = (
        '<entry><link href="a"/></entry><entry xml:base="https://cdn.n.example/x/"><link href="b"/></entry>'
    )
    assert urls(atom(entries, ' xml:base="/world/"')) == [
        "https://n.example/world/a",
        "https://cdn.n.example/x/b",
    ]


def test_a_link_that_cannot_be_joined_to_xml_base_is_reported() -> None:
    problems: list[str] = []
    data = atom('<entry><link href="http://[x"/></entry><entry><link href="c"/></entry>', ' xml:base="/w/"')
    assert urls(data, problems) == ["https://n.example/w/c"]
    assert problems == [f"an entry of {FEED}: link empty or malformed"]


def test_the_html_alternate_link_is_the_page() -> None:
    entry = (
        '<entry><link rel="self" href="/self"/><link rel="alternate" type="application/pdf" href="/a.pdf"/>'
        '<link rel="alternate" type="text/html" href="/a"/><link rel="alternate" href="/b"/></entry>'
    )
    assert urls(atom(entry)) == ["https://n.example/a"]


def test_an_rss_item_with_only_a_permalink_guid_is_kept() -> None:
    items = (
        '<item><guid isPermaLink="true">https://n.example/news/1</guid></item>'
        "<item><guid>https://n.example/news/2</guid></item>"  # isPermaLink is true by default
    )
    assert urls(rss(items)) == ["https://n.example/news/1", "https://n.example/news/2"]


def test_a_guid_that_is_no_permalink_or_no_web_address_is_no_link() -> None:
    problems: list[str] = []
    items = (
        '<item><guid isPermaLink="false">https://n.example/news/1</guid></item>'
        "<item><guid>12345</guid></item>"  # a name for the item: no page, no problem
        "<item><guid>https://n.example/guid</guid><link>https://n.example/news/3</link></item>"
    )
    assert urls(rss(items), problems) == ["https://n.example/news/3"]
    assert problems == []
    # An Atom id names an entry (tag:, urn:, or a URL that is no page): never a link.
    assert urls(atom("<entry><id>https://n.example/id/1</id></entry>")) == []


def test_rss_links_keep_their_query_and_problems() -> None:
    problems: list[str] = []
    items = "<item><link> /news/a?x=1&amp;y=2 </link></item><item><link>javascript:alert(1)</link></item>"
    assert urls(rss(items), problems) == ["https://n.example/news/a?x=1&y=2", "javascript:alert(1)"]
    assert problems == []  # the job's URL policy refuses javascript:, and says so


def test_feedparser_never_opens_what_it_is_given(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given bytes or a str, feedparser opens a file of that name or fetches a URL itself.
    local = tmp_path / "feed.xml"
    local.write_bytes(rss("<item><link>https://n.example/secret</link></item>"))

    def no_fetch(*args: object, **kwargs: object) -> bytes:
        raise AssertionError("feedparser fetched")

    monkeypatch.setattr(feedparser.http, "get", no_fetch)
    assert parse_feed(str(local).encode()) == []
    assert parse_feed(FEED.encode()) == []


def test_a_reference_to_no_character_loses_no_entry() -> None:
    # feedparser raises on these in its loose parser; lone surrogates come from broken emoji escapes.
    items = "<item><title>&#xD83D;&#xDE00; &#2000000; &#" + "9" * 5000 + ";</title><link>/a</link></item>"
    assert urls(rss(items)) == ["https://n.example/a"]


def test_dates_come_from_published_then_updated_without_warnings() -> None:
    entry = "<entry><link href='/a'/><updated>2026-03-28T10:00:00Z</updated></entry>"
    entry += (
        "<entry><link href='/b'/><published>2026-03-27T10:00:00+01:00</published><updated>x</updated></entry>"
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # feedparser warns when "updated" is asked for and missing
        found = parse_feed(atom(entry), None, FEED)
    assert [e.published for e in found] == ["2026-03-28T10:00:00+00:00", "2026-03-27T10:00:00+01:00"]


def test_a_feed_too_costly_to_read_whole_is_read_in_part(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(feeds, "MAX_FEED_TAGS", 20)
    problems: list[str] = []
    found = urls(rss("".join(f"<item><link>/n/{i}</link></item>" for i in range(50))), problems)
    assert 0 < len(found) < 10 and found[0] == "https://n.example/n/0"
    assert len(problems) == 1 and "over 20 tags: its first" in problems[0]


def test_a_huge_broken_feed_is_read_in_seconds() -> None:
    # 20 MiB of items with a raw "&" (the usual breakage) would take feedparser's loose parser a minute.
    item = "<item><title>A & B</title><link>https://n.example/news/{}?a=1&b=2</link><description>"
    item += "word " * 200 + "</description></item>"
    data = rss("".join(item.format(i) for i in range(20_000)))
    problems: list[str] = []
    found, took = timed(lambda: urls(data, problems))
    print(f"{len(data) / 2**20:.0f} MiB broken feed: {took:.2f} CPU s, {len(found)} entries")
    assert found[0] == "https://n.example/news/0?a=1&b=2"  # the loose parser keeps a raw "&"
    assert problems == [f"{FEED}: not well-formed XML over 2 MiB: its first 2,097,152 bytes read"]
    assert took < 30  # CPU seconds of this thread: a loaded machine does not count


# -- URLs -----------------------------------------------------------------------------------------


def test_canonical_urls_have_no_dot_segments() -> None:
    assert canonicalize("https://n.example/a/./b/../c") == "https://n.example/a/c"
    assert canonicalize("https://n.example/../../a") == "https://n.example/a"


def test_canonical_urls_normalise_percent_encoding() -> None:
    spellings = ["https://n.example/%7euser/a", "https://n.example/%7Euser/a", "https://n.example/~user/a"]
    assert {canonicalize(u) for u in spellings} == {"https://n.example/~user/a"}
    assert canonicalize("https://n.example/a%2fb%3f") == "https://n.example/a%2Fb%3F"  # kept encoded
    assert canonicalize("https://n.example/ä?q=ü") == "https://n.example/%C3%A4?q=%C3%BC"
    assert canonicalize("https://n.example/a?q=%e4") == "https://n.example/a?q=%E4"  # Latin-1 kept


def test_canonical_urls_have_idn_hosts_as_punycode() -> None:
    assert canonicalize("https://Bücher.de/a") == "https://xn--bcher-kva.de/a"
    assert canonicalize("https://xn--bcher-kva.de/a") == "https://xn--bcher-kva.de/a"


def test_tracking_parameters_are_still_dropped_and_the_order_kept() -> None:
    url = "HTTPS://News.Example.com:443/a?z=1&utm_source=x&fbclid=y&a=2&utm_medium=m#top"
    assert canonicalize(url) == "https://news.example.com/a?z=1&a=2"
    assert canonicalize(url, keep_fragment=True) == "https://news.example.com/a?z=1&a=2#top"
    assert canonicalize("http://n.example/?ref=1&a=2", drop=["ref"]) == "http://n.example/?a=2"
    assert canonicalize("http://u:p@[::1]:8080") == "http://u:p@[::1]:8080/"


def test_malformed_urls_still_raise_value_error() -> None:
    for url in ("http://[x", "http://x:99999/"):
        with pytest.raises(ValueError):
            canonicalize(url)


@settings(max_examples=300, deadline=None, database=None)
@given(st.lists(st.sampled_from([*"abAB/.%7eE~?&=#:ä@[]+ ;", "%7E", "%e4", "utm_x=1", "../"]), max_size=20))
def test_canonicalize_is_idempotent(path: list[str]) -> None:
    try:
        once = canonicalize(f"https://n.example/{''.join(path)}")
    except ValueError:
        return
    assert canonicalize(once) == once


# -- dates ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    ["27. März 2026", "27 de marzo de 2026", "27 mars 2026", "2026年3月27日"],
    ids=["de", "es", "fr", "ja"],
)
def test_dates_in_other_languages(raw: str) -> None:
    assert DateReader()(raw) == "2026-03-27T00:00:00+00:00"


def test_other_languages_keep_times_and_offsets() -> None:
    assert DateReader()("Mi, 27. März 2026, 14:30 Uhr +0100") == "2026-03-27T13:30:00+00:00"
    # dateutil's fuzzy mode read this as 30 January (skipping "März", filling in from today).
    assert DateReader()("1. März 2026 0:00 Uhr") == "2026-03-01T00:00:00+00:00"


def test_no_date_is_invented() -> None:
    read = DateReader()
    for raw in ("27. März", "vor 3 Stunden", "hace 2 días", "Wed, 03 Sep 2025 09:09:00 -25:00"):
        assert read(raw) is None, raw


def test_the_fast_path_comes_first() -> None:
    read = DateReader(budget_s=0)  # no time for dateparser at all
    assert read("Wed, 03 Sep 2025 09:09:00 GMT") == "2025-09-03T09:09:00+00:00"
    assert read("2025-09-03") == "2025-09-03T00:00:00+00:00"
    assert read("September 3rd, 2025 at 10:00 a.m. EDT") == "2025-09-03T10:00:00-04:00"
    assert read("1. März 2026 0:00 Uhr") is None  # unread, not misread


def test_feed_dates_in_other_languages() -> None:
    items = "<item><link>/a</link><pubDate>27 de marzo de 2026</pubDate></item>"
    assert [e.published for e in parse_feed(rss(items), None, FEED)] == ["2026-03-27T00:00:00+00:00"]


def test_sitemap_dates_in_other_languages() -> None:
    urlset = b"""<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>https://n.example/a</loc>
      <lastmod>27 de marzo de 2026</lastmod></url></urlset>"""
    assert [e.published for e in parse_sitemap(urlset)[1]] == ["2026-03-27T00:00:00+00:00"]
