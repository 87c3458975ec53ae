"""Finding a Chromium to drive, and the flags it needs.

Order: $STORYLINE_CHROMIUM, Playwright's own installed Chromium, then a system
Chromium. Nothing is hard-coded to one machine.

    python -m scrapers.browser          # prints the browser that would be used
"""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from scrapers.errors import BrowserNotFoundError

ENV_VAR = "STORYLINE_CHROMIUM"
SYSTEM_CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
SYSTEM_PATHS = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")

# Without these Chromium keeps dialling update and sync services; on a closed
# network that is noise at best and start-up delay at worst.
QUIET_ARGS = (
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
    # WebRTC may send UDP around the guard proxy (docs/security.md): only proxied traffic.
    "--force-webrtc-ip-handling-policy=disable_non_proxied_udp",
)


@dataclass(frozen=True)
class BrowserChoice:
    executable: str | None  # None: let Playwright launch its own build
    source: str  # "env", "playwright" or "system"

    def describe(self) -> str:
        return f"{self.executable or 'Playwright-managed Chromium'} (from {self.source})"


def _usable(path: str | os.PathLike[str]) -> bool:
    p = Path(path)
    return p.is_file() and os.access(p, os.X_OK)


def find_chromium(
    playwright_executable: str | None,
    env: dict[str, str] | None = None,
    names: tuple[str, ...] = SYSTEM_CANDIDATES,
    paths: tuple[str, ...] = SYSTEM_PATHS,
) -> BrowserChoice:
    """Choose a Chromium; `playwright_executable` is where Playwright keeps its own build."""
    env = dict(os.environ) if env is None else env
    tried: list[str] = []
    override = env.get(ENV_VAR)
    if override:
        if _usable(override):
            return BrowserChoice(override, "env")
        raise BrowserNotFoundError(
            f"{ENV_VAR}={override} is not an executable file. Point it at a Chromium binary or unset it."
        )
    tried.append(f"${ENV_VAR} (unset)")
    if playwright_executable:
        if _usable(playwright_executable):
            return BrowserChoice(None, "playwright")
        tried.append(playwright_executable)
    for name in names:
        found = shutil.which(name)
        if found and _usable(found):
            return BrowserChoice(found, "system")
        tried.append(f"{name} on PATH")
    for path in paths:
        if _usable(path):
            return BrowserChoice(path, "system")
        tried.append(path)
    raise BrowserNotFoundError(
        "no Chromium found; tried: " + ", ".join(tried) + ". Fix: run 'make setup' (it runs "
        "'playwright install chromium' and falls back to the system package), or install Chromium "
        f"yourself and set {ENV_VAR}=/path/to/chromium."
    )


def launch_args() -> list[str]:
    args = list(QUIET_ARGS)
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        args.append("--no-sandbox")  # Chromium refuses to start its sandbox as root
    return args


def playwright_executable() -> str | None:
    """Where Playwright keeps its own Chromium (it may not be installed)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        try:
            return pw.chromium.executable_path
        except Exception:
            return None


def main() -> int:
    try:
        choice = find_chromium(playwright_executable())
    except BrowserNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(choice.describe())
    return 0


if __name__ == "__main__":
    sys.exit(main())
