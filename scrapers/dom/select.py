"""Running one site-file selector (css or xpath, with fallbacks) against a parsed page."""

from __future__ import annotations

from parsel import Selector, SelectorList

from scrapers.config.fieldspec import Selectors, Source


def select(scope: Selector, src: Source) -> SelectorList[Selector]:
    """Matches of one css or xpath selector within `scope`."""
    return scope.css(src.css) if src.css is not None else scope.xpath(src.expr)


def select_first(scope: Selector, sels: Selectors) -> tuple[SelectorList[Selector], int]:
    """Matches of the first css/xpath selector that finds anything, and its index."""
    for index, src in enumerate(sels.sources()):
        if src.kind in ("css", "xpath") and (found := select(scope, src)):
            return found, index
    return SelectorList([]), -1
