"""Text a record can hold: valid Unicode, whatever the page said.

A Python str may hold lone surrogates (a JSON-LD "\\udc00", a file name decoded with
surrogateescape); UTF-8 has no encoding for them, so the record holding one could not be
written. Each becomes U+FFFD, the replacement character, where the text enters a record.
"""

from __future__ import annotations

import re
from typing import Any

_SURROGATE = re.compile("[\ud800-\udfff]")
REPLACEMENT = "\ufffd"


def valid_text(text: str) -> str:
    """`text` with every surrogate code point replaced by U+FFFD (the rest as it is)."""
    if text.isascii() or _SURROGATE.search(text) is None:  # the usual case: no copy
        return text
    return _SURROGATE.sub(REPLACEMENT, text)


def valid_json(value: Any) -> Any:
    """A JSON-like value (str, numbers, lists, dicts) with valid text in every string and key."""
    if isinstance(value, str):
        return valid_text(value)
    if isinstance(value, dict):
        return {valid_text(str(k)): valid_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [valid_json(v) for v in value]
    return value
