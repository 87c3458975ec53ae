"""The extractor as a pure function: HTML + URL + site file -> story, widgets, page fields."""

from __future__ import annotations

import textwrap
from typing import Any

from scrapers.config.sitefiles import generic_site, parse_site_text
from scrapers.config.sitespec import SiteSpec
from scrapers.dom.values import element_text, to_datetime, to_int, to_url
from scrapers.extract.recipe import extract
from scrapers.page.pipeline import SeenPage, process_saved

URL = "https://news.example/world/story-1?x=1"

PAGE = """<!doctype html>
<html lang="en-GB"><head>
<title>Big story | News</title>
<link rel="canonical" href="/world/story-1">
<meta property="og:title" content="OG headline">
<meta name="author" content="Meta Author">
<script type="application/ld+json">
{"@context": "https://schema.org", "@graph": [
  {"@type": "WebPage", "@id": "#page"},
  {"@type": "NewsArticle", "headline": "JSON-LD &amp; headline", "datePublished": "2025-09-03T14:20:00+05:30",
   "author": [{"@id": "#a1"}, {"@type": "Person", "name": "Bea Two"}], "keywords": "alpha, beta"},
  {"@type": "Person", "@id": "#a1", "name": "Ann One"}
]}
</script>
</head><body>
<div class="top"><span class="date">Wednesday, September 3, 2025</span>
  <span class="temp">31.1 C</span> <span class="city">New Delhi</span></div>
<article class="story">
  <h1 class="headline">  The  real
     headline </h1>
  <p class="standfirst">The standfirst.</p>
  <div class="byline">By <a rel="author">Ann One</a> and <a rel="author">Bea Two</a>
    and <a rel="author">Ann One</a></div>
  <time datetime="2025-09-03 10:00">3 Sept</time>
  <figure><img src="/img/lead.jpg" srcset="/img/lead-2x.jpg 2x, /img/lead-3x.jpg 3x">
    <figcaption><span class="cap">Caption text</span><span class="credit">Photo: PTI</span>
    </figcaption></figure>
  <div class="share">Share on X</div>
  <div class="body">
    <p>First <b>para</b>graph.</p>
    <p>   </p>
    <aside class="promo"><p>Read more: another story</p></aside>
    <h2>Sub one</h2>
    <p>Second<br>line two.</p>
    <div class="ad"><p>Buy things</p></div>
    <h2>Sub two</h2>
    <p>Third paragraph with <script>var x = 1;</script>no script.</p>
  </div>
  <a class="source" href="https://source.example/orig">Go to Source</a>
  <span class="words">1,234 words</span>
</article>
<section class="hot"><h2>Hot this week</h2>
  <div class="t"><a href="/a/1"><h3>Teaser one</h3></a><p>Sum one</p>
    <time datetime="2025-09-01T08:00:00Z"></time></div>
  <div class="t"><a href="https://other.example/2"><h3>Teaser two</h3></a><p>Sum two</p></div>
  <div class="t"><a href="javascript:void(0)"></a></div>
</section>
</body></html>
"""


def site(text: str) -> SiteSpec:
    return parse_site_text(textwrap.dedent(text), "test.yaml")


FULL = site("""\
    site: t
    domains: [news.example]
    render: {timezone: Asia/Kolkata}
    story:
      root: article.story
      exclude: [.share, .body aside.promo, .body .ad]
      headline: [h2.missing, h1.headline]
      summary: p.standfirst
      authors: .byline a[rel=author]
      published: {css: time, attr: datetime}
      topics: {jsonld: NewsArticle.keywords, split: ","}
      lead_image:
        url: {css: figure img, attr: srcset}
        caption: figcaption .cap
        credit: {css: figcaption .credit, regex: 'Photo: (.+)'}
      body:
        paragraphs: .body p
        headings: .body h2
      fields:
        source_url: {css: a.source, attr: href, type: url}
        words: {css: .words, type: int}
    widgets:
      - name: hot_this_week
        root: section.hot
        title: h2
        items: div.t
        item:
          title: h3
          url: {css: a, attr: href, type: url}
          summary: p
          published: {css: time, attr: datetime}
      - name: never_there
        root: section.nope
        items: li
        required: true
    page:
      dateline: .top .date
      weather: {css: .top .temp, fallbacks: [{css: .x}], join: " "}
      place: {css: ".top .temp, .top .city", join: ", "}
    """)


def test_story_fields_fallbacks_and_matched_index() -> None:
    ex = extract(PAGE, URL, FULL)
    s = ex.story
    assert s.headline == "The real headline"
    assert s.matched["headline"] == 1  # the fallback, not the primary
    assert s.summary == "The standfirst."
    assert s.authors == ["Ann One", "Bea Two"]  # many, de-duplicated, in page order
    assert s.published == "2025-09-03T10:00:00+05:30"  # naive time in the site's timezone
    assert s.topics == ["alpha", "beta"]
    assert s.lead_image is not None
    assert s.lead_image.url == "https://news.example/img/lead-2x.jpg"  # first srcset candidate, absolute
    assert s.lead_image.caption == "Caption text"
    assert s.lead_image.credit == "PTI"
    assert s.fields == {"source_url": "https://source.example/orig", "words": 1234}


def test_body_sections_excludes_and_text() -> None:
    s = extract(PAGE, URL, FULL).story
    assert [(sec.heading, sec.paragraphs) for sec in s.body] == [
        (None, ["First paragraph."]),
        ("Sub one", ["Second line two."]),
        ("Sub two", ["Third paragraph with no script."]),
    ]
    assert (
        s.text == "The standfirst.\n\nFirst paragraph.\n\nSecond line two.\n\nThird paragraph with no script."
    )
    assert "Read more" not in s.text and "Buy things" not in s.text


def test_widgets_page_fields_and_missing() -> None:
    ex = extract(PAGE, URL, FULL)
    assert [w.name for w in ex.widgets] == ["hot_this_week"]
    hot = ex.widgets[0]
    assert hot.title == "Hot this week"
    assert [(i.title, i.url, i.summary) for i in hot.items] == [
        ("Teaser one", "https://news.example/a/1", "Sum one"),
        ("Teaser two", "https://other.example/2", "Sum two"),
    ]  # the empty javascript: teaser is dropped
    assert hot.items[0].published == "2025-09-01T08:00:00+00:00"
    assert ex.page.title == "Big story | News"
    assert ex.page.language == "en-GB"
    assert ex.page.canonical_url == "https://news.example/world/story-1"
    assert ex.page.fields == {
        "dateline": "Wednesday, September 3, 2025",
        "weather": "31.1 C",
        "place": "31.1 C, New Delhi",
    }
    assert ex.missing == ["widgets.never_there"]


def test_widgets_are_read_before_story_excludes_remove_them() -> None:
    cfg = site("""\
        site: t
        domains: [news.example]
        story:
          exclude: [section.hot]
          headline: h1
        widgets:
          - {name: hot, root: section.hot, items: div.t, item: {title: h3}}
        """)
    ex = extract(PAGE, URL, cfg)
    assert len(ex.widgets[0].items) == 3 - 1  # the teaser without text is dropped, not the widget


def test_jsonld_meta_and_xpath_sources() -> None:
    cfg = site("""\
        site: t
        domains: [news.example]
        story:
          headline: {jsonld: "*Article.headline"}
          authors: {jsonld: NewsArticle.author.name}
          summary: {meta: og:title}
          section: {xpath: "string(//title)", regex: '^(.*?) \\|'}
          published: {jsonld: NewsArticle.datePublished}
        """)
    s = extract(PAGE, URL, cfg).story
    assert s.headline == "JSON-LD & headline"  # entities inside JSON-LD are decoded
    assert s.authors == ["Ann One", "Bea Two"]  # {"@id": ...} references resolved through @graph
    assert s.summary == "OG headline"
    assert s.section == "Big story"
    assert s.published == "2025-09-03T14:20:00+05:30"


def test_required_field_missing_makes_the_record_partial(valid: Any) -> None:
    cfg = site("""\
        site: t
        domains: [news.example]
        story:
          root: article.story
          headline: h1.not-here
          fields:
            kicker: {css: .kicker, required: true}
          body: {paragraphs: .nothing p}
        """)
    rec = process_saved(SeenPage(URL, PAGE, URL, 200), cfg, "2025-01-01T00:00:00Z")
    data = valid(rec)
    assert data["status"] == "partial"
    assert data["missing"] == ["headline", "fields.kicker", "body"]


def test_missing_root_is_reported_and_degrades_to_generic() -> None:
    """A layout change costs precision, not the story: what the file requires comes from generic
    extraction, `matched` says so (-1) and `missing` still names it (the record is partial)."""
    cfg = site("""\
        site: t
        domains: [news.example]
        story:
          root: main.not-here
          headline: h1
          body: {paragraphs: .article-body > p}
        """)
    ex = extract(PAGE, URL, cfg)
    assert ex.missing == ["story.root", "headline", "body"]
    assert ex.story.headline == "JSON-LD & headline" and ex.story.matched["headline"] == -1
    assert ex.story.body and ex.story.matched["body"] == -1
    assert "First paragraph." in ex.story.text


def test_generic_extraction_uses_metadata_only(valid: Any) -> None:
    rec = process_saved(SeenPage(URL, PAGE, URL), generic_site(), "2025-01-01T00:00:00Z")
    data = valid(rec)
    assert data["extractor"] == "generic" and data["site"] is None
    assert data["story"]["headline"] == "JSON-LD & headline"
    assert data["story"]["authors"] == ["Ann One", "Bea Two"]
    assert data["story"]["published"] == "2025-09-03T14:20:00+05:30"
    assert data["story"]["topics"] == ["alpha", "beta"]


def test_garbage_html_still_gives_a_record(valid: Any) -> None:
    for html in ["", "not html at all", "<html><body><p>unclosed", "\x00\x01binary"]:
        data = valid(process_saved(SeenPage(URL, html, URL, 200), FULL, "2025-01-01T00:00:00Z"))
        assert data["status"] == "partial"
        assert "headline" in data["missing"]


def test_value_conversions() -> None:
    assert to_url("  /a b ", "https://x.example/dir/page") == "https://x.example/a b"
    assert to_url("mailto:a@b", "https://x.example/") is None
    assert to_datetime("2025-09-03T14:20:00Z") == "2025-09-03T14:20:00+00:00"
    assert to_datetime("September 03, 2025, 14:39 IST") == "2025-09-03T14:39:00+05:30"
    assert to_datetime("Wed, 03 Sep 2025 09:09:00 GMT") == "2025-09-03T09:09:00+00:00"
    assert to_datetime("1756890000") == "2025-09-03T09:00:00+00:00"
    assert to_datetime("3 hours ago") is None  # never invent a date
    assert to_datetime("03/09/2025", fmt="%d/%m/%Y", tz="Europe/Berlin") == "2025-09-03T00:00:00+02:00"
    assert to_int("1,234 words") == 1234
    assert to_int("none") is None


def test_element_text_spacing() -> None:
    from lxml import html as lhtml

    el = lhtml.fromstring("<div>a<b>b</b>c<p>para</p><ul><li>x</li><li>y</li></ul><style>.s{}</style>z</div>")
    assert element_text(el) == "abc para x y z"


def _site(body: str) -> SiteSpec:
    return parse_site_text(
        "site: t\ndomains: [news.example]\nstory:\n  headline: h1\n  body:\n" + textwrap.indent(body, "    "),
        "t.yaml",
    )


def test_split_at_br_cuts_one_element_into_paragraphs_and_sections() -> None:
    html = (
        "<html><body><h1>H</h1><div class='b'>First line, <b>bold</b> part.<br><br>Second line."
        "<div class='ad'>Ad</div>Third line.<div class='sub'><h2>Sub</h2></div>Fourth line.</div>"
        "</body></html>"
    )
    body = "paragraphs: div.b\nheadings: div.b h2\nsplit_at_br: true\n"
    story = extract(html, URL, _site(body)).story
    assert [(s.heading, s.paragraphs) for s in story.body] == [
        (None, ["First line, bold part.", "Second line.", "Ad", "Third line."]),
        ("Sub", ["Fourth line."]),
    ]
    joined = extract(html, URL, _site("paragraphs: div.b\n")).story
    assert joined.body[0].paragraphs == [
        "First line, bold part. Second line. Ad Third line. Sub Fourth line."
    ]


def test_an_excluded_block_leaves_a_line_break_not_a_glued_word() -> None:
    html = "<html><body><h1>H</h1><div class='b'>One ends.<div class='ad'>Ad</div>Two starts.</div></body>"
    site = parse_site_text(
        "site: t\ndomains: [news.example]\nstory:\n  headline: h1\n  exclude: [.ad]\n"
        "  body: {paragraphs: div.b, split_at_br: true}\n",
        "t.yaml",
    )
    assert extract(html, URL, site).story.body[0].paragraphs == ["One ends.", "Two starts."]


def test_invisible_characters_go_joiners_inside_words_stay() -> None:
    from scrapers.dom.values import clean

    assert clean("zero\u200bwidth \ufeffmark supply \u200cand") == "zerowidth mark supply and"
    assert clean("می\u200cخواهم") == "می\u200cخواهم"  # Persian needs its joiner


def test_jsonld_wrapped_in_cdata_is_read() -> None:
    html = (
        "<html><head><script type='application/ld+json'>//<![CDATA[\n"
        '{"@type": "NewsArticle", "headline": "From CDATA"}\n//]]></script></head><body></body></html>'
    )
    site = parse_site_text(
        "site: t\ndomains: [news.example]\nstory:\n  headline: {jsonld: NewsArticle.headline}\n", "t.yaml"
    )
    assert extract(html, URL, site).story.headline == "From CDATA"


def test_dropping_an_element_keeps_a_tail_that_holds_a_control_character() -> None:
    """libxml2 keeps "\x1f" in text it parses; lxml refuses to be given it back. Found by the
    fuzz test on a site file that excludes <figure> (a block) and a class of <span> (inline)."""
    from scrapers.dom.parse import drop, parse_html

    root = parse_html("<div><p>a</p><figure>x</figure>\x1fb<span>ad</span>\x1fc\x01</div>").root
    figure, span = root.find(".//figure"), root.find(".//span")
    drop(figure)
    drop(span)
    div = root.find(".//div")
    assert [c.tag for c in div] == ["p", "div"]  # the figure is an empty <div>, the span gone
    assert div[1].tail == "bc"  # the two tails joined, without what lxml refuses to be given
    assert element_text(div) == "a bc"
