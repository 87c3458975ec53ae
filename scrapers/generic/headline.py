"""The part of generic extraction that selectors cannot say about the headline: the headline
without the site's name and section after it, and the <h1> readers see.

Used only for pages no site file claims (`extractor: "generic"`); the field order itself
stays declarative in `builtin/generic.yaml`.
"""

from __future__ import annotations

import html
import re
from typing import Any, TypeAlias

from scrapers.dom.values import clean, element_text

Element: TypeAlias = Any  # lxml has no type stubs here: an lxml element

# Where a <title> or og:title puts what follows the headline: " | Site", " - Site", "ㅣ한국일보".
# Every pattern here runs on page text in linear time: a run of spaces is only ever entered at
# its first space (`(?<!\s)`), so a title of 100,000 spaces is not tried 100,000 times over.
_SEP = re.compile(r"(?<!\s)\s+[|\-–—·•»*/]\s+|(?:(?<!\s)\s+)?[|ㅣ｜]\s*")
_GLUED_DASH = re.compile(r"(?<=[^\x00-\x7f])-(?=\S{1,12}$)")  # "...커졌다-정치": a section glued on
_DATE = re.compile(r"^\d{1,4}[./-]\d{1,2}[./-]\d{1,4}$")
# What may trail a headline once its suffix is gone, matched on the reversed text from its start.
_TRAILING = re.compile(r"[\s|｜ㅣ:：\-–—·•*]*")
MAX_TITLE = 2000  # longer is no headline with a site's name after it: left as it is
MAX_DROPPED = 8  # segments dropped from one title at most ("| Sport | Fußball | BILD.de" is 3)


def norm_name(text: str) -> str:
    """Letters and digits only, umlauts spelt out: "Börsen-Zeitung" and boersen-zeitung.de agree."""
    text = text.lower().translate(_SPELL)
    return "".join(c for c in text if c.isalnum())


_SPELL = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


def site_tokens(site_names: list[str], host: str) -> list[str]:
    """How a site may name itself: its declared names and its host's labels ("bild" of www.bild.de)."""
    labels = host.lower().split(".")
    labels = [lab for lab in labels[:-1] if lab not in ("www", "m", "amp", "co", "com", "news")] or labels
    return [t for t in {norm_name(n) for n in site_names} | {norm_name(lab) for lab in labels} if len(t) >= 2]


def _names_site(segment: str, tokens: list[str]) -> bool:
    seg = norm_name(segment)
    if not seg or len(segment) > 40:
        return False
    return any(seg == t or (len(t) >= 4 and t in seg) or (len(seg) >= 4 and seg in t) for t in tokens)


def strip_site_suffix(
    title: str, tokens: list[str], furniture: frozenset[str] = frozenset()
) -> tuple[str, list[str]]:
    """`title` without trailing segments that name the site ("| BILD.de", "– DW", "| DW | 28.04.2023")
    and, once one did, the section names just before them ("| Sport | BILD.de", "-정치ㅣ한국일보");
    a segment in `furniture` (normalised) goes too. Returns the text and the segments dropped."""
    text, dropped = title.strip(), list[str]()
    if len(text) > MAX_TITLE:
        return text, dropped
    while len(dropped) < MAX_DROPPED:
        seps = list(_SEP.finditer(text))
        if not seps and dropped:
            seps = list(_GLUED_DASH.finditer(text))
        if not seps:
            break
        last = seps[-1]
        head, segment = text[: last.start()].strip(), text[last.end() :].strip()
        if len(head.split()) < 2 and len(head) < 8:
            break  # what would be left is no headline
        site = _names_site(segment, tokens) or bool(_DATE.match(segment)) or norm_name(segment) in furniture
        if not (site or (dropped and len(segment) <= 20 and len(segment.split()) <= 2)):
            break  # else: a section name between the headline and the site's name
        text = head
        dropped.append(segment)
    return _strip_trailing(text) or title, dropped


def _strip_trailing(text: str) -> str:
    """`text` without separators and spaces at its end (a `[...]+$` pattern would retry every
    position of a long run of them)."""
    run = _TRAILING.match(text[::-1])
    return text[: len(text) - run.end()] if run else text


def better_headline(
    chosen: str | None, site_names: list[str], host: str, page_title: str | None
) -> str | None:
    """Our headline without HTML entities left in it or the site's name and section after it.
    The page's <title> shows what this site appends ("| Sport | BILD.de"): that goes wherever
    it trails the chosen headline."""
    if not chosen:
        return chosen
    if "&" in chosen and _ENTITY.search(chosen):  # JSON-LD written with HTML entities in it
        chosen = clean(html.unescape(chosen))
    tokens = site_tokens(site_names, host)
    furniture = frozenset(norm_name(s) for s in strip_site_suffix(page_title or "", tokens)[1])
    return strip_site_suffix(chosen, tokens, furniture)[0]


_ENTITY = re.compile(r"&(#\d+|#x[0-9a-fA-F]+|[a-zA-Z]+);")


def shown_headline(root: Element, declared: str | None) -> str | None:
    """The page's one <h1> that at least half agrees with the declared headline, word for word:
    the headline readers see, where JSON-LD and og:title often carry a search-engine variant.
    An <h1> that does not agree is a logo, a section's name or another story's. None: no such
    <h1>, or several."""
    if not declared:
        return None
    said = set(_WORDS.findall(declared.casefold()))
    shown = None
    for h1 in root.iter("h1"):
        text = element_text(h1)
        words = set(_WORDS.findall(text.casefold()))
        if not text or len(text) > MAX_SHOWN or len(words & said) * 2 < len(words):
            continue
        if shown is not None:
            return None
        shown = text
    return shown


_WORDS = re.compile(r"\w+")
MAX_SHOWN = 300  # longer is no headline: a whole teaser or story wrapped in an <h1>
