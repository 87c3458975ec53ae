"""Discovery on libraries: feeds by feedparser, URLs by w3lib, other languages' dates by dateparser.

Each test is one thing the hand-written readers got wrong, or one safety promise the libraries
must not break (feedparser never fetches, hostile feeds stay fast, tracking parameters still go).
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scrapers.config.urls import canonicalize
from scrapers.dom.dates import DateReader
from scrapers.pipeline.discover import parse_sitemap

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


def test_sitemap_dates_in_other_languages() -> None:
    urlset = b"""<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>https://n.example/a</loc>
      <lastmod>27 de marzo de 2026</lastmod></url></urlset>"""
    assert [e.published for e in parse_sitemap(urlset)[1]] == ["2026-03-27T00:00:00+00:00"]
