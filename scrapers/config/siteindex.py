"""An index of a folder of site files (each file's `site:` name and domains), kept in the user's
cache folder and trusted only while every file is unchanged.

Validating the 128 files of the library with pure-Python YAML takes a second, and every command
used to pay it at start-up although a command needs one or two files. With the index a command
reads one small JSON file, compares it with the folder's file stamps (name, size, modification
and change times), and loads a site file only when it is used. Any difference — a file edited,
added or removed, another Storyline — validates the whole folder again exactly as before (every
`FILE:LINE:COL` problem, the duplicate name and domain checks) and rewrites the index; a folder
with problems is never indexed, so its errors come back on every run.

The cache folder is `$STORYLINE_CACHE_DIR`, else `$XDG_CACHE_HOME/storyline`, else
`~/.cache/storyline`; where it cannot be written Storyline validates every time (a debug log says
why).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import structlog

from scrapers.version import __version__

log = structlog.get_logger("storyline.sites")
FORMAT = 1  # of the index file; bumped when its layout changes


@dataclass(frozen=True)
class IndexEntry:
    """One valid site file: where it is, its `site:` name and the domains it claims."""

    path: Path
    site: str
    domains: tuple[str, ...]


def cache_dir() -> Path:
    if given := os.environ.get("STORYLINE_CACHE_DIR"):
        return Path(given)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "storyline"


def _stamp(files: list[Path]) -> list[list[Any]]:
    """What must be equal for the index to stand: each file's name and stat, and the code that
    validates them (a new rule in the models may make an indexed file invalid)."""
    code = sorted(Path(__file__).parent.glob("*.py"))
    rows: list[list[Any]] = [["storyline", __version__, FORMAT]]
    for f in [*code, *files]:
        st = f.stat()
        rows.append([str(f), st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino])
    return rows


def _index_file(directory: Path) -> Path:
    key = hashlib.sha256(str(directory.resolve()).encode("utf-8", "surrogateescape")).hexdigest()[:20]
    return cache_dir() / f"sites-{key}.json"


def read_index(directory: Path, files: list[Path]) -> list[IndexEntry] | None:
    """The folder's index when every stamp still matches, else None."""
    where = _index_file(directory)
    try:
        stamp = _stamp(files)
        data = json.loads(where.read_text(encoding="utf-8"))
        if data.get("stamp") != stamp:
            return None
        return [IndexEntry(Path(e["path"]), str(e["site"]), tuple(e["domains"])) for e in data["sites"]]
    except (OSError, ValueError, KeyError, TypeError):  # absent, unreadable or from another version
        return None


def write_index(directory: Path, files: list[Path], entries: list[IndexEntry]) -> None:
    """Store the index of a folder just validated without a problem (atomically: a concurrent
    reader sees the old file or the new one)."""
    where = _index_file(directory)
    data = {
        "stamp": _stamp(files),
        "sites": [{"path": str(e.path), "site": e.site, "domains": list(e.domains)} for e in entries],
    }
    try:
        where.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=where.name, suffix=".tmp", dir=where.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                json.dump(data, out)
            os.replace(tmp, where)
        finally:
            Path(tmp).unlink(missing_ok=True)
    except OSError as exc:
        why = "site index not written; the folder is validated on every run"
        log.debug(why, path=str(where), error=str(exc))
