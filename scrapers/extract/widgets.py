"""Widget blocks: those a site file declares, and those detected on pages without (generic/)."""

from __future__ import annotations

from typing import Any

from parsel import Selector

from scrapers.config.sitespec import ItemSpec, SiteSpec
from scrapers.dom.select import select, select_first
from scrapers.extract.fields import PageContext, as_str, eval_field
from scrapers.output import record
from scrapers.widgetfind import finder as widgetfind


def declared_widgets(site: SiteSpec, doc: PageContext) -> tuple[list[record.Widget], list[str]]:
    """The widget blocks the site file declares; and the required ones that are missing."""
    out: list[record.Widget] = []
    missing: list[str] = []
    for w in site.widgets:
        root, _ = select_first(doc.root, w.root)
        if not root:
            if w.required:
                missing.append(f"widgets.{w.name}")
            continue
        for block in root if w.each else root[:1]:
            title = eval_field(w.title, block, doc) if w.title else None
            items = [item for el in select(block, w.items) if (item := _item(w.item, el, doc)) is not None]
            if w.each and not items:
                continue  # one of many boxes left empty (filled by scripts): no block to report
            out.append(
                record.Widget(name=w.name, title=as_str(title[0]) if title else None, items=_unique(items))
            )
    return out, missing


def _item(spec: ItemSpec, el: Selector, doc: PageContext) -> record.WidgetItem | None:
    item: dict[str, Any] = {}
    for name in ("title", "url", "summary", "published", "image"):
        f = getattr(spec, name)
        got = eval_field(f, el, doc) if f is not None else None
        item[name] = as_str(got[0]) if got else None
    custom: dict[str, record.JsonValue] = {
        n: got[0] for n, f in spec.fields.items() if (got := eval_field(f, el, doc))
    }
    if not any(item.values()) and not custom:
        return None
    return record.WidgetItem(**item, fields=custom)


def _unique(items: list[record.WidgetItem]) -> list[record.WidgetItem]:
    """One item per link: a teaser's image and headline often link to the same story twice."""
    seen: set[str] = set()
    out = []
    for item in items:
        key = item.url or f"title:{item.title}"
        if key not in seen:
            seen.add(key)
            out.append(item)
    return out


def detected_widgets(doc: PageContext, container: Any, taken: set[str]) -> list[record.Widget]:
    """Link-dense blocks with a heading (scrapers.widgetfind.finder), except names already taken."""
    out = []
    for w in widgetfind.find_widgets(doc.root.root, doc.url, container):
        if w.name in taken:
            continue  # a widget the site file describes itself
        items = [record.WidgetItem(title=t, url=u) for t, u in w.items]
        out.append(record.Widget(name=w.name, title=w.title, items=items))
    return out
