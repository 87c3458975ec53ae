"""Hostile recordings are bounded (scrapers/output/bounded.py; issue 27, point 10): a HAR zip
that unpacks to a gigabyte, a reference recording whose page is /dev/zero or a FIFO, a file
linked from outside the recording: each is one line of `replay`, in bounded memory, no hang."""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from clirun import storyline

ROOT = Path(__file__).resolve().parents[2]
HAR_RECORDING = ROOT / "recordings" / "demo-news" / "air-quality-in-pune-improves-after-traffic-curbs"
GiB = 2**30


def _limited() -> None:
    """The child may not take the shared machine's memory (the old code read /dev/zero to the end)."""
    resource.setrlimit(resource.RLIMIT_AS, (3 * GiB, 3 * GiB))


def _replay(folder: Path, *, limit: bool, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        storyline("replay", str(folder), selectors=ROOT / "selectors"),
        capture_output=True,
        text=True,
        timeout=timeout,
        preexec_fn=_limited if limit else None,
    )


def _reference(tmp_path: Path, page: str) -> Path:
    """A reference recording at <base>/proj/recordings/demo-news/ref naming <base>/data/<page>."""
    folder = tmp_path / "proj" / "recordings" / "demo-news" / "ref"
    folder.mkdir(parents=True)
    meta = {
        "kind": "reference",
        "url": "http://127.0.0.1:8765/news/a",
        "site": "demo-news",
        "source": {"path": f"data/{page}", "sha256": "0" * 64, "size": 100},
        "clock": "2026-01-01T00:00:00Z",
        "recorded_at": "2026-01-01T00:00:00Z",
        "storyline_version": "0.1.0",
    }
    (folder / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    (folder / "expected.json").write_text("{}", encoding="utf-8")
    (tmp_path / "data").mkdir(exist_ok=True)
    return folder


def _one_line_failure(proc: subprocess.CompletedProcess[str], *words: str) -> None:
    assert proc.returncode == 1, proc.stderr[-2000:]
    out = proc.stdout + proc.stderr
    assert "Traceback" not in out and "MemoryError" not in out, out[-2000:]
    assert all(w in out for w in words), out[-2000:]


@pytest.mark.parametrize("kind", ["dev-zero", "fifo"])
def test_a_reference_whose_page_is_no_regular_file_is_refused(tmp_path: Path, kind: str) -> None:
    folder = _reference(tmp_path, "page.html")
    page = tmp_path / "data" / "page.html"
    if kind == "dev-zero":
        page.symlink_to("/dev/zero")
    else:
        os.mkfifo(page)
    proc = _replay(folder, limit=True, timeout=120)  # the FIFO hung the old code: a hang guard only
    _one_line_failure(proc, "not a regular file")


@pytest.mark.browser
def test_a_har_zip_unpacking_to_a_gigabyte_is_refused_in_bounded_memory(tmp_path: Path) -> None:
    folder = tmp_path / "recordings" / "demo-news" / "bomb"
    shutil.copytree(HAR_RECORDING, folder)
    with (
        zipfile.ZipFile(folder / "page.har.zip", "w", zipfile.ZIP_DEFLATED) as zf,
        zf.open("har.har", "w", force_zip64=True) as member,
    ):
        for _ in range(1024):  # 1 GiB of spaces, about 1 MiB packed
            member.write(b" " * 2**20)
    assert (folder / "page.har.zip").stat().st_size < 8 * 2**20
    proc = _replay(folder, limit=False)
    peak_gib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024 / GiB
    print(f"replay of a 1 GiB HAR bomb: peak RSS of a child {peak_gib:.2f} GiB")
    _one_line_failure(proc, "over the limit")
    assert peak_gib < 1.0  # before: 2.6 GiB


def test_a_recording_file_linked_from_outside_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "recordings" / "demo-news" / "linked"
    shutil.copytree(HAR_RECORDING, folder)
    outside = tmp_path / "elsewhere.zip"
    (folder / "page.har.zip").rename(outside)
    (folder / "page.har.zip").symlink_to(outside)
    proc = _replay(folder, limit=False)
    _one_line_failure(proc, "symbolic link out of")
