"""The one place records are built (scrapers/page/record_builders.py): what a failure, an
interruption and an unwritable record look like, whichever command produced them."""

from __future__ import annotations

import json
from typing import Any

from scrapers.config.sitefiles import SiteRegistry, generic_site
from scrapers.errors import PageError
from scrapers.page.record_builders import (
    error_record,
    interrupted_record,
    record_line,
    site_name,
    unexpected,
    unwritable,
)

URL = "https://news.example/a/1"


def test_an_error_record_says_what_the_page_error_knew(valid: Any) -> None:
    err = PageError("http", "HTTP 503 for x", http_status=503, final_url=URL + "?r=1", render_ms=420)
    rec = error_record(
        URL, None, err, attempts=3, fetched_at="2026-12-08T00:00:00Z", previous=["timeout", "http"]
    )
    line = valid(rec.to_json())
    assert line["status"] == "error" and line["final_url"] == URL + "?r=1" and line["http_status"] == 503
    assert line["error"] == {
        "kind": "http",
        "message": "HTTP 503 for x",
        "attempts": 3,
        "http_status": 503,
        "previous": ["timeout", "http"],
    }
    assert line["timings_ms"]["render"] == 420


def test_generic_extraction_names_no_site_and_a_site_file_names_itself() -> None:
    assert site_name(generic_site()) is None and site_name(None) is None
    demo = SiteRegistry.layered().get("demo-news")
    assert site_name(demo) == "demo-news"


def test_an_interrupted_page_says_whether_it_had_started(valid: Any) -> None:
    started = valid(interrupted_record(URL, None, started=True).to_json())
    waiting = valid(interrupted_record(URL, None, started=False).to_json())
    assert started["error"]["kind"] == waiting["error"]["kind"] == "interrupted"
    assert "in progress" in started["error"]["message"] and "before" in waiting["error"]["message"]
    assert started["error"]["attempts"] == 0


def test_a_bug_becomes_a_page_error_naming_it() -> None:
    err = unexpected(KeyError("x"))
    assert (err.kind, err.message) == ("browser", "unexpected failure: KeyError: 'x'")
    assert unexpected(ValueError("v"), "content").kind == "content"


def test_every_record_becomes_a_valid_line(valid: Any) -> None:
    good = interrupted_record(URL, None, started=True)
    assert record_line(good) == (good, good.to_json())
    bad = good.model_copy(update={"url": URL + "/\udc00"})  # a lone surrogate slipped past the model
    _, line = record_line(bad)
    assert json.loads(line)["url"] == URL + "/\ufffd" and valid(line)["status"] == "error"


def test_an_unwritable_record_is_its_urls_content_error(valid: Any) -> None:
    rec = valid(unwritable(URL, OSError("disk full"), site="demo-news").to_json())
    assert rec["url"] == URL and rec["site"] == "demo-news" and rec["status"] == "error"
    assert (
        rec["error"]["kind"] == "content"
        and "could not be written: OSError: disk full" in rec["error"]["message"]
    )
