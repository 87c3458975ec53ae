"""Storyline's pytest plugin (registered through the `pytest11` entry point): a user's own CI
guards their site files by replaying their recordings.

    pytest --storyline-recordings recordings/              # or the ini option storyline_recordings
    pytest --storyline-recordings recordings/ --chromium   # from the HAR, in Chromium

One test per recording, named by its folder (`recordings/<site>/<name>`); it passes when the
current site file extracts what `expected.json` holds and fails listing each differing field. A
reference recording whose page is absent is skipped, saying where it looked. With `--chromium`
the recordings are rendered from their HAR in one Chromium (found as `storyline` finds it);
pytest-playwright's `--headed` shows it. Site
files are looked up as the command line does: the library, $STORYLINE_SELECTORS, then
`--storyline-selectors DIR` or the working folder's ./selectors. Guide: docs/recordings.md.

Nothing here runs unless a recordings folder is given: importing this module costs pytest's
start-up nothing but this file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from scrapers.errors import RecordingMismatch

OPTION, INI = "--storyline-recordings", "storyline_recordings"
_REPLAYER = pytest.StashKey[Any]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("storyline", "Storyline recordings (replay site files' recordings as tests)")
    group.addoption(
        OPTION,
        action="append",
        default=[],
        metavar="DIR",
        help="replay every recording under DIR as a test (repeatable)",
    )
    group.addoption(
        "--storyline-selectors", metavar="DIR", help="your site files' folder (default: ./selectors)"
    )
    group.addoption(
        "--chromium",
        action="store_true",
        help="replay recordings in Chromium from their HAR (as `storyline replay`), not from dom.html",
    )
    parser.addini(INI, type="paths", default=[], help="folders of recordings replayed as tests")


def _folders(config: pytest.Config) -> list[Path]:
    given = [Path(p) for p in config.getoption(OPTION)]
    return given or [Path(p) for p in config.getini(INI)]


class RecordingItem(pytest.Item):
    """One recording folder, replayed and compared with its expected.json."""

    def __init__(self, *, folder: Path, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.folder = folder
        self.add_marker(pytest.mark.storyline_recording)

    def runtest(self) -> None:
        replayed = _replayer(self.config).replay(self.folder)
        if replayed.status == "skip":
            pytest.skip(replayed.report)
        if replayed.status == "fail":
            raise RecordingMismatch(replayed.report)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, RecordingMismatch):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo, style=style))

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.folder, 0, f"recording {self.name}"


def _replayer(config: pytest.Config) -> Any:
    """One Replayer for the session (with --chromium: one browser), made on first use."""
    if _REPLAYER not in config.stash:
        # Imported here: every pytest run of a project with Storyline installed loads this plugin.
        from scrapers.api import load_sites
        from scrapers.replay_api import Replayer

        sites = load_sites(config.getoption("--storyline-selectors"))
        headed = bool(_option(config, "--headed", False))  # pytest-playwright's option
        config.stash[_REPLAYER] = Replayer(
            sites=sites, chromium=bool(config.getoption("--chromium")), headed=headed
        )
    return config.stash[_REPLAYER]


def _option(config: pytest.Config, name: str, default: Any) -> Any:
    try:
        return config.getoption(name)
    except ValueError:  # pytest-playwright not installed
        return default


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "storyline_recording: a Storyline recording replayed as a test")


@pytest.hookimpl(tryfirst=True)  # before -k and -m deselect: they apply to recordings too
def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    folders = _folders(config)
    if not folders:
        return
    from scrapers.replay_api import recording_dirs

    try:
        found = recording_dirs(folders)
    except Exception as exc:  # RecordingError: a path that is not a recordings folder
        raise pytest.UsageError(f"{OPTION}: {exc}") from None
    if not found:
        raise pytest.UsageError(f"{OPTION}: no recordings under {', '.join(map(str, folders))}")
    for folder in found:
        name = f"{folder.parent.name}/{folder.name}"
        where = folder.resolve()
        nodeid = where.relative_to(config.rootpath) if where.is_relative_to(config.rootpath) else folder
        items.append(RecordingItem.from_parent(session, name=name, nodeid=nodeid.as_posix(), folder=folder))


def pytest_unconfigure(config: pytest.Config) -> None:
    replayer = config.stash.get(_REPLAYER, None)
    if replayer is not None:
        replayer.close()
