"""A light JavaScript news site for bench/throughput.py, where per-page overhead shows.

    python bench/lightsite.py --port 8766

Each article /a/N is an empty shell: its story arrives from /api/N.json, a related-links aside
is appended 100 ms later; the page also loads a stylesheet, a web font and three images. No
scrolling, no consent banner: a page costs the browser little, so what a scraper adds to it is
visible. The site file for it (`site_file`) states exactly that readiness condition and fields.
"""

from __future__ import annotations

import argparse
import base64
import json
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# A 1x1 PNG and a few bytes standing in for a font: what matters is that they are requested.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)
FONT = b"wOF2" + bytes(2048)
CSS = b"""@font-face { font-family: Body; src: url(/f.woff2) format("woff2"); }
body { font-family: Body, serif; max-width: 40em; margin: auto; }
aside.related { border-top: 1px solid #ccc; }"""

SHELL = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Light news</title>
<link rel="stylesheet" href="/s.css"></head><body>
<header><a href="/">Light news</a></header>
<main><article><h1></h1><div class="body"></div></article></main>
<img src="/i/1.png" alt=""><img src="/i/2.png" alt=""><img src="/i/3.png" alt="">
<script>
fetch("/api/{n}.json").then(r => r.json()).then(d => {{
  document.querySelector("article h1").textContent = d.title;
  document.querySelector("article .body").innerHTML = d.paragraphs.map(p => "<p>" + p + "</p>").join("");
  setTimeout(() => {{
    const aside = document.createElement("aside");
    aside.className = "related";
    aside.innerHTML = "<h2>Related</h2><ul>" +
      d.related.map(r => '<li><a href="' + r.url + '">' + r.title + "</a></li>").join("") + "</ul>";
    document.querySelector("main").appendChild(aside);
  }}, 100);
}});
</script></body></html>"""


def story(n: int) -> dict[str, object]:
    return {
        "title": f"Light story number {n}",
        "paragraphs": [
            f"Paragraph {k} of light story {n}, long enough to read as a paragraph of news text."
            for k in range(1, 7)
        ],
        "related": [
            {"url": f"/a/{(n + k) % 100_000}", "title": f"Related story {n + k}"} for k in range(1, 6)
        ],
    }


def site_file(port: int) -> str:
    """The site file a user would write for this site (its port is its domain)."""
    return f"""site: light
domains: ["127.0.0.1:{port}"]
render:
  wait_for: aside.related
  timeout_ms: 15000
fetch:
  max_concurrent: 16
  min_delay_ms: 0
story:
  headline: article h1
  body:
    paragraphs: article .body p
widgets:
  - name: related
    root: aside.related
    title: h2
    items: li
    item:
      title: a
      url: {{css: a, attr: href}}
"""


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as a real site

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        if path.startswith("/a/") and path[3:].isdigit():
            self._send(200, "text/html; charset=utf-8", SHELL.format(n=int(path[3:])).encode())
        elif path.startswith("/api/") and path.endswith(".json") and path[5:-5].isdigit():
            self._send(200, "application/json", json.dumps(story(int(path[5:-5]))).encode())
        elif path == "/s.css":
            self._send(200, "text/css", CSS)
        elif path == "/f.woff2":
            self._send(200, "font/woff2", FONT)
        elif path.startswith("/i/"):
            self._send(200, "image/png", PNG)
        elif path == "/robots.txt":
            self._send(200, "text/plain", b"User-agent: *\nAllow: /\n")
        else:
            self._send(404, "text/plain", b"not found")

    def _send(self, status: int, ctype: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")  # every page pays for its own resources
        self.end_headers()
        self.wfile.write(body)


class Server(ThreadingHTTPServer):
    request_queue_size = 128  # the default 5 drops connections when 8 pages load their assets at once
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a browser closing a connection mid-response is not news


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--port", type=int, default=8766)
    args = ap.parse_args()
    server = Server(("127.0.0.1", args.port), Handler)
    print(f"light site on http://127.0.0.1:{args.port}/a/1", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
