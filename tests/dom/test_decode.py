"""Saved pages in any encoding: BOM, then a declared encoding, then <meta charset>, then detection."""

from __future__ import annotations

import functools
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from clirun import run_cli
from conftest import ROOT, BrowserSession
from scrapers.cli.main import main
from scrapers.dom.decode import decode_html, lookup_encoding

URL = "http://127.0.0.1:8000/news/x"  # the demo-news site file: h1.headline, .article-body p
HEADLINE = "Grüße aus München"
# „“ and € are in windows-1252 only: what a page labelled latin-1 means (the HTML standard agrees).
BODY = "„Die Straße ist schön“, sagte der Bürgermeister. Über 3 € kostet das Brötchen."
JAPANESE = "東京の天気は晴れです"
JAPANESE_BODY = "今日は東京で大きな祭りが開かれ、多くの人々が集まりました。明日も天気が良いでしょう。"


def page(head: str = "", headline: str = HEADLINE, body: str = BODY) -> str:
    return (
        f"<!doctype html><html><head>{head}<title>T</title></head><body><article class='story'>"
        f"<h1 class='headline'>{headline}</h1><div class='article-body'><p>{body}</p></div>"
        "</article></body></html>"
    )


def extract(path: Path, capsys: pytest.CaptureFixture[str], valid: Any, *extra: str) -> dict[str, Any]:
    assert main(["extract", str(path), "--url", URL, *extra]) == 0
    story: dict[str, Any] = valid(capsys.readouterr().out)["story"]
    return story


@pytest.mark.parametrize(
    "head",
    [
        '<meta charset="iso-8859-1">',
        "<meta charset=latin1>",
        '<meta http-equiv="Content-Type" content="text/html; charset=ISO-8859-1">',
        "<meta content='text/html;charset=windows-1252' http-equiv=content-type>",
    ],
)
def test_a_latin1_page_is_read_by_its_meta_charset(
    head: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], valid: Any
) -> None:
    saved = tmp_path / "p.html"
    saved.write_bytes(page(head).encode("cp1252"))
    story = extract(saved, capsys, valid)
    assert story["headline"] == HEADLINE and story["text"] == BODY


def test_a_bom_outranks_a_wrong_meta_and_encoding(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], valid: Any
) -> None:
    saved = tmp_path / "p.html"
    saved.write_bytes(b"\xef\xbb\xbf" + page('<meta charset="iso-8859-1">').encode("utf-8"))
    assert extract(saved, capsys, valid)["headline"] == HEADLINE
    assert extract(saved, capsys, valid, "--encoding", "shift_jis")["headline"] == HEADLINE


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be", "utf-32-le"])
def test_utf16_and_utf32_with_a_bom(
    codec: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], valid: Any
) -> None:
    saved = tmp_path / "p.html"
    saved.write_bytes(("\ufeff" + page('<meta charset="utf-16">')).encode(codec))
    assert extract(saved, capsys, valid)["headline"] == HEADLINE


@pytest.mark.parametrize(
    ("codec", "headline", "body"), [("cp1252", HEADLINE, BODY), ("shift_jis", JAPANESE, JAPANESE_BODY)]
)
def test_an_undeclared_encoding_is_detected(
    codec: str, headline: str, body: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], valid: Any
) -> None:
    saved = tmp_path / "p.html"
    saved.write_bytes(page("", headline, body).encode(codec))
    story = extract(saved, capsys, valid)
    assert story["headline"] == headline and story["text"] == body


def test_encoding_option_outranks_the_meta(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], valid: Any
) -> None:
    saved = tmp_path / "p.html"
    saved.write_bytes(page('<meta charset="utf-8">').encode("cp1252"))  # mislabelled
    assert extract(saved, capsys, valid)["headline"] == "Gr\ufffd\ufffde aus M\ufffdnchen"
    assert extract(saved, capsys, valid, "--encoding", "latin-1")["headline"] == HEADLINE


# `storyline ARGS` from the checkout, with the installed library only
_cli = functools.partial(run_cli, selectors=None, binary=True, timeout=60)


def test_standard_input_is_decoded_too(valid: Any) -> None:
    body = "Die Straße kostet 3 € mehr."  # € is 0xA4 in latin-9, not in latin-1 or windows-1252
    proc = _cli(
        "extract", "-", "--url", URL, "--encoding", "iso-8859-15", stdin=page(body=body).encode("iso-8859-15")
    )
    assert proc.returncode == 0, proc.stderr
    assert valid(proc.stdout.decode())["story"]["text"] == body


@pytest.mark.parametrize("extra", [[], ["--batch", "pages.ndjson"]])
def test_an_unknown_encoding_name_is_one_line_and_exit_2(extra: list[str]) -> None:
    proc = _cli("extract", "p.html", "--url", URL, "--encoding", "klingon-8", *extra)
    err = proc.stderr.decode()
    assert proc.returncode == 2 and proc.stdout == b""
    assert err.count("\n") == 1 and err.startswith("error: ") and "'klingon-8'" in err


def test_batch_lines_may_name_their_encoding(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], valid: Any
) -> None:
    (tmp_path / "latin.html").write_bytes(page().encode("cp1252"))
    (tmp_path / "sjis.html").write_bytes(page("", JAPANESE, JAPANESE_BODY).encode("shift_jis"))
    lines = [
        {"path": "latin.html", "url": URL, "encoding": "latin-1"},
        {"path": "latin.html", "url": URL},  # --encoding below
        {"path": "sjis.html", "url": URL, "encoding": "shift_jis"},
        {"path": "latin.html", "url": URL, "encoding": "klingon-8"},
        {"path": "latin.html", "url": URL, "encoding": 8859},
    ]
    batch = tmp_path / "pages.ndjson"
    batch.write_text("\n".join(json.dumps(x) for x in lines) + "\n", encoding="utf-8")
    assert main(["extract", "--batch", str(batch), "--encoding", "windows-1252"]) == 1
    out = [valid(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["status"] for r in out] == ["ok", "ok", "ok", "error", "error"]
    assert [r["story"]["headline"] for r in out[:3]] == [HEADLINE, HEADLINE, JAPANESE]
    assert "'klingon-8'" in out[3]["error"]["message"] and "8859" in out[4]["error"]["message"]


def test_decode_html_order_and_fallbacks() -> None:
    latin = page('<meta charset="iso-8859-1">').encode("cp1252")
    assert decode_html(latin) == (page('<meta charset="iso-8859-1">'), "cp1252")  # HTML: latin-1 is 1252
    assert decode_html(latin, "no-such-codec")[1] == "cp1252"  # unknown: on to the meta
    assert decode_html(latin, "utf-8")[1] == "utf-8"
    assert decode_html(b"\xff\xfe" + "ü".encode("utf-16-le"), "latin-1") == ("ü", "utf-16-le")
    # A meta readable as ASCII cannot mean UTF-16; UTF-7 is refused (it smuggles markup).
    assert decode_html('<meta charset="utf-16"><p>ü'.encode())[1] == "utf-8"
    assert decode_html('<meta charset="utf-7"><p>ü'.encode())[1] == "utf-8"
    assert decode_html(b"\xff\xfe\xfd\x00\x81" * 3)[0]  # undecodable bytes never raise
    assert decode_html(b"") == ("", "utf-8")
    assert lookup_encoding("Latin-1") == "cp1252" and lookup_encoding("utf-16") == "utf-16-le"
    assert lookup_encoding("utf-7") is None and lookup_encoding(" ") is None


@pytest.mark.browser
def test_a_saved_latin1_page_renders_and_records_right(
    tmp_path: Path, browser_session: BrowserSession
) -> None:
    """SavedPage serves what extract reads (as UTF-8, said in the header that outranks the meta);
    the recording's dom.html, UTF-8 under a latin-1 meta, carries a BOM to be read back right."""
    from scrapers.config.sitefiles import SiteRegistry
    from scrapers.page.pipeline import PagePipeline
    from scrapers.recordings.recording import OFFLINE, record_page
    from scrapers.recordings.saved import SavedPage

    saved = tmp_path / "page.html"
    saved.write_bytes(page('<meta charset="iso-8859-1">').replace("article-body", "body").encode("cp1252"))
    site = SiteRegistry.from_dir(ROOT / "tests" / "sites").get("fault-test")
    url = "http://127.0.0.1:9/news/grusse"
    clock = datetime(2026, 11, 27, 6, 0, tzinfo=UTC)
    pipeline = PagePipeline(browser_session.renderer, OFFLINE)
    rec = browser_session.run(
        record_page(pipeline, url, site, tmp_path / "rec", clock, SavedPage(saved, url))
    )
    expected = rec.expected()["story"]
    assert expected["headline"] == HEADLINE and expected["text"] == BODY
    dom, codec = decode_html((rec.path / "dom.html").read_bytes())
    assert codec == "utf-8" and f">{HEADLINE}</h1>" in dom
