"""Saved pages in any encoding: BOM, then a declared encoding, then <meta charset>, then detection."""

from __future__ import annotations

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
