"""Turning raw strings and elements into typed values: text, URLs, datetimes, ints."""

from __future__ import annotations

import re
import warnings
import zoneinfo
from datetime import UTC, datetime, timedelta, timezone
from urllib.parse import urljoin

from dateutil import parser as dateparser
from lxml import etree

# Text inside these never reaches a reader.
_SKIP = frozenset({"script", "style", "noscript", "template", "svg", "button", "select", "option"})
# Boundaries of these separate words even when the markup has no space.
BLOCK_TAGS = _BLOCK = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "br",
        "dd",
        "details",
        "dialog",
        "div",
        "dl",
        "dt",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "summary",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "tr",
        "ul",
    ]
)


# Invisible characters pages leave inside words (zero-width space, word joiner, byte-order mark).
# The joiners U+200C/U+200D stay inside words (Persian and emoji need them), not next to a space.
_INVISIBLE = str.maketrans("", "", "\u200b\u2060\ufeff")
_ANY_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")
# A run of joiners is entered at its first one only: linear however long the run.
_LOOSE_JOINER = re.compile(r"(?<!\S)[\u200c\u200d]+|(?<![\u200c\u200d])[\u200c\u200d]+(?!\S)")
_OTHER_WS = re.compile(r"[^\S ]")  # whitespace other than the space
# Every character `\s` and str.isspace() take for whitespace, but the space (tests check the list).
OTHER_WHITESPACE = "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f\x85\xa0\u1680" + "".join(map(chr, range(0x2000, 0x200B)))
OTHER_WHITESPACE += "\u2028\u2029\u202f\u205f\u3000"
_TO_SPACE = str.maketrans(OTHER_WHITESPACE, " " * len(OTHER_WHITESPACE))


def clean(text: str) -> str:
    """Whitespace runs as one space, none at the ends; invisible characters gone.

    What `re.sub(r"\\s+", " ", text).strip()` does, without its list of one piece per match
    (800 MB for a 50 MB text node of words) and without copying text that is clean already."""
    # Most text is ASCII or has no invisible character: one scan, no copy, then.
    if not text.isascii() and _ANY_INVISIBLE.search(text):
        text = text.translate(_INVISIBLE)
        if "\u200c" in text or "\u200d" in text:
            text = _LOOSE_JOINER.sub("", text)
    if _OTHER_WS.search(text):
        text = text.translate(_TO_SPACE)
    while "  " in text:  # each pass halves every run of spaces
        text = text.replace("  ", " ")
    return text.strip(" ")


_SURROGATE = re.compile("[\ud800-\udfff]")


def without_surrogates(text: str) -> str:
    """`text` with each lone surrogate as U+FFFD (a JSON "\\ud800" escape makes one; no UTF-8
    writer takes it), a pair of them as the one character they stand for."""
    if _SURROGATE.search(text) is None:
        return text
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def element_text(el: etree._Element) -> str:
    """Readable text of an element: skips scripts, spaces block boundaries, collapses whitespace."""
    if not len(el) and isinstance(el.tag, str):  # a leaf (most links and list items): its text
        return "" if el.tag.lower() in _SKIP else clean(el.text or "")
    parts: list[str] = []
    # Explicit stack: real pages nest deeper than Python's recursion limit allows.
    stack: list[tuple[etree._Element, bool]] = [(el, False)]
    while stack:
        node, closing = stack.pop()
        tag = node.tag if isinstance(node.tag, str) else None
        block = tag is not None and tag.lower() in _BLOCK
        if closing:
            if block:
                parts.append(" ")
            if node is not el and node.tail:
                parts.append(node.tail)
            continue
        stack.append((node, True))
        if tag is None or tag.lower() in _SKIP:
            continue  # comments, processing instructions and hidden content: tail only
        if block:
            parts.append(" ")
        if node.text:
            parts.append(node.text)
        stack.extend((child, False) for child in reversed(node))
    return clean("".join(parts))


def to_url(value: str, base: str) -> str | None:
    value = value.strip()
    if " " in value and ("," in value or value.endswith(("w", "x"))):
        value = value.split(",")[0].split()[0]  # srcset: the first candidate
    if not value or value.lower().startswith(("javascript:", "mailto:", "data:")) or value == "#":
        return None
    return join_url(base, value)


def join_url(base: str, value: str) -> str | None:
    """`value` made absolute against `base`; None when either is no URL ("http://[" raises)."""
    try:
        return urljoin(base, value)
    except ValueError:
        return None


# Abbreviations dateutil does not know; ambiguous ones use the most common news meaning.
_TZ_ABBR: dict[str, int] = {
    "UTC": 0,
    "GMT": 0,
    "Z": 0,
    "BST": 3600,
    "IST": 19800,
    "CET": 3600,
    "CEST": 7200,
    "MEZ": 3600,
    "MESZ": 7200,
    "EET": 7200,
    "EEST": 10800,
    "EST": -18000,
    "EDT": -14400,
    "CST": -21600,
    "CDT": -18000,
    "MST": -25200,
    "MDT": -21600,
    "PST": -28800,
    "PDT": -25200,
    "JST": 32400,
    "KST": 32400,
    "AEST": 36000,
    "AEDT": 39600,
    "SAST": 7200,
    "WAT": 3600,
    "EAT": 10800,
}
_YEAR = re.compile(r"\b(19|20)\d\d\b")
# Longer is no date ("Updated Wednesday, 12 September 2024, 10:45 a.m. Eastern Daylight Time" is
# 70), and dateutil takes a second per 50,000 characters of numbers.
MAX_DATE_CHARS = 300


def to_datetime(value: str, tz: str = "UTC", fmt: str | None = None) -> str | None:
    """Parse a date in any common form; naive values are taken to be in `tz`.

    Returns ISO 8601 with offset, seconds precision, or None when it is no date.
    """
    value = clean(value)
    if not value or len(value) > MAX_DATE_CHARS:
        return None
    dt: datetime | None = None
    if fmt:
        try:
            dt = datetime.strptime(value, fmt)
        except ValueError:
            return None
    elif re.fullmatch(r"\d{9,13}(\.\d+)?", value):
        stamp = float(value)
        dt = datetime.fromtimestamp(stamp / 1000 if stamp > 1e11 else stamp, UTC)
    else:
        try:
            dt = datetime.fromisoformat(value)
        except ValueError:
            dt = _loose_parse(value)
    if dt is None:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=zoneinfo.ZoneInfo(tz))
    try:
        return dt.isoformat(timespec="seconds")
    except ValueError:  # an offset of a day or more: dateutil takes "-3000", datetime does not
        return None


def _loose_parse(value: str) -> datetime | None:
    tzinfos = {k: timezone(timedelta(seconds=v)) for k, v in _TZ_ABBR.items()}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # dateutil warns on every unknown token
        try:
            return dateparser.parse(value, tzinfos=tzinfos)
        except (ValueError, OverflowError):
            pass
        if not _YEAR.search(value):
            return None  # fuzzy parsing of "3 hours ago" would invent a date
        try:
            return dateparser.parse(value, fuzzy=True, tzinfos=tzinfos)
        except (ValueError, OverflowError):
            return None


def to_int(value: str) -> int | None:
    match = re.search(r"-?\d[\d,.\u202f\u00a0 ]*", value)
    if not match:
        return None
    digits = re.sub(r"[^\d-]", "", match.group())
    try:
        return int(digits)
    except ValueError:
        return None
