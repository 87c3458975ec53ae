"""Site files: valid forms load, and every kind of mistake gives one line with file:line and a hint."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from scrapers.cli.main import main
from scrapers.config.fieldspec import Selectors, ValueType
from scrapers.config.renderspec import ClickAction, ScrollAction, WaitForAction
from scrapers.config.sitefiles import SiteRegistry, load_site_file, parse_site_text
from scrapers.errors import ConfigFileError

ROOT = Path(__file__).resolve().parents[2]

GOOD = """\
site: example
domains: [example.com]
story:
  headline: h1
  body:
    paragraphs: div.body > p
"""


def write(tmp_path: Path, text: str, name: str = "site.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_every_bundled_site_file_is_valid() -> None:
    registry = SiteRegistry.from_dir(ROOT / "selectors")
    assert "demo-news" in registry.names
    assert len(registry.names) >= 11


def test_shorthands_normalise_to_one_shape() -> None:
    site = parse_site_text(
        textwrap.dedent("""\
        site: s
        domains: [s.example]
        render:
          actions:
            - click: "#ok"
            - scroll: 4
            - wait_for: .late
        story:
          headline: [h1.title, {meta: og:title}, {jsonld: NewsArticle.headline}]
          published: {css: time, attr: datetime}
          authors: .byline a
          body: {paragraphs: [article p, main p]}
        """),
        "s.yaml",
    )
    h = site.story.headline
    assert h is not None
    assert [src.describe() for src in h.sources()] == [
        "css: h1.title",
        "meta: og:title",
        "jsonld: NewsArticle.headline",
    ]
    assert h.required  # a headline is required unless the file says otherwise
    assert site.story.published is not None and site.story.published.type == ValueType.datetime
    assert site.story.authors is not None and site.story.authors.many
    assert site.story.body is not None and site.story.body.paragraphs is not None
    assert isinstance(site.story.body.paragraphs, Selectors)  # a list is fallbacks, not {all: ...}
    assert len(site.story.body.paragraphs.sources()) == 2
    kinds = [type(a) for a in site.render.actions]
    assert kinds == [ClickAction, ScrollAction, WaitForAction]
    scroll = site.render.actions[1]
    assert isinstance(scroll, ScrollAction) and scroll.scroll.times == 4


def test_registry_matches_domains_and_subdomains() -> None:
    registry = SiteRegistry.from_dir(ROOT / "selectors")
    site = registry.for_url("https://www.bbc.co.uk/news/articles/x")
    assert site is not None and site.site == "bbc"
    assert registry.for_url("https://notbbc.co.uk/x") is None
    assert registry.get("generic").site == "generic"


def test_a_host_port_domain_claims_that_port_only() -> None:
    text = "site: {name}\ndomains: [{domains}]\nstory: {{headline: h1, body: {{paragraphs: article p}}}}\n"
    local = parse_site_text(text.format(name="local", domains='"127.0.0.1:8765", news.test'), "l.yaml")
    wide = parse_site_text(text.format(name="wide", domains="127.0.0.1"), "w.yaml")
    registry = SiteRegistry([local, wide])
    assert registry.choose("http://127.0.0.1:8765/a").site == "local"  # the port beats the bare host
    assert registry.choose("http://127.0.0.1:8000/a").site == "wide"
    assert SiteRegistry([local]).choose("http://127.0.0.1:8000/a").site == "generic"
    assert SiteRegistry([local]).choose("http://sub.127.0.0.1:8765/a").site == "generic"
    for bad in ('"127.0.0.1:99999"', '"127.0.0.1:http"', '"a:b:1"'):
        with pytest.raises(ConfigFileError, match="must be a host name, or HOST:PORT"):
            parse_site_text(text.format(name="bad", domains=bad), "b.yaml")


# (name, file text, line the error must point at, words the message must contain)
BAD_FILES = [
    (
        "yaml syntax",
        """\
        site: s
        domains: [s.example
        story: {}
        """,
        3,
        "YAML syntax error",
    ),
    (
        "unknown key with suggestion",
        """\
        site: s
        domains: [s.example]
        render:
          wiat_for: h1
        story: {}
        """,
        4,
        "did you mean 'wait_for'",
    ),
    (
        "missing required key",
        """\
        site: s
        domains: [s.example]
        """,
        1,
        "required key 'story' is missing",
    ),
    (
        "invalid css",
        """\
        site: s
        domains: [s.example]
        story:
          headline: "h1[class"
        """,
        4,
        "invalid CSS selector",
    ),
    (
        "invalid xpath",
        """\
        site: s
        domains: [s.example]
        story:
          headline:
            xpath: .//div[@class=
        """,
        5,
        "invalid XPath",
    ),
    (
        "bad regex",
        """\
        site: s
        domains: [s.example]
        story:
          headline:
            css: h1
            regex: "(unclosed"
        """,
        6,
        "invalid regex",
    ),
    (
        "wrong type",
        """\
        site: s
        domains: [s.example]
        render:
          timeout_ms: soon
        story: {}
        """,
        4,
        "valid integer",
    ),
    (
        "duplicate widget name",
        """\
        site: s
        domains: [s.example]
        story: {}
        widgets:
          - name: related
            root: aside
            items: li
          - name: related
            root: footer
            items: li
        """,
        8,
        "duplicate widget name 'related'",
    ),
    (
        "duplicate yaml key",
        """\
        site: s
        domains: [s.example]
        story:
          headline: h1
          headline: h2
        """,
        5,
        "duplicate key 'headline'",
    ),
    (
        "two selector kinds",
        """\
        site: s
        domains: [s.example]
        story:
          headline:
            css: h1
            xpath: //h1
        """,
        5,
        "exactly one of css, xpath, jsonld, meta",
    ),
    (
        "missing selector",
        """\
        site: s
        domains: [s.example]
        story:
          headline:
            required: true
        """,
        5,
        "found: none",
    ),
    (
        "unknown action",
        """\
        site: s
        domains: [s.example]
        render:
          actions:
            - tap: "#ok"
        story: {}
        """,
        5,
        "an action needs one of",
    ),
    (
        "bad value type",
        """\
        site: s
        domains: [s.example]
        story:
          published:
            css: time
            type: date
        """,
        6,
        "'text', 'url', 'datetime', 'int' or 'html'",
    ),
    (
        "bad timezone",
        """\
        site: s
        domains: [s.example]
        render:
          timezone: Mars/Olympus
        story: {}
        """,
        4,
        "unknown timezone",
    ),
    (
        "join with many",
        """\
        site: s
        domains: [s.example]
        story:
          topics:
            css: .tags a
            join: ", "
        """,
        5,
        "'join' and 'many' exclude each other",
    ),
    (
        "widget without items",
        """\
        site: s
        domains: [s.example]
        story: {}
        widgets:
          - name: hot
            root: aside
        """,
        5,
        "required key 'items' is missing",
    ),
    (
        "jsonld attr",
        """\
        site: s
        domains: [s.example]
        story:
          headline:
            jsonld: NewsArticle.headline
            attr: content
        """,
        5,
        "'attr' only applies",
    ),
    (
        "not a mapping",
        """\
        - just
        - a list
        """,
        1,
        "must be a YAML mapping",
    ),
]


@pytest.mark.parametrize(("text", "line", "words"), [b[1:] for b in BAD_FILES], ids=[b[0] for b in BAD_FILES])
def test_bad_site_file_gives_one_line_with_file_and_line(
    tmp_path: Path, text: str, line: int, words: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigFileError) as info:
        load_site_file(path)
    message = str(info.value)
    assert "\n" not in message, f"expected one line, got:\n{message}"
    assert message.startswith(f"{path}:{line}:"), message
    assert words in message, message
    assert "hint:" in message, message


def test_check_command_reports_without_traceback(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = write(tmp_path, GOOD, "good.yaml")
    bad = write(tmp_path, GOOD.replace("headline: h1", "headline: 'h1['"), "bad.yaml")
    assert main(["check", str(good)]) == 0
    assert main(["check", str(good), str(bad)]) == 2
    out, err = capsys.readouterr()
    assert f"ok  {good}" in out
    assert err.strip().startswith(f"{bad}:4:")
    assert "Traceback" not in err


def test_check_reports_every_problem_in_a_file(tmp_path: Path) -> None:
    bad = write(
        tmp_path,
        """\
        site: s
        domains: [s.example]
        render:
          timeout_ms: soon
        story:
          headlin: h1
        """,
    )
    with pytest.raises(ConfigFileError) as info:
        load_site_file(bad)
    lines = str(info.value).splitlines()
    assert [ln.split(":")[1] for ln in lines] == ["4", "6"]
    assert "did you mean 'headline'" in lines[1]


def test_scrape_with_a_broken_site_file_exits_2_naming_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path, GOOD.replace("div.body > p", "div.body > p["), "broken.yaml")
    code = main(["--selectors", str(tmp_path), "scrape", "http://127.0.0.1:9/x"])
    assert code == 2
    err = capsys.readouterr().err
    assert "broken.yaml:6:" in err and "invalid CSS selector" in err


def test_two_files_for_one_name_or_one_domain_are_problems(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def site(name: str, domains: str) -> str:
        return f"site: {name}\ndomains: [{domains}]\nstory:\n  headline: h1\n  body:\n    paragraphs: p\n"

    (tmp_path / "a.yaml").write_text(site("alpha", "news.example, other.example"), encoding="utf-8")
    (tmp_path / "b.yaml").write_text(site("beta", "sport.example, news.example"), encoding="utf-8")
    (tmp_path / "c.yaml").write_text(site("alpha", "third.example"), encoding="utf-8")
    with pytest.raises(ConfigFileError) as raised:
        SiteRegistry.from_dir(tmp_path)
    got = sorted(str(p) for p in raised.value.problems)
    assert got == [
        f"{tmp_path / 'b.yaml'}:2:26: domains: 'news.example' is also claimed by {tmp_path / 'a.yaml'} "
        "(hint: one file per domain; a subdomain of its own may go to another file)",
        f"{tmp_path / 'c.yaml'}:1:1: site: 'alpha' is also the name in {tmp_path / 'a.yaml'}",
    ]
    assert main(["check", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert f"{tmp_path / 'b.yaml'}:2:26: domains:" in err and f"{tmp_path / 'c.yaml'}:1:1: site:" in err
