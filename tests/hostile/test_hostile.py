"""Hostile pages: each ends in one record (a story, or an error of kind `content`), in seconds,
and the regexes that read page text take linear time.

The pages are built to hit what went wrong before: headline cleaning that took 9 s on a <title>
of 32,000 spaces, JSON-LD nested past Python's recursion limit, lone surrogates that UTF-8
refused, the body and widget algorithms walking every ancestor of every paragraph.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import pytest

from conftest import ROOT
from cputime import timed
from scrapers.config.fieldspec import ValueType
from scrapers.config.sitefiles import generic_site, load_site_file
from scrapers.config.sitespec import SiteSpec
from scrapers.dom import jsonld
from scrapers.dom.parse import parse_html
from scrapers.dom.values import OTHER_WHITESPACE, clean, to_datetime
from scrapers.extract import fields
from scrapers.extract.recipe import extract
from scrapers.generic import body as mainbody
from scrapers.generic import headline
from scrapers.output.record import Record
from scrapers.page.pipeline import SeenPage, process_saved

# Pages built to be as hostile as possible, extracted with several site files: `make quick`
# leaves them out.
pytestmark = pytest.mark.heavy

URL = "https://www.example.com/world/storm-hits-the-coast"
GENERIC = generic_site()
# Real site files: their selectors miss on these pages, so generic extraction fills in for them.
SITES = [
    GENERIC,
    load_site_file(ROOT / "selectors" / "bbc.yaml"),
    load_site_file(ROOT / "selectors" / "nzz.yaml"),
]
SITE_IDS = [s.site for s in SITES]
HEADLINE = "Storm hits the coast"
SENTENCES = "The storm reached the coast on Monday night, and the town woke to flooded streets. " * 2

# What the headline and caption patterns look for, each repeated 100,000 characters' worth.
FILLS = [" ", "-", "|", " - ", " | ", "–", " –", "- ", "ㅣ", "｜ ", ": ", "\u00a0", "\u3000", "\t|"]
FILLS += [" -|", "·", " / ", "»", "*", "\u200c", " \u200d", "(Photo:", "(", ",1", "getty images ", "&amp;"]
N = 100_000


def page(head: str = "", body: str = "") -> str:
    return f"<!doctype html><html><head>{head}</head><body>{body}</body></html>"


def ld(obj: Any) -> str:
    return f'<script type="application/ld+json">{obj if isinstance(obj, str) else json.dumps(obj)}</script>'


def escaped(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")


def recorded(html: str, site: SiteSpec, valid: Callable[[Record], dict[str, Any]]) -> tuple[Record, float]:
    """The page's record through the saved-page pipeline, checked, and the seconds it took."""
    rec, seconds = timed(lambda: process_saved(SeenPage(URL, html, URL), site))
    valid(rec)  # against record.schema.json
    rec.to_json().encode("utf-8")  # an NDJSON line that a UTF-8 file takes
    if rec.status == "error":
        assert rec.error is not None and rec.error.kind == "content", rec.error
    return rec, seconds


@pytest.fixture(scope="module", autouse=True)
def warm() -> None:
    """Imports and first-use costs (trafilatura, htmldate, dateutil) are not what is timed."""
    for site in SITES:
        extract(page(f"<title>{HEADLINE}</title>", f"<h1>x</h1><p>{SENTENCES}</p>"), URL, site)


# --- regexes on page text -------------------------------------------------------------------


def headline_page(fill: str) -> str:
    title = HEADLINE + fill * (N // len(fill)) + " | Example"
    head = f'<title>{escaped(title)}</title><meta property="og:title" content="{escaped(title)}">'
    head += ld({"@type": "NewsArticle", "headline": title})
    return page(head, f"<h1>{escaped(title)}</h1><p>{SENTENCES}</p>")


@pytest.mark.parametrize("site", SITES, ids=SITE_IDS)
@pytest.mark.parametrize("fill", FILLS, ids=[repr(f) for f in FILLS])
def test_a_headline_of_100000_separators_extracts_in_time(fill: str, site: SiteSpec) -> None:
    """<title>, og:title, <h1> and JSON-LD headline each hold 100,000 characters of one filler
    (9 s for 32,000 spaces before). The bound is the issue's 0.5 s; typical is 0.02 s."""
    html = headline_page(fill)
    ex, seconds = timed(lambda: extract(html, URL, site))
    assert seconds < 0.5
    assert (ex.story.headline or "").startswith(HEADLINE)


@pytest.mark.parametrize("fill", FILLS, ids=[repr(f) for f in FILLS])
def test_headline_patterns_are_linear(fill: str) -> None:
    """The patterns themselves, on 100,000 characters (titles that long are left alone)."""
    text = HEADLINE + fill * (N // len(fill)) + "x"
    _, seconds = timed(
        lambda: (list(headline._SEP.finditer(text)), headline._strip_trailing(text + fill * N))
    )
    assert seconds < 0.5
    long = HEADLINE + fill * (N // len(fill)) + " | Example"
    assert headline.strip_site_suffix(long, ["example"]) == (long.strip(), [])


@pytest.mark.parametrize("fill", FILLS, ids=[repr(f) for f in FILLS])
def test_a_title_at_the_length_limit_is_cleaned_quickly(fill: str) -> None:
    title = (HEADLINE + fill * headline.MAX_TITLE)[: headline.MAX_TITLE - 10] + " | Example"
    got, seconds = timed(lambda: headline.better_headline(title, ["Example"], "www.example.com", title))
    assert seconds < 0.5
    assert got is not None and got.startswith(HEADLINE) and not got.endswith("Example")


def test_headline_cleaning_still_does_its_job() -> None:
    assert headline.strip_site_suffix("Storm hits the coast | World | Example", ["example"]) == (
        "Storm hits the coast",
        ["Example", "World"],
    )
    assert headline.strip_site_suffix("Storm hits the coast - Example -  ", ["example"])[0] == HEADLINE
    assert headline._strip_trailing("Storm :｜ - \u3000") == "Storm"


@pytest.mark.parametrize("fill", FILLS, ids=[repr(f) for f in FILLS])
def test_text_patterns_are_linear(fill: str) -> None:
    """clean() (joiners and whitespace), the body's clutter and caption checks, a date."""
    text = "Storm" + fill * (N // len(fill)) + "x"
    _, seconds = timed(
        lambda: (
            clean(text),
            mainbody._is_clutter(clean(text)),
            mainbody._is_clutter(text),
            to_datetime(text),
        )
    )
    assert seconds < 0.5


def test_clean_is_what_the_whitespace_regex_did() -> None:
    assert sorted(OTHER_WHITESPACE + " ") == [chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()]
    assert clean("  a \t\n b\u00a0\u00a0c\u200b \u200c d\u200de ") == "a b c d\u200de"


def test_captions_are_still_found() -> None:
    assert mainbody._is_caption("Rescuers at work (Photo: AP) ")
    assert mainbody._is_caption("Rescuers (at work) (Image: Reuters)")
    assert mainbody._is_caption("Rescuers at work | Getty Images")
    assert not mainbody._is_caption("Rescuers (Photo: AP) at work")
    assert mainbody._is_caption("Rescuers (Photo: AP (x)")  # as before: "(" may sit inside
    assert not mainbody._is_caption("Rescuers (Photo: AP) (x)")


def test_a_site_regex_sees_collapsed_whitespace_and_a_bounded_value() -> None:
    """A pattern of our site files that takes cubic time on a run of spaces (1 s for 1,000)."""
    cubic = r"^(.*?)\s*(?:\([^()]*\))?\s*$"
    raw = "Caption" + "\u00a0" * N + "x"
    got, seconds = timed(lambda: fields._apply_regex(raw, cubic))
    assert seconds < 0.5
    assert got == "Caption x"
    assert fields._apply_regex("A  caption\n(Photo: AP)", cubic) == "A caption"
    assert fields._apply_regex(" <p>a  b</p>", r"<p>(.*)</p>", ValueType.html) == "a  b"


# --- pages that used to raise -----------------------------------------------------------------


def test_json_ld_past_the_recursion_limit_is_skipped_like_broken_json() -> None:
    deep = ["[" * 50_000 + "]" * 50_000, '{"a":' * 50_000 + "1" + "}" * 50_000]
    objs = jsonld.parse_blocks([*deep, json.dumps({"@type": "NewsArticle", "headline": HEADLINE})])
    assert jsonld.lookup(objs, "NewsArticle.headline") == [HEADLINE]


def test_json_ld_with_objects_where_names_belong() -> None:
    """An @id or @type that is a list or an object (str() of a deep one would recurse)."""
    deep_type = '{"@type":' + "[" * 500 + '"x"' + "]" * 500 + ',"headline":"x"}'
    authors = [{"@id": [1]}, {"@id": {"a": 1}}, {"@id": None}, {"@id": "#p"}]
    article = {"@type": "NewsArticle", "@id": ["x"], "headline": HEADLINE, "author": authors}
    person = {"@type": "Person", "@id": "#p", "name": "Ann"}
    objs = jsonld.parse_blocks([deep_type, json.dumps({"@graph": [article, person]})])
    assert jsonld.lookup(objs, "NewsArticle.headline") == [HEADLINE]
    assert jsonld.lookup(objs, "NewsArticle.author") == ["Ann"]


def test_lone_surrogates_become_replacement_characters() -> None:
    doc = parse_html(page("<title>a\ud800b</title>", '<p class="x\udfff">\ud83d\ude00 caf\udce9</p>'))
    assert doc.css("title::text").get() == "a\ufffdb"
    assert doc.css("p::text").get() == "\U0001f600 caf\ufffd"  # a pair written as two is the one character
    objs = jsonld.parse_blocks(['{"@type": "NewsArticle", "headline": "\\ud800 H \\ud83d\\ude00"}'])
    assert jsonld.lookup(objs, "NewsArticle.headline") == ["\ufffd H \U0001f600"]


def deep(tag: str, n: int, text: str = "x") -> str:
    return f"<{tag}>{text}" * n + f"</{tag}>" * n


H1 = f"<h1>{HEADLINE}</h1>"
PAGES: dict[str, Callable[[], str]] = {
    "json-ld nested 50,000 deep": lambda: page(
        ld("[" * 50_000 + "]" * 50_000)
        + ld('{"a":' * 50_000 + "1" + "}" * 50_000)
        + ld({"@type": "NewsArticle", "headline": HEADLINE}),
        f"<p>{SENTENCES}</p>",
    ),
    "100,000 nested divs": lambda: page(body=H1 + deep("div", N)),
    "100,000 nested spans": lambda: page(body=H1 + deep("span", N, "a few words ")),
    "100,000 nested links": lambda: page(body=H1 + deep("a", N)),
    "2,000 nested divs around 30,000 paragraphs": lambda: page(
        body=H1 + "<div>" * 2000 + f"<p>{SENTENCES}</p>" * 30_000
    ),
    "2,000 nested spans around 50,000 inline elements": lambda: page(
        body=H1 + "<span>x" * 2000 + "<b>x</b>" * 50_000
    ),
    "2,000 nested headings over 20,000 links": lambda: page(
        body=H1
        + '<div class="title">Most read' * 2000
        + '<a href="/s/1">A story headline here now</a>' * 20_000
    ),
    "20,000 headings climbing 500 levels": lambda: page(
        body=H1 + "<div>" * 500 + '<h2>Most read</h2><a href="/x">Home</a>' * 20_000
    ),
    "lone surrogates": lambda: page(
        f"<title>{HEADLINE}\ud800</title>"
        + ld('{"@type":"NewsArticle","headline":"' + HEADLINE + ' \\udfff"}'),
        f'<h1 class="\ud800">{HEADLINE}\udfff</h1><p data-x="\udc00">{SENTENCES}\ud800</p>',
    ),
    "NUL bytes": lambda: page(
        f"<title>{HEADLINE}\x00</title>", f"<h1>{HEADLINE}\x00</h1><p>{SENTENCES}</p>" + "\x00" * N
    ),
    "invalid UTF-8 as surrogateescape": lambda: (
        b"<html><head><title>Storm hits the coast \xe9\xff</title></head>"
        + b"<body><h1>Storm hits the coast \x80</h1>"
        + b"<p>"
        + SENTENCES.encode()
        + b"\xc3</p></body></html>"
    ).decode("utf-8", "surrogateescape"),
    "control characters": lambda: page(
        "<title>" + "".join(map(chr, range(1, 32))) + "</title>",
        H1 + "<p>" + "\x0b\x0c\x1b\x7f\x85" * 20_000 + "</p>",
    ),
    "huge attribute values": lambda: page(
        f'<meta property="og:title" content="{HEADLINE}{" " * 5_000_000}x">',
        f'<div class="{"a " * 2_500_000}" id="{"x" * 5_000_000}" style="{"display: block; " * 300_000}">'
        f'<a href="/{"y" * 5_000_000}">{HEADLINE}</a><p>{SENTENCES}</p></div>',
    ),
    "200,000 attributes": lambda: page(
        body=H1 + "<div " + " ".join(f"a{i}=x" for i in range(200_000)) + f"><p>{SENTENCES}</p></div>"
    ),
    "a date of a million numbers": lambda: page(
        f'<meta property="article:published_time" content="{"1 " * 1_000_000}">',
        H1 + f'<time datetime="{"2024 " * 200_000}">x</time>',
    ),
    "30,000 caption openers": lambda: page(
        body=H1 + f"<div><p>{SENTENCES}</p><p>" + "(photo:" * 30_000 + "</p></div>"
    ),
    "100,000 comment openers": lambda: page(body=H1 + "<!--" * N + f"<p>{SENTENCES}</p>"),
    "links that are no URLs": lambda: page(
        '<base href="http://["><meta property="og:image" content="http://[">'
        '<link rel="canonical" href="//[x">',
        H1
        + "<section><h2>Most read</h2>"
        + "".join(f'<a href="http://[{i}">A story headline number {i}</a>' for i in range(5))
        + f'<a href="/a/1">A story headline that links</a></section><p>{SENTENCES}</p>',
    ),
}


@pytest.mark.parametrize("site", SITES, ids=SITE_IDS)
@pytest.mark.parametrize("name", list(PAGES))
def test_a_hostile_page_ends_in_a_record(
    name: str, site: SiteSpec, valid: Callable[[Record], dict[str, Any]]
) -> None:
    """Within a few seconds (typical: under 1.5 s on this 2-core machine), never an exception."""
    rec, seconds = recorded(PAGES[name](), site, valid)
    assert seconds < 8
    assert rec.status in ("ok", "partial")
    assert rec.story is not None and (rec.story.headline or "").startswith(HEADLINE)


def test_what_still_fails_inside_extraction_is_a_content_error(
    monkeypatch: pytest.MonkeyPatch, valid: Callable[[Record], dict[str, Any]]
) -> None:
    def deeper(*_: Any) -> Any:
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr("scrapers.extract.recipe.story_body", deeper)
    rec, _ = recorded(page(body=H1), GENERIC, valid)
    assert rec.status == "error" and rec.error is not None and rec.error.kind == "content"
    assert "RecursionError" in rec.error.message


BIG = """
import json, resource, sys, time
from scrapers.config.sitefiles import generic_site
from scrapers.page.pipeline import SeenPage, process_saved
html = "<html><body><h1>Storm hits the coast</h1><p>" + "word " * 10_000_000 + "</p></body></html>"
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t0 = time.process_time()  # CPU seconds: a loaded machine does not count
rec = process_saved(SeenPage("https://example.com/a", html, "https://example.com/a"), generic_site())
line = rec.to_json()
print(json.dumps({"status": rec.status, "text": len(rec.story.text), "seconds": time.process_time() - t0,
                  "grew_mb": (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024}))
"""


def test_a_50_mb_text_node_ends_in_a_record_in_bounded_memory() -> None:
    """In a process of its own, to measure its memory: 1.1 GB more for extraction alone before
    (one piece per whitespace run in re.sub), 0.3 GB now (the page is 50 MB, the line too)."""
    out = subprocess.run(
        [sys.executable, "-c", BIG], capture_output=True, text=True, check=True, cwd=ROOT, timeout=120
    )
    got = json.loads(out.stdout)
    assert got["status"] == "ok" and got["text"] >= 49_000_000
    assert got["seconds"] < 10
    assert got["grew_mb"] < 700
