"""Generic metadata: when (the article's own declaration
first), and which link blocks are widgets (never the site's navigation)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import ROOT
from cputime import timed
from generic.pages import URL, ld, page
from scrapers.config.sitefiles import generic_site
from scrapers.extract.recipe import extract


def test_jsonld_date_of_the_main_article_wins_over_dates_in_the_text() -> None:
    head = ld(
        [
            {"@type": "NewsArticle", "url": "https://www.daily.example/other", "datePublished": "2024-05-01"},
            {"@type": "NewsArticle", "url": URL + "?utm=feed", "datePublished": "2024-05-09T08:30:00+02:00"},
        ]
    )
    body = "<aside><time datetime='2024-04-30T10:00:00Z'>30 April</time> Older story</aside>"
    ex = extract(page(head, body), URL, generic_site())
    assert ex.story.published == "2024-05-09T08:30:00+02:00"


def test_a_live_blogs_updates_do_not_date_the_page() -> None:
    update = {"@type": "BlogPosting", "datePublished": "2024-05-10T22:00:00Z", "mainEntityOfPage": URL}
    head = ld(
        {
            "@type": "LiveBlogPosting",
            "url": URL,
            "datePublished": "2024-05-09T06:00:00Z",
            "liveBlogUpdate": [update],
        }
    )
    assert extract(page(head), URL, generic_site()).story.published == "2024-05-09T06:00:00+00:00"


def test_a_publication_meta_wins_over_a_time_element() -> None:
    head = '<meta property="article:published_time" content="2024-05-09T08:30:00Z">'
    body = "<aside><time datetime='2024-04-30T10:00:00Z'>30 April</time></aside>"
    assert extract(page(head, body), URL, generic_site()).story.published == "2024-05-09T08:30:00+00:00"


WEBFLOW_URL = "https://studio.example/blog/how-to-price-a-class"


def webflow_page(declared: str, shown: str, webflow: bool) -> str:
    """A CMS page whose JSON-LD date is the item's last publication, and the story's own date
    shown under the byline."""
    head = ld(
        {"@type": "BlogPosting", "headline": "Big story", "datePublished": declared, "dateModified": declared}
    )
    byline = f"<div class='meta'><div class='author'>Jane Reporter</div><div class='date'>{shown}</div></div>"
    html = page(head).replace("<h1>Big story</h1>", f"<h1>Big story</h1>{byline}")
    return html.replace("<html>", '<html data-wf-site="5f2b" data-wf-page="5f2c">') if webflow else html


def test_a_webflow_page_is_dated_by_the_date_it_shows() -> None:
    html = webflow_page("Jun 24, 2025", "August 25, 2024", webflow=True)
    assert (extract(html, WEBFLOW_URL, generic_site()).story.published or "")[:10] == "2024-08-25"


def test_elsewhere_the_declared_date_wins_over_the_shown_one() -> None:
    html = webflow_page("Jun 24, 2025", "August 25, 2024", webflow=False)
    assert (extract(html, WEBFLOW_URL, generic_site()).story.published or "")[:10] == "2025-06-24"


def test_a_webflow_page_keeps_the_declared_instant_when_the_shown_day_agrees() -> None:
    html = webflow_page("2024-08-25T09:15:00-07:00", "August 25, 2024", webflow=True)
    assert extract(html, WEBFLOW_URL, generic_site()).story.published == "2024-08-25T09:15:00-07:00"


def test_the_page_footers_copyright_year_dates_nothing_and_the_article_footer_dates_the_story() -> None:
    undated = page(body="<footer><p>© 2026 Studio Example. All rights reserved.</p></footer>")
    assert extract(undated, WEBFLOW_URL, generic_site()).story.published is None
    own = "<footer class='meta'>Jane Reporter · <span class='date'>March 30, 2023</span></footer>"
    dated = undated.replace("</div></article>", f"</div>{own}</article>")
    assert (extract(dated, WEBFLOW_URL, generic_site()).story.published or "")[:10] == "2023-03-30"


def test_the_date_search_leaves_the_tree_as_it_was() -> None:
    from lxml import etree

    from scrapers.dom.parse import parse_html
    from scrapers.generic.dates import fallback_published

    html = page(
        "<script>var x = 1;</script><style>p {}</style>",
        "<nav><a href='/'>Home</a>tail<script>y()</script></nav>after"
        "<footer><p>© 2026</p><script>z()</script></footer>end",
    )
    root = parse_html(html).root
    before = etree.tostring(root)
    assert fallback_published(root, WEBFLOW_URL, "UTC") is None
    assert etree.tostring(root) == before


def test_the_headline_readers_see_beats_a_declared_search_engine_variant() -> None:
    head = ld({"@type": "NewsArticle", "headline": "Big story: what the council decided on Monday"})
    html = page(head).replace("<h1>Big story</h1>", "<h1>Council decided: the big story</h1>")
    assert extract(html, URL, generic_site()).story.headline == "Council decided: the big story"


@pytest.mark.parametrize(
    "h1s",
    [
        "<h1>Daily Example</h1>",  # the site's logo
        "<h1>Council decided</h1><h1>Big story of the council</h1>",  # two that agree: no telling
    ],
)
def test_an_h1_that_does_not_agree_or_is_not_alone_leaves_the_declared_headline(h1s: str) -> None:
    head = ld({"@type": "NewsArticle", "headline": "Big story: what the council decided on Monday"})
    html = page(head).replace("<h1>Big story</h1>", h1s)
    assert (
        extract(html, URL, generic_site()).story.headline == "Big story: what the council decided on Monday"
    )


@pytest.mark.parametrize(
    ("shown", "published"),
    [
        ("2024-02-28T19:25:36-05:00", "2024-02-28T19:25:36-05:00"),  # the same moment, local
        ("2024-02-28T21:46:01-05:00", "2024-02-29T00:25:36+00:00"),  # a comment's time: another moment
    ],
)
def test_a_utc_instant_is_shown_in_the_offset_the_page_writes_it_in(shown: str, published: str) -> None:
    head = ld({"@type": "NewsArticle", "url": URL, "datePublished": "2024-02-29T00:25:36Z"})
    html = page(head).replace(
        "<h1>Big story</h1>", f"<h1>Big story</h1><time datetime='{shown}'>Feb 28</time>"
    )
    assert extract(html, URL, generic_site()).story.published == published


def test_the_titles_date_comes_before_a_teasers() -> None:
    html = page(body="<aside><h2>More</h2><p><span class='date'>24.04.2023</span> A teaser</p></aside>")
    html = html.replace(
        "<title>Big story | Daily Example</title>", "<title>Big story | Daily Example | 28.04.2023</title>"
    )
    assert (extract(html, URL, generic_site()).story.published or "")[:10] == "2023-04-28"


LINKS = "".join(f'<li><a href="/s/{n}">A story headline number {n} of the day</a></li>' for n in range(4))


@pytest.mark.parametrize(
    "chrome",
    [
        f"<nav><h3>Sections</h3><ul>{LINKS}</ul></nav>",
        f"<header><div><h3>Specials</h3><ul>{LINKS}</ul></div></header>",
        f"<footer><div><h3>More from us</h3><ul>{LINKS}</ul></div></footer>",
        f"<div role='navigation'><h3>Sections</h3><ul>{LINKS}</ul></div>",
        f"<div role='banner'><h3>Specials</h3><ul>{LINKS}</ul></div>",
        f"<div role='contentinfo'><h3>About</h3><ul>{LINKS}</ul></div>",
        f"<div id='navMain'><div class='flyout'><h3>TV shows</h3><ul>{LINKS}</ul></div></div>",
        f"<div class='site-mega-menu'><h3>Courses</h3><ul>{LINKS}</ul></div>",
    ],
)
def test_navigation_is_no_widget_but_an_aside_is(chrome: str) -> None:
    related = f"<aside><h2>Related articles</h2><ul>{LINKS.replace('/s/', '/r/')}</ul></aside>"
    ex = extract(page(body=chrome + related), URL, generic_site())
    assert [w.name for w in ex.widgets] == ["related_articles"]
    assert len(ex.widgets[0].items) == 4


def test_a_sections_own_header_is_no_page_header() -> None:
    block = f"<section><header><h2>Most read</h2></header><ul>{LINKS}</ul></section>"
    assert [w.name for w in extract(page(body=block), URL, generic_site()).widgets] == ["most_read"]


def test_a_carousels_nav_modifier_is_no_menu() -> None:
    block = (
        f"<section><h2>You might also like</h2><ul class='carousel carousel--nav-top'>{LINKS}</ul></section>"
    )
    assert [w.name for w in extract(page(body=block), URL, generic_site()).widgets] == ["related_articles"]


def test_hostile_class_names_and_author_lists_stay_linear() -> None:
    names = "nav" * 30_000 + " " + "-" * 30_000 + "no-" * 10_000
    authors = [{"@type": "Person", "name": "x" * 50}] * 2000
    html = page(
        ld({"@type": "NewsArticle", "author": authors}),
        f"<div class='{names}'><h3>T</h3><ul>{LINKS}</ul></div>",
    )
    _, seconds = timed(lambda: extract(html, URL, generic_site()))
    assert seconds < 2.0


DW = ROOT.parent / "shared" / "data" / "fundus" / "DW" / "DW_2023_04_28.html"


@pytest.mark.skipif(not DW.is_file(), reason=f"{DW} is absent (the shared fundus pages are not here)")
def test_dw_page_nobody_configured() -> None:
    """Its only author declaration is the broadcaster (the journalist is in a labelled fact box);
    its date is only in the title; its mega menu's columns have headings."""
    data = json.loads(Path(str(DW).replace(".html", ".expected.json")).read_text(encoding="utf-8"))
    ex = extract(DW.read_text(encoding="utf-8"), data["url"], generic_site())
    assert ex.story.authors == ["Roman Goncharenko"]
    assert (ex.story.published or "")[:10] == "2023-04-28"
    assert not {"specials", "tv_sendungen", "deutschkurse"} & {w.name for w in ex.widgets}
