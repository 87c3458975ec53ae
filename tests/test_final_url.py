"""A failed page's `final_url` is never the previous page of the same tab (issue 27, point 12;
scrapers/browser/renderer.py)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from localserver import LocalServer, hang, text
from test_jobs import read, storyline

pytestmark = pytest.mark.browser

STORY = "<h1>Storm hits the coast</h1>" + "<p>The storm reached the coast at dawn and the river rose.</p>" * 4


def test_a_page_that_never_answers_does_not_take_the_previous_pages_url(
    server: LocalServer, tmp_path: Path
) -> None:
    server.routes["/first"] = text(f"<html><body>{STORY}</body></html>", "text/html")
    server.routes["/never"] = hang(server)
    first, never = server.url("/first"), server.url("/never")
    out = tmp_path / "out.ndjson"
    proc = subprocess.run(
        storyline(
            "scrape",
            first,
            never,
            "--out",
            str(out),
            "--concurrency",
            "1",
            "--min-delay-ms",
            "0",
            "--page-budget-ms",
            "2500",
            selectors=tmp_path,
        ),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert "Traceback" not in proc.stderr, proc.stderr[-2000:]
    records = {r["url"]: r for r in read(out)}
    assert records[first]["status"] == "ok" and records[first]["final_url"] == first
    failed = records[never]
    assert failed["status"] == "error" and failed["error"]["kind"] == "timeout", failed["error"]
    assert failed["final_url"] in (None, never), failed["final_url"]  # never the previous page's
