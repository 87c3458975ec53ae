"""Output paths are checked before any page is fetched: one line, exit status 2, nothing scraped,
nothing left behind (issue 27, point 11; scrapers/output/outpath.py)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from clirun import storyline
from localserver import LocalServer, text

PAGE = "<html><head><title>A story</title></head><body><h1>A story</h1><p>Words here.</p></body></html>"


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(storyline(*args), capture_output=True, text=True, timeout=300, cwd=cwd)


def _one_line_exit_2(proc: subprocess.CompletedProcess[str], *words: str) -> None:
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), proc.stderr
    assert all(w in lines[0] for w in words), lines[0]


def test_run_and_scrape_with_out_naming_a_folder_fail_before_any_page(
    server: LocalServer, tmp_path: Path
) -> None:
    server.routes["/a"] = text(PAGE, "text/html")
    folder = tmp_path / "dir"
    folder.mkdir()
    url = server.url("/a")
    _one_line_exit_2(
        _cli("run", "--url", url, "--out", str(folder), cwd=tmp_path), str(folder), "is a folder"
    )
    _one_line_exit_2(_cli("scrape", url, "--out", str(folder), cwd=tmp_path), "is a folder")
    assert server.hits == {}  # not even robots.txt: nothing was fetched
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dir"] and not any(folder.iterdir())


def test_run_with_out_where_nothing_can_be_written_fails_before_any_page(
    server: LocalServer, tmp_path: Path
) -> None:
    server.routes["/a"] = text(PAGE, "text/html")
    proc = _cli("run", "--url", server.url("/a"), "--out", "/proc/nope/x.ndjson", cwd=tmp_path)
    _one_line_exit_2(proc, "/proc/nope", "cannot write")
    assert server.hits == {}


def test_record_into_a_symlinked_recording_folder_fails_before_any_page(
    server: LocalServer, tmp_path: Path
) -> None:
    server.routes["/news/a"] = text(PAGE, "text/html")
    into = tmp_path / "recordings"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "keep.txt").write_text("mine", encoding="utf-8")
    (into / "generic").mkdir(parents=True)
    (into / "generic" / "a").symlink_to(elsewhere)
    proc = _cli("record", server.url("/news/a"), "--site", "generic", "--into", str(into), cwd=tmp_path)
    _one_line_exit_2(proc, "symbolic link")
    assert server.hits == {}
    assert sorted(p.name for p in (into / "generic").iterdir()) == ["a"]  # no stray .partial
    assert [p.name for p in elsewhere.iterdir()] == ["keep.txt"]
