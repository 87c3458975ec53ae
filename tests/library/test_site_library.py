"""The site library on real pages: widget blocks with real items, named from one vocabulary,
never the story's own text."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest

from fundus_pages import FUNDUS, EvalPage, FundusPage, all_pages, eval_pages
from scrapers.config.sitefiles import SiteRegistry
from scrapers.extract.recipe import Extraction, extract
from scrapers.output.record import WidgetItem

# Slow (hundreds of real pages, or generated inputs by the thousand): `make quick` leaves them out.
pytestmark = pytest.mark.heavy

ROOT = Path(__file__).resolve().parents[2]
REGISTRY = SiteRegistry.from_dir(ROOT / "selectors")
# The widget vocabulary of docs/site-library.md: the same kind of block has the same name everywhere.
VOCABULARY = {
    "related_articles", "more_from_section", "most_read", "trending", "recommended", "latest_news",
    "editors_picks", "topics", "newsletter", "podcast", "video", "author_box", "more_from_author",
    "live_updates", "partner_content",
}  # fmt: skip
# Topic tags are words of the story by nature ("Ukraine"), so are short items of other blocks
# (a trending topic, an author's name); a teaser's headline of four words or more never is.
TAG_BLOCKS = {"topics"}
TEASER_WORDS = 4
MIN_SHARE_WITH_WIDGETS = 0.75


def _real(item: WidgetItem) -> bool:
    return bool(item.title) and (item.url or "").startswith(("http://", "https://"))


def _extractions() -> list[tuple[str, str, Extraction]]:
    out = []
    pages: list[FundusPage | EvalPage] = [*all_pages(), *eval_pages()]
    for page in pages:
        site = REGISTRY.for_url(page.url)
        if site is not None and site.site != "demo-news":
            out.append((site.site, page.name, extract(page.html(), page.url, site)))
    return out


EXTRACTIONS = _extractions() if FUNDUS.is_dir() else []
needs_data = pytest.mark.skipif(
    not EXTRACTIONS, reason=f"publisher pages not found at {FUNDUS} (shared data absent)"
)


def test_widget_names_come_from_the_vocabulary() -> None:
    for name in REGISTRY.names:
        site = REGISTRY.get(name)
        if name != "demo-news":  # the demo names its blocks as its own site does ("hot_this_week")
            assert {w.name for w in site.widgets} <= VOCABULARY, name


@needs_data
def test_most_publishers_have_a_widget_block_with_real_items() -> None:
    """A block of at least three items, each with a title and an absolute URL, on the publisher's pages."""
    has: dict[str, bool] = defaultdict(bool)
    for site, _, ex in EXTRACTIONS:
        has[site] |= any(
            len(w.items) >= 3
            and all(i.title and (i.url or "").startswith(("http://", "https://")) for i in w.items)
            for w in ex.widgets
        )
    share = sum(has.values()) / len(has)
    assert share >= MIN_SHARE_WITH_WIDGETS, sorted(s for s, ok in has.items() if not ok)


@needs_data
def test_widget_items_are_not_story_text() -> None:
    leaked = [
        f"{page}: {w.name}: {item.title!r}"
        for _, page, ex in EXTRACTIONS
        for w in ex.widgets
        if w.name not in TAG_BLOCKS
        for item in w.items
        if item.title and len(item.title.split()) >= TEASER_WORDS and item.title in ex.story.text
    ]
    assert leaked == []


@needs_data
def test_widget_items_are_unique_links() -> None:
    for _, page, ex in EXTRACTIONS:
        for w in ex.widgets:
            urls = [i.url for i in w.items if i.url]
            assert len(urls) == len(set(urls)), (page, w.name)
            assert all(u.startswith(("http://", "https://")) for u in urls), (page, w.name)


def test_every_site_file_is_listed_in_the_library_doc() -> None:
    doc = (ROOT / "docs" / "site-library.md").read_text(encoding="utf-8")
    unlisted = [n for n in REGISTRY.names if n != "demo-news" and f"| `{n}` |" not in doc]
    assert unlisted == [], "add them to docs/site-library.md"
