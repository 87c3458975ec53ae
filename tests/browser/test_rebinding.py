"""DNS rebinding through a named host (scrapers/browser/guard.py; issue 27, point 2): the
addresses a start URL's host had when the job first used it serve every connection of the job,
so a name that answers 127.0.0.1 and then 127.0.0.2 cannot lead the page's own `fetch()` to
the second address. Real Chromium, real servers on two loopback addresses, the project's stub
resolver (Chromium never resolves names itself: every connection goes through the guard)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from conftest import BrowserSession
from scrapers.browser.guard import AddressBook
from scrapers.config.renderspec import RenderSpec
from scrapers.net.scope import UrlPolicy

pytestmark = pytest.mark.browser

PAGE = b"""<html><body><h1>Storm hits the coast</h1>
<script>setTimeout(() => fetch('/probe').then(r => r.text()).then(t => {
  const p = document.createElement('p'); p.id = 'probe'; p.textContent = t; document.body.append(p);
}), 300);</script></body></html>"""


def _serve(address: str, port: int, probe: bytes) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = probe if self.path == "/probe" else PAGE
            self.send_response(200)
            self.send_header("Content-Type", "text/html" if body is PAGE else "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer((address, port), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd


@pytest.fixture
def two_addresses() -> Iterator[int]:
    """One port on 127.0.0.1 (the first answer) and on 127.0.0.2 (the rebound one)."""
    first = _serve("127.0.0.1", 0, b"from the first address")
    port = int(first.server_address[1])
    second = _serve("127.0.0.2", port, b"from the rebound address")
    yield port
    for httpd in (first, second):
        httpd.shutdown()
        httpd.server_close()


def test_a_named_host_that_rebinds_keeps_its_first_address(
    browser_session: BrowserSession, two_addresses: int
) -> None:
    answers: list[str] = []

    def rebinding(host: str, port: int) -> list[str]:
        answers.append(host)
        assert host == "rebind.test", host
        return ["127.0.0.1"] if len(answers) == 1 else ["127.0.0.2"]  # rebinds at once

    url = f"http://rebind.test:{two_addresses}/story"
    book = AddressBook(UrlPolicy.for_job([url], resolver=rebinding))
    cfg = RenderSpec(wait_for="#probe", timeout_ms=20000)
    page = browser_session.run(browser_session.renderer.render(url, cfg, book=book))
    assert "from the first address" in page.html
    assert "from the rebound address" not in page.html
    assert answers == ["rebind.test"]  # asked once: the answer is pinned for the job
