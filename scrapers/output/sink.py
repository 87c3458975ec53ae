"""Sinks for records: NDJSON to a file or stdout, one whole line per record, flushed."""

from __future__ import annotations

import sys
from pathlib import Path
from types import TracebackType
from typing import TextIO

from scrapers.output.record import Record


class NdjsonSink:
    """Writes each record as one line the moment it is finished.

    One write() call per line and a flush after it, so a reader (or a resume)
    never sees a half-written record unless the process dies mid-write.
    """

    def __init__(self, path: Path | None = None, *, append: bool = False) -> None:
        self.path = path
        self._fh: TextIO | None = None
        self._append = append
        self.count = 0

    def __enter__(self) -> NdjsonSink:
        if self.path is None:
            self._fh = sys.stdout
        else:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fh = self.path.open("a" if self._append else "w", encoding="utf-8")
        return self

    def write(self, rec: Record) -> None:
        assert self._fh is not None, "NdjsonSink used outside 'with'"
        self._fh.write(rec.to_json() + "\n")
        self._fh.flush()
        self.count += 1

    def __exit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._fh is not None and self._fh is not sys.stdout:
            self._fh.close()
