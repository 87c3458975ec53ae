"""Class/id word patterns (scrapers/generic/names.py): asking each name of a string apart gives
what the patterns find in the whole string."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from scrapers.generic import blocks, furniture
from scrapers.generic.names import EDGE, END, NameFlags, name_regex

NAMES = st.text(alphabet="adrestmonlyhbcuivpwk-_ 0123AZRS\t", max_size=40)


def whole_string(flags: NameFlags, names: str) -> int:
    return sum(1 << i for i, pattern in enumerate(flags.patterns) if pattern.search(names))


@given(NAMES)
def test_names_asked_apart_answer_as_the_whole_string(names: str) -> None:
    for flags in (blocks._FLAGS, furniture._CHROME_NAMES):
        assert flags.of(names) == whole_string(flags, names)


def test_examples() -> None:
    flags = NameFlags([name_regex("share|most-?read", EDGE), name_regex("ad|ads", EDGE, END)])
    assert flags.of("social-share") == 1 and flags.of("mostRead box") == 1
    assert flags.of("timeshare") == 0  # a chrome word starts a name part
    assert flags.of("ad slot") == 2 and flags.of("header loading") == 0
    assert flags.of("top-ad share-bar") == 3 and flags.of("") == 0
