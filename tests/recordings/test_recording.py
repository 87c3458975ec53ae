"""Recordings: the smoke suite over recordings/, and record -> replay round trips.

The smoke suite replays every recording under recordings/ with the site files of
$STORYLINE_SELECTORS (default selectors/), offline, and fails with the diff.
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from clirun import run_cli
from conftest import ROOT, BrowserSession
from faultserver import FaultServer
from fundus_pages import FUNDUS, FUNDUS_EVAL, all_pages, eval_pages
from scrapers.browser.har import HarArchive, normalize_url
from scrapers.config.sitefiles import SiteRegistry, parse_site_text
from scrapers.config.sitespec import SiteSpec
from scrapers.demo.server import DemoServer
from scrapers.page.pipeline import PagePipeline, SeenPage, process_saved
from scrapers.recordings.recording import (
    OFFLINE,
    Recording,
    comparable,
    compare,
    find_recordings,
    record_page,
    recording_name,
    replay,
)

RECORDINGS = ROOT / "recordings"
CLOCK = datetime(2026, 11, 27, 6, 0, tzinfo=UTC)
ALL = find_recordings([RECORDINGS]) if RECORDINGS.is_dir() else []


# -- the smoke suite ----------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.parametrize("rec", ALL, ids=[r.name for r in ALL])
def test_recording_replays(rec: Recording, browser_session: BrowserSession, registry: SiteRegistry) -> None:
    result = browser_session.run(
        replay(PagePipeline(browser_session.renderer, OFFLINE), rec, registry.get(rec.meta.site))
    )
    if not result.ok:
        pytest.fail(result.report(), pytrace=False)


def test_every_site_file_has_a_recording_or_a_test_page() -> None:
    """A site file nobody can test offline is a site that breaks unnoticed."""
    sites = SiteRegistry.from_dir(ROOT / "selectors")
    recorded = {r.meta.site for r in ALL}
    if not FUNDUS.is_dir():
        pytest.skip(f"{FUNDUS} is absent: cannot tell which sites its pages cover")
    urls = [p.url for p in all_pages()] + [p.url for p in eval_pages()]
    covered = {site.site for url in urls if (site := sites.for_url(url)) is not None}
    untested = sorted(set(sites.names) - recorded - covered)
    assert not untested, (
        f"site files without a recording (storyline record URL --site NAME) "
        f"or a page under {FUNDUS} or {FUNDUS_EVAL}: {', '.join(untested)}"
    )


def test_demo_recordings_exist_and_cover_every_demo_article() -> None:
    demo = [r for r in ALL if r.meta.site == "demo-news"]
    with DemoServer() as server:
        slugs = {u.rsplit("/", 1)[1] for u in server.article_urls()}
    assert {r.path.name for r in demo} == slugs


# -- pieces, no browser ---------------------------------------------------------------------------


def test_normalize_url_drops_only_the_named_params() -> None:
    url = "https://x.test/api/w.json?city=delhi&_=mx1abc&utm_source=a&utm_medium=b#top"
    assert normalize_url(url) == "https://x.test/api/w.json?city=delhi&_=mx1abc&utm_source=a&utm_medium=b"
    assert normalize_url(url, ["_", "utm_*"]) == "https://x.test/api/w.json?city=delhi"


def test_compare_names_each_differing_field() -> None:
    expected = {
        "story": {"headline": "A", "authors": ["X", "Y"]},
        "widgets": [{"name": "hot", "items": [{"title": "t1"}, {"title": "t2"}]}, {"name": "topics"}],
    }
    got = {
        "story": {"headline": None, "authors": ["X"]},
        "widgets": [{"name": "topics"}, {"name": "hot", "items": [{"title": "t1"}]}],
    }
    assert [str(d) for d in compare(expected, got)] == [
        'story.headline: expected "A", got null',
        'story.authors: expected ["X", "Y"], got ["X"]',
        'widgets.hot.items[1]: expected {"title": "t2"}, got (absent)',
    ]
    assert compare(expected, json.loads(json.dumps(expected))) == []


def test_compare_sees_a_block_gained_among_blocks_of_one_name() -> None:
    """A site file's `each: true` gives several blocks one name: each is compared in its turn."""
    one = {"name": "latest_news", "items": [{"title": "a"}]}
    two = {"name": "latest_news", "items": [{"title": "b"}]}
    assert [str(d) for d in compare({"widgets": [one]}, {"widgets": [one, two]})] == [
        'widgets.latest_news#2: expected (absent), got {"name": "latest_news", "items": [{"title": "b"}]}'
    ]
    assert compare({"widgets": [one, two]}, {"widgets": [one, two]}) == []
    assert [d.path for d in compare({"widgets": [one, two]}, {"widgets": [two, one]})] == [
        "widgets.latest_news.items[0].title",
        "widgets.latest_news#2.items[0].title",
    ]


def test_recording_name_from_url() -> None:
    assert recording_name("https://x.test/news/Some_Story.html?x=1") == "some-story"
    assert recording_name("https://x.test/") == "x-test"


# -- record -> replay round trips -------------------------------------------------------------------


def _demo_site(registry: SiteRegistry, **changes: object) -> SiteSpec:
    """The demo site file, optionally with top-level sections replaced (as a user would edit it)."""
    data = yaml.safe_load((ROOT / "selectors" / "demo-news.yaml").read_text(encoding="utf-8"))
    data.update(changes)
    return parse_site_text(yaml.safe_dump(data), "demo-news.yaml")


@pytest.mark.browser
@pytest.mark.heavy
def test_replay_with_server_stopped_equals_the_live_record(
    tmp_path: Path, browser_session: BrowserSession, registry: SiteRegistry
) -> None:
    site = registry.get("demo-news")
    r = browser_session.renderer
    with DemoServer(latency_ms=5) as server:
        url = server.article_urls()[0]  # the seed article
        live = browser_session.run(r.render(url, site.render))
        live_rec = process_saved(SeenPage(url, live.html, live.final_url, 200), site, "")
        rec = browser_session.run(record_page(PagePipeline(r), url, site, tmp_path / "seed", CLOCK))
    # The server is gone: anything not in the HAR would fail now.
    result = browser_session.run(replay(PagePipeline(r, OFFLINE), rec, site))
    assert result.ok, result.report()
    assert result.missing == []
    live_data, replayed = comparable(live_rec), comparable(result.record)
    # The live page ran on today's clock; the recording on its fixed one.
    live_data["page"]["fields"].pop("dateline"), replayed["page"]["fields"].pop("dateline")
    assert replayed == live_data
    assert result.record.story is not None and result.record.story.headline
    assert [w.name for w in result.record.widgets] == ["hot_this_week", "topics", "related_articles"]


@pytest.mark.browser
@pytest.mark.heavy
def test_replay_makes_no_request_outside_the_har(
    tmp_path: Path, browser_session: BrowserSession, registry: SiteRegistry
) -> None:
    site = registry.get("demo-news")
    r = browser_session.renderer
    with DemoServer(latency_ms=5) as server:
        rec = browser_session.run(
            record_page(PagePipeline(r), server.article_urls()[1], site, tmp_path / "a", CLOCK)
        )
        before = server.site.hits
        assert before > 0
        # The server still runs and would answer: the replay must not ask it anything.
        result = browser_session.run(replay(PagePipeline(r, OFFLINE), rec, site))
        assert server.site.hits == before
    assert result.ok, result.report()
    assert result.served >= 5 and result.missing == []  # shell, css, js, story, weather, widgets


@pytest.mark.browser
@pytest.mark.heavy
def test_fresh_cache_buster_replays_only_with_ignore_params(
    tmp_path: Path, browser_session: BrowserSession, registry: SiteRegistry
) -> None:
    """app.js asks for /api/weather.json?_=<time+random>, different on every load."""
    r = browser_session.renderer
    site = registry.get("demo-news")
    assert site.replay.ignore_params == ["_"]
    with DemoServer(latency_ms=5) as server:
        rec = browser_session.run(
            record_page(PagePipeline(r), server.article_urls()[0], site, tmp_path / "s", CLOCK)
        )
    recorded = [u for u in _har_urls(rec.har) if "/api/weather.json" in u]
    assert len(recorded) == 1 and "?_=" in recorded[0]

    good = browser_session.run(replay(PagePipeline(r, OFFLINE), rec, site))
    assert good.ok and good.missing == []
    assert good.record.page is not None and good.record.page.fields["weather"] == "31.1 C, New Delhi"

    bad = browser_session.run(
        replay(PagePipeline(r, OFFLINE), rec, _demo_site(registry, replay={"ignore_params": []}))
    )
    assert [u.split("?")[0] for u in bad.missing] == [recorded[0].split("?")[0]]
    assert bad.missing[0] != recorded[0]  # a fresh value was asked for
    assert [d.path for d in bad.diffs] == ["page.fields.weather"]


@pytest.mark.browser
@pytest.mark.heavy
def test_recorded_redirects_replay(tmp_path: Path, browser_session: BrowserSession) -> None:
    """A 301 on the page itself and a 302 on a script's fetch, both answered from the HAR."""
    r = browser_session.renderer
    base = SiteRegistry.from_dir(ROOT / "tests" / "sites").get("fault-test")
    # The paragraph arrives by a script's fetch after load: wait for it, as a site file would.
    render = base.render.model_copy(update={"wait_for": ".body p:nth-of-type(3)"})
    site = base.model_copy(update={"render": render})
    with FaultServer() as server:
        url = server.fault_url("moved", 1)
        rec = browser_session.run(record_page(PagePipeline(r), url, site, tmp_path / "moved", CLOCK))
    expected = rec.expected()
    assert expected["final_url"].endswith("/f/landing/1")
    assert expected["story"]["body"][0]["paragraphs"][-1] == "Fetched through a redirect."
    result = browser_session.run(replay(PagePipeline(r, OFFLINE), rec, site))
    assert result.ok, result.report()
    assert result.missing == []


def _har_urls(har: Path) -> list[str]:
    return HarArchive.load(har).urls()


# -- as a user runs it: the CLI and the smoke suite itself --------------------------------------------


# `storyline ARGS` from the checkout, with the installed library only
_cli = functools.partial(run_cli, selectors=None, timeout=180, cwd=ROOT)


@pytest.mark.browser
@pytest.mark.heavy
def test_cli_record_then_replay_offline(tmp_path: Path) -> None:
    with DemoServer(latency_ms=5) as server:
        url = server.article_urls()[2]
        rec = _cli(
            "record", url, "--site", "demo-news", "--into", str(tmp_path), "--clock", "2026-11-27T06:00:00Z"
        )
        assert rec.returncode == 0, rec.stderr
    name = url.rsplit("/", 1)[1]
    folder = tmp_path / "demo-news" / name
    assert sorted(p.name for p in folder.iterdir()) == [
        "dom.html",
        "expected.json",
        "meta.json",
        "page.har.zip",
    ]
    meta = json.loads((folder / "meta.json").read_text())
    assert meta["clock"] == "2026-11-27T06:00:00Z" and meta["timezone"] == "Asia/Kolkata"
    assert meta["browser_version"] and meta["playwright_version"]

    out = _cli("replay", str(tmp_path))
    assert out.returncode == 0, out.stdout + out.stderr
    assert f"ok      demo-news/{name}" in out.stdout
    assert "1 of 1 recordings match" in out.stderr


@pytest.mark.browser
@pytest.mark.heavy
def test_a_broken_selector_fails_the_smoke_suite_with_a_readable_diff(tmp_path: Path) -> None:
    """Edit the demo site file so the byline selector matches nothing, run the smoke suite."""
    seed = next(r for r in ALL if r.path.name == "putin-kim-jong-un-meet-in-beijing")
    sel = tmp_path / "selectors"
    sel.mkdir()
    text = (ROOT / "selectors" / "demo-news.yaml").read_text(encoding="utf-8")
    assert "  section: .meta a.section\n" in text
    (sel / "demo-news.yaml").write_text(
        text.replace("  section: .meta a.section\n", "  section: .meta a.sect\n")
    )
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            f"{Path(__file__).relative_to(ROOT / 'tests')}::test_recording_replays[{seed.name}]",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT / "tests",
        env={**os.environ, "STORYLINE_SELECTORS": str(sel)},
    )
    assert proc.returncode == 1, proc.stdout
    assert f"demo-news/{seed.path.name}: 2 field(s) differ" in proc.stdout
    assert 'story.section: expected "World", got null' in proc.stdout
    assert "1 failed" in proc.stdout


@pytest.mark.browser
def test_record_a_saved_page_at_its_real_url_then_replay_it(
    tmp_path: Path, browser_session: BrowserSession
) -> None:
    """`record --html`: the saved file answers for its URL, its folder for its assets; everything
    else is refused (no server listens at that address: a request that got out would fail)."""
    from faultserver import article
    from scrapers.recordings.saved import SavedPage

    saved = tmp_path / "saved"
    saved.mkdir()
    (saved / "site.css").write_text("h1 { color: #333 }", encoding="utf-8")
    head = "<link rel='stylesheet' href='/static/site.css'>"
    body = "<img src='https://cdn.example.invalid/photo.jpg'>"
    (saved / "page.html").write_text(article("A saved story", head, body), encoding="utf-8")
    site = SiteRegistry.from_dir(ROOT / "tests" / "sites").get("fault-test")
    url = "http://127.0.0.1:9/news/a-saved-story"
    r = browser_session.renderer
    serve = SavedPage(saved / "page.html", url)
    rec = browser_session.run(
        record_page(PagePipeline(r, OFFLINE), url, site, tmp_path / "rec", CLOCK, serve)
    )
    assert rec.expected()["story"]["headline"] == "A saved story"
    assert serve.served == [url, "http://127.0.0.1:9/static/site.css"]
    assert serve.refused == ["https://cdn.example.invalid/photo.jpg"]
    result = browser_session.run(replay(PagePipeline(r, OFFLINE), rec, site))
    assert result.ok, result.report()
    assert result.served == 2 and result.missing == []
