"""Storyline as a library: extract saved pages, scrape URLs, run jobs, load site files.

Import these from `scrapers` itself (`scrapers.extract_html`, `scrapers.scrape`, ...); the
guide is docs/api.md. Everything not exported from `scrapers` is private: modules and names
may change without notice.

Each function goes through the code the command line uses, so records are the same:
`extract_html` is `storyline extract`, `scrape` is `storyline scrape`, `run` is `storyline run`.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import os
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Iterable
from pathlib import Path
from typing import ParamSpec
from urllib.parse import urlsplit

import structlog

from scrapers.config.jobspec import JobSpec, adhoc_job, load_job
from scrapers.config.settings import NO_OVERRIDES, Overrides
from scrapers.config.sitefiles import (
    SiteRegistry,
    check_site_files,
    library_dir,
    load_site_file,
    site_files,
    user_dirs,
)
from scrapers.config.sitespec import SiteSpec
from scrapers.dom.decode import decode_html, gunzipped
from scrapers.errors import Problem
from scrapers.job.run import run_job
from scrapers.output import logs
from scrapers.output.record import Record
from scrapers.page.pipeline import SeenPage, process_saved
from scrapers.replay_api import Replayed, Replayer, recording_dirs

__all__ = [
    "Replayed",
    "Replayer",
    "check_sites",
    "extract_file",
    "extract_html",
    "load_site",
    "load_sites",
    "recording_dirs",
    "run",
    "run_sync",
    "scrape",
    "scrape_sync",
]

StrPath = str | os.PathLike[str]
Sites = SiteRegistry | StrPath | None
P = ParamSpec("P")


# ---- site files ---------------------------------------------------------------------------


def load_sites(directory: StrPath | None = None) -> SiteRegistry:
    """The built-in site library with your own site files on top: those of $STORYLINE_SELECTORS,
    then of `directory` (a file with a library file's `site:` name or domain replaces it, and a
    notice is logged), as `storyline --selectors DIRECTORY` does. Raises ConfigFileError listing
    every problem of every broken file."""
    return SiteRegistry.layered(Path(directory) if directory is not None else None)


def load_site(path: StrPath) -> SiteSpec:
    """One site file, validated; raises ConfigFileError."""
    return load_site_file(Path(path))


def check_sites(path: StrPath | None = None) -> list[Problem]:
    """Every problem of the site files at `path` (a file or a folder; default: the built-in
    library), clashes between files included, as `storyline check` reports them. Empty: all valid."""
    where = Path(path) if path is not None else library_dir()
    check = check_site_files([where])
    if not check.files:
        return [Problem(str(where), 1, 1, "", "no site files here (hint: *.yaml or *.yml)")]
    return check.problems


def _registry(sites: Sites) -> SiteRegistry:
    """The registry to look names and domains up in. The folders are loaded again only when
    their files changed: the library takes half a second to load, an extraction a twentieth."""
    if isinstance(sites, SiteRegistry):
        return sites
    given = Path(sites) if sites is not None else None
    folders = [d for d in (library_dir(), *user_dirs(given)) if d.is_dir()]
    stamp = tuple((str(f), f.stat().st_mtime_ns, f.stat().st_size) for f in site_files(folders))
    return _loaded(given.resolve() if given is not None else None, stamp)


@functools.lru_cache(maxsize=8)
def _loaded(given: Path | None, stamp: tuple[tuple[str, int, int], ...]) -> SiteRegistry:
    return load_sites(given)  # `stamp` (files, times, sizes) is only the cache key


# ---- saved pages ----------------------------------------------------------------------------


def _decode(data: bytes) -> str:
    """Bytes as `storyline extract` reads them: gunzipped, then BOM, <meta charset>, detection
    (dom/decode.py); ValueError for a broken gzip file."""
    return decode_html(gunzipped(data))[0]


def _http_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"not an http(s) URL: {url!r}")
    return url


def extract_html(
    html: str | bytes, url: str, *, site: str | SiteSpec | None = None, sites: Sites = None
) -> Record:
    """The record of a page already in hand, as `storyline extract` makes it (no browser).

    `url` is the page's address. `site` is a site file's name, "generic", a loaded SiteSpec, or
    None: the site file claiming the URL's domain, else generic. `sites` is where names are
    looked up (a SiteRegistry or a folder; default as `load_sites`). A page that fails (a bot
    challenge, nothing to extract) is a record with status "error", not an exception."""
    _quiet_logs()
    url = _http_url(url)
    chosen = site if isinstance(site, SiteSpec) else _registry(sites).choose(url, site)
    text = _decode(html) if isinstance(html, bytes) else html
    return process_saved(SeenPage(url, text, url), chosen)


def extract_file(
    path: StrPath, url: str, *, site: str | SiteSpec | None = None, sites: Sites = None
) -> Record:
    """`extract_html` on a saved file (read as bytes: its own encoding decides)."""
    return extract_html(Path(path).read_bytes(), url, site=site, sites=sites)


# ---- live runs ------------------------------------------------------------------------------


def _quiet_logs() -> None:
    """structlog's unconfigured default prints every event to standard output; a program that
    set up none gets errors only, on standard error (a library's caller stopping a run early,
    say, is no warning to it)."""
    if not structlog.is_configured():
        logs.configure(-1)


def _records(
    job: JobSpec,
    sites: Sites,
    out: StrPath | None,
    *,
    resume: bool,
    grace: float,
    headed: bool,
    overrides: Overrides = NO_OVERRIDES,
) -> AsyncGenerator[Record, None]:
    """Check what can be checked now, at the call, then the run's records as they come."""
    registry = _registry(sites)
    if job.site:
        registry.get(job.site)  # an unknown name fails before a browser starts
    if resume and out is None:
        raise ValueError("resume=True continues an output file: give out=")
    _quiet_logs()
    return _stream(job, registry, Path(out) if out is not None else None, resume, grace, headed, overrides)


async def _stream(
    job: JobSpec,
    registry: SiteRegistry,
    out: Path | None,
    resume: bool,
    grace: float,
    headed: bool,
    overrides: Overrides,
) -> AsyncGenerator[Record, None]:
    """Records of `run_job` as they come. The run is a task; when the consumer stops reading
    (aclose, break, cancel) it is stopped as Ctrl-C would stop it, and awaited: pages in flight
    get `grace` seconds, the browser closes. The run's own exception reaches the consumer."""
    queue: asyncio.Queue[Record | None] = asyncio.Queue()
    stop = asyncio.Event()
    task = asyncio.create_task(
        run_job(
            job,
            out,
            registry,
            resume=resume,
            grace_s=grace,
            headed=headed,
            on_record=queue.put_nowait,
            write=out is not None,
            handle_signals=False,  # SIGINT is the program's; only its main thread could take it
            stop=stop,
            overrides=overrides,
        )
    )
    task.add_done_callback(lambda _: queue.put_nowait(None))  # after its last record
    try:
        while (record := await queue.get()) is not None:
            yield record
    finally:
        stop.set()  # no-op when the run is over
        await task  # the run's exception, if it failed


def scrape(
    urls: str | Iterable[str],
    *,
    site: str | None = None,
    sites: Sites = None,
    out: StrPath | None = None,
    concurrency: int | None = None,
    obey_robots: bool = True,
    min_delay_ms: int | None = None,
    user_agent: str | None = None,
    contact: str | None = None,
    allow_hosts: Iterable[str] = (),
    allow_private: bool = False,
    page_budget_ms: int | None = None,
    grace: float = 10.0,
    headed: bool = False,
) -> AsyncGenerator[Record, None]:
    """Render each URL in Chromium and yield its record as it is done (in finishing order),
    exactly one per URL, failures included: `storyline scrape`'s job, retries and politeness.

    `site` names the site file for every URL (default: by domain, else generic). `out` also
    writes the records as NDJSON with a summary beside it, as the command line does. The other
    options are the job file's (docs/jobs.md); None keeps its default. Bad URLs and values
    raise ValueError here, at the call."""
    given = [urls] if isinstance(urls, str) else list(urls)
    for url in given:
        _http_url(url)
    job = adhoc_job(
        "scrape",
        given,
        site=site,
        concurrency=concurrency,
        allow_hosts=list(allow_hosts),
        allow_private=allow_private,
    )
    settings = Overrides(
        obey_robots=obey_robots,
        min_delay_ms=min_delay_ms,
        user_agent=user_agent,
        contact=contact,
        page_budget_ms=page_budget_ms,
    )
    # Returned, not re-yielded: a wrapping generator's aclose would not reach this one's.
    return _records(job, sites, out, resume=False, grace=grace, headed=headed, overrides=settings)


def run(
    job: JobSpec | StrPath,
    *,
    sites: Sites = None,
    out: StrPath | None = None,
    resume: bool = False,
    grace: float = 10.0,
    headed: bool = False,
) -> AsyncGenerator[Record, None]:
    """Run a job (a JobSpec, or the path of a job file) and yield each record as it is done.

    Nothing is written unless `out` is given (a job file's `output:` is the command line's);
    with `out`, `resume=True` continues that file, skipping pages it already holds."""
    spec = job if isinstance(job, JobSpec) else load_job(Path(job))
    return _records(spec, sites, out, resume=resume, grace=grace, headed=headed)


def _collected(scraper: Callable[P, AsyncIterator[Record]]) -> Callable[P, list[Record]]:
    """A blocking twin of an async iterator: its own event loop, every record in a list."""

    @functools.wraps(scraper)
    def collect(*args: P.args, **kwargs: P.kwargs) -> list[Record]:
        async def gather() -> list[Record]:
            return [record async for record in scraper(*args, **kwargs)]

        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return asyncio.run(gather())
        # Called from inside a running loop (a notebook, an async framework's sync hook): that
        # loop cannot be re-entered, so the run gets a thread and a loop of its own.
        with concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="storyline") as pool:
            return pool.submit(asyncio.run, gather()).result()

    collect.__name__ = collect.__qualname__ = f"{scraper.__name__}_sync"
    collect.__doc__ = (
        f"`{scraper.__name__}` for code without an event loop: blocks, returns every record.\n\n"
        + (scraper.__doc__ or "")
    )
    return collect


scrape_sync = _collected(scrape)
run_sync = _collected(run)
