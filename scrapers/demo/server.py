"""The demo news site: a real local HTTP server whose articles only exist after JavaScript runs.

Article pages arrive as an empty shell; app.js waits for the consent overlay to
be accepted, fetches the story from /api/story/<slug>.json, and loads each widget
block from /api/widget/<name> only when it is scrolled into view.

    python -m scrapers.demo.server            # on DEMO_PORT (8765), which demo-news.yaml claims
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import html
import json
import sys
import threading
import time
import traceback
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from scrapers.demo.content import Article, build_articles
from scrapers.demo.requestlog import Served

STATIC = Path(__file__).parent / "static"
_HTML = "text/html; charset=utf-8"
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


PER_PAGE = 10


def _page(title: str, main: str) -> str:
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title>"
        '<link rel="stylesheet" href="/static/style.css"></head><body>'
        '<header class="topbar"><a class="brand" href="/">Demo News</a> '
        '<nav><a href="/latest">Latest</a> <a href="/about">About</a> '
        '<a href="/section/world">World</a></nav>'
        f"</header><main>{main}</main></body></html>"
    )


def _home(articles: list[Article], page: int) -> str:
    """Server-rendered, paginated; links carry tracking parameters as real sites' do."""
    chunk = articles[(page - 1) * PER_PAGE : page * PER_PAGE]
    items = "\n".join(
        f'<li class="teaser"><a href="/news/{a.slug}?utm_source=home&amp;utm_medium=list">'
        f'{html.escape(a.headline)}</a> <span class="section">{html.escape(a.section)}</span></li>'
        for a in chunk
    )
    more = page * PER_PAGE < len(articles)
    nav = f'<a class="next" rel="next" href="/?page={page + 1}">Next</a>' if more else ""
    return _page("Demo News", f'<h1>Latest news</h1><ul class="article-list">{items}</ul>{nav}')


def _latest() -> str:
    """Filled by JavaScript, a few items per click of "Load more"."""
    script = """<script>
var offset = 0;
function more() {
  fetch('/api/latest?offset=' + offset + '&limit=6')
  .then(function (r) { return r.json(); }).then(function (d) {
    var list = document.querySelector('ul.article-list');
    d.items.forEach(function (it) {
      var li = document.createElement('li'); li.className = 'teaser';
      var a = document.createElement('a'); a.href = it.url + '#comments'; a.textContent = it.title;
      li.appendChild(a); list.appendChild(li);
    });
    offset += d.items.length;
    if (!d.more) document.querySelector('button.load-more').remove();
  });
}
document.querySelector('button.load-more').addEventListener('click', more);
more();
</script>"""
    return _page(
        "Latest — Demo News",
        '<h1>Latest</h1><ul class="article-list"></ul>'
        f'<button class="load-more" type="button">Load more</button>{script}',
    )


def _rss(base: str, articles: list[Article]) -> str:
    items = "".join(
        f"<item><title>{html.escape(a.headline)}</title><link>{base}/news/{a.slug}?utm_source=rss</link>"
        f"<guid>{base}/news/{a.slug}</guid>"
        f"<pubDate>{format_datetime(a.published)}</pubDate></item>"
        for a in articles
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Demo News</title>'
        f"<link>{base}/</link>{items}</channel></rss>"
    )


def _sitemap_index(base: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"<sitemap><loc>{base}/sitemaps/articles-1.xml.gz</loc></sitemap>"
        f"<sitemap><loc>{base}/sitemaps/news.xml</loc></sitemap>"
        "</sitemapindex>"
    )


def _urlset(base: str, articles: list[Article], news: bool) -> str:
    ns = ' xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"' if news else ""
    entries = []
    for a in articles:
        extra = (
            f"<news:news><news:publication_date>{a.published.isoformat()}</news:publication_date>"
            f"<news:title>{html.escape(a.headline)}</news:title></news:news>"
            if news
            else f"<lastmod>{a.published.isoformat()}</lastmod>"
        )
        entries.append(f"<url><loc>{base}/news/{a.slug}</loc>{extra}</url>")
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"{ns}>{"".join(entries)}</urlset>'
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

    def __init__(self, articles: list[Article], latency_ms: int = 30, log_requests: bool = False) -> None:
        self.articles = articles
        self.by_slug = {a.slug: a for a in articles}
        self.latency = latency_ms / 1000
        self._hits = 0
        self._hits_lock = threading.Lock()
        # Every request served, when asked for (tests of politeness read it): list.append is
        # atomic, so handler threads add to it without a lock.
        self.request_log: list[Served] | None = [] if log_requests else None

    def publish(self, count: int = 1) -> list[Article]:
        """Add `count` new articles at the top of the home page, RSS and sitemaps (as a news site
        does between two daily runs); returns them."""
        fresh = [a for a in build_articles(len(self.articles) + count) if a.slug not in self.by_slug][:count]
        self.by_slug = {**self.by_slug, **{a.slug: a for a in fresh}}
        self.articles = fresh + self.articles  # one assignment: handler threads see old or new
        return fresh

    @property
    def hits(self) -> int:
        """Requests served so far (tests use it to prove a replay stayed offline)."""
        return self._hits

    def count_hit(self) -> None:
        with self._hits_lock:
            self._hits += 1

    def respond(self, path: str, host: str = "127.0.0.1") -> tuple[int, str, bytes]:
        parts = urlsplit(path)
        route = parts.path
        query = parse_qs(parts.query)
        base = f"http://{host}"
        page_no = (query.get("page") or ["1"])[0]
        if route == "/" and page_no.isdigit() and 0 < int(page_no) <= -(-len(self.articles) // PER_PAGE):
            return 200, _HTML, _home(self.articles, int(page_no)).encode()
        if route == "/latest":
            return 200, _HTML, _latest().encode()
        if route == "/about":
            return 200, _HTML, _page("About", "<h1>About Demo News</h1><p>A demo.</p>").encode()
        if route == "/robots.txt":
            robots = f"User-agent: *\nDisallow: /private/\nSitemap: {base}/sitemap.xml\n"
            return 200, "text/plain; charset=utf-8", robots.encode()
        if route == "/rss.xml":
            return 200, "application/rss+xml", _rss(base, self.articles).encode()
        if route == "/sitemap.xml":
            return 200, "application/xml", _sitemap_index(base).encode()
        half = len(self.articles) // 2
        if route == "/sitemaps/articles-1.xml.gz":
            return 200, "application/gzip", gzip.compress(_urlset(base, self.articles[:half], False).encode())
        if route == "/sitemaps/news.xml":
            return 200, "application/xml", _urlset(base, self.articles[half:], True).encode()
        if route.startswith("/news/"):
            slug = route.removeprefix("/news/")
            if slug in self.by_slug:
                return 200, _HTML, _SHELL.replace("{slug}", html.escape(slug)).encode()
        if route.startswith("/api/"):
            time.sleep(self.latency)  # like a real API, the story arrives after the shell
            return self._api(route, query)
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
        elif route == "/api/latest":
            offset = int((query.get("offset") or ["0"])[0])
            limit = int((query.get("limit") or ["6"])[0])
            chunk = self.articles[offset : offset + limit]
            more = offset + limit < len(self.articles)
            payload = {
                "items": [{"title": a.headline, "url": f"/news/{a.slug}"} for a in chunk],
                "more": more,
            }
        elif route.startswith("/api/story/") and route.endswith(".json"):
            art = self.by_slug.get(route.removeprefix("/api/story/").removesuffix(".json"))
            payload = art.story_json() if art else None
        elif route.startswith("/api/widget/"):
            name = route.removeprefix("/api/widget/")
            art = self.by_slug.get((query.get("slug") or [""])[0])
            if art and name in art.widgets:
                shown = [self.by_slug[s] for s in art.widgets[name] if s in self.by_slug]  # published
                payload = {"items": [a.teaser() for a in shown]}
        if payload is None:
            return 404, "application/json", b'{"error": "not found"}'
        return 200, "application/json", json.dumps(payload).encode()


def _handler(site: DemoSite) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            start = time.monotonic()
            site.count_hit()
            host = self.headers.get("Host") or "127.0.0.1"
            status, ctype, body = site.respond(self.path, host)
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)
            if site.request_log is not None:
                site.request_log.append(Served(host, self.path, self._page(host), start, time.monotonic()))

        def _page(self, host: str) -> str:
            """The path of the page that asked for this request: its Referer's, else its own."""
            referer = urlsplit(self.headers.get("Referer") or "")
            if referer.netloc == host and referer.path:
                return referer.path + (f"?{referer.query}" if referer.query else "")
            return self.path

        def log_message(self, format: str, *args: Any) -> None:
            pass  # the scraper's own logs tell the story; per-request lines are noise

    return Handler


def _quiet_disconnects(request: object, client_address: object) -> None:
    """A browser closing a page mid-response is normal; anything else still gets reported."""
    if not isinstance(sys.exc_info()[1], ConnectionError):
        traceback.print_exc()


# The port the demo site file claims (`domains: ["127.0.0.1:8765", ...]`): other local servers
# are not mistaken for the demo.
DEMO_PORT = 8765


class _Server(ThreadingHTTPServer):
    # socketserver's default backlog of 5 drops connections when a few pages load their assets at
    # once; the client then waits a second for its SYN to be retried, which no real site makes it do.
    request_queue_size = 128
    daemon_threads = True


class DemoServer:
    """Runs the demo site on 127.0.0.1 in a background thread (a context manager)."""

    @classmethod
    def on_demo_port(cls, generated: int = 15, latency_ms: int = 30) -> DemoServer:
        """On DEMO_PORT when it is free (its URLs then match demo-news.yaml by domain), else on
        any free port (give `--site demo-news` then)."""
        try:
            return cls(DEMO_PORT, generated, latency_ms)
        except OSError:
            return cls(0, generated, latency_ms)

    def __init__(
        self, port: int = 0, generated: int = 15, latency_ms: int = 30, *, log_requests: bool = False
    ) -> None:
        """`log_requests`: keep every request in `site.request_log` (see `pages_in_flight`)."""
        self.site = DemoSite(build_articles(generated), latency_ms, log_requests)
        self._httpd = _Server(("127.0.0.1", port), _handler(self.site))
        self._httpd.handle_error = _quiet_disconnects  # type: ignore[method-assign]
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
    ap.add_argument("--port", type=int, default=DEMO_PORT, help=f"default {DEMO_PORT}, the site file's")
    ap.add_argument("--articles", type=int, default=15, help="generated articles besides the seed set")
    args = ap.parse_args()
    with DemoServer(args.port, args.articles) as srv:
        print(f"demo site on {srv.base_url}/ (Ctrl-C to stop)", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()


if __name__ == "__main__":
    main()
