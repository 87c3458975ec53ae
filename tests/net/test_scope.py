"""`--allow-private` opens private ranges only to the job's own hosts; link-local addresses (cloud
metadata) stay refused unless their URL is named (scrapers/net/scope.py; issue 27, point 8)."""

from __future__ import annotations

import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from clirun import read, storyline
from localserver import LocalServer, stub_resolver, text
from scrapers.errors import Refused
from scrapers.net.scope import UrlPolicy


class _Counting(BaseHTTPRequestHandler):
    hits: list[str]

    def do_GET(self) -> None:
        self.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/gif")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def elsewhere() -> Iterator[tuple[str, list[str]]]:
    """A server on 127.0.0.2: private (loopback), and no host of the job."""
    hits: list[str] = []
    handler = type("Handler", (_Counting,), {"hits": hits})
    httpd = ThreadingHTTPServer(("127.0.0.2", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.2:{httpd.server_address[1]}", hits
    httpd.shutdown()
    httpd.server_close()


def test_allow_private_keeps_link_local_and_other_hosts_refused() -> None:
    resolve, _ = stub_resolver(
        {"intranet.test": "10.0.0.7", "metadata.test": "169.254.169.254", "cdn.test": "192.168.1.9"}
    )
    policy = UrlPolicy.for_job(
        ["http://intranet.test/"], ["intranet.test"], allow_private=True, resolver=resolve
    )
    assert policy.check("http://intranet.test:8080/x") == ["10.0.0.7"]  # its own host, another port
    for url in (
        "http://metadata.test/latest/meta-data/",  # a metadata name, link-local
        "http://169.254.169.254/latest/meta-data/",
        "http://[fe80::1]/",
        "http://[::ffff:169.254.169.254]/",
        "http://[fd00:ec2::254]/",  # AWS metadata over IPv6 (a private range)
        "http://cdn.test/pixel.gif",  # private, but not the job's host
        "http://10.1.2.3/",
    ):
        with pytest.raises(Refused) as refused:
            policy.check(url)
        assert refused.value.kind == "blocked_address", url
    named = UrlPolicy.for_job(["http://169.254.169.254/"], allow_private=True, resolver=resolve)
    assert named.check("http://169.254.169.254/latest/") == ["169.254.169.254"]  # named: trusted


@pytest.mark.browser
def test_allow_private_does_not_open_other_private_hosts_to_a_page(
    server: LocalServer, elsewhere: tuple[str, list[str]], tmp_path: Path
) -> None:
    other, hits = elsewhere
    with LocalServer() as own_other_port:
        own_other_port.routes["/own.gif"] = text("", "image/gif")
        server.routes["/a"] = text(
            "<html><head><title>Storm</title></head><body><article><h1>Storm hits the coast</h1>"
            + "<p>The storm reached the coast at dawn and the river rose through the night.</p>" * 4
            + f'<img src="{other}/pixel.gif"><img src="{own_other_port.url("/own.gif")}">'
            + "</article></body></html>",
            "text/html",
        )
        out = tmp_path / "out.ndjson"
        proc = subprocess.run(
            storyline("scrape", server.url("/a"), "--allow-private", "--out", str(out), selectors=tmp_path),
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert proc.returncode == 0, proc.stderr[-2000:]
        (rec,) = read(out)
        assert hits == []  # 127.0.0.2 is private and no host of the job: refused
        assert rec["blocked_requests"] >= 1
        assert own_other_port.hits["/own.gif"] == 1  # the job's own host, another port: opened
