"""Where a page ended, as the renderer says it (scrapers/browser/renderer.py; issue 27):

- a client-side redirect (meta refresh, `location =`, a script then a 302) to a refused address
  is a `blocked_address` error record, not a record of the guard's refusal text (point 6);
- a failed page's `final_url` is never the previous page of the same tab (point 12)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from clirun import read, storyline
from localserver import LocalServer, hang, redirect, text

pytestmark = pytest.mark.browser

STORY = "<h1>Storm hits the coast</h1>" + "<p>The storm reached the coast at dawn and the river rose.</p>" * 4


def test_client_side_redirects_to_a_refused_address_are_blocked_address_errors(
    server: LocalServer, tmp_path: Path
) -> None:
    with LocalServer() as other:  # another loopback port: not the job's origin
        target = other.url("/internal")
        other.routes["/internal"] = text(f"<html><body>{STORY}</body></html>", "text/html")
        pages = {
            "/meta": f'<meta http-equiv="refresh" content="0;url={target}">',
            "/script": f"<script>location = '{target}';</script>",
            "/script-302": "<script>location = '/go';</script>",
        }
        for path, head in pages.items():
            server.routes[path] = text(
                f"<html><head>{head}</head><body><p>Moving.</p></body></html>", "text/html"
            )
        server.routes["/go"] = redirect(target)
        urls = [server.url(p) for p in pages]
        out = tmp_path / "out.ndjson"
        proc = subprocess.run(
            storyline("scrape", *urls, "--out", str(out), "--min-delay-ms", "0", selectors=tmp_path),
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert "Traceback" not in proc.stderr, proc.stderr[-2000:]
        records = {r["url"]: r for r in read(out)}
        assert other.hits == {}
    for url in urls:
        rec = records[url]
        assert rec["status"] == "error", (url, rec["status"], rec["story"])
        assert rec["error"]["kind"] == "blocked_address", (url, rec["error"])
        assert rec["final_url"] == target, (url, rec["final_url"])


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
            "6000",  # the first page must not run out of it on a loaded machine
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
