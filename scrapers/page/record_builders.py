"""The one place records are built: a story from an extraction, an error from a failure.

Every command's page ends here, so a story record, an error record and an interrupted page
look the same whichever command produced them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from scrapers.config.sitespec import SiteSpec
from scrapers.errors import ErrorKind, PageError
from scrapers.extract.recipe import Extraction
from scrapers.output.logs import get_logger
from scrapers.output.record import Error, Hidden, Record, Timings

log = get_logger("storyline.records")


def now_utc() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def site_name(site: SiteSpec | None) -> str | None:
    """The record's `site`: none for generic extraction."""
    return None if site is None or site.extractor == "generic" else site.site


def story_record(
    url: str,
    ex: Extraction,
    *,
    final_url: str,
    http_status: int | None,
    fetched_at: str,
    render_ms: int = 0,
    extract_ms: int = 0,
    blocked_requests: int = 0,
    hidden: Hidden | None = None,
) -> Record:
    return Record(
        site=ex.site,
        extractor=ex.extractor,
        url=url,
        final_url=final_url,
        fetched_at=fetched_at,
        http_status=http_status,
        status="partial" if ex.missing else "ok",
        story=ex.story,
        widgets=ex.widgets,
        page=ex.page,
        missing=ex.missing,
        timings_ms=Timings(render=render_ms, extract=extract_ms),
        blocked_requests=blocked_requests,
        hidden=hidden or Hidden(),
    )


def error_record(
    url: str,
    site: SiteSpec | None,
    err: PageError,
    *,
    attempts: int,
    fetched_at: str,
    previous: Sequence[ErrorKind] = (),
) -> Record:
    return Record(
        site=site_name(site),
        url=url,
        final_url=err.final_url,
        fetched_at=fetched_at,
        http_status=err.http_status,
        status="error",
        error=Error(
            kind=err.kind,
            message=err.message,
            attempts=attempts,
            http_status=err.http_status,
            previous=list(previous),
        ),
        timings_ms=Timings(render=err.render_ms),
    )


def interrupted_record(url: str, site: SiteSpec | None, *, started: bool) -> Record:
    what = "stopped while the page was in progress" if started else "stopped before the page was started"
    return Record(
        site=site_name(site),
        url=url,
        fetched_at=now_utc(),
        status="error",
        error=Error(kind="interrupted", message=what, attempts=0),
    )


def unexpected(exc: BaseException, kind: ErrorKind = "browser") -> PageError:
    """A bug must not lose the page: any other exception becomes a PageError for its record."""
    return PageError(kind, f"unexpected failure: {type(exc).__name__}: {exc}")


def unwritable(
    url: str, exc: BaseException, *, site: str | None = None, fetched_at: str | None = None
) -> Record:
    """The `content` error record of a URL whose record could not be built or written."""
    return Record(
        site=site,
        url=url,
        fetched_at=fetched_at or now_utc(),
        status="error",
        error=Error(kind="content", message=f"its record could not be written: {type(exc).__name__}: {exc}"),
    )


def record_line(rec: Record) -> tuple[Record, str]:
    """The record and its NDJSON line; a record that cannot be written becomes its URL's
    `content` error record (logged), so the run goes on and the URL keeps its line."""
    try:
        return rec, rec.to_json()
    except Exception as exc:  # whatever the content: the URL still gets its one line
        log.error("record could not be written", url=rec.url, error=f"{type(exc).__name__}: {exc}")
        err = unwritable(rec.url, exc, site=rec.site, fetched_at=rec.fetched_at)
        return err, err.to_json()
