"""Recordings carry no credentials: cookies, Authorization headers and secret query parameters are
scrubbed when recorded, and a scrubbed recording still replays.

`test_no_recording_holds_a_secret` checks every file under recordings/ (the HAR JSON inside each zip
included); the round trip records a page that sets a cookie, sends an Authorization header and
asks for URLs with tokens (a fresh signature on every load among them), then replays it offline.
"""

from __future__ import annotations

import json
import threading
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote_plus, urlsplit

import pytest

from conftest import ROOT, BrowserSession
from faultserver import article
from scrapers.browser.har import HarArchive, normalize_url, scrub_har, scrub_log
from scrapers.config.sitefiles import SiteRegistry
from scrapers.net.secrets import REDACTED, SECRET_PARAMS, redact_url
from scrapers.page.pipeline import PagePipeline
from scrapers.recordings.recording import OFFLINE, find_recordings, record_page, replay, scrub_recording

RECORDINGS = ROOT / "recordings"
CLOCK = datetime(2026, 11, 27, 6, 0, tzinfo=UTC)

# What must never be in a recording (the test's own list: shrinking the scrubber's fails here).
HEADERS = {"cookie", "authorization", "proxy-authorization", "set-cookie", "set-cookie2"}
PARAMS = {
    "token", "access_token", "auth", "key", "api_key", "apikey", "sig", "signature",
    "session", "sessionid", "sid", "password", "secret",
}  # fmt: skip


def secrets_in(node: Any, where: str, params: set[str] = PARAMS) -> list[str]:
    """Every credential in a JSON document (a HAR, meta.json, expected.json), wherever it sits."""
    found: list[str] = []
    if isinstance(node, dict):
        for key, value in node.items():
            at = f"{where}.{key}"
            if key == "cookies" and value:
                found.append(f"{at}: {len(value)} cookie(s)")
            if key == "headers" and isinstance(value, list):
                found += [f"{at}: {h['name']}" for h in value if str(h.get("name")).lower() in HEADERS]
            if key in ("queryString", "params") and isinstance(value, list):
                found += [
                    f"{at}: {q['name']}={q['value']}"
                    for q in value
                    if str(q.get("name")).lower() in params and q.get("value") not in ("", REDACTED)
                ]
            found += secrets_in(value, at, params)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found += secrets_in(value, f"{where}[{i}]", params)
    elif isinstance(node, str) and node.startswith(("http://", "https://", "/")):
        parts = urlsplit(node)
        for text in (parts.query, parts.fragment):
            for name, value in parse_qsl(text, keep_blank_values=True):
                if unquote_plus(name).lower() in params and value not in ("", REDACTED):
                    found.append(f"{where}: {name}={value} in {node}")
    return found


def _json_files(root: Path) -> Iterator[tuple[str, Any]]:
    """(where, document) for every JSON or HAR file under `root`, and those inside its zips."""
    for path in sorted(root.rglob("*")):
        rel = str(path.relative_to(root))
        if path.suffix in (".json", ".har"):
            yield rel, json.loads(path.read_text(encoding="utf-8"))
        elif path.suffix == ".zip":
            with zipfile.ZipFile(path) as zf:
                for name in zf.namelist():
                    if name.endswith(".har"):
                        yield f"{rel}!{name}", json.loads(zf.read(name))


def test_the_test_list_is_scrubbed_by_default() -> None:
    assert {p.lower() for p in SECRET_PARAMS} >= PARAMS


@pytest.mark.skipif(not RECORDINGS.is_dir(), reason="no recordings/ folder")
def test_no_recording_holds_a_secret() -> None:
    checked, found = 0, []
    for where, doc in _json_files(RECORDINGS):
        extra = (
            {p.lower() for p in (doc.get("log") or {}).get("_redactedParams", [])}
            if where.endswith(".har")
            else set()
        )
        found += secrets_in(doc, where, PARAMS | extra)
        checked += where.endswith(".har")
    assert checked == len(find_recordings([RECORDINGS])) > 0
    assert not found, "secrets in recordings/ (python scripts/scrub_recordings.py):\n" + "\n".join(found[:20])


# -- the scrubber, without a browser ------------------------------------------------------------------


def _har(url: str) -> dict[str, Any]:
    """A HAR document as Playwright writes it, with every kind of credential in it."""
    return {
        "log": {
            "version": "1.2",
            "entries": [
                {
                    "request": {
                        "method": "POST",
                        "url": url,
                        "cookies": [{"name": "sid", "value": "C00KIE"}],
                        "headers": [
                            {"name": "Cookie", "value": "sid=C00KIE"},
                            {"name": "Authorization", "value": "Bearer B34RER"},
                            {"name": "Proxy-Authorization", "value": "Basic UFJPWFk="},
                            {"name": "Referer", "value": "https://news.example/a?token=T0KEN#x"},
                            {"name": "Accept", "value": "*/*"},
                        ],
                        "queryString": [
                            {"name": "id", "value": "7"},
                            {"name": "API_KEY", "value": "K3Y"},
                            {"name": "pass", "value": "P4SS"},
                        ],
                        "postData": {
                            "mimeType": "application/x-www-form-urlencoded",
                            "text": "user=ann&password=PW0RD",
                            "params": [
                                {"name": "user", "value": "ann"},
                                {"name": "password", "value": "PW0RD"},
                            ],
                        },
                    },
                    "response": {
                        "status": 302,
                        "cookies": [{"name": "sid", "value": "C00KIE"}],
                        "headers": [
                            {"name": "Set-Cookie", "value": "sid=C00KIE; HttpOnly"},
                            {"name": "set-cookie2", "value": "old=C00KIE"},
                            {"name": "Location", "value": "/b?sessionid=S3SS&page=2"},
                            {"name": "Content-Type", "value": "text/html"},
                        ],
                        "redirectURL": "https://news.example/b?sessionid=S3SS&page=2",
                        "content": {"size": 0, "mimeType": "text/html"},
                    },
                }
            ],
        }
    }


def test_scrub_log_removes_every_credential_and_keeps_the_rest() -> None:
    har = _har("https://news.example/api?id=7&API_KEY=K3Y&pass=P4SS#access_token=AT0K")
    assert len(secrets_in(har, "har", PARAMS | {"pass"})) == 16  # what the checker sees, 16 places
    clean = scrub_log(har, (*SECRET_PARAMS, "pass"))
    assert secrets_in(clean, "har", PARAMS | {"pass"}) == []
    text = json.dumps(clean)
    for secret in ("C00KIE", "B34RER", "UFJPWFk", "T0KEN", "K3Y", "P4SS", "PW0RD", "S3SS", "AT0K"):
        assert secret not in text
    req, resp = clean["log"]["entries"][0]["request"], clean["log"]["entries"][0]["response"]
    assert req["url"] == "https://news.example/api?id=7&API_KEY=REDACTED&pass=REDACTED#access_token=REDACTED"
    assert [h["name"] for h in req["headers"]] == ["Referer", "Accept"]
    assert req["headers"][0]["value"] == "https://news.example/a?token=REDACTED#x"
    assert req["postData"]["text"] == "user=ann&password=REDACTED"
    assert [h["name"] for h in resp["headers"]] == ["Location", "Content-Type"]
    assert resp["headers"][0]["value"] == "/b?sessionid=REDACTED&page=2"
    assert clean["log"]["_redactedParams"] == ["pass"]  # so that replay matches it redacted too
    assert scrub_log(clean, (*SECRET_PARAMS, "pass")) == clean  # scrubbing twice changes nothing
    assert har["log"]["entries"][0]["request"]["cookies"]  # the input is not modified


def test_redact_url_keeps_everything_but_the_secret_values() -> None:
    url = "https://x.test/p?a=1&Token=abc%20d&tokens=keep&empty=&sig=&key#frag"
    assert redact_url(url) == "https://x.test/p?a=1&Token=REDACTED&tokens=keep&empty=&sig=&key#frag"
    assert redact_url("https://x.test/p?id=1") == "https://x.test/p?id=1"
    assert redact_url("https://x.test/p?x-sig=1", ["x-*"]) == "https://x.test/p?x-sig=REDACTED"


def _zip(path: Path, har: dict[str, Any], bodies: dict[str, bytes]) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("har.har", json.dumps(har))
        for name, data in bodies.items():
            zf.writestr(name, data)


def test_a_scrubbed_har_answers_the_request_with_any_secret_value(tmp_path: Path) -> None:
    har = _har("https://news.example/api?id=7&API_KEY=K3Y&pass=P4SS")
    entry = har["log"]["entries"][0]
    entry["request"]["method"] = "GET"
    entry["response"].update(status=200, redirectURL="", content={"_file": "b.json", "mimeType": "x"})
    path = tmp_path / "page.har.zip"
    _zip(path, har, {"b.json": b'{"ok": 1}'})
    assert scrub_har(path, ["pass"]) is True
    before = path.read_bytes()
    assert scrub_har(path, ["pass"]) is False and path.read_bytes() == before  # untouched
    with zipfile.ZipFile(path) as zf:
        assert zf.read("b.json") == b'{"ok": 1}' and b"K3Y" not in zf.read("har.har")

    archive = HarArchive.load(path)  # the extra name comes from the archive itself
    fresh = archive.lookup("GET", "https://news.example/api?id=7&API_KEY=other&pass=another")
    assert fresh is not None and fresh.body == b'{"ok": 1}'
    assert archive.lookup("GET", "https://news.example/api?id=8&API_KEY=K3Y&pass=P4SS") is None
    assert normalize_url("https://x.test/a?sig=1&_=2#f", ["_"]) == "https://x.test/a?sig=REDACTED"


def test_scrub_recording_redacts_meta_and_expected_urls(tmp_path: Path) -> None:
    url = "https://news.example/story?token=T0KEN&id=1"
    har = _har(url)
    _zip(tmp_path / "page.har.zip", har, {})
    for name in ("meta.json", "expected.json"):
        (tmp_path / name).write_text(json.dumps({"url": url, "final_url": url, "other": url}))
    assert scrub_recording(tmp_path) is True
    for name in ("meta.json", "expected.json"):
        data = json.loads((tmp_path / name).read_text())
        assert data["url"] == data["final_url"] == "https://news.example/story?token=REDACTED&id=1"
    assert scrub_recording(tmp_path) is False


# -- record -> replay, with credentials on the wire --------------------------------------------------


class _SecretSite(BaseHTTPRequestHandler):
    """/go?session=S -> 302 to /story?token=T&pass=P, which sets a cookie; its script fetches
    /api/more.json with the page's token, a fresh signature and an Authorization header."""

    seen: list[tuple[str, str, str]] = []  # noqa: RUF012  (path, Cookie, Authorization)

    def do_GET(self) -> None:
        self.seen.append((self.path, self.headers.get("Cookie", ""), self.headers.get("Authorization", "")))
        path = urlsplit(self.path).path
        if path == "/go":
            self._send(302, b"", Location="/story?token=T0KEN&pass=P4SS")
        elif path == "/story":
            script = (
                "<script>const t = new URLSearchParams(location.search).get('token');"
                "fetch('/api/more.json?api_key=' + t + '&sig=' + Math.random().toString(36).slice(2)"
                " + '&n=3', {headers: {Authorization: 'Bearer ' + t}}).then(r => r.json()).then(d => {"
                "const p = document.createElement('p'); p.textContent = d.text;"
                "document.querySelector('.body').appendChild(p); });</script>"
            )
            html = article("A story behind a token", extra_body=script).encode()
            self._send(200, html, **{"Content-Type": "text/html", "Set-Cookie": "sid=C00KIE; Path=/"})
        elif path == "/api/more.json":
            self._send(200, b'{"text": "Fetched with a token."}', **{"Content-Type": "application/json"})
        else:
            self._send(404, b"")

    def _send(self, status: int, body: bytes, **headers: str) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def secret_site() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _SecretSite)
    _SecretSite.seen = []
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.mark.browser
def test_a_recording_made_with_credentials_holds_none_and_still_replays(
    tmp_path: Path, browser_session: BrowserSession, secret_site: str
) -> None:
    base = SiteRegistry.from_dir(ROOT / "tests" / "sites").get("fault-test")
    render = base.render.model_copy(update={"wait_for": ".body p:nth-of-type(3)"})
    site = base.model_copy(update={"render": render})
    r = browser_session.renderer
    rec = browser_session.run(
        record_page(
            PagePipeline(r), f"{secret_site}/go?session=S3SS10N", site, tmp_path / "s", CLOCK, None, ["pass"]
        )
    )
    # The credentials really were on the wire...
    api = [s for s in _SecretSite.seen if s[0].startswith("/api/")]
    assert api and api[0][1] == "sid=C00KIE" and api[0][2] == "Bearer T0KEN"
    # ...and none of them is in the recording.
    docs = dict(_json_files(tmp_path / "s"))
    assert set(docs) == {"page.har.zip!har.har", "meta.json", "expected.json"}
    for where, doc in docs.items():
        assert secrets_in(doc, where, PARAMS | {"pass"}) == []
        text = json.dumps(doc)
        for secret in ("S3SS10N", "T0KEN", "P4SS", "C00KIE"):
            assert secret not in text, (where, secret)
    assert rec.meta.url == f"{secret_site}/go?session=REDACTED"
    expected = rec.expected()
    assert expected["final_url"] == f"{secret_site}/story?token=REDACTED&pass=REDACTED"
    assert expected["story"]["body"][0]["paragraphs"][-1] == "Fetched with a token."

    # Offline, the page asks for /api/more.json with a new signature (and token=REDACTED, from its
    # redacted address): still answered from the recording.
    _SecretSite.seen.clear()
    result = browser_session.run(replay(PagePipeline(r, OFFLINE), rec, site))
    assert result.ok, result.report()
    assert result.missing == [] and result.served >= 3  # the redirect, the page, the API call
    assert _SecretSite.seen == []  # nothing reached the server
