"""Class/id word patterns (scrapers/generic/names.py): the literal words they look for first must
never make them miss what the regex alone would find."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scrapers.generic.names import EDGE, END, name_pattern

PATTERNS = [
    name_pattern("share|most-?read|advert\\w*|sr-only", EDGE),
    name_pattern("ad|ads", EDGE, END),
    name_pattern("article|body|content"),
]
NAME_CHARS = st.text(alphabet="adrestmonlyhbcuiv-_ 0123AZRS", max_size=30)


@given(NAME_CHARS)
def test_the_words_never_hide_a_match(names: str) -> None:
    for pattern in PATTERNS:
        assert pattern.search(names, names.casefold()) == bool(pattern.regex.search(names))


def test_examples() -> None:
    share, ad, story = PATTERNS
    assert share.search("social-share", "social-share") and share.search("mostRead", "mostread")
    assert share.search("shared-layout", "shared-layout")  # a chrome word starts a name part...
    assert not share.search("timeshare", "timeshare")  # ... not inside one
    assert ad.search("ad slot", "ad slot") and not ad.search("header", "header")
    assert story.search("ArticleBody", "articlebody") and not story.search("sidebar", "sidebar")
    assert share.regex.flags & re.I


def test_alternatives_must_be_words() -> None:
    with pytest.raises(ValueError, match="must be words"):
        name_pattern("a.b|c")
