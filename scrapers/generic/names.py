"""Word patterns over class and id names, asked of every element of a page.

Each is a case-blind regex plus the literal words any match must contain: most names on a page
hold none of them, and `in` on the lower-cased name says so faster than the regex would.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

EDGE = r"(^|[\s_-])"  # a name part starts here
END = r"($|[\s_-])"  # ... or ends here


@dataclass(frozen=True)
class NamePattern:
    regex: re.Pattern[str]
    words: tuple[str, ...]  # lower case; a match contains at least one

    def search(self, names: str, folded: str) -> bool:
        """Whether the pattern is found in `names` (`folded`: names.casefold())."""
        return any(w in folded for w in self.words) and self.regex.search(names) is not None


def name_pattern(alternatives: str, before: str = "", after: str = "") -> NamePattern:
    """`before(alternatives)after`, case-blind. Each alternative is letters and hyphens, with
    optional "-?" or a trailing "\\w*" ("most-?read", "advert\\w*"): its first literal part is a
    word any of its matches contains."""
    words = tuple(sorted({re.split(r"-\?|\\w\*", alt)[0].lower() for alt in alternatives.split("|")}))
    if not all(w.replace("-", "").isalpha() for w in words):
        raise ValueError(f"name_pattern: alternatives must be words: {alternatives!r}")
    return NamePattern(re.compile(f"{before}({alternatives}){after}", re.I), words)
