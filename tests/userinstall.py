"""Storyline installed the way a user installs it: the wheel built from this checkout, put into a
stock `python3 -m venv` (with the pip that venv ships, 23.2.1 on Python 3.11) together with its
dependencies from the package registry, and run from a folder outside the checkout.

tests/test_wheel.py installs without dependencies, reusing this venv's packages, so it cannot see
what a user's pip resolves differently (issue 28: lxml's `html_clean` extra). This one can; it
needs the registry (pip's cache makes a second session quick), so the tests using it are `heavy`.
The venv is made once per session (`user_install` in conftest.py) and every test gets a folder
of its own under `home`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

# $STORYLINE_TEST_SOURCES: another tree to build the wheel from (to see a test fail on older code)
ROOT = Path(os.environ.get("STORYLINE_TEST_SOURCES") or Path(__file__).resolve().parents[1])
SOURCES = ("scrapers", "selectors", "setup.py", "pyproject.toml", "README.md")


class UserInstall:
    """A stock venv holding the wheel; `run` is the user typing `storyline ...` in `cwd`."""

    def __init__(self, venv: Path, home: Path) -> None:
        self.venv, self.home = venv, home
        self.bin = venv / "bin"

    def env(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        # Nothing of the checkout or of the test's own venv: no PYTHONPATH, no VIRTUAL_ENV.
        drop = {"PYTHONPATH", "VIRTUAL_ENV", "STORYLINE_SELECTORS"}
        env = {k: v for k, v in os.environ.items() if k not in drop}
        env["PATH"] = f"{self.bin}{os.pathsep}{env.get('PATH', '')}"
        env["STORYLINE_CACHE_DIR"] = str(self.home / ".cache")
        return {**env, **(extra or {})}

    def run(
        self, *args: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 300
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(self.bin / "storyline"), *args],
            cwd=cwd,
            env=self.env(env),
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def tool(
        self, name: str, *args: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 600
    ) -> subprocess.CompletedProcess[str]:
        """Another program of the venv (python, pytest, pip) in `cwd`."""
        return subprocess.run(
            [str(self.bin / name), *args],
            cwd=cwd,
            env=self.env(env),
            capture_output=True,
            text=True,
            timeout=timeout,
        )


def build_wheel(tmp: Path) -> Path:
    """The wheel of the current sources, built from a copy (nothing written into the checkout)."""
    src = tmp / "src"
    src.mkdir()
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, src / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(ROOT / name, src / name)
    pip = [sys.executable, "-m", "pip"]
    subprocess.run(
        [*pip, "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp / "dist"), str(src)],
        check=True,
        capture_output=True,
    )
    return next((tmp / "dist").glob("storyline-*.whl"))


# What a user's CI adds to run the recordings as tests (docs/recordings.md)
CI_PACKAGES = ("pytest==9.2.0", "pytest-playwright==0.10.0")


def install(tmp: Path, extras: str = "") -> UserInstall:
    """`python3 -m venv v && v/bin/pip install storyline-*.whl pytest pytest-playwright`, as a
    user's CI would."""
    wheel = build_wheel(tmp)
    venv = tmp / "venv"
    # The base interpreter's venv module, so the venv gets the pip that Python ships.
    base = getattr(sys, "_base_executable", sys.executable)
    subprocess.run([base, "-m", "venv", str(venv)], check=True, capture_output=True)
    done = subprocess.run(
        [
            str(venv / "bin" / "pip"),
            "install",
            "-q",
            "--disable-pip-version-check",
            f"{wheel}{extras}",
            *CI_PACKAGES,
        ],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise RuntimeError(f"pip install of the wheel failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    home = tmp / "home"
    home.mkdir()
    return UserInstall(venv, home)
