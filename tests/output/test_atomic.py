"""Outputs a crash cannot damage, a run that never truncates what it cannot replace, and a
`record --name` that never deletes outside its site folder.

The run tests drive the real command line (`runner.py run`) against local servers.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from faultserver import FaultServer
from scrapers.job.run import summary_path
from scrapers.output import sink
from scrapers.output.atomic import write_atomic
from scrapers.output.record import Record
from scrapers.output.resume import prepare_resume
from scrapers.output.sink import NdjsonSink, output_sink, partial_path

ROOT = Path(__file__).resolve().parents[2]
SITES = ROOT / "tests" / "sites"
PREVIOUS = (
    b'{"url": "https://news.example/yesterday/1", "status": "ok"}\n'
    b'{"url": "https://news.example/yesterday/2", "status": "ok"}\n'
)


def _storyline(*args: str) -> list[str]:
    return [sys.executable, str(ROOT / "runner.py"), "--selectors", str(SITES), *args]


def _run(*args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    return subprocess.run(_storyline(*args), capture_output=True, text=True, timeout=timeout, cwd=ROOT)


def _record(url: str, status: str = "ok") -> Record:
    return Record.model_validate({"url": url, "status": status, "fetched_at": "2026-11-27T06:00:00Z"})


def _leftovers(folder: Path) -> list[str]:
    """Temporary files a writer left behind."""
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".") or p.suffix == ".tmp")


# -- write_atomic ---------------------------------------------------------------------------------


def test_write_atomic_replaces_the_file_keeps_its_mode_and_fsyncs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "out" / "summary.json"
    write_atomic(target, "first\n")  # makes the folder
    assert target.read_text() == "first\n"
    target.chmod(0o640)
    synced: list[int] = []
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        synced.append(fd)
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    write_atomic(target, b"second\n")
    assert target.read_bytes() == b"second\n"
    assert target.stat().st_mode & 0o777 == 0o640
    assert len(synced) == 2  # the file's data, then the folder's entry
    assert _leftovers(target.parent) == []


def test_write_atomic_leaves_the_old_file_whole_when_the_rename_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "expected.json"
    target.write_bytes(b'{"old": true}\n')
    temps: list[str] = []

    def fail(src: str, dst: str) -> None:
        temps.append(Path(src).name)
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    for _ in range(2):
        with pytest.raises(OSError):
            write_atomic(target, b'{"new": true}\n')
    assert target.read_bytes() == b'{"old": true}\n'
    assert _leftovers(tmp_path) == []
    assert temps[0] != temps[1] and all(t.startswith(".expected.json.") for t in temps)  # unique names


def test_resume_rewrite_is_atomic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A crash while --resume rewrites the output (dropping a torn line) loses nothing."""
    out = tmp_path / "run.ndjson"
    torn = PREVIOUS + b'{"url": "https://news.example/yesterday/3", "sta'
    out.write_bytes(torn)

    def crash(src: str, dst: str) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError):
        prepare_resume(out)
    assert out.read_bytes() == torn
    assert _leftovers(tmp_path) == []
    monkeypatch.undo()
    state = prepare_resume(out)
    assert state.kept == 2 and state.dropped_torn == 1
    assert out.read_bytes() == PREVIOUS and _leftovers(tmp_path) == []


# -- the NDJSON sink ------------------------------------------------------------------------------


def test_sink_flushes_every_record_and_fsyncs_periodically_and_on_close(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    synced: list[int] = []
    monkeypatch.setattr(os, "fsync", synced.append)
    monkeypatch.setattr(sink, "FSYNC_EVERY", 3)
    monkeypatch.setattr(sink, "FSYNC_INTERVAL_S", 3600.0)
    out = tmp_path / "o.ndjson"
    with NdjsonSink(out) as s:
        for i in range(7):
            s.write(_record(f"https://news.example/{i}"))
            # flushed: another reader sees every whole line at once
            assert out.read_bytes().count(b"\n") == i + 1
        assert len(synced) == 2  # after records 3 and 6, not per line
    assert len(synced) == 4  # and on close: the file, then its folder
    assert [json.loads(line)["url"] for line in out.read_text().splitlines()][-1] == "https://news.example/6"


def test_output_sink_keeps_an_existing_output_until_there_is_something_to_put_in_its_place(
    tmp_path: Path,
) -> None:
    out = tmp_path / "daily.ndjson"
    partial = partial_path(out)
    assert output_sink(out).path == out  # nothing to protect: written in place

    out.write_bytes(PREVIOUS)
    with output_sink(out) as s:
        assert s.path == partial and out.read_bytes() == PREVIOUS
    assert s.committed is False and not partial.exists()  # no records: the old output stays
    assert out.read_bytes() == PREVIOUS

    with pytest.raises(RuntimeError), output_sink(out) as s:
        s.write(_record("https://news.example/today/1"))
        raise RuntimeError("discovery blew up")
    assert out.read_bytes() == PREVIOUS  # a failed run replaces nothing...
    assert partial.read_text().count("\n") == 1  # ...and its records wait for --resume

    with output_sink(out, resume=True) as s:  # --resume continues the run that was replacing OUT
        assert s.path == partial
        s.write(_record("https://news.example/today/2"))
    assert s.committed is True and not partial.exists()
    assert [json.loads(x)["url"] for x in out.read_text().splitlines()] == [
        "https://news.example/today/1",
        "https://news.example/today/2",
    ]

    partial.write_bytes(b"stale\n")
    with output_sink(out, force=True) as s:  # --force: truncate at once, as run used to
        assert s.path == out and out.read_bytes() == b""
    assert not partial.exists()  # a stale partial would mislead a later --resume


# -- run: an existing output survives a failed discovery ---------------------------------------------


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])  # nothing listens once it is closed: connections are refused


def _job(tmp_path: Path, start: dict[str, Any], output: str = "daily.ndjson") -> Path:
    path = tmp_path / "job.yaml"
    path.write_text(
        # Not incremental: these runs replace OUT; carrying records over is tests/test_incremental.py's.
        yaml.safe_dump(
            {
                "name": "daily",
                "site": "fault-test",
                "start": start,
                "output": output,
                "state": {"incremental": False},
            }
        ),
        encoding="utf-8",
    )
    return path


@pytest.mark.browser
def test_a_run_whose_feed_refuses_connections_leaves_the_previous_output_byte_identical(
    tmp_path: Path,
) -> None:
    job = _job(tmp_path, {"feeds": [f"http://127.0.0.1:{_closed_port()}/rss.xml"]})
    out = tmp_path / "daily.ndjson"
    out.write_bytes(PREVIOUS)
    proc = _run("run", str(job))
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert out.read_bytes() == PREVIOUS
    assert not partial_path(out).exists()
    assert f"nothing to write: kept {out} as it was" in proc.stderr
    summary = json.loads(summary_path(out).read_text(encoding="utf-8"))
    assert summary["output_written"] is False and summary["pages"] == 0
    assert summary["discovery_problems"], summary  # the summary says why there was nothing

    # --force is the old behaviour, asked for by name: the output is truncated at the start.
    forced = _run("run", str(job), "--force")
    assert forced.returncode == 0, forced.stderr[-2000:]
    assert out.read_bytes() == b""


# The real command line, with discovery replaced by one that raises (a bug, a library's surprise).
RAISING_DISCOVERY = """
import sys
from scrapers.cli.main import main
from scrapers.job import run as job


class Broken:
    def __init__(self, *args, **kwargs):
        pass

    async def run(self):
        raise RuntimeError("discovery failed")


job.Discoverer = Broken
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.browser
def test_a_run_whose_discovery_raises_leaves_the_previous_output_byte_identical(tmp_path: Path) -> None:
    job = _job(tmp_path, {"feeds": ["http://127.0.0.1:9/rss.xml"]})
    out = tmp_path / "daily.ndjson"
    out.write_bytes(PREVIOUS)
    proc = subprocess.run(
        [sys.executable, "-c", RAISING_DISCOVERY, "--selectors", str(SITES), "run", str(job)],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=ROOT,
    )
    assert proc.returncode != 0 and "RuntimeError: discovery failed" in proc.stderr, proc.stderr[-2000:]
    assert out.read_bytes() == PREVIOUS
    assert not partial_path(out).exists() and not summary_path(out).exists()


@pytest.mark.browser
def test_a_run_with_records_replaces_the_previous_output_when_it_ends(
    tmp_path: Path, faults: FaultServer
) -> None:
    urls = [faults.fault_url("ok", "r1"), faults.fault_url("ok", "r2")]
    job = _job(tmp_path, {"urls": urls})
    out = tmp_path / "daily.ndjson"
    out.write_bytes(PREVIOUS)
    proc = _run("run", str(job))
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert sorted(json.loads(x)["url"] for x in out.read_text().splitlines()) == sorted(urls)
    assert not partial_path(out).exists()
    assert json.loads(summary_path(out).read_text())["output_written"] is True
    assert _leftovers(tmp_path) == []


@pytest.mark.browser
@pytest.mark.heavy
def test_a_killed_run_keeps_the_old_output_and_resume_finishes_it(
    tmp_path: Path, faults: FaultServer
) -> None:
    urls = [faults.fault_url("slow", f"k{i}") for i in range(10)]
    job = _job(tmp_path, {"urls": urls})
    out = tmp_path / "daily.ndjson"
    partial = partial_path(out)
    out.write_bytes(PREVIOUS)
    proc = subprocess.Popen(
        _storyline("run", str(job)),
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 90
    while not (partial.exists() and partial.read_bytes().count(b"\n") >= 3):
        assert proc.poll() is None and time.monotonic() < deadline, "the run ended before the kill"
        time.sleep(0.1)
    os.killpg(proc.pid, signal.SIGKILL)  # the runner, its driver and Chromium
    proc.wait(10)
    assert out.read_bytes() == PREVIOUS  # yesterday's output, whole

    resumed = _run("run", str(job), "--resume")
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    records = [json.loads(x) for x in out.read_text().splitlines()]
    assert sorted(r["url"] for r in records) == sorted(urls)
    assert all(r["status"] == "ok" for r in records) and not partial.exists()
    assert json.loads(summary_path(out).read_text())["skipped_already_done"] >= 2


# -- record --name: a folder name, never a path ---------------------------------------------------


@pytest.mark.parametrize("kind", ["absolute", "parent-of-parent", "dot-dot", "dot", "nested"])
def test_record_name_that_is_a_path_exits_2_and_leaves_its_target_untouched(
    kind: str, tmp_path: Path
) -> None:
    into = tmp_path / "recordings"
    site_dir = into / "fault-test"
    site_dir.mkdir(parents=True)
    targets = {
        "absolute": tmp_path / "elsewhere",  # --name /abs/path
        "parent-of-parent": tmp_path / "x",  # ../../x from recordings/fault-test/
        "dot-dot": into,  # .. from recordings/fault-test/
        "dot": site_dir,  # the site folder itself
        "nested": site_dir / "a",
    }
    names = {
        "absolute": str(tmp_path / "elsewhere"),
        "parent-of-parent": "../../x",
        "dot-dot": "..",
        "dot": ".",
        "nested": "a/b",
    }
    target = targets[kind]
    target.mkdir(parents=True, exist_ok=True)
    (target / "sentinel.txt").write_text("keep me", encoding="utf-8")
    before = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*"))

    proc = subprocess.run(
        _storyline("record", "http://127.0.0.1:9/f/ok/1", "--name", names[kind], "--into", str(into)),
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith("error: --name") and "Traceback" not in proc.stderr
    assert (target / "sentinel.txt").read_text(encoding="utf-8") == "keep me"
    assert sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*")) == before
