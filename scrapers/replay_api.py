"""Replaying recordings from Python: what the pytest plugin (scrapers/testing/pytest_plugin.py) and
`scrapers.Replayer` give a user's own CI. Exported by scrapers/api.py; the guide is
docs/recordings.md.

Two strengths, as `storyline replay` has them:

- without a browser (the default): a recording's `dom.html` (a reference recording's named page)
  is extracted with the current site file and the recording's clock, and compared with
  `expected.json` field by field, all but the transport fields (`http_status`,
  `blocked_requests`), which only a browser's answer has;
- `chromium=True`: a recording is rendered from its HAR with the network cut off and compared
  with every field, exactly as `storyline replay` does; a reference recording is checked
  statically and rendered at its URL too.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from scrapers.config.sitefiles import SiteRegistry
from scrapers.errors import SourceMissing
from scrapers.output.record import Record
from scrapers.recordings.compare import Diff
from scrapers.recordings.recording import (
    OFFLINE,
    Recording,
    comparable,
    compare,
    find_recordings,
    is_reference,
    recording_folders,
    replay,
)
from scrapers.recordings.reference import Reference, content, extract_saved, replay_chromium, replay_static

StrPath = str | os.PathLike[str]


@dataclass(frozen=True)
class Replayed:
    """One recording replayed. `status` is "ok", "fail" (a field differs, or the recording's page
    changed) or "skip" (a reference recording whose page is absent); `report` says which fields
    differ, one per line, as `storyline replay` prints them; `fields` names them."""

    name: str  # <site>/<folder>
    path: Path
    status: Literal["ok", "fail", "skip"]
    report: str
    fields: tuple[str, ...] = ()
    record: Record | None = None


def recording_dirs(paths: Iterable[StrPath] = ("recordings",)) -> list[Path]:
    """Every recording folder under `paths` (a recording folder itself, or any folder above
    some), HAR and reference recordings alike, sorted; RecordingError for a path that is none."""
    return recording_folders(Path(p) for p in paths)


class Replayer:
    """Replays recordings one at a time, with one browser for all of them when `chromium`.

    `sites` is where site files are looked up (as `load_sites`: default the library with
    $STORYLINE_SELECTORS and ./selectors on top). `launch_options` are Playwright's launch
    arguments as they stand (pytest-playwright's, say); `headed` shows the browser otherwise.
    Use it as a context manager, or call `close()`: it owns an event loop and maybe a browser."""

    def __init__(
        self,
        *,
        sites: SiteRegistry | None = None,
        chromium: bool = False,
        headed: bool = False,
        launch_options: Mapping[str, Any] | None = None,
    ) -> None:
        self.sites = sites if sites is not None else SiteRegistry.layered()
        self.chromium = chromium
        self._headed, self._launch = headed, launch_options
        self._runner: asyncio.Runner | None = None
        self._renderer: Any = None
        self._pipeline: Any = None

    def __enter__(self) -> Replayer:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def replay(self, folder: StrPath) -> Replayed:
        """Replay the recording in `folder` and compare it with its expected.json."""
        path = Path(folder)
        if is_reference(path):
            return self._reference(Reference.load(path))
        (rec,) = find_recordings([path])
        site = self.sites.get(rec.meta.site)
        if self.chromium:
            result = self._run(replay(self._browser(), rec, site))
            return _outcome(rec.name, path, result.diffs, result.report(), result.record)
        url, dom = rec.meta.final_url or rec.meta.url, (path / "dom.html").read_bytes()
        got = extract_saved(dom, url, site, rec.meta.clock, None)
        diffs = compare_content(rec, got)
        head = f"{rec.name}: {len(diffs)} field(s) differ from {rec.expected_path}"
        return _outcome(rec.name, path, diffs, "\n".join([head, *(f"  {d}" for d in diffs)]), got)

    def _reference(self, ref: Reference) -> Replayed:
        site = self.sites.get(ref.meta.site)
        try:
            static = replay_static(ref, site)
        except SourceMissing as exc:
            return Replayed(ref.name, ref.path, "skip", str(exc))
        except Exception as exc:  # SourceChanged: a different page must fail, never pass
            return Replayed(ref.name, ref.path, "fail", str(exc))
        if static.diffs or not self.chromium:
            return _outcome(ref.name, ref.path, static.diffs, static.report(), static.record)
        rendered = self._run(replay_chromium(self._browser(), ref, site))
        return _outcome(ref.name, ref.path, rendered.diffs, rendered.report(), rendered.record)

    def _run(self, coro: Any) -> Any:
        if self._runner is None:
            self._runner = asyncio.Runner()
        return self._runner.run(coro)

    def _browser(self) -> Any:
        """The offline page pipeline, its browser started on first use."""
        if self._pipeline is None:
            from scrapers.browser.renderer import Renderer
            from scrapers.page.pipeline import PagePipeline

            self._renderer = Renderer(headless=not self._headed, launch_options=self._launch)
            self._run(self._renderer.__aenter__())
            self._pipeline = PagePipeline(self._renderer, OFFLINE)
        return self._pipeline

    def close(self) -> None:
        if self._renderer is not None:
            self._run(self._renderer.__aexit__(None, None, None))
            self._renderer = self._pipeline = None
        if self._runner is not None:
            self._runner.close()
            self._runner = None


def compare_content(rec: Recording, got: Record) -> list[Diff]:
    """A recording's expected.json against a record extracted without a browser: every field
    but the transport ones, which a saved DOM cannot have."""
    return compare(content(rec.expected()), content(comparable(got)))


def _outcome(name: str, path: Path, diffs: list[Diff], report: str, record: Record | None) -> Replayed:
    status: Literal["ok", "fail"] = "fail" if diffs else "ok"
    return Replayed(name, path, status, report if diffs else "", tuple(d.path for d in diffs), record)
