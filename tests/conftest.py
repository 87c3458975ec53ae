"""The shared fixtures, all here: one Chromium per session, the demo site, the fault server, the
site library, record validation, connection guards."""

from __future__ import annotations

import asyncio
import json
import os
import threading
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import jsonschema
import pytest
from playwright.sync_api import Playwright

from faultserver import FaultServer
from localserver import LocalServer, guard_connections
from scrapers.browser.locate import find_chromium, launch_args
from scrapers.browser.renderer import Renderer
from scrapers.config.sitefiles import SiteRegistry
from scrapers.demo.server import DemoServer
from scrapers.output.record import Record
from userinstall import UserInstall, install

ROOT = Path(__file__).resolve().parents[1]
T = TypeVar("T")


class BrowserSession:
    """An async Renderer living on its own event-loop thread, usable from sync tests."""

    def __init__(self, launch_options: dict[str, Any]) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="renderer-loop", daemon=True)
        self._thread.start()
        self.renderer = Renderer(launch_options=launch_options)
        self.run(self.renderer.__aenter__())

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 180) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def close(self) -> None:
        self.run(self.renderer.__aexit__(None, None, None))
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)


@pytest.fixture(scope="session")
def browser_session(browser_type_launch_args: dict[str, Any]) -> Iterator[BrowserSession]:
    """The one browser of the session, launched as pytest-playwright would (--headed works)."""
    session = BrowserSession(browser_type_launch_args)
    yield session
    session.close()


@pytest.fixture(scope="session", autouse=True)
def site_index_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Site-file indexes (scrapers/config/siteindex.py) of the session's many temporary folders
    go to a folder of the session's own, not to the user's cache."""
    before = os.environ.get("STORYLINE_CACHE_DIR")
    os.environ["STORYLINE_CACHE_DIR"] = str(tmp_path_factory.mktemp("storyline-cache"))
    yield
    if before is None:
        del os.environ["STORYLINE_CACHE_DIR"]
    else:
        os.environ["STORYLINE_CACHE_DIR"] = before


@pytest.fixture(scope="session")
def user_install(tmp_path_factory: pytest.TempPathFactory) -> UserInstall:
    """The wheel in a stock venv with its dependencies from the registry, once per session
    (tests/userinstall.py); tests using it are `heavy`."""
    return install(tmp_path_factory.mktemp("user-install"))


@pytest.fixture(scope="session")
def demo_server() -> Iterator[DemoServer]:
    with DemoServer(latency_ms=5) as server:
        yield server


@pytest.fixture(scope="module")
def faults() -> Iterator[FaultServer]:
    """The fault server (tests/faultserver.py): one URL shape per way a page can fail."""
    with FaultServer() as server:
        yield server


@pytest.fixture(scope="module")
def registry() -> SiteRegistry:
    """The site library, with $STORYLINE_SELECTORS on top, as the command line loads it."""
    return SiteRegistry.layered()


@pytest.fixture(scope="session")
def browser_type_launch_args(
    browser_type_launch_args: dict[str, Any], playwright: Playwright
) -> dict[str, Any]:
    """pytest-playwright has no executable option: add the browser we find, keep --headed etc."""
    choice = find_chromium(playwright.chromium.executable_path)
    merged = {**browser_type_launch_args, "args": [*browser_type_launch_args.get("args", []), *launch_args()]}
    if choice.executable:
        merged["executable_path"] = choice.executable
    return merged


@pytest.fixture(scope="session")
def record_validator() -> jsonschema.Draft202012Validator:
    schema = json.loads((ROOT / "schemas" / "record.schema.json").read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema)


@pytest.fixture
def valid(record_validator: jsonschema.Draft202012Validator) -> Any:
    """valid(record) -> the record's JSON dict, after checking it against record.schema.json."""

    def check(rec: Record | str | dict[str, Any]) -> dict[str, Any]:
        data: dict[str, Any]
        if isinstance(rec, Record):
            data = json.loads(rec.to_json())
        elif isinstance(rec, str):
            data = json.loads(rec)
        else:
            data = rec
        errors = sorted(record_validator.iter_errors(data), key=str)
        assert not errors, (
            f"record violates record.schema.json: {errors[0].message} at {list(errors[0].path)}"
        )
        return data

    return check


@pytest.fixture
def attempts(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """Connections to anything but loopback fail, and are listed here (tests of the fetcher)."""
    return guard_connections(monkeypatch)


@pytest.fixture
def server() -> Iterator[LocalServer]:
    """A local HTTP server on a free loopback port whose answers a test sets per path."""
    with LocalServer() as s:
        yield s
