"""Running the real command line from tests, as a user runs it (`python runner.py ARGS` in a
subprocess), and reading what it wrote: the one place tests start `storyline`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
SITES = ROOT / "tests" / "sites"  # the test site files (fault-test, fault-big, demo-light, ...)


def storyline(*args: str, selectors: Path | None = SITES) -> list[str]:
    """The command line of `storyline ARGS` (with `--selectors DIR` unless `selectors` is None)."""
    chosen = ["--selectors", str(selectors)] if selectors is not None else []
    return [sys.executable, str(ROOT / "runner.py"), *chosen, *args]


def run_cli(
    *args: str,
    selectors: Path | None = SITES,
    timeout: float = 300,
    stdin: str | bytes | None = None,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    binary: bool = False,
) -> subprocess.CompletedProcess[Any]:
    """`storyline ARGS` to completion; text output unless `binary` (then bytes in and out);
    `env` adds to this process's environment."""
    return subprocess.run(
        storyline(*args, selectors=selectors),
        input=stdin,
        capture_output=True,
        text=not binary,
        timeout=timeout,
        env={**os.environ, **env} if env is not None else None,
        cwd=cwd,
    )


def write_job(tmp_path: Path, **job: Any) -> Path:
    path = tmp_path / "job.yaml"
    path.write_text(yaml.safe_dump({"name": "test", **job}), encoding="utf-8")
    return path


def read(out: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]


def summary_of(out: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(out.with_name(out.stem + ".summary.json").read_text(encoding="utf-8"))
    return data


def wait_for_lines(out: Path, n: int, proc: subprocess.Popen[bytes], timeout: float = 90) -> None:
    """Until `out` holds `n` records (the run still going), or fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if out.exists() and out.read_bytes().count(b"\n") >= n:
            return
        assert proc.poll() is None, "the run ended before it could be interrupted"
        time.sleep(0.1)
    raise AssertionError(f"fewer than {n} records after {timeout}s")
