"""Resuming a job from its own output file.

Complete records are kept and their URLs skipped; a torn last line (the process
died mid-write) and records of pages that were interrupted are dropped, so those
pages are scraped again and every URL still ends as exactly one line.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from scrapers.output.atomic import write_atomic


@dataclass
class ResumeState:
    done: set[str] = field(default_factory=set)
    pages: list[tuple[str, str, str]] = field(default_factory=list)  # (url, status, fetched_at) kept
    kept: int = 0
    dropped_interrupted: int = 0
    dropped_torn: int = 0


def prepare_resume(path: Path) -> ResumeState:
    """Read `path`, rewrite it (atomically) without torn or interrupted records, return what is done."""
    state = ResumeState()
    if not path.exists():
        return state
    raw = path.read_bytes()
    lines = raw.split(b"\n")
    tail = lines.pop()  # empty when the file ends with a newline, else a torn line
    if tail.strip():
        state.dropped_torn += 1
    keep: list[bytes] = []
    for line in lines:
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
            url = rec["url"]
        except (ValueError, KeyError, TypeError):
            state.dropped_torn += 1
            continue
        if (rec.get("error") or {}).get("kind") == "interrupted":
            state.dropped_interrupted += 1
            continue
        if url in state.done:
            continue  # a duplicate can only come from an older bug; keep the first
        state.done.add(url)
        state.pages.append((url, str(rec.get("status", "")), str(rec.get("fetched_at", ""))))
        keep.append(line)
    state.kept = len(keep)
    if state.dropped_torn or state.dropped_interrupted or len(keep) != len([x for x in lines if x.strip()]):
        write_atomic(path, b"".join(x + b"\n" for x in keep))
    return state


def carry_over(previous: Path, write_line: Callable[[str], None], skip: set[str]) -> int:
    """An incremental run's output keeps what the last one had: every complete record of
    `previous` whose URL is not in `skip` (pages this run scrapes again) goes to `write_line`.
    Returns how many. Interrupted and torn records are left behind: those pages were never done."""
    carried = 0
    try:
        fh = previous.open(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return 0
    with fh:
        for line in fh:
            if not line.endswith("\n"):
                break  # torn last line
            try:
                rec = json.loads(line)
                url = rec["url"]
            except (ValueError, KeyError, TypeError):
                continue
            if url in skip or (rec.get("error") or {}).get("kind") == "interrupted":
                continue
            skip.add(url)  # one line per URL, even if an old file had two
            write_line(line.rstrip("\n"))
            carried += 1
    return carried
