"""The kinds of failure a record can carry, shared by every stage that can fail."""

from typing import Literal

ErrorKind = Literal[
    "http",
    "timeout",
    "network",
    "redirect",
    "blocked",
    "browser",
    "content",
    "robots",
    "interrupted",
    "config",
]
