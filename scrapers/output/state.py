"""What a job has scraped before: an SQLite file, so a daily job scrapes only what is new.

One row per URL: its last status and when it was scraped. A URL counts as *known* when its last
record was `ok` or `partial`; errors and interrupted pages are tried again on the next run, and a
page whose feed date or sitemap `lastmod` is newer than its last scrape is scraped again.

The store is written only after the run's output is safely in place (`remember` is called once,
at the end, in one transaction): a run killed half-way leaves it as it was, so the next run
scrapes those pages again instead of skipping pages whose records never reached the output.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from scrapers.errors import StateError
from scrapers.output.logs import get_logger

log = get_logger("storyline.state")

KNOWN_STATUSES = ("ok", "partial")
_SCHEMA = """
CREATE TABLE IF NOT EXISTS pages (
    url TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    scraped_at TEXT NOT NULL
)
"""


@dataclass(frozen=True)
class Seen:
    status: str
    scraped_at: str  # ISO 8601, the record's fetched_at


def state_path(out: Path) -> Path:
    """The default store of a job writing `out`: OUT's name with .state.sqlite."""
    return out.with_name(out.stem + ".state.sqlite")


def _instant(text: str) -> datetime | None:
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else None  # a naive date cannot be compared with a scrape time


class StateStore:
    """The pages one job has scraped (a context manager around one SQLite connection)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._db: sqlite3.Connection | None = None
        self._seen: dict[str, Seen] = {}

    def __enter__(self) -> StateStore:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._db = sqlite3.connect(self.path, timeout=30)
            self._db.execute(_SCHEMA)
            self._db.commit()
            rows = self._db.execute("SELECT url, status, scraped_at FROM pages").fetchall()
        except sqlite3.DatabaseError as exc:
            raise StateError(f"{self.path}: not a usable state file ({exc})") from None
        self._seen = {url: Seen(status, at) for url, status, at in rows}
        return self

    def __exit__(self, *exc: object) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    def __len__(self) -> int:
        return len(self._seen)

    def is_known(self, url: str, published: str | None = None) -> bool:
        """True when `url` was scraped fine and has not changed since (as far as its date says)."""
        seen = self._seen.get(url)
        if seen is None or seen.status not in KNOWN_STATUSES:
            return False
        if published:
            changed, scraped = _instant(published), _instant(seen.scraped_at)
            if changed is not None and scraped is not None and changed > scraped:
                return False
        return True

    def remember(self, pages: Iterable[tuple[str, str, str]]) -> int:
        """Store (url, status, scraped_at) rows in one transaction; returns how many."""
        assert self._db is not None, "StateStore used outside 'with'"
        rows = list(pages)
        with self._db:
            self._db.executemany(
                "INSERT INTO pages (url, status, scraped_at) VALUES (?, ?, ?) "
                "ON CONFLICT(url) DO UPDATE SET status = excluded.status, scraped_at = excluded.scraped_at",
                rows,
            )
        self._seen.update((url, Seen(status, at)) for url, status, at in rows)
        log.info("state saved", path=str(self.path), pages=len(rows), known=len(self._seen))
        return len(rows)
