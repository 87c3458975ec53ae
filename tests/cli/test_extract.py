"""The command line without a browser: extract, --batch, help texts."""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from clirun import run_cli
from scrapers.cli.console import Progress
from scrapers.cli.main import main
from scrapers.output.record import Record

ROOT = Path(__file__).resolve().parents[2]

HTML = """<html lang="en"><head><title>T</title>
<script type="application/ld+json">{"@type": "NewsArticle", "headline": "From JSON-LD"}</script></head>
<body><article class="story"><h1 class="headline">Demo headline</h1>
<div class="article-body"><p>One.</p><p>Two.</p></div></article></body></html>"""


def test_a_local_server_that_is_not_the_demo_gets_generic_extraction(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], valid: Any
) -> None:
    """The demo's site file claims its own port (8765) only: a user's local test server on
    another port is not taken for the demo (whose wait_for would time out on every page)."""
    page = tmp_path / "p.html"
    page.write_text(HTML, encoding="utf-8")
    for url in ("http://127.0.0.1:8000/news/x", "http://localhost:3000/news/x", "http://127.0.0.1/news/x"):
        assert main(["extract", str(page), "--url", url]) == 0
        rec = valid(capsys.readouterr().out)
        assert rec["site"] is None and rec["extractor"] == "generic", url
        assert rec["story"]["headline"] == "From JSON-LD"


def test_extract_uses_the_site_file_matching_the_domain(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], valid: Any
) -> None:
    page = tmp_path / "p.html"
    page.write_text(HTML, encoding="utf-8")
    assert main(["extract", str(page), "--url", "http://127.0.0.1:8765/news/x"]) == 0
    rec = valid(capsys.readouterr().out)
    assert rec["site"] == "demo-news" and rec["extractor"] == "selectors"
    assert rec["story"]["headline"] == "Demo headline"
    assert rec["story"]["text"] == "One.\n\nTwo."

    assert main(["extract", str(page), "--url", "http://127.0.0.1:8765/news/x", "--site", "generic"]) == 0
    rec = valid(capsys.readouterr().out)
    assert rec["extractor"] == "generic" and rec["story"]["headline"] == "From JSON-LD"

    assert main(["extract", str(page), "--url", "https://unknown.example/a"]) == 0
    assert valid(capsys.readouterr().out)["extractor"] == "generic"


def test_extract_batch_keeps_order_and_records_failures(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], valid: Any
) -> None:
    (tmp_path / "a.html").write_text(HTML, encoding="utf-8")
    lines = [
        {"path": "a.html", "url": "http://127.0.0.1:8765/news/a"},
        {"path": "missing.html", "url": "http://127.0.0.1:8765/news/b"},
        {"path": str(tmp_path / "a.html"), "url": "https://unknown.example/c"},
    ]
    batch = tmp_path / "batch.ndjson"
    batch.write_text("\n".join(json.dumps(x) for x in lines) + "\n{not json\n", encoding="utf-8")
    assert main(["extract", "--batch", str(batch)]) == 1
    out = [valid(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["url"] for r in out[:3]] == [x["url"] for x in lines]
    assert [r["status"] for r in out] == ["ok", "error", "ok", "error"]
    assert out[1]["error"]["kind"] == "content" and "missing.html" in out[1]["error"]["message"]
    assert out[3]["url"] == f"{batch}:4"


def test_extract_without_url_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["extract", str(tmp_path / "x.html")]) == 2
    assert "--url" in capsys.readouterr().err


def test_unknown_site_name_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "a.html").write_text(HTML, encoding="utf-8")
    assert main(["extract", str(tmp_path / "a.html"), "--url", "https://x.example/", "--site", "nope"]) == 2
    err = capsys.readouterr().err
    assert "no site file named 'nope'" in err and "storyline check` lists them" in err
    assert (
        main(["extract", str(tmp_path / "a.html"), "--url", "https://x.example/", "--site", "demo-nwes"]) == 2
    )
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "did you mean 'demo-news'" in err, err  # not 127 names


@pytest.mark.parametrize("command", ["extract", "scrape", "check", "demo"])
def test_every_command_has_help_with_an_example(command: str) -> None:
    out = subprocess.run(
        [sys.executable, str(ROOT / "runner.py"), command, "--help"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "examples:" in out and f"storyline {command}" in out


def test_a_browser_that_cannot_start_is_one_clear_line(tmp_path: Path) -> None:
    fake = tmp_path / "chromium"
    fake.write_text("#!/bin/sh\nexit 1\n")
    fake.chmod(0o755)
    proc = subprocess.run(
        [
            sys.executable,
            str(ROOT / "runner.py"),
            "scrape",
            "http://127.0.0.1:9/news/x",
            "--site",
            "demo-news",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        env={**os.environ, "STORYLINE_CHROMIUM": str(fake)},
    )
    assert proc.returncode == 2
    # The last line says it (a notice may come first: demo-news does not claim port 9).
    assert proc.stderr.strip().splitlines()[-1].startswith("error: the browser failed:")
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize("name", ["..", "../other-site", "/tmp/x", "a/b", ".hidden"])
def test_record_name_must_be_a_folder_name_not_a_path(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The recording folder is replaced: a name that is a path would delete what it points at."""
    keep = tmp_path / "recordings" / "demo-news" / "keep-me"
    keep.mkdir(parents=True)
    into = str(tmp_path / "recordings")
    assert main(["record", "http://127.0.0.1:9/news/x", "--name", name, "--into", into]) == 2
    assert "--name" in capsys.readouterr().err and keep.is_dir()


# `storyline ARGS` from the checkout, with the installed library only
_cli = functools.partial(run_cli, selectors=None, timeout=60)


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (
            ["extract", "no-such-file.html", "--url", "https://news.example/a"],
            "no-such-file.html: cannot read",
        ),
        (["extract", ".", "--url", "https://news.example/a"], ".: cannot read"),  # a directory
        (["extract", "x.html", "--url", "not a url"], "not an http(s) URL: 'not a url'"),
        (["extract", "x.html", "--url", "file:///etc/os-release"], "not an http(s) URL"),
        (["extract", "--batch", "no-such-batch.ndjson"], "no-such-batch.ndjson"),
        (["extract", "x.html", "--url", "https://news.example/a", "--encoding", "klingon"], "klingon"),
        (["scrape", "ftp://news.example/a"], "not an http(s) URL: 'ftp://news.example/a'"),
        (["scrape", "https://news.example/a", "--stats-every", "-5"], "--stats-every"),
        (
            ["run", "--url", "https://news.example/a", "--concurrency", "0"],
            "--concurrency: must be 1 or more",
        ),
        (["run", "--url", "https://news.example/a", "--min-delay-ms", "-1"], "--min-delay-ms"),
        (["run", "--urls-file", "no-such-list.txt"], "--urls-file no-such-list.txt: cannot read"),
        (["run", "no-such-job.yaml"], "no-such-job.yaml:1:1: cannot read the file"),
        (["run", "EMPTY_JOB"], "a job file must be a YAML mapping; it is empty (hint: see docs/jobs.md)"),
        (
            ["run", "EMPTY_JOB", "--url", "https://news.example/a"],
            "a job file or --url/--urls-file, not both",
        ),
        (["run"], "nothing to scrape"),
        (["run", "--url", "https://news.example/a", "--state", "NOT_SQLITE"], "not a usable state file"),
        (["demo", "--concurrency", "-1"], "--concurrency"),
        (["--selectors", "no-such-dir", "check"], "no-such-dir"),
        (["frobnicate"], "invalid choice: 'frobnicate'"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args: list[str], says: str, tmp_path: Path) -> None:
    (tmp_path / "empty.yaml").write_text("")
    (tmp_path / "state.sqlite").write_text("not a database " * 100)
    places = {"EMPTY_JOB": str(tmp_path / "empty.yaml"), "NOT_SQLITE": str(tmp_path / "state.sqlite")}
    proc = _cli(*(places.get(a, a) for a in args))
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr, proc.stderr  # one line
    assert says in proc.stderr, proc.stderr
    assert proc.stdout == ""


def test_extract_reads_standard_input_and_version_is_printed(valid: Any) -> None:
    proc = _cli("extract", "-", "--url", "http://127.0.0.1:8765/news/x", stdin=HTML)
    assert proc.returncode == 0, proc.stderr
    assert valid(proc.stdout)["story"]["headline"] == "Demo headline"
    version = _cli("--version")
    assert version.returncode == 0 and version.stdout.startswith("storyline 0.")


def test_the_terminal_progress_line_follows_discovery_then_pages(capsys: pytest.CaptureFixture[str]) -> None:
    progress = Progress()
    progress.enabled = True  # as on a terminal
    progress.found(1)
    progress.found(37)
    progress.start(37)
    progress(Record(url="https://n.example/a", fetched_at="t", status="ok"))
    progress.close()
    err = capsys.readouterr().err
    assert "\rdiscovering: 1 article URLs" in err and "\rdiscovering: 37 article URLs" in err
    assert "\r[1/37] ok 1  partial 0  error 0" in err and err.endswith("\n")
