"""The learned widget finder (scrapers/widgetfind/classifier.py) on small pages of known shape."""

from __future__ import annotations

import pytest
from parsel import Selector

from scrapers.config.sitefiles import generic_site
from scrapers.extract.recipe import extract
from scrapers.widgetfind import classifier as widgetclass
from scrapers.widgetfind import words as widgetwords

URL = "https://daily.example/world/2026/12/07/big-story-of-the-day"
STORY = "".join(
    f"<p>Paragraph {n} of the story says what happened in the old town today, who was there and why.</p>"
    for n in range(6)
)


def page(around: str) -> str:
    return (
        "<!doctype html><html><head><title>Big story | Daily Example</title></head><body>"
        "<header class='site-header'><nav><ul><li><a href='/world'>World</a></li>"
        "<li><a href='/sport'>Sport</a></li><li><a href='/culture'>Culture</a></li></ul></nav></header>"
        f"<main><article><h1>Big story</h1><div class='story-body'>{STORY}</div></article>{around}</main>"
        "<footer><div class='footer-col'><h3>More from us</h3><ul>"
        + "".join(
            f"<li><a href='/about/{n}'>About our company and its many fine policies {n}</a></li>"
            for n in range(4)
        )
        + "</ul></div></footer></body></html>"
    )


TEASERS = "".join(
    f"<li><a href='/world/2026/12/0{n}/another-story-with-a-long-headline-{n}'>"
    f"Another story with a long headline {n}</a></li>"
    for n in range(1, 6)
)


@pytest.mark.skipif(widgetclass.MODEL is None, reason="no widget model shipped")
def test_a_headed_teaser_list_is_named_from_the_vocabulary_and_chrome_is_not_reported() -> None:
    ex = extract(
        page(f"<aside><section><h2>Meistgelesen</h2><ol>{TEASERS}</ol></section></aside>"),
        URL,
        generic_site(),
    )
    assert [(w.name, w.title) for w in ex.widgets] == [("most_read", "Meistgelesen")]
    assert len(ex.widgets[0].items) == 5
    assert not any("/about/" in (i.url or "") for w in ex.widgets for i in w.items)  # the footer column


@pytest.mark.skipif(widgetclass.MODEL is None, reason="no widget model shipped")
def test_a_tag_list_of_short_links_is_found_as_topics() -> None:
    tags = "".join(f"<li><a href='/tag/{t}'>{t.title()}</a></li>" for t in ("politics", "europe", "energy"))
    ex = extract(
        page(f"<section class='article-tags'><h3>Topics</h3><ul>{tags}</ul></section>"), URL, generic_site()
    )
    assert [w.name for w in ex.widgets] == ["topics"]
    assert [i.title for i in ex.widgets[0].items] == ["Politics", "Europe", "Energy"]


@pytest.mark.parametrize(
    ("html", "hidden"),
    [
        ("<div style='display: none'>x</div>", True),
        ("<div style='visibility:hidden'>x</div>", True),
        ("<div hidden>x</div>", True),
        ("<div aria-hidden='true'>x</div>", True),
        ("<h2 class='visually-hidden'>x</h2>", True),
        ("<span class='sr-only'>x</span>", True),
        ("<div class='hidden-on-print shown'>x</div>", False),
        ("<div style='display:block'>x</div>", False),
    ],
)
def test_what_the_html_says_about_visibility(html: str, hidden: bool) -> None:
    el = Selector(text=f"<html><body>{html}</body></html>").root.find(".//body")[0]
    assert widgetclass.hidden(el) is hidden


@pytest.mark.parametrize(
    ("heading", "category"),
    [
        ("Lesen Sie auch", "related_articles"),
        ("Les plus lus", "most_read"),
        ("関連キーワード", "topics"),
        ("Related topics", "topics"),
        ("More from Politics", "more_from_section"),
        ("Últimas noticias", "latest_news"),
        ("Editor's picks", "editors_picks"),
        ("Sign up for our newsletter", "newsletter"),
        ("Weather", None),
    ],
)
def test_heading_words_name_a_category_in_many_languages(heading: str, category: str | None) -> None:
    assert widgetwords.heading_category(heading) == category
