"""robots.txt as the page policies read it (scrapers/page/policies.py): a Crawl-delay is
capped like Retry-After, and `record` and `suggest` hold robots.txt redirects to the page's own
origin as `scrape` does (issue 27, points 5 and 3)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from clirun import read, storyline
from localserver import LocalServer, redirect, text
from scrapers.page.policies import MAX_CRAWL_DELAY_S, MAX_RETRY_AFTER_S

PAGE = (
    "<html><head><title>Storm hits the coast</title></head><body><article><h1>Storm hits the coast</h1>"
    + "<p>The storm reached the coast at dawn and the river rose through the night.</p>" * 4
    + "</article></body></html>"
)

pytestmark = pytest.mark.browser


def test_a_day_long_crawl_delay_is_capped_like_retry_after(server: LocalServer, tmp_path: Path) -> None:
    """Two pages of one host: before, the second waited 86,400 s; now the cap (60 s), said once."""
    assert MAX_CRAWL_DELAY_S == MAX_RETRY_AFTER_S == 60
    server.routes["/robots.txt"] = text("User-agent: *\nCrawl-delay: 86400\n")
    for p in ("/a", "/b"):
        server.routes[p] = text(PAGE, "text/html")
    out = tmp_path / "out.ndjson"
    proc = subprocess.run(
        storyline(
            "scrape",
            server.url("/a"),
            server.url("/b"),
            "--out",
            str(out),
            "--min-delay-ms",
            "0",
            selectors=tmp_path,
        ),
        capture_output=True,
        text=True,
        timeout=400,  # a hang guard only: the capped wait is 60 s
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert sorted(r["url"] for r in read(out)) == [server.url("/a"), server.url("/b")]
    assert proc.stderr.count("robots.txt Crawl-delay capped") == 1, proc.stderr[-2000:]


@pytest.mark.parametrize("command", ["record", "suggest"])
def test_record_and_suggest_refuse_a_robots_redirect_to_another_loopback_port(
    server: LocalServer, tmp_path: Path, command: str
) -> None:
    with LocalServer() as other:
        other.routes["/robots.txt"] = text("User-agent: *\nAllow: /\n")
        server.routes["/robots.txt"] = redirect(other.url("/robots.txt"))
        server.routes["/news/a"] = text(PAGE, "text/html")
        args = (
            ["--into", str(tmp_path / "rec"), "--site", "generic"]
            if command == "record"
            else ["--site", "drafted", "--out", str(tmp_path / "drafted.yaml")]
        )
        proc = subprocess.run(
            storyline(command, server.url("/news/a"), *args, selectors=tmp_path),
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert other.hits == {}, f"{command} followed robots.txt to another port: {proc.stderr[-2000:]}"
        assert "robots" in proc.stderr, proc.stderr[-2000:]  # the page is refused for its robots.txt
