"""Word patterns over class and id names, asked of every element of a page.

No pattern here matches across a space (each looks for a word inside one name), so what the
patterns find in "a b c" is what they find in "a", "b" and "c" together. A page's elements share
a few dozen names, so each name is asked once (`NameFlags.of`), not each element's whole string.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence

EDGE = r"(^|[\s_-])"  # a name part starts here
END = r"($|[\s_-])"  # ... or ends here


def name_regex(alternatives: str, before: str = "", after: str = "") -> re.Pattern[str]:
    """`before(alternatives)after`, case-blind; the alternatives must not match a space."""
    return re.compile(f"{before}({alternatives}){after}", re.I)


class NameFlags:
    """Which of `patterns` occur in a string of names: bit i for patterns[i]."""

    def __init__(self, patterns: Sequence[re.Pattern[str]]) -> None:
        self.patterns = tuple(patterns)
        self._name = functools.lru_cache(maxsize=1 << 13)(self._name_bits)
        # Most names match none: one search over all the patterns says so. (Their groups are
        # only read here as a whole, so joining them changes nothing they match.)
        flags = {p.flags for p in self.patterns}
        joined = "|".join(f"(?:{p.pattern})" for p in self.patterns)
        self._any = re.compile(joined, flags.pop()) if len(flags) == 1 and self.patterns else None

    def _name_bits(self, name: str) -> int:
        if self._any is not None and not self._any.search(name):
            return 0
        return sum(1 << i for i, pattern in enumerate(self.patterns) if pattern.search(name))

    def of(self, names: str) -> int:
        bits = 0
        for name in names.split():
            bits |= self._name(name)
        return bits
