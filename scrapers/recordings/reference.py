"""Reference recordings: a saved page the project may not copy, named by path and checksum.

A reference recording is a folder `recordings/<site>/<name>/` holding only

- `meta.json`     kind "reference", the page's URL, its source file (path, sha256) and clock;
- `expected.json` the record Storyline extracts from that page, reviewed: the regression baseline;
- `expected.chromium.json`, only where Chromium extracts the page differently (scripts of the page
  change its DOM): the browser's record, reviewed, the baseline of the Chromium replay.

The page stays where it is: the shared benchmark pages are the publishers' content and are never
copied into the repository. `source.path` is relative to the folder above the project (two levels
above the recordings folder), so `shared/data/fundus/DW/DW_2024_01_30.html` is
`../shared/data/fundus/DW/DW_2024_01_30.html` seen from the repository. Its sha256 is checked
before every replay: a changed page fails naming both checksums (`SourceChanged`), an absent one
says so (`SourceMissing`; the tests skip then).

Replay comes in two strengths:

- static: the page decoded and extracted exactly as `storyline extract` does, no browser;
- chromium: the page served at its real URL by `saved.SavedPage` (every other request refused),
  rendered with the recording's clock and extracted; compared with expected.chromium.json where
  there is one, else expected.json, except the transport fields (a browser's answer has an HTTP
  status and blocked requests, a file neither).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any, Literal

from playwright.async_api import BrowserContext
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from scrapers.config.sitespec import SiteSpec
from scrapers.dom.decode import decode_html
from scrapers.errors import RecordingError, SourceChanged, SourceMissing, UnsafeRead
from scrapers.net.secrets import SECRET_PARAMS, redact_url, redacted
from scrapers.output.atomic import fsync_dir, usual_mode
from scrapers.output.bounded import MAX_JSON_BYTES, MAX_PAGE_BYTES, read_bounded
from scrapers.output.record import Record
from scrapers.page.pipeline import PagePipeline, SeenPage, process_saved
from scrapers.recordings.compare import Diff, compare
from scrapers.recordings.recording import (
    EXPECTED_FILE,
    META_FILE,
    SAFE_NAME,
    comparable,
    dump_json,
    is_reference,
    iso_utc,
    read_expected,
    recording_folders,
)
from scrapers.recordings.saved import SavedPage
from scrapers.version import __version__

# What a browser's answer has and a file has not: never compared between the two strengths. A
# saved page's frames have nothing behind them in Chromium: `hidden` counts them as refused.
TRANSPORT = frozenset({"http_status", "blocked_requests", "hidden"})
CHROMIUM_FILE = "expected.chromium.json"
Mode = Literal["static", "chromium"]


class Source(BaseModel):
    model_config = ConfigDict(extra="forbid")
    path: str  # POSIX, relative to the source base (`source_base`)
    sha256: str
    size: int
    encoding: str | None = None  # read as `extract --encoding` reads: over the <meta charset>

    @field_validator("path")
    @classmethod
    def _below_the_base(cls, value: str) -> str:
        if PurePosixPath(value).is_absolute() or ".." in PurePosixPath(value).parts:
            raise ValueError(f"{value!r}: a path below the folder above the project, without '..'")
        return value


class ReferenceMeta(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["reference"]
    url: str
    site: str
    source: Source
    clock: str  # the fixed time the page sees in Chromium and the record's fetched_at, ISO 8601 UTC
    chromium: bool = False  # `make test` replays it through Chromium too (a marked subset)
    redact_params: list[str] = []  # secret query parameters beyond har.SECRET_PARAMS
    recorded_at: str
    storyline_version: str


def source_base(folder: Path) -> Path:
    """Where `source.path` starts: the folder above the project (recordings/<site>/<name> -> ../..)."""
    parents = _absolute(folder).parents
    if len(parents) < 4:
        raise RecordingError(f"{folder}: a reference recording sits at <project>/<recordings>/<site>/<name>")
    return parents[3]


def _absolute(path: Path) -> Path:
    # Symbolic links kept: ../shared may be a link to a folder elsewhere, still named from here.
    return Path(os.path.abspath(path))


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class Reference:
    path: Path
    meta: ReferenceMeta

    @property
    def name(self) -> str:
        return f"{self.path.parent.name}/{self.path.name}"

    @property
    def expected_path(self) -> Path:
        return self.path / EXPECTED_FILE

    @property
    def chromium_baselines(self) -> list[Path]:
        """What a Chromium replay may match: the browser's own record where it differs (first),
        and the static expected.json (a page's scripts may race the extraction)."""
        own = self.path / CHROMIUM_FILE
        return [own, self.expected_path] if own.is_file() else [self.expected_path]

    @property
    def source_file(self) -> Path:
        return source_base(self.path) / self.meta.source.path

    def expected(self, path: Path | None = None) -> dict[str, Any]:
        return read_expected(path or self.expected_path)

    def read_source(self) -> bytes:
        """The page's bytes, once they are known to be the ones recorded."""
        src = self.meta.source
        try:
            data = read_bounded(self.source_file, MAX_PAGE_BYTES)  # no device, no FIFO
        except UnsafeRead as exc:  # there, but not a page: a failure, not a skip
            raise SourceChanged(f"{self.name}: its page is refused: {exc}") from None
        except OSError as exc:
            raise SourceMissing(
                f"{self.name}: its page {src.path} is absent ({exc.strerror or exc}; "
                f"looked at {self.source_file})"
            ) from None
        if (digest := sha256_of(data)) != src.sha256:
            raise SourceChanged(
                f"{self.name}: its page {src.path} changed: sha256 {digest}, recorded from "
                f"{src.sha256}. Record it again (make library-recordings, or storyline record --reference) "
                "and review expected.json."
            )
        return data

    def recorded(self, rec: Record) -> dict[str, Any]:
        """The record as stored and compared: without its timings, secret URL parameters redacted."""
        out: dict[str, Any] = redacted(comparable(rec), (*SECRET_PARAMS, *self.meta.redact_params))
        return out

    @classmethod
    def load(cls, path: Path) -> Reference:
        meta_path = path / META_FILE
        try:
            meta = ReferenceMeta.model_validate_json(read_bounded(meta_path, MAX_JSON_BYTES, within=path))
        except (OSError, ValidationError) as exc:
            raise RecordingError(f"{meta_path}: not a reference recording's meta.json ({exc})") from None
        return cls(path, meta)


def find_references(paths: Iterable[Path]) -> list[Reference]:
    """Reference recordings in the given folders (one itself, or any folder above some)."""
    return [Reference.load(f) for f in recording_folders(paths) if is_reference(f)]


def extract_saved(raw: bytes, url: str, site: SiteSpec, clock: str, encoding: str | None) -> Record:
    """The page as `storyline extract` reads it: decoded, judged, extracted; no browser."""
    html = decode_html(raw, encoding)[0]
    return process_saved(SeenPage(url, html, url), site, fetched_at=clock)


@dataclass
class ReferenceResult:
    reference: Reference
    record: Record
    diffs: list[Diff]
    baseline: Path  # the expected file compared with
    mode: Mode = "static"
    refused: list[str] = field(default_factory=list)  # requests the saved page's route refused

    @property
    def ok(self) -> bool:
        return not self.diffs

    def report(self, limit: int = 20) -> str:
        """What differs, one line per field, naming the recording and the strength of replay."""
        head = f"{self.reference.name} ({self.mode}): {len(self.diffs)} field(s) differ from {self.baseline}"
        lines = [head, *(f"  {d}" for d in self.diffs[:limit])]
        if len(self.diffs) > limit:
            lines.append(f"  ... and {len(self.diffs) - limit} more")
        return "\n".join(lines)


def replay_static(ref: Reference, site: SiteSpec) -> ReferenceResult:
    """Extract the named page without a browser and compare with expected.json, every field."""
    meta = ref.meta
    got = extract_saved(ref.read_source(), meta.url, site, meta.clock, meta.source.encoding)
    diffs = compare(ref.expected(), ref.recorded(got))
    return ReferenceResult(ref, got, diffs, ref.expected_path)


async def render_saved(
    pipeline: PagePipeline, html_path: Path, url: str, site: SiteSpec, clock: str, encoding: str | None
) -> tuple[Record, list[str]]:
    """The saved page rendered at its real URL, offline, with a fixed clock: (record, refused)."""
    saved = SavedPage(html_path, url, encoding)

    async def offline(ctx: BrowserContext) -> None:
        await ctx.clock.set_fixed_time(datetime.fromisoformat(clock))  # Date.now() as recorded
        await saved(ctx)

    result = await pipeline.run(url, site, prepare=offline, fetched_at=clock)
    return result.record, saved.refused


async def replay_chromium(pipeline: PagePipeline, ref: Reference, site: SiteSpec) -> ReferenceResult:
    """Render the named page in Chromium (`pipeline` must be OFFLINE) and compare with its
    baselines (`Reference.chromium_baselines`: it matches when one matches), all but the
    transport fields. The diffs reported are the first baseline's."""
    ref.read_source()  # the checksum first: the browser would render a changed page just as well
    meta = ref.meta
    got, refused = await render_saved(
        pipeline, ref.source_file, meta.url, site, meta.clock, meta.source.encoding
    )
    seen = content(ref.recorded(got))
    tried = [(path, compare(content(ref.expected(path)), seen)) for path in ref.chromium_baselines]
    baseline, diffs = next((t for t in tried if not t[1]), tried[0])
    return ReferenceResult(ref, got, diffs, baseline, "chromium", refused)


async def record_chromium(
    pipeline: PagePipeline, ref: Reference, site: SiteSpec, mark: bool, renders: int = 2
) -> ReferenceResult:
    """Render the page and keep what the browser makes of it: nothing when it agrees with the
    static expected.json, else its record as expected.chromium.json (the result's diffs say where,
    for review). Rendered up to `renders` times: a page whose scripts race the extraction agrees
    only sometimes. `mark`: replayed through Chromium by `make test`."""
    stale = ref.path / CHROMIUM_FILE
    stale.unlink(missing_ok=True)  # compared with the static record, not an older browser one
    for _ in range(renders):
        result = await replay_chromium(pipeline, ref, site)
        if not result.ok:
            dump_json(stale, ref.recorded(result.record))
            break
    dump_json(ref.path / META_FILE, ref.meta.model_copy(update={"chromium": mark}).model_dump(mode="json"))
    return result


def content(data: dict[str, Any]) -> dict[str, Any]:
    """A record's fields that say what the page holds, not how it was answered."""
    return {k: v for k, v in data.items() if k not in TRANSPORT}


def record_reference(
    html_path: Path,
    url: str,
    site: SiteSpec,
    dest: Path,
    clock: datetime,
    *,
    encoding: str | None = None,
    chromium: bool = False,
    secret_params: Sequence[str] = (),
) -> Reference:
    """Write a reference recording of the saved page at `html_path` to `dest` (replaced if present):
    its path and checksum, never its content, and the record extracted statically.

    Secret query parameters of `url` (har.SECRET_PARAMS and `secret_params`) are redacted before
    anything is extracted, so the record and meta.json hold the same redacted address.

    Raises RecordingError when the page is not under the source base (it could not be named from
    the repository), when its extraction is an error record, or when `dest` is not a folder name.
    """
    if not SAFE_NAME.fullmatch(dest.name):
        raise RecordingError(f"{dest}: not a recording folder name (a-z, 0-9, '.', '_', '-')")
    base = source_base(dest)
    try:
        rel = _absolute(html_path).relative_to(base)
    except ValueError:
        raise RecordingError(
            f"{html_path}: a reference names its page relative to {base}, and the page is not under "
            "it (record without --reference to copy the page into the recording instead)"
        ) from None
    raw = html_path.read_bytes()
    url = redact_url(url, (*SECRET_PARAMS, *secret_params))
    stamp = iso_utc(clock)
    rec = extract_saved(raw, url, site, stamp, encoding)
    if rec.error is not None:
        raise RecordingError(f"{rec.error.kind}: {rec.error.message}")
    source = Source(path=rel.as_posix(), sha256=sha256_of(raw), size=len(raw), encoding=encoding)
    meta = ReferenceMeta(
        kind="reference",
        url=url,
        site=site.site,
        source=source,
        clock=stamp,
        chromium=chromium,
        recorded_at=iso_utc(datetime.now(UTC)),
        storyline_version=__version__,
        redact_params=list(secret_params),
    )
    expected = redacted(comparable(rec), (*SECRET_PARAMS, *secret_params))
    _write(dest, {META_FILE: meta.model_dump(mode="json"), EXPECTED_FILE: expected})
    return Reference.load(dest)


def _write(dest: Path, files: dict[str, Any]) -> None:
    """The folder's JSON files written in a hidden folder beside it, then swapped in whole."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    partial = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", suffix=".partial", dir=dest.parent))
    partial.chmod(usual_mode(folder=True))
    try:
        for name, data in files.items():
            dump_json(partial / name, data)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    shutil.rmtree(dest, ignore_errors=True)
    partial.rename(dest)
    fsync_dir(dest.parent)


def update_reference(result: ReferenceResult) -> None:
    """Accept a static replay's record as the new expected.json (a Chromium one never is: the
    baseline is the static extraction, docs/recordings.md)."""
    if result.mode != "static":
        raise RecordingError(f"{result.reference.name}: only a static replay updates expected.json")
    dump_json(result.reference.expected_path, result.reference.recorded(result.record))
