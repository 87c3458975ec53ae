"""Sinks for records: NDJSON to a file or stdout, one whole line per record, flushed.

`output_sink` decides where a run writes: an existing output is never truncated before the run has
something to put in its place (docs/jobs.md, "Output").
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from pathlib import Path
from types import TracebackType
from typing import TextIO

from scrapers.output.atomic import fsync_dir, replace_durably
from scrapers.output.logs import get_logger
from scrapers.output.record import Record

log = get_logger("storyline.output")

# fsync the output at least this often (records, seconds): cheap, and a power cut loses little.
FSYNC_EVERY, FSYNC_INTERVAL_S = 200, 5.0


def partial_path(out: Path) -> Path:
    """Where a run writes while an older `out` is kept: OUT.partial beside it."""
    return out.with_name(out.name + ".partial")


class NdjsonSink:
    """Writes each record as one line the moment it is finished.

    One write() call per line and a flush after it, so a reader (or a resume) never sees a
    half-written record unless the process dies mid-write. The file is fsynced every
    FSYNC_EVERY records or FSYNC_INTERVAL_S seconds, and on close.

    With `commit_to`, the file is a stand-in: on a clean exit it replaces `commit_to` if it holds
    any record, and is removed (leaving `commit_to` as it was) if it is empty. After an exception
    an empty file is removed and one with records is kept, for `--resume`.
    """

    def __init__(self, path: Path | None = None, *, append: bool = False, commit_to: Path | None = None):
        self.path = path
        self.commit_to = commit_to
        self._fh: TextIO | None = None
        self._append = append
        self.count = 0
        self.carried = 0  # lines carried over from an earlier output (not this run's pages)
        self.committed: bool | None = None  # with commit_to: whether it was replaced
        self._synced_count, self._synced_at = 0, time.monotonic()

    def __enter__(self) -> NdjsonSink:
        if self.path is None:
            self._fh = sys.stdout
        else:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fh = self.path.open("a" if self._append else "w", encoding="utf-8")
        return self

    def write(self, rec: Record) -> None:
        self.write_line(rec.to_json())

    def carry(self, line: str) -> None:
        """A record of an earlier output, kept as it is (an incremental run, docs/jobs.md)."""
        self.write_line(line)
        self.carried += 1

    def write_line(self, line: str) -> None:
        """One NDJSON line as it is."""
        assert self._fh is not None, "NdjsonSink used outside 'with'"
        self._fh.write(line + "\n")
        self._fh.flush()
        self.count += 1
        if self.path is not None and (
            self.count - self._synced_count >= FSYNC_EVERY
            or time.monotonic() - self._synced_at >= FSYNC_INTERVAL_S
        ):
            self._sync()

    def _sync(self) -> None:
        assert self._fh is not None
        os.fsync(self._fh.fileno())
        self._synced_count, self._synced_at = self.count, time.monotonic()

    def __exit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._fh is None or self._fh is sys.stdout or self.path is None:
            return
        try:
            self._fh.flush()
            self._sync()
        finally:
            self._fh.close()
        fsync_dir(self.path.parent)
        if self.commit_to is not None:
            self._finish_stand_in(clean=et is None)

    def _finish_stand_in(self, *, clean: bool) -> None:
        assert self.path is not None and self.commit_to is not None
        if self.path.stat().st_size == 0 or 0 < self.carried == self.count:  # nothing new: OUT stays
            self.path.unlink()
            self.committed = False
            if self.carried:  # an incremental run that found nothing new: the usual quiet day
                log.info("nothing new: output left as it was", out=str(self.commit_to))
            else:
                log.warning("nothing to write: output left as it was", out=str(self.commit_to))
        elif clean:
            replace_durably(self.path, self.commit_to)
            self.committed = True
        else:
            self.committed = False
            log.warning(
                "run failed: output left as it was, records so far kept for --resume",
                out=str(self.commit_to),
                partial=str(self.path),
            )


class NullSink(NdjsonSink):
    """A run's records go only to its `on_record` callback (the Python API's iterators)."""

    def __enter__(self) -> NullSink:
        return self

    def write_line(self, line: str) -> None:
        self.count += 1

    def __exit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        return None


def output_sink(out: Path | None, *, resume: bool = False, force: bool = False) -> NdjsonSink:
    """The sink for a run's output `out` (None: standard output).

    - `resume`: continue the last run's file: OUT.partial if a run that was replacing OUT left one
      (killed), else OUT itself; kept records stay, new ones are appended.
    - `force`: write OUT from the start, truncating it at once (what `run` did before).
    - otherwise, an existing OUT is kept until the run has written something: records go to
      OUT.partial, which replaces OUT when the run ends (completed or interrupted).
    """
    if out is None:
        return NdjsonSink(None)
    partial = partial_path(out)
    if resume:
        if partial.exists():
            return NdjsonSink(partial, append=True, commit_to=out)
        return NdjsonSink(out, append=True)
    with contextlib.suppress(FileNotFoundError):
        partial.unlink()  # a killed run's leftovers: not resumed, so they would only mislead --resume
    if force or not out.exists():
        return NdjsonSink(out)
    return NdjsonSink(partial, commit_to=out)
