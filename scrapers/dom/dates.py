"""Dates as feeds and sitemaps write them: ISO 8601 and RFC 822 first, other languages after.

`27. März 2026`, `27 de marzo de 2026`, `27 mars 2026`, `2026年3月27日`: dateutil reads English
only, and worse, its fuzzy mode skips the words it does not know and fills the gap from today
(`1. März 2026 0:00 Uhr` came back as 30 January). So a date with a word dateutil does not know goes
to dateparser (about 200 languages) first; dateutil has the rest, and what dateparser cannot read
(`Published: Sep 3, 2025`), as before. dateparser is slow (its first call loads locale data for a
second; a miss tries every language, ~10 ms), so it is imported on first need, only asked about
strings with a year, and given a time budget per document: a hostile feed of 100,000 odd dates
costs three seconds, not a quarter of an hour.
"""

from __future__ import annotations

import functools
import re
import time
from typing import Any

from dateutil.parser import parserinfo

from scrapers.dom.values import clean, to_datetime

MAX_OTHER_LANGUAGE_CHARS = 100  # "Mittwoch, 27. März 2026, 14:30 Uhr MEZ" is 38
OTHER_LANGUAGE_BUDGET_S = 3.0  # per document (10,000 German dates take ~1.5 s); then left unread
# A year of four digits (any script's digits): no year means dateparser would guess one.
_YEAR = re.compile(r"(?<!\d)\d{4}(?!\d)")
_WORD = re.compile(r"[^\W\d_]+")
_ENGLISH = parserinfo()
_SETTINGS = {
    "STRICT_PARSING": True,  # day, month and year all written: nothing filled in from today
    "PARSERS": ["absolute-time"],  # never "vor 3 Stunden" or a timestamp
    "TIMEZONE": "UTC",  # a date without an offset is UTC, as to_datetime takes it
    "RETURN_AS_TIMEZONE_AWARE": True,
}


class DateReader:
    """One document's dates as ISO 8601 with offset (seconds precision), or None.

    Raises ValueError or OverflowError for a date that names an impossible moment (an offset of
    -25:00), as `to_datetime` does; the caller says so."""

    def __init__(self, budget_s: float = OTHER_LANGUAGE_BUDGET_S) -> None:
        self._left = budget_s

    def __call__(self, raw: str) -> str | None:
        text = clean(raw)
        if _english(text) or not _looks_like_a_written_date(text):
            return to_datetime(raw)
        if self._left <= 0:
            return None  # unread, rather than what dateutil's fuzzy mode would make of it
        start = time.monotonic()
        try:
            when = _other_language(text)
        finally:
            self._left -= time.monotonic() - start
        return when if when is not None else to_datetime(raw)


def _english(text: str) -> bool:
    """Every word one dateutil knows: a month, a weekday, am/pm, "at", "of", a zone like "CEST"."""
    return all(
        _ENGLISH.jump(word)
        or _ENGLISH.month(word)
        or _ENGLISH.weekday(word) is not None
        or _ENGLISH.hms(word) is not None
        or _ENGLISH.ampm(word) is not None
        or _ENGLISH.utczone(word)
        or (word.isascii() and word.isupper() and len(word) <= 5)
        for word in _WORD.findall(text)
    )


def _looks_like_a_written_date(text: str) -> bool:
    """Short, with a year: no year, and dateparser would take this one."""
    return len(text) <= MAX_OTHER_LANGUAGE_CHARS and _YEAR.search(text) is not None


@functools.lru_cache(maxsize=4096)  # a feed repeats its dates; a sitemap its lastmod
def _other_language(text: str) -> str | None:
    try:
        found = _parser().get_date_data(text).date_obj
    except (ValueError, OverflowError, TypeError, KeyError):  # dateparser's own slips
        return None
    if found is None or found.tzinfo is None:
        return None
    try:
        return str(found.isoformat(timespec="seconds"))
    except ValueError:
        return None


@functools.cache
def _parser() -> Any:
    from dateparser.date import DateDataParser  # a tenth of a second to import: only when needed

    # try_previous_locales: a feed writes every date in one language; after the first, no search.
    return DateDataParser(settings=_SETTINGS, try_previous_locales=True)
