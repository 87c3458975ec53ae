"""Comparing a replayed record with the expected one, field by field (recordings, references)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

_ABSENT = object()


@dataclass(frozen=True)
class Diff:
    path: str
    expected: Any
    got: Any

    def __str__(self) -> str:
        return f"{self.path}: expected {_short(self.expected)}, got {_short(self.got)}"


def _short(v: Any) -> str:
    if v is _ABSENT:
        return "(absent)"
    text = json.dumps(v, ensure_ascii=False)
    return text if len(text) <= 100 else text[:97] + "..."


def compare(expected: Any, got: Any, path: str = "") -> list[Diff]:
    """Field-by-field differences; widgets (lists of named objects) are matched by name, and
    blocks sharing a name (a site file's `each: true`) by name and turn: `related#2` is the
    second block named related."""
    if isinstance(expected, dict) and isinstance(got, dict):
        diffs: list[Diff] = []
        for key in [*expected, *(k for k in got if k not in expected)]:
            sub = f"{path}.{key}" if path else str(key)
            diffs += compare(expected.get(key, _ABSENT), got.get(key, _ABSENT), sub)
        return diffs
    if isinstance(expected, list) and isinstance(got, list):
        if _named(expected) and _named(got):
            return compare(_keyed(expected), _keyed(got), path or "widgets")
        if len(expected) != len(got) and not any(isinstance(x, dict | list) for x in [*expected, *got]):
            return [Diff(path, expected, got)]  # a short list of strings reads best whole
        diffs = []
        for i in range(max(len(expected), len(got))):
            e = expected[i] if i < len(expected) else _ABSENT
            g = got[i] if i < len(got) else _ABSENT
            diffs += compare(e, g, f"{path}[{i}]")
        return diffs
    return [] if expected == got else [Diff(path, expected, got)]


def _keyed(items: list[dict[str, Any]]) -> dict[str, Any]:
    keyed: dict[str, Any] = {}
    seen: dict[str, int] = {}
    for item in items:
        n = seen[item["name"]] = seen.get(item["name"], 0) + 1
        keyed[item["name"] if n == 1 else f"{item['name']}#{n}"] = item
    return keyed


def _named(items: list[Any]) -> bool:
    return bool(items) and all(isinstance(x, dict) and isinstance(x.get("name"), str) for x in items)
