"""Body parts: `{all: [...]}` takes every selector's matches in document order (fallbacks take the
first that matches), its mistakes are one FILE:LINE:COL line, and `check --pages` warns where a
fallback would also match on a page where an earlier selector already matched."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from pytest import CaptureFixture

from scrapers.api import extract_html
from scrapers.cli.main import main
from scrapers.config.sitefiles import parse_site_text
from scrapers.errors import ConfigFileError
from scrapers.extract.overlap import fallback_overlaps

PAGE = """<html><head><link rel="canonical" href="https://parts.example/a"></head><body>
<h1>Title</h1><div class="body"><p>One.</p><h2>Part A</h2><ul><li>Two.</li><li>Three.</li></ul>
<h3>Part B</h3><p>Four.</p></div></body></html>"""


def site(paragraphs: str, headings: str = "") -> str:
    heads = f"\n    headings: {headings}" if headings else ""
    return (
        textwrap.dedent(f"""\
    site: parts
    domains: [parts.example]
    story:
      headline: h1
      body:
        paragraphs: {paragraphs}""")
        + heads
        + "\n"
    )


def body(text: str) -> list[tuple[str | None, list[str]]]:
    rec = extract_html(PAGE, "https://parts.example/a", site=parse_site_text(text, "parts.yaml"))
    assert rec.story is not None
    return [(s.heading, s.paragraphs) for s in rec.story.body]


def test_all_takes_every_selector_in_document_order() -> None:
    got = body(site("{all: ['div.body > p', {xpath: './/div[@class=\"body\"]/ul/li'}]}"))
    assert got == [(None, ["One.", "Two.", "Three.", "Four."])]


def test_a_list_is_fallbacks_and_takes_only_the_first_that_matches() -> None:
    assert body(site("['div.body > p', 'div.body > ul > li']")) == [(None, ["One.", "Four."])]


def test_all_falls_back_when_none_of_its_group_matches() -> None:
    got = body(site("{all: [div.gone > p, div.gone > li], fallbacks: ['div.body li']}"))
    assert got == [(None, ["Two.", "Three."])]


def test_headings_take_all_too() -> None:
    fallback = body(site("'div.body > p, div.body li'", "['div.body > h2', 'div.body > h3']"))
    assert [h for h, _ in fallback] == [None, "Part A"]
    both = body(site("'div.body > p, div.body li'", "{all: ['div.body > h2', 'div.body > h3']}"))
    assert both == [(None, ["One."]), ("Part A", ["Two.", "Three."]), ("Part B", ["Four."])]


@pytest.mark.parametrize(
    ("paragraphs", "where"),
    [
        ("{all: ['div.body > p', 'div >> p']}", "parts.yaml:6:40: story.body.paragraphs.all[1].css: invalid"),
        ("{all: []}", "parts.yaml:6:23: story.body.paragraphs.all: List should have at least 1 item"),
        (
            "{all: [p], fallback: [li]}",
            "parts.yaml:6:28: story.body.paragraphs.fallback: unknown key 'fallback' (hint: did you mean",
        ),
    ],
)
def test_mistakes_in_all_are_one_line_with_file_line_and_column(paragraphs: str, where: str) -> None:
    with pytest.raises(ConfigFileError) as exc:
        parse_site_text(site(paragraphs), "parts.yaml")
    assert str(exc.value).startswith(where), str(exc.value)


def test_headings_fallbacks_of_all_must_be_in_the_dom() -> None:
    with pytest.raises(ConfigFileError, match=r"headings\.fallbacks\[0\]: .*css or xpath"):
        parse_site_text(site("p", "{all: [h2], fallbacks: [{meta: og:title}]}"), "parts.yaml")


def test_overlap_names_the_fallback_that_would_also_match() -> None:
    trap = parse_site_text(site("['div.body > p', 'div.body > ul > li']"), "parts.yaml")
    [o] = fallback_overlaps(trap, PAGE, "https://parts.example/a")
    assert (o.key, o.index, o.extra, o.sample) == ("paragraphs", 0, 2, "Two.")
    # A fallback matching the same text (or inside/around it) is a layout alternative, not a trap.
    same = parse_site_text(site("['div.body > p', 'div.body p', 'div.body']"), "parts.yaml")
    assert fallback_overlaps(same, PAGE, "https://parts.example/a") == []
    fixed = parse_site_text(site("{all: ['div.body > p', 'div.body > ul > li']}"), "parts.yaml")
    assert fallback_overlaps(fixed, PAGE, "https://parts.example/a") == []


def test_check_pages_warns_with_the_fallbacks_place(tmp_path: Path, capsys: CaptureFixture[str]) -> None:
    (tmp_path / "parts.yaml").write_text(site("['div.body > p', 'div.body > ul > li']"), encoding="utf-8")
    pages = tmp_path / "saved"
    pages.mkdir()
    (pages / "a.html").write_text(PAGE, encoding="utf-8")
    assert main(["check", str(tmp_path / "parts.yaml"), "--pages", str(pages)]) == 0
    out, err = capsys.readouterr()
    assert "tried on 1 page(s): 1 warning(s)" in out
    assert f"{tmp_path / 'parts.yaml'}:6:34: story.body.paragraphs.fallbacks[0]: warning: on " in err
    assert "'Two.'" in err and "{all: [FIRST, SECOND]}" in err


def test_check_pages_goes_by_url_with_several_files(tmp_path: Path, capsys: CaptureFixture[str]) -> None:
    files = tmp_path / "sites"
    files.mkdir()
    (files / "parts.yaml").write_text(site("['div.body > p', 'div.body > ul > li']"), encoding="utf-8")
    other = site("['div.body > p', 'div.body > ul > li']").replace("parts", "other")
    (files / "other.yaml").write_text(other, encoding="utf-8")
    (tmp_path / "a.html").write_text(PAGE, encoding="utf-8")
    assert main(["check", str(files), "--pages", str(tmp_path / "a.html"), str(tmp_path / "gone")]) == 2
    out, err = capsys.readouterr()
    assert "1 warning(s)" in out and "parts.yaml:6:34" in err and "other.yaml" not in err
    assert f"error: {tmp_path / 'gone'}: no such file or folder" in err


def test_check_pages_reads_a_reference_recording(tmp_path: Path, capsys: CaptureFixture[str]) -> None:
    """A recording names its page by path (from the folder above the project) and checksum."""
    import hashlib

    project = tmp_path / "project"
    rec = project / "recordings" / "parts" / "parts-a"
    rec.mkdir(parents=True)
    page = tmp_path / "data" / "a.html"
    page.parent.mkdir()
    without_url = PAGE.replace('<link rel="canonical" href="https://parts.example/a">', "")
    page.write_text(without_url, encoding="utf-8")
    meta = {
        "kind": "reference",
        "url": "https://parts.example/a",
        "site": "parts",
        "source": {"path": "data/a.html", "sha256": hashlib.sha256(page.read_bytes()).hexdigest(),
                   "size": page.stat().st_size, "encoding": "utf-8"},
        "clock": "2026-01-01T00:00:00Z",
        "chromium": False,
        "redact_params": [],
        "recorded_at": "2026-01-01T00:00:00Z",
        "storyline_version": "0",
    }  # fmt: skip
    (rec / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    files = tmp_path / "sites"
    files.mkdir()
    (files / "parts.yaml").write_text(site("['div.body > p', 'div.body > ul > li']"), encoding="utf-8")
    (files / "other.yaml").write_text(site("p").replace("parts", "other"), encoding="utf-8")
    assert main(["check", str(files), "--pages", str(project / "recordings")]) == 0
    out, err = capsys.readouterr()
    assert "tried on 1 page(s): 1 warning(s)" in out and f"on {rec} this fallback" in err


def test_overlap_leaves_out_what_the_body_takes_anyway() -> None:
    """The standfirst and the sub-headings are taken by their own keys: a broad fallback that
    also matches them loses nothing."""
    page = PAGE.replace('<div class="body">', '<p class="lead">Lead.</p><div class="body">')
    url = "https://parts.example/a"
    without = site("['div.body > p', 'p, div.body h2']")
    [o] = fallback_overlaps(parse_site_text(without, "parts.yaml"), page, url)
    assert (o.extra, o.sample) == (2, "Lead.")
    with_keys = site("['div.body > p', 'p, div.body h2']", "div.body h2").replace(
        "  headline: h1\n", "  headline: h1\n  summary: p.lead\n"
    )
    assert fallback_overlaps(parse_site_text(with_keys, "parts.yaml"), page, url) == []
