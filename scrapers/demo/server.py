"""The demo news site: a real local HTTP server whose articles only exist after JavaScript runs.

Article pages arrive as an empty shell; app.js waits for the consent overlay to
be accepted, fetches the story from /api/story/<slug>.json, and loads each widget
block from /api/widget/<name> only when it is scrolled into view.

    python -m scrapers.demo.server --port 8000
"""

from __future__ import annotations

import argparse
import contextlib
import html
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from scrapers.demo.content import Article, build_articles

STATIC = Path(__file__).parent / "static"
_TYPES = {".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml"}

_SHELL = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Demo News</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/static/style.css">
</head>
<body>
<header class="topbar">
  <div class="datebar"><span class="date"></span></div>
  <div class="weather"><span class="temp"></span> <span class="city"></span></div>
  <a class="brand" href="/">Demo News</a>
</header>
<div id="consent" class="consent" hidden>
  <div class="consent-box">
    <p>We use cookies to show you the news. Accept to continue.</p>
    <button id="consent-accept" type="button">Accept all</button>
  </div>
</div>
<main id="app" data-slug="{slug}"><p class="loading">Loading…</p></main>
<footer class="footer">© Demo News</footer>
<script src="/static/app.js"></script>
</body>
</html>
"""


def _home(articles: list[Article]) -> str:
    items = "\n".join(
        f'<li class="teaser"><a href="/news/{a.slug}">{html.escape(a.headline)}</a> '
        f'<span class="section">{html.escape(a.section)}</span></li>'
        for a in articles
    )
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Demo News</title>'
        '<link rel="stylesheet" href="/static/style.css"></head><body>'
        '<header class="topbar"><a class="brand" href="/">Demo News</a></header>'
        f'<main><h1>Latest news</h1><ul class="article-list">{items}</ul></main></body></html>'
    )


def _svg(label: str) -> bytes:
    text = html.escape(label[:40])
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="640" height="360">'
        '<rect width="640" height="360" fill="#c8d3e0"/>'
        f'<text x="20" y="190" font-size="22" fill="#233">{text}</text></svg>'
    ).encode()


class DemoSite:
    """The demo site's data and request handling, independent of the socket server."""

    def __init__(self, articles: list[Article], latency_ms: int = 30) -> None:
        self.articles = articles
        self.by_slug = {a.slug: a for a in articles}
        self.latency = latency_ms / 1000

    def respond(self, path: str) -> tuple[int, str, bytes]:
        parts = urlsplit(path)
        route = parts.path
        if route == "/":
            return 200, "text/html; charset=utf-8", _home(self.articles).encode()
        if route.startswith("/news/"):
            slug = route.removeprefix("/news/")
            if slug in self.by_slug:
                return 200, "text/html; charset=utf-8", _SHELL.replace("{slug}", html.escape(slug)).encode()
        if route.startswith("/api/"):
            time.sleep(self.latency)  # like a real API, the story arrives after the shell
            return self._api(route, parse_qs(parts.query))
        if route.startswith("/static/img/") and route.endswith(".svg"):
            slug = route.removeprefix("/static/img/").removesuffix(".svg")
            return 200, "image/svg+xml", _svg(self.by_slug[slug].headline if slug in self.by_slug else slug)
        if route.startswith("/static/"):
            f = STATIC / route.removeprefix("/static/")
            if f.is_file() and f.resolve().parent == STATIC.resolve():
                return 200, _TYPES.get(f.suffix, "application/octet-stream"), f.read_bytes()
        return 404, "text/html; charset=utf-8", b"<!doctype html><title>Not found</title><h1>Not found</h1>"

    def _api(self, route: str, query: dict[str, list[str]]) -> tuple[int, str, bytes]:
        payload: Any = None
        if route == "/api/weather.json":
            payload = {"temp": "31.1 C", "city": "New Delhi"}
        elif route.startswith("/api/story/") and route.endswith(".json"):
            art = self.by_slug.get(route.removeprefix("/api/story/").removesuffix(".json"))
            payload = art.story_json() if art else None
        elif route.startswith("/api/widget/"):
            name = route.removeprefix("/api/widget/")
            art = self.by_slug.get((query.get("slug") or [""])[0])
            if art and name in art.widgets:
                payload = {"items": [self.by_slug[s].teaser() for s in art.widgets[name]]}
        if payload is None:
            return 404, "application/json", b'{"error": "not found"}'
        return 200, "application/json", json.dumps(payload).encode()


def _handler(site: DemoSite) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            status, ctype, body = site.respond(self.path)
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # the scraper's own logs tell the story; per-request lines are noise

    return Handler


class DemoServer:
    """Runs the demo site on 127.0.0.1 in a background thread (a context manager)."""

    def __init__(self, port: int = 0, generated: int = 15, latency_ms: int = 30) -> None:
        self.site = DemoSite(build_articles(generated), latency_ms)
        self._httpd = ThreadingHTTPServer(("127.0.0.1", port), _handler(self.site))
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="demo-server", daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def article_urls(self) -> list[str]:
        return [f"{self.base_url}/news/{a.slug}" for a in self.site.articles]

    def start(self) -> DemoServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> DemoServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def main() -> None:
    ap = argparse.ArgumentParser(description="Serve the Storyline demo news site.")
    ap.add_argument("--port", type=int, default=8000)
    ap.add_argument("--articles", type=int, default=15, help="generated articles besides the seed set")
    args = ap.parse_args()
    with DemoServer(args.port, args.articles) as srv:
        print(f"demo site on {srv.base_url}/ (Ctrl-C to stop)", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()


if __name__ == "__main__":
    main()
