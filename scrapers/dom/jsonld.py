"""JSON-LD: parse a page's `application/ld+json` blocks and look values up by path.

A path is an optional @type glob followed by keys: `NewsArticle.headline`,
`*Article|BlogPosting.author.name`, or untyped `headline` (top-level objects).
"""

from __future__ import annotations

import fnmatch
import html
import json
import re
from collections.abc import Iterator
from typing import Any

from scrapers.dom.values import without_surrogates

JsonObj = dict[str, Any]


# Some CMSs wrap the JSON in an XHTML-era comment: //<![CDATA[ ... //]]>
_CDATA = re.compile(r"^\s*(?://\s*)?<!\[CDATA\[|(?://\s*)?\]\]>\s*$")


def parse_blocks(texts: list[str]) -> list[JsonObj]:
    """Top-level JSON-LD objects of the scripts' texts, with @graph members lifted to the top."""
    out: list[JsonObj] = []
    for raw in texts:
        try:
            text = _CDATA.sub("", raw) if "<![CDATA[" in raw else raw
            data = json.loads(text.strip().rstrip(";"), strict=False)
        except (ValueError, RecursionError):
            # Broken JSON-LD is common, nesting deeper than Python's recursion limit is hostile;
            # either way the other blocks still count.
            continue
        for item in data if isinstance(data, list) else [data]:
            if isinstance(item, dict):
                graph = item.get("@graph")
                if isinstance(graph, list):
                    out.extend(g for g in graph if isinstance(g, dict))
                else:
                    out.append(item)
    return out


def _typed(objs: list[JsonObj]) -> Iterator[JsonObj]:
    """Every object with an @type, nested ones included (mainEntity, author...)."""
    stack: list[Any] = list(reversed(objs))
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if "@type" in item:
                yield item
            stack.extend(reversed(list(item.values())))
        elif isinstance(item, list):
            stack.extend(reversed(item))


def _types(obj: JsonObj) -> list[str]:
    """The object's types. An object or list where a type belongs names none: its str() would
    walk it, however deep it nests."""
    t = obj.get("@type")
    return [str(x) for x in (t if isinstance(t, list) else [t]) if not isinstance(x, dict | list)]


def _is_type_segment(segment: str) -> bool:
    return segment[:1].isupper() or any(c in segment for c in "*?|")


class Index:
    """A page's JSON-LD objects, walked once: every typed object and the ones with an @id."""

    def __init__(self, objs: list[JsonObj]) -> None:
        self.objs = objs
        self.typed = list(_typed(objs))
        self.by_id = {o["@id"]: o for o in self.typed if isinstance(o.get("@id"), str) and len(o) > 2}
        self._of_type: dict[str, list[JsonObj]] = {}

    def of_type(self, pattern: str) -> list[JsonObj]:
        """Typed objects matching `A|B*` globs, in document order."""
        if pattern not in self._of_type:
            globs = pattern.split("|")
            self._of_type[pattern] = [
                o for o in self.typed if any(fnmatch.fnmatchcase(t, g) for t in _types(o) for g in globs)
            ]
        return self._of_type[pattern]


def _resolve(value: Any, by_id: dict[str, JsonObj]) -> Any:
    """{"@id": "#author-1"} is the full object of that @id elsewhere in the @graph."""
    if isinstance(value, dict) and len(value) == 1 and isinstance(ref := value.get("@id"), str):
        return by_id.get(ref, value)
    return value


def lookup(index: Index | list[JsonObj], path: str) -> list[str]:
    """All string values at `path`; objects at the end give their name, url or @id."""
    if not isinstance(index, Index):
        index = Index(index)
    segments = path.split(".")
    by_id = index.by_id
    if _is_type_segment(segments[0]):
        current: list[Any] = list(index.of_type(segments[0]))
        segments = segments[1:]
    else:
        current = list(index.objs)
    for key in segments:
        nxt: list[Any] = []
        for value in current:
            if isinstance(value, dict) and key in value:
                got = value[key]
                nxt.extend(got if isinstance(got, list) else [got])
        current = [_resolve(v, by_id) for v in nxt]
    out: list[str] = []
    for value in current:
        if isinstance(value, dict):
            value = value.get("name") or value.get("url") or value.get("@id")
        if isinstance(value, str | int | float) and not isinstance(value, bool):
            # CMSs (WordPress/Yoast among them) often store HTML entities inside JSON-LD strings.
            out.append(without_surrogates(html.unescape(str(value))))
    return out
