"""Who wrote it, on pages without a site file (scrapers/generic/byline.py, metadata.py): never
the publisher, a declared journalist first, else the byline the page writes."""

from __future__ import annotations

import pytest

from generic.pages import URL, ld, page
from scrapers.config.sitefiles import generic_site
from scrapers.extract.recipe import extract


def test_the_publisher_is_no_author_and_a_journalist_stays() -> None:
    head = ld(
        {
            "@type": "NewsArticle",
            "url": URL,
            "author": [
                {"@type": "Person", "name": "Jane Reporter"},
                {"@type": "Organization", "name": "Wire Agency"},
                {"@type": "Person", "name": "Daily Example"},
            ],
            "publisher": {"@type": "Organization", "name": "Daily Example Media"},
        }
    )
    assert extract(page(head), URL, generic_site()).story.authors == ["Jane Reporter"]


@pytest.mark.parametrize(
    "author",
    ["Deutsche Welle (www.daily.example)", "Daily Example", "desk@daily.example", "https://facebook.com/x"],
)
def test_a_meta_author_naming_the_site_is_dropped(author: str) -> None:
    ex = extract(page(f'<meta name="author" content="{author}">'), URL, generic_site())
    assert ex.story.authors == []


@pytest.mark.parametrize(
    ("box", "names"),
    [
        ("<ul><li><strong>Autorin/Autor</strong> Roman Goncharenko</li></ul>", ["Roman Goncharenko"]),
        ("<dl><dt>Author:</dt><dd>Jane Doe and John van Roe</dd></dl>", ["Jane Doe", "John van Roe"]),
        ("<p><b>Autores</b>: Ana Pérez, Luis Gómez</p>", ["Ana Pérez", "Luis Gómez"]),
        ("<p><b>Author</b> unknown, see 2 sources</p>", []),  # not names: nothing
        ("<p><b>Authors</b></p><p>the editorial team of this site</p>", []),
    ],
)
def test_a_labelled_byline_names_the_journalist_when_metadata_names_the_site(
    box: str, names: list[str]
) -> None:
    html = page('<meta name="author" content="Daily Example">', f"<aside>{box}</aside>")
    assert extract(html, URL, generic_site()).story.authors == names


def test_a_declared_journalist_beats_a_labelled_byline() -> None:
    html = page('<meta name="author" content="Jane Reporter">', "<p><b>Author</b> Someone Else</p>")
    assert extract(html, URL, generic_site()).story.authors == ["Jane Reporter"]


def test_a_later_source_names_the_journalist_when_the_first_names_the_site() -> None:
    head = ld({"@type": "NewsArticle", "author": {"@type": "Person", "name": "Daily Example"}})
    head += '<meta name="author" content="Jane Reporter">'
    assert extract(page(head), URL, generic_site()).story.authors == ["Jane Reporter"]


@pytest.mark.parametrize(
    ("markup", "authors"),
    [
        ("<p>Words by <a rel='author' href='/jane'>Jane Doe</a></p>", ["Jane Doe"]),
        # A comment's author is no byline; the byline below it is.
        (
            "<div class='comments'><span class='author'>Some Troll</span></div>"
            "<p class='byline'>By Jane Doe</p>",
            ["Jane Doe"],
        ),
        # The first tier wins over the later ones wherever they are on the page.
        ("<div class='writer'>Ann Other</div><span class='author-name'>Jane Doe</span>", ["Jane Doe"]),
        # A date inside the byline is left out; its tail stays.
        ("<span class='author'>Jane Doe<time datetime='2024-05-02'>2 May</time></span>", ["Jane Doe"]),
        ("<span class='author'>" + "x" * 130 + "</span>", []),  # a block of text, not a name
    ],
)
def test_a_written_byline_names_the_author_when_nothing_declares_one(markup: str, authors: list[str]) -> None:
    ex = extract(page(body=markup), URL, generic_site())
    assert ex.story.authors == authors
