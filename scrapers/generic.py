"""The parts of generic extraction that selectors cannot say: which headline to believe,
and where else a date may hide.

Used only for pages no site file claims (`extractor: "generic"`); the field order itself
stays declarative in `builtin/generic.yaml`.
"""

from __future__ import annotations

import contextlib
import re
from typing import Any, TypeAlias

from lxml import etree

from scrapers.htmldoc import drop
from scrapers.values import clean, element_text, to_datetime

Element: TypeAlias = Any  # lxml has no type stubs here: an lxml element

# " | Site name", " - Site", "-정치ㅣ한국일보": a site's name after the headline in <title> and og:title.
_SUFFIX = re.compile(r"\s*(\s[|\-–—·•»:ㅣ]|[|ㅣ])\s*[^|\-–—]{2,40}$")
_KICKER = re.compile(r"kicker|overline|dachzeile|topline|eyebrow|roofline|supertitle|label|spitzmarke", re.I)


def strip_site_name(title: str, site_names: list[str]) -> str:
    """Drop a trailing site name when the page names itself so (og:site_name, publisher)."""
    for name in site_names:
        if name and title.endswith(name) and len(title) > len(name) + 10:
            return re.sub(r"[\s|\-–—·•»:ㅣ]+$", "", title[: -len(name)]).strip()
    return title


def h1_headline(root: Element) -> str | None:
    """The first <h1>'s text without a kicker ("Neue Leipziger Schule:") in its own element."""
    for h1 in root.iter("h1"):
        kicker = [c for c in h1.iter() if c is not h1 and _is_kicker(c)]
        if kicker:
            copy = etree.fromstring(etree.tostring(h1))
            for k in [k for k in copy.iter() if k is not copy and _is_kicker(k)]:
                drop(k)
            text = clean(element_text(copy))
        else:
            text = clean(element_text(h1))
        if text:
            return text
    return None


def _is_kicker(el: Element) -> bool:
    return isinstance(el.tag, str) and bool(_KICKER.search(el.get("class") or ""))


def better_headline(
    chosen: str | None, matched: int | None, root: Element, site_names: list[str]
) -> str | None:
    """Our headline after removing a site-name suffix; a kicker prefix goes when the <h1> has none."""
    if not chosen:
        return chosen
    text = strip_site_name(chosen, site_names)
    if matched and matched >= 1:  # from og:title, twitter:title or <title>: these carry suffixes
        text = _SUFFIX.sub("", text).strip() or text
    h1 = h1_headline(root)
    if h1 and text != h1 and text.endswith(h1) and re.match(r"^.{3,60}?[:|–-]\s", text):
        text = h1  # "Kicker: Headline" in metadata, "Headline" on the page
    return text


def fallback_published(root: Element, url: str, tz: str) -> str | None:
    """A publication date found by htmldate's page-wide search (date only, usually)."""
    html = etree.tostring(root, encoding="unicode")  # htmldate cleans the tree it is given
    try:
        from htmldate import find_date  # trafilatura's date finder: only when nothing else said
    except ImportError:
        return None
    with contextlib.suppress(Exception):  # htmldate raises on odd markup; then there is no date
        found = find_date(html, url=url, original_date=True, extensive_search=False, outputformat="%Y-%m-%d")
        if found:
            return to_datetime(found, tz)
    return None
