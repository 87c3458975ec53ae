"""Every text entering a record is valid Unicode, whatever the page holds (scrapers/output/text.py),
and a record that cannot be built or written is its URL's `content` error record: one line per
URL, the run going on (issue 27, point 1).

The hostile set: 20 pages mixing lone surrogates (JSON-LD escapes and script-written DOM text),
NUL, invalid UTF-8 and one 50 MB text node, in titles, JSON-LD, bodies and widget items; each
command must give 20 valid lines, each URL once.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from clirun import read, storyline
from localserver import LocalServer, text
from redisserver import RedisServer
from scrapers.cli.main import main
from scrapers.output.record import Record
from scrapers.output.text import valid_json, valid_text

SURROGATE = re.compile("[\ud800-\udfff]")
BIG_MB = 50
# In a browser the big page is smaller: 50 MB of DOM text spends Chromium's whole page budget on
# a 2-core machine (a `timeout` record) and minutes per command; extract --batch takes the 50 MB.
BROWSER_BIG_MB = 5
SENTENCES = "The storm reached the coast at dawn and the river rose through the night. " * 6


def _ld(obj_json: str) -> bytes:
    return b'<script type="application/ld+json">' + obj_json.encode() + b"</script>"


def _page(head: bytes, body: bytes) -> bytes:
    return (
        b'<!doctype html><html lang="en"><head><meta charset="utf-8">'
        + head
        + b"</head><body><article>"
        + body
        + b"</article></body></html>"
    )


WIDGET = (
    b'<section class="most-read"><h2>Most read</h2><ul>'
    + b"".join(b'<li><a href="/w/%d">A widget headline number %d here</a></li>' % (i, i) for i in range(5))
    + b"</ul></section>"
)
# Script-written text: a JavaScript string may hold a lone surrogate, and the DOM keeps it.
JS_SURROGATES = (
    b"<script>document.title = 'Storm hits \\udc00 the coast';"
    b"document.querySelector('h1').textContent += ' \\ud800';"
    b"document.querySelectorAll('p, .most-read a').forEach(e => e.textContent += ' \\udfff');</script>"
)
BODY = b"<h1>Storm hits the coast</h1><p>" + SENTENCES.encode() + b"</p>"


def _kinds() -> list[Callable[[int], bytes]]:
    return [
        lambda i: _page(  # JSON-LD author and headline with lone surrogates (the page)
            b"<title>Storm</title>"
            + _ld(
                '{"@type":"NewsArticle","headline":"Storm \\udc00",'
                '"author":{"@type":"Person","name":"A\\udc00"}}'
            ),
            BODY + WIDGET,
        ),
        lambda i: _page(b"<title>Storm</title>", BODY + WIDGET + JS_SURROGATES),  # title, body, widgets
        lambda i: _page(  # NUL in the title, the body, JSON-LD and widget items
            b"<title>Storm\x00 hits</title>" + _ld('{"@type":"NewsArticle","headline":"Storm \\u0000 hits"}'),
            b"<h1>Storm\x00 hits the coast</h1><p>"
            + SENTENCES.encode()
            + b"\x00</p>"
            + WIDGET.replace(b"here", b"\x00"),
        ),
        lambda i: _page(  # invalid UTF-8 everywhere, JSON-LD included
            b"<title>Storm \xe9\xff hits</title>"
            + b'<script type="application/ld+json">{"@type":"NewsArticle",'
            b'"headline":"Storm \xc3 hits","author":{"@type":"Person","name":"B\xff\xfe"}}</script>',
            b"<h1>Storm hits \x80 the coast</h1><p>"
            + SENTENCES.encode()
            + b"\xc3</p>"
            + WIDGET.replace(b"here", b"\xff"),
        ),
        lambda i: _page(  # JSON-LD surrogates in a deep graph, the body's script-written ones
            _ld('{"@graph":[{"@type":"NewsArticle","headline":"\\ud83d Storm","keywords":["\\udfff"]}]}'),
            BODY + JS_SURROGATES,
        ),
    ]


def hostile_pages(big_mb: int = BIG_MB) -> dict[str, bytes]:
    """Path -> page: 19 from the mix above, and one with a `big_mb` MB text node and surrogates."""
    kinds = _kinds()
    pages = {f"/h/{i}": kinds[i % len(kinds)](i) for i in range(19)}
    big = b"<h1>Storm hits the coast</h1><p>" + b"word " * (big_mb * 2**20 // 5) + b"</p>"
    pages["/h/big"] = _page(_ld('{"@type":"NewsArticle","author":{"name":"C\\udc00"}}'), big + JS_SURROGATES)
    return pages


def check_lines(
    lines: list[str], urls: list[str], valid: Callable[[Any], dict[str, Any]]
) -> list[dict[str, Any]]:
    """Each line valid UTF-8 JSON, schema-valid, with no surrogate in any text; each URL once."""
    records = []
    for line in lines:
        line.encode("utf-8")  # strict: a lone surrogate would not encode
        rec = valid(line)
        assert not SURROGATE.search(json.dumps(rec, ensure_ascii=False)), rec["url"]
        records.append(rec)
    assert sorted(r["url"] for r in records) == sorted(urls)
    return records


def _no_error_but_content(records: list[dict[str, Any]]) -> None:
    """The hostile text is data: the pages extract; none is lost as a bug."""
    kinds = {(r["error"] or {}).get("kind") for r in records}
    assert kinds <= {None, "content"}, kinds
    assert sum(r["status"] != "error" for r in records) >= 19, [r["error"] for r in records if r["error"]]


@pytest.fixture
def hostile_server() -> Iterator[LocalServer]:
    with LocalServer() as s:
        for path, body in hostile_pages(BROWSER_BIG_MB).items():
            s.routes[path] = text(body, "text/html; charset=utf-8")
        yield s


def _urls(server: LocalServer) -> list[str]:
    return [server.url(p) for p in hostile_pages(0)]


# -- the text rule itself ------------------------------------------------------------------------


def test_valid_text_replaces_each_lone_surrogate_and_keeps_the_rest() -> None:
    assert valid_text("A\udc00 b\ud800\x00 é 😀") == "A\ufffd b\ufffd\x00 é 😀"
    assert valid_json({"a\udc00": ["x\ud800", 1, None, {"k": "\udfff"}]}) == {
        "a\ufffd": ["x\ufffd", 1, None, {"k": "\ufffd"}]
    }
    rec = Record(url="https://e.example/\udc00", fetched_at="t", status="ok")
    assert rec.url == "https://e.example/\ufffd"


# -- extract, extract --batch (no browser) -------------------------------------------------------


def test_extract_of_a_lone_surrogate_author_is_one_valid_line(tmp_path: Path, valid: Any) -> None:
    page = tmp_path / "page.html"
    page.write_bytes(_kinds()[0](0))
    proc = subprocess.run(
        [*storyline("extract", str(page), "--url", "https://news.example/a")],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
    )
    assert "Traceback" not in proc.stderr, proc.stderr[-2000:]
    (rec,) = check_lines(proc.stdout.splitlines(), ["https://news.example/a"], valid)
    assert rec["status"] == "ok" and rec["story"]["authors"] == ["A\ufffd"]


@pytest.mark.heavy
def test_extract_batch_of_20_hostile_pages_gives_20_valid_lines(tmp_path: Path, valid: Any) -> None:
    batch = tmp_path / "batch.ndjson"
    urls = []
    with batch.open("w", encoding="utf-8") as fh:
        for i, (path, body) in enumerate(hostile_pages().items()):
            (tmp_path / f"{i}.html").write_bytes(body)
            urls.append(f"https://news.example{path}")
            fh.write(json.dumps({"path": f"{i}.html", "url": urls[-1]}) + "\n")
    proc = subprocess.run(
        storyline("extract", "--batch", str(batch)),
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=600,
    )
    assert "Traceback" not in proc.stderr, proc.stderr[-2000:]
    records = check_lines(proc.stdout.splitlines(), urls, valid)
    _no_error_but_content(records)


def test_a_record_that_cannot_be_written_is_that_urls_content_error(
    tmp_path: Path, valid: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Whatever else breaks a record's line (here: its writer, for one URL), that URL gets its
    `content` error record, logged, and the batch goes on."""
    real = Record.model_dump_json

    def dump(self: Record, **kw: Any) -> str:
        if self.url.endswith("/poison") and self.status != "error":
            raise ValueError("no line for this one")
        return real(self, **kw)

    monkeypatch.setattr(Record, "model_dump_json", dump)
    batch = tmp_path / "batch.ndjson"
    (tmp_path / "p.html").write_bytes(_kinds()[2](0))
    urls = ["https://news.example/a", "https://news.example/poison", "https://news.example/b"]
    batch.write_text("".join(json.dumps({"path": "p.html", "url": u}) + "\n" for u in urls), encoding="utf-8")
    code = main(["extract", "--batch", str(batch)])
    out, err = capsys.readouterr()
    records = check_lines(out.splitlines(), urls, valid)
    poisoned = next(r for r in records if r["url"].endswith("/poison"))
    assert poisoned["error"]["kind"] == "content" and "no line for this one" in poisoned["error"]["message"]
    assert "record could not be written" in err and code == 1
    assert [r["status"] for r in records if r is not poisoned] == ["ok", "ok"]


# -- run, scrape, the API, a distributed run (a real browser; one at a time) -----------------------


def _cli(*args: str, selectors: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        storyline(*args, selectors=selectors), capture_output=True, text=True, encoding="utf-8", timeout=900
    )


COMMON = ("--min-delay-ms", "0", "--page-budget-ms", "60000", "--concurrency", "2")


@pytest.mark.browser
def test_run_of_20_hostile_pages_gives_20_valid_lines(
    hostile_server: LocalServer, tmp_path: Path, valid: Any
) -> None:
    urls, out = _urls(hostile_server), tmp_path / "out.ndjson"
    args = [a for u in urls for a in ("--url", u)]
    proc = _cli("run", *args, "--out", str(out), *COMMON, selectors=tmp_path)
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    _no_error_but_content(check_lines(out.read_text(encoding="utf-8").splitlines(), urls, valid))


@pytest.mark.browser
def test_scrape_of_20_hostile_pages_gives_20_valid_lines(
    hostile_server: LocalServer, tmp_path: Path, valid: Any
) -> None:
    urls = _urls(hostile_server)
    proc = _cli("scrape", *urls, *COMMON, selectors=tmp_path)
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    _no_error_but_content(check_lines(proc.stdout.splitlines(), urls, valid))


API = """
import sys
from scrapers.api import scrape_sync
recs = scrape_sync(sys.argv[2:], sites=sys.argv[1], min_delay_ms=0, page_budget_ms=60000, concurrency=2)
for r in recs:
    print(r.to_json())
"""


@pytest.mark.browser
def test_the_api_on_20_hostile_pages_gives_20_valid_records(
    hostile_server: LocalServer, tmp_path: Path, valid: Any
) -> None:
    urls = _urls(hostile_server)
    proc = subprocess.run(
        [sys.executable, "-c", API, str(tmp_path), *urls],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=900,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    _no_error_but_content(check_lines(proc.stdout.splitlines(), urls, valid))


@pytest.mark.browser
def test_a_distributed_run_of_20_hostile_pages_gives_20_valid_lines(
    hostile_server: LocalServer, tmp_path: Path, valid: Any
) -> None:
    redis = RedisServer(tmp_path / "redis").start()
    urls, out = _urls(hostile_server), tmp_path / "out.ndjson"
    log = (tmp_path / "worker.log").open("wb")
    worker = subprocess.Popen(
        storyline("worker", "--redis", redis.url, "--concurrency", "2", selectors=tmp_path),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        args = [a for u in urls for a in ("--url", u)]
        proc = _cli("run", *args, "--out", str(out), *COMMON, "--redis", redis.url, selectors=tmp_path)
        assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    finally:
        worker.terminate()
        worker.wait(60)
        log.close()
        redis.stop()
    records = check_lines(out.read_text(encoding="utf-8").splitlines(), urls, valid)
    assert "left the queue" not in json.dumps(records)
    _no_error_but_content(records)
    assert read(out)  # the file is what `read` (the suite's reader) reads too
