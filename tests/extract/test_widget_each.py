"""`each: true`: every element a widget's root finds is a block of its own (repeated in-body boxes,
the tabs of a tabbed box); without it only the first is."""

from __future__ import annotations

import textwrap

from scrapers.api import extract_html
from scrapers.config.sitefiles import parse_site_text

PAGE = """<html><body><h1>Title</h1><div class="body"><p>One.</p>
<aside class="also"><a href="/a">Also A</a></aside><p>Two.</p>
<aside class="also"><a href="/b">Also B</a><a href="/c">Also C</a></aside>
<aside class="also"><span>filled by a script</span></aside></div></body></html>"""


def widgets(each: bool) -> list[tuple[str, list[str]]]:
    text = textwrap.dedent(f"""\
    site: each
    domains: [each.example]
    story:
      headline: h1
      body: {{paragraphs: div.body > p}}
    widgets:
      - name: related_articles
        root: aside.also
        each: {str(each).lower()}
        items: 'a[href]'
        item:
          title: {{xpath: "."}}
          url: {{xpath: "./@href"}}
    """)
    rec = extract_html(PAGE, "https://each.example/x", site=parse_site_text(text, "each.yaml"))
    return [(w.name, [i.url or "" for i in w.items]) for w in rec.widgets]


def test_each_makes_every_root_a_block_in_page_order_and_skips_empty_ones() -> None:
    assert widgets(each=True) == [
        ("related_articles", ["https://each.example/a"]),
        ("related_articles", ["https://each.example/b", "https://each.example/c"]),
    ]


def test_without_each_only_the_first_root_is_a_block() -> None:
    assert widgets(each=False) == [("related_articles", ["https://each.example/a"])]
