"""Finding a browser: the documented order, and an error that says what was tried."""

from __future__ import annotations

from pathlib import Path

import pytest

from scrapers.browser.locate import ENV_VAR, find_chromium, launch_args
from scrapers.errors import BrowserNotFoundError


def fake_browser(tmp_path: Path, name: str) -> str:
    path = tmp_path / name
    path.write_text("#!/bin/sh\n")
    path.chmod(0o755)
    return str(path)


def test_env_var_wins(tmp_path: Path) -> None:
    mine = fake_browser(tmp_path, "my-chrome")
    own = fake_browser(tmp_path, "playwright-chrome")
    choice = find_chromium(own, env={ENV_VAR: mine})
    assert (choice.executable, choice.source) == (mine, "env")


def test_env_var_pointing_nowhere_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(BrowserNotFoundError, match=ENV_VAR):
        find_chromium(None, env={ENV_VAR: str(tmp_path / "nope")})


def test_playwright_own_build_before_system(tmp_path: Path) -> None:
    own = fake_browser(tmp_path, "playwright-chrome")
    system = fake_browser(tmp_path, "chromium")
    choice = find_chromium(own, env={"PATH": ""}, paths=(system,))
    assert (choice.executable, choice.source) == (None, "playwright")  # Playwright launches its own


def test_system_browser_when_playwright_has_none(tmp_path: Path) -> None:
    system = fake_browser(tmp_path, "chromium")
    choice = find_chromium(str(tmp_path / "missing"), env={}, names=(), paths=(system,))
    assert (choice.executable, choice.source) == (system, "system")


def test_not_found_lists_every_place_and_the_fix(tmp_path: Path) -> None:
    with pytest.raises(BrowserNotFoundError) as info:
        find_chromium(
            str(tmp_path / "pw"), env={}, names=("no-such-browser-xyz",), paths=(str(tmp_path / "c"),)
        )
    msg = str(info.value)
    for where in (ENV_VAR, str(tmp_path / "pw"), "no-such-browser-xyz on PATH", str(tmp_path / "c")):
        assert where in msg
    assert "make setup" in msg and "playwright install chromium" in msg


def test_launch_args_keep_chromium_off_the_network() -> None:
    args = launch_args()
    for flag in ("--disable-background-networking", "--disable-component-update", "--disable-sync"):
        assert flag in args
