"""Recordings: one page captured live (HAR, DOM, expected record) and replayed offline.

A recording is a folder `recordings/<site>/<name>/` holding

- `page.har.zip`  everything the page loaded, bodies attached;
- `dom.html`      the rendered DOM at record time (for writing selectors offline);
- `expected.json` the extracted record without its timings, for a person to review;
- `meta.json`     URL, clock, timezone, locale and the browser that recorded it.

Replay renders the page from the HAR alone: every request is answered from it,
blocked by the site's rules, or aborted and reported as missing. The clock,
timezone and locale of the recording are reused, so "3 hours ago" stays put.

A reference recording (`reference` module) names a page it may not copy instead of holding a
HAR; `find_recordings` leaves those to `reference.find_references`.

Recordings carry no credentials: cookies, Authorization headers and secret query
parameters are scrubbed when recorded (`har.scrub_har`; the URLs in meta.json and
expected.json too), and replay matches secret parameters in their redacted form.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from playwright.async_api import BrowserContext, Route, WebSocketRoute
from pydantic import BaseModel, ConfigDict, ValidationError

from scrapers.browser.guard import REFUSED_HEADER
from scrapers.browser.har import HarArchive, scrub_har
from scrapers.browser.renderer import Prepare
from scrapers.browser.routing import is_blocked
from scrapers.config.settings import Overrides
from scrapers.config.sitespec import SiteSpec
from scrapers.dom.decode import decode_html
from scrapers.errors import RecordingError
from scrapers.net.secrets import SECRET_PARAMS, redacted
from scrapers.output.atomic import fsync_dir, usual_mode, write_atomic
from scrapers.output.bounded import MAX_JSON_BYTES, read_bounded
from scrapers.output.record import Record
from scrapers.page.pipeline import PagePipeline, PipelineOptions
from scrapers.recordings.compare import Diff
from scrapers.recordings.compare import compare as compare  # re-exported: callers import it from here
from scrapers.version import __version__

RECORDINGS_DIR = Path("recordings")  # where `record` writes and `replay` looks by default
HAR_FILE, DOM_FILE, EXPECTED_FILE, META_FILE = "page.har.zip", "dom.html", "expected.json", "meta.json"
DEFAULT_TIMEZONE, DEFAULT_LOCALE = "UTC", "en-US"
# Differ on every run by nature: never part of the comparison.
VOLATILE = frozenset({"fetched_at", "timings_ms"})
# A recording's folder name (`record --name`): one path segment, never "." or "..", never hidden.
SAFE_NAME = re.compile(r"[a-z0-9][a-z0-9_-]*(?:\.[a-z0-9_-]+)*")


class Meta(BaseModel):
    model_config = ConfigDict(extra="forbid")
    url: str
    site: str
    final_url: str | None = None
    http_status: int | None = None
    recorded_at: str
    clock: str  # the fixed time the page saw, ISO 8601 UTC
    timezone: str
    locale: str
    browser: str
    browser_version: str
    playwright_version: str
    storyline_version: str


@dataclass(frozen=True)
class Recording:
    path: Path
    meta: Meta

    @property
    def name(self) -> str:
        return f"{self.path.parent.name}/{self.path.name}"

    @property
    def har(self) -> Path:
        return self.path / HAR_FILE

    @property
    def expected_path(self) -> Path:
        return self.path / EXPECTED_FILE

    def expected(self) -> dict[str, Any]:
        return read_expected(self.expected_path)

    @classmethod
    def load(cls, path: Path) -> Recording:
        meta_path = path / META_FILE
        try:
            meta = Meta.model_validate_json(read_bounded(meta_path, MAX_JSON_BYTES, within=path))
        except (OSError, ValidationError) as exc:
            raise RecordingError(f"{meta_path}: not a recording's meta.json ({exc})") from None
        if not (path / HAR_FILE).is_file():
            raise RecordingError(f"{path}: {HAR_FILE} is missing")
        return cls(path, meta)


def read_expected(path: Path) -> dict[str, Any]:
    """A recording's expected.json (or its Chromium twin)."""
    try:
        data: dict[str, Any] = json.loads(read_bounded(path, MAX_JSON_BYTES, within=path.parent))
    except (OSError, ValueError) as exc:
        raise RecordingError(f"{path}: unreadable ({exc})") from None
    return data


def recording_folders(paths: Iterable[Path]) -> list[Path]:
    """The recording folders of `paths` (a recording folder itself, or any folder above some),
    HAR and reference recordings alike; a folder being written (under a dot-folder) is none yet."""
    found: list[Path] = []
    for p in paths:
        if (p / META_FILE).is_file():
            found.append(p)
        elif p.is_dir():
            metas = sorted(m for m in p.rglob(META_FILE) if not _hidden(m.relative_to(p)))
            found += [m.parent for m in metas]
        else:
            raise RecordingError(f"{p}: no such recording folder")
    return found


def find_recordings(paths: Iterable[Path]) -> list[Recording]:
    """HAR recordings in the given folders (a recording folder itself, or any folder above some);
    reference recordings are found by `reference.find_references`."""
    return [Recording.load(f) for f in recording_folders(paths) if not is_reference(f)]


def is_reference(folder: Path) -> bool:
    """A reference recording (`pipeline.reference`): no HAR, its page named by path and checksum."""
    try:
        meta = json.loads(read_bounded(folder / META_FILE, MAX_JSON_BYTES, within=folder))
        return isinstance(meta, dict) and meta.get("kind") == "reference"
    except (OSError, ValueError):
        return False  # Recording.load says what is wrong with it


def _hidden(rel: Path) -> bool:
    """A path under a dot-folder: a recording being written (record_page) is not one yet."""
    return any(part.startswith(".") for part in rel.parts[:-1])


def recording_name(url: str) -> str:
    """A folder name from the URL's last path segment: /news/some-story -> some-story."""
    parts = urlsplit(url)
    segments = [s for s in parts.path.split("/") if s]
    raw = segments[-1] if segments else (parts.hostname or "page")
    raw = re.sub(r"\.(html?|php|aspx?)$", "", raw.lower())
    name = re.sub(r"[^a-z0-9]+", "-", raw).strip("-")[:80]
    return name or "page"


def comparable(rec: Record, secret_params: Sequence[str] = SECRET_PARAMS) -> dict[str, Any]:
    """The record as compared and stored in expected.json: every address in it without its
    credentials (a canonical URL's `token=`, a `user:pass@`), both sides alike; `hidden` only
    when something was (the recordings made before the field existed stay valid)."""
    data = rec.model_dump(mode="json", exclude=set(VOLATILE))
    if not any(data.get("hidden", {}).values()):
        data.pop("hidden", None)
    out: dict[str, Any] = redacted(data, secret_params)
    return out


def iso_utc(t: datetime) -> str:
    return t.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _with_clock_zone(site: SiteSpec, timezone: str, locale: str) -> SiteSpec:
    """The site file as recordings render it: the recording's own timezone and locale."""
    render = site.render.model_copy(update={"timezone": timezone, "locale": locale})
    return site.model_copy(update={"render": render})


def dump_json(path: Path, data: Any) -> None:
    """A recording's JSON file, as it is committed (indented, UTF-8), written atomically."""
    write_atomic(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def scrub_recording(path: Path, extra_params: Sequence[str] = ()) -> bool:
    """Scrub a recording folder in place: its HAR (har.scrub_har) and the URLs of meta.json and
    expected.json. Returns whether anything changed. Replay still matches (har module docstring)."""
    params = (*SECRET_PARAMS, *extra_params)
    changed = scrub_har(path / HAR_FILE, extra_params)
    for name in (META_FILE, EXPECTED_FILE):
        file = path / name
        if not file.is_file():
            continue
        data = json.loads(file.read_text(encoding="utf-8"))
        scrubbed = redacted(data, params)
        if scrubbed != data:
            dump_json(file, scrubbed)
            changed = True
    return changed


def _utf8_dom(html: str) -> str:
    """dom.html is written as UTF-8: a BOM says so if the DOM's <meta charset> names another."""
    return html if decode_html(html.encode("utf-8"))[1] == "utf-8" else "\ufeff" + html


def _meta(pipeline: PagePipeline, url: str, rec: Record, site: SiteSpec, clock: datetime) -> Meta:
    renderer = pipeline.renderer
    return Meta(
        url=url,
        site=site.site,
        final_url=rec.final_url,
        http_status=rec.http_status,
        recorded_at=iso_utc(datetime.now(UTC)),
        clock=iso_utc(clock),
        timezone=site.render.timezone or DEFAULT_TIMEZONE,
        locale=site.render.locale or DEFAULT_LOCALE,
        browser=renderer.choice.describe() if renderer.choice else "chromium",
        browser_version=renderer.version,
        playwright_version=metadata.version("playwright"),
        storyline_version=__version__,
    )


async def record_page(
    pipeline: PagePipeline,
    url: str,
    site: SiteSpec,
    dest: Path,
    clock: datetime,
    serve: Prepare | None = None,
    secret_params: Sequence[str] = (),
) -> Recording:
    """Render `url` with a fixed clock and save a recording to `dest` (replaced if present): live,
    or from what `serve` answers (a saved page, `saved.SavedPage`). Credentials are scrubbed
    (`scrub_recording`; `secret_params` adds to har.SECRET_PARAMS).

    Raises RecordingError when the page ends in an error record, or when `dest` is not a
    folder name under its parent (SAFE_NAME): nothing is written or deleted then.
    """
    if not SAFE_NAME.fullmatch(dest.name):
        raise RecordingError(f"{dest}: not a recording folder name (a-z, 0-9, '.', '_', '-')")
    if dest.is_symlink():  # replacing it would act on what it points to
        raise RecordingError(f"{dest}: is a symbolic link; a recording folder must be a real folder")
    timezone = site.render.timezone or DEFAULT_TIMEZONE
    locale = site.render.locale or DEFAULT_LOCALE
    fixed = _with_clock_zone(site, timezone, locale)

    async def fix_clock(ctx: BrowserContext) -> None:
        await ctx.clock.set_fixed_time(clock)  # timers keep running; Date.now() stays put
        if serve is not None:
            await serve(ctx)

    dest.parent.mkdir(parents=True, exist_ok=True)
    # A hidden folder of its own: no name clash with a recording, none with a concurrent record.
    partial = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", suffix=".partial", dir=dest.parent))
    partial.chmod(usual_mode(folder=True))  # mkdtemp's folder is its owner's only; a recording is not
    try:
        result = await pipeline.run(
            url, fixed, prepare=fix_clock, har_path=partial / HAR_FILE, fetched_at=iso_utc(clock)
        )
        rec = result.record
        if rec.error is not None or result.html is None:
            kind, message = (rec.error.kind, rec.error.message) if rec.error else ("browser", "no page")
            raise RecordingError(f"{kind}: {message}")
        if not (partial / HAR_FILE).is_file():
            raise RecordingError("browser: the browser did not write the HAR file")
        write_atomic(partial / DOM_FILE, _utf8_dom(result.html))
        dump_json(partial / EXPECTED_FILE, comparable(rec))
        meta = _meta(pipeline, url, rec, fixed, clock)
        dump_json(partial / META_FILE, meta.model_dump(mode="json"))
        scrub_recording(partial, secret_params)  # before it is a recording anyone could commit
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    shutil.rmtree(dest, ignore_errors=True)
    partial.rename(dest)
    fsync_dir(dest.parent)
    return Recording.load(dest)


@dataclass
class Traffic:
    """What a replay's offline route did with the page's requests."""

    served: int = 0  # requests answered from the HAR
    blocked: int = 0  # requests the site's block rules dropped
    refused: int = 0  # requests the URL policy refused when recording: refused again
    missing: list[str] = field(default_factory=list)  # requests not in the HAR: aborted


@dataclass
class ReplayResult:
    recording: Recording
    record: Record
    diffs: list[Diff]
    served: int = 0
    blocked: int = 0
    missing: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.diffs

    def report(self, limit: int = 20) -> str:
        """What differs, one line per field, naming the site and the recording."""
        head = f"{self.recording.name}: {len(self.diffs)} field(s) differ from {self.recording.expected_path}"
        lines = [head, *(f"  {d}" for d in self.diffs[:limit])]
        if len(self.diffs) > limit:
            lines.append(f"  ... and {len(self.diffs) - limit} more")
        if self.missing:
            lines.append(f"  {len(self.missing)} request(s) not in the recording, e.g. {self.missing[0]}")
        return "\n".join(lines)


async def replay(pipeline: PagePipeline, rec: Recording, site: SiteSpec) -> ReplayResult:
    """Render the recording from its HAR with the network cut off, extract, compare.

    `pipeline` must not reach the network itself: no robots.txt, one attempt (`OFFLINE`).
    """
    meta = rec.meta
    har = HarArchive.load(rec.har, site.replay.ignore_params)
    fixed = _with_clock_zone(site, meta.timezone, meta.locale)
    cfg = fixed.render
    result = Traffic()

    async def answer(route: Route) -> None:
        req = route.request
        if is_blocked(req.url, req.resource_type, cfg):
            result.blocked += 1
            await route.abort("blockedbyclient")
            return
        resp = har.lookup(req.method, req.url)
        if resp is not None and resp.redirect_to is not None:
            if req.is_navigation_request():
                await _redirect_navigation(route, resp.redirect_to)
                result.served += 1
                return
            resp = har.follow(resp)
        if resp is None:
            result.missing.append(req.url)
            await route.abort("internetdisconnected")
            return
        if any(k.lower() == REFUSED_HEADER for k in resp.headers):
            result.refused += 1  # the guard's refusal, not the site's answer: no page behind it
            await route.abort("blockedbyclient")
            return
        result.served += 1
        await route.fulfill(status=resp.status, headers=resp.headers, body=resp.body)

    def no_socket(ws: WebSocketRoute) -> None:
        result.missing.append(ws.url)  # never connected: a mocked socket that says nothing

    async def offline(ctx: BrowserContext) -> None:
        await ctx.clock.set_fixed_time(datetime.fromisoformat(meta.clock))
        await ctx.route("**/*", answer)  # answers everything: nothing falls through to the network
        await ctx.route_web_socket("**/*", no_socket)

    got = (await pipeline.run(meta.url, fixed, prepare=offline, fetched_at=meta.clock)).record
    if got.error is None:  # offline, nothing passes the guard: what it refused then is counted here
        got = got.model_copy(update={"blocked_requests": got.blocked_requests + result.refused})
    diffs = compare(rec.expected(), comparable(got, har.secret_params))
    return ReplayResult(rec, got, diffs, result.served, result.blocked, result.missing)


async def _redirect_navigation(route: Route, url: str) -> None:
    # fulfill() cannot redirect a navigation; Playwright's own HAR router makes this same
    # (non-public) call for recorded redirects.
    await route._impl_obj._redirect_navigation_request(url)


def update_expected(result: ReplayResult) -> None:
    """Accept the replayed record as the new expected output."""
    dump_json(result.recording.expected_path, comparable(result.record))


# Replay never reaches the network itself: no robots.txt, and one attempt (a HAR does not change).
OFFLINE = PipelineOptions(
    overrides=Overrides(obey_robots=False, attempts=1, min_delay_ms=0)
)  # nothing goes over the network
