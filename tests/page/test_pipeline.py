"""The demo site in a real Chromium: the seed article, why rendering matters, failures as records."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from conftest import BrowserSession
from scrapers.config.renderspec import ClickAction, ConsentSpec, RenderSpec
from scrapers.config.settings import Overrides
from scrapers.config.sitefiles import SiteRegistry
from scrapers.config.sitespec import SiteSpec
from scrapers.demo.content import SEED_SLUG
from scrapers.demo.server import DemoServer
from scrapers.output.record import Record
from scrapers.page.pipeline import PagePipeline, PipelineOptions, SeenPage, process_saved

ROOT = Path(__file__).resolve().parents[2]
REGISTRY = SiteRegistry.from_dir(ROOT / "selectors")
SEED = json.loads((ROOT / "scrapers/demo/data/seed.json").read_text(encoding="utf-8"))
SEED_HEADLINE = (
    "Putin-Kim Jong Un meet in Beijing: Russia-North Korea hold bilateral talks after China parade; "
    "vow deeper cooperation"
)

pytestmark = pytest.mark.browser


def scrape_one(session: BrowserSession, url: str, site: SiteSpec, attempts: int | None = None) -> Record:
    """One URL through the page pipeline, as every command runs it."""
    pipeline = PagePipeline(session.renderer, PipelineOptions(overrides=Overrides(attempts=attempts)))
    return session.run(pipeline.run(url, site)).record


@pytest.fixture(scope="module")
def seed_record(browser_session: BrowserSession, demo_server: DemoServer) -> dict[str, Any]:
    url = f"{demo_server.base_url}/news/{SEED_SLUG}"
    rec = scrape_one(browser_session, url, REGISTRY.get("demo-news"))
    data: dict[str, Any] = json.loads(rec.to_json())
    return data


def test_seed_story_is_separated_from_its_widgets(seed_record: dict[str, Any], valid: Any) -> None:
    rec = valid(seed_record)
    assert rec["status"] == "ok" and rec["missing"] == []
    assert rec["site"] == "demo-news" and rec["extractor"] == "selectors" and rec["http_status"] == 200
    story = rec["story"]
    assert story["headline"] == SEED_HEADLINE
    assert story["lead_image"]["caption"] == "Kim Jong Un with Vladimir Putin (PTI image)"
    assert story["text"] == "\n\n".join(SEED["paragraphs"])
    teaser_titles = {t["title"] for t in SEED["topics"]}
    for title in teaser_titles:
        assert title not in story["text"]
    assert "Go to Source" not in story["text"]
    assert story["fields"]["source_url"].startswith("https://")


def test_seed_widgets(seed_record: dict[str, Any], demo_server: DemoServer) -> None:
    widgets = {w["name"]: w for w in seed_record["widgets"]}
    assert list(widgets) == ["hot_this_week", "topics", "related_articles"]
    hot = widgets["hot_this_week"]
    assert hot["title"] == "Hot this week"
    assert [i["title"] for i in hot["items"]] == [t["title"] for t in SEED["hot_this_week"]]
    for item in hot["items"]:
        assert item["url"].startswith(demo_server.base_url + "/news/")
        assert "Read More" not in item["summary"]
    assert widgets["topics"]["title"] == "Topics" and len(widgets["topics"]["items"]) == 8
    assert widgets["related_articles"]["title"] == "Related Articles" and widgets["related_articles"]["items"]


def test_dateline_and_weather_are_page_fields_not_story(seed_record: dict[str, Any]) -> None:
    fields = seed_record["page"]["fields"]
    assert fields["weather"] == "31.1 C, New Delhi"
    # The date bar shows the reader's "today", formatted like the seed page's "Wednesday, September 3, 2025".
    assert fields["dateline"].count(",") == 2 and fields["dateline"].split(",")[0].endswith("day")
    assert (
        "31.1 C" not in seed_record["story"]["text"]
        and fields["dateline"] not in seed_record["story"]["text"]
    )


def test_rendering_matters(browser_session: BrowserSession, demo_server: DemoServer, valid: Any) -> None:
    """The server's HTML is an empty shell: extraction finds nothing until a browser has run the page."""
    url = f"{demo_server.base_url}/news/{SEED_SLUG}"
    site = REGISTRY.get("demo-news")
    with urllib.request.urlopen(url) as resp:
        raw = resp.read().decode()
    raw_rec = valid(process_saved(SeenPage(url, raw, url, 200), site))
    assert raw_rec["story"]["headline"] is None
    assert raw_rec["status"] == "partial" and "headline" in raw_rec["missing"]
    assert raw_rec["widgets"] == []
    rendered = valid(scrape_one(browser_session, url, site))
    assert rendered["story"]["headline"] == SEED_HEADLINE


def test_missing_page_is_an_error_record_not_retried(
    browser_session: BrowserSession, demo_server: DemoServer, valid: Any
) -> None:
    url = f"{demo_server.base_url}/news/no-such-story"
    rec = valid(scrape_one(browser_session, url, REGISTRY.get("demo-news")))
    assert rec["status"] == "error" and rec["url"] == url
    assert rec["error"] == {
        "kind": "http",
        "message": f"HTTP 404 for {url}",
        "attempts": 1,
        "http_status": 404,
        "previous": [],
    }


def test_a_wait_for_that_never_comes_on_a_loaded_page_degrades_at_the_first_attempt(
    browser_session: BrowserSession, demo_server: DemoServer, valid: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    """A redesign took the site file's wait_for element away, the page itself loaded: the page is
    extracted as it stands, like a selector that misses (issue 28), not a timeout after every retry."""
    base = REGISTRY.get("demo-news")
    render = base.render.model_copy(
        update={"timeout_ms": 10000, "actions": base.render.actions[:2], "wait_for": "h1.never-there"}
    )
    assert base.story.root is not None
    root = base.story.root.model_copy(update={"css": "article.redesigned"})  # its layout is gone too
    story = base.story.model_copy(update={"root": root})
    site = base.model_copy(update={"render": render, "story": story})
    url = f"{demo_server.base_url}/news/{SEED_SLUG}"
    rec = valid(scrape_one(browser_session, url, site, attempts=2))
    assert rec["status"] == "partial" and "story.root" in rec["missing"], rec["error"]
    assert rec["story"]["headline"].startswith("Putin-Kim Jong Un meet in Beijing")  # generic stepped in
    assert rec["story"]["matched"]["body"] == -1
    logged = capsys.readouterr()
    assert "page extracted as it stands" in logged.out + logged.err
    assert "never appeared" in logged.out + logged.err  # h1.never-there (or, on a crawling machine,
    # the consent's article wait: either way a wait that ran out on a page that loaded)


def _render_twice(session: BrowserSession, url: str, cfg: RenderSpec) -> list[str]:
    """Scrape `url` twice in a row with one renderer, one attempt each; "ok" or each failure's message."""
    site = REGISTRY.get("demo-news").model_copy(update={"render": cfg})
    pipeline = PagePipeline(session.renderer, PipelineOptions(overrides=Overrides(attempts=1)))
    out = []
    for _ in range(2):
        rec = session.run(pipeline.run(url, site)).record
        out.append(rec.error.message if rec.error else "ok")
    return out


def test_keep_cookies_keeps_a_consent_given_on_the_first_page(
    browser_session: BrowserSession, demo_server: DemoServer
) -> None:
    """A required click on the banner proves whether it came back on the second page."""
    url = f"{demo_server.base_url}/news/{SEED_SLUG}"
    click = ClickAction(click="#consent-accept", timeout_ms=1500)
    # A locale of its own: no tab another test left with consent given is reused for this one. The
    # built-in consent step is off: the site's own required click is the probe.
    update = {
        "actions": [click],
        "timeout_ms": 8000,
        "locale": "en-GB",
        "consent": ConsentSpec(enabled=False),
    }
    base = REGISTRY.get("demo-news").render.model_copy(update=update)
    kept = _render_twice(browser_session, url, base.model_copy(update={"keep_cookies": True}))
    assert kept[0] == "ok" and "required click on '#consent-accept' found nothing" in kept[1]
    cleared = _render_twice(browser_session, url, base.model_copy(update={"keep_cookies": False}))
    assert cleared == ["ok", "ok"]


def test_an_absent_optional_banner_does_not_hold_the_page(
    browser_session: BrowserSession, demo_server: DemoServer
) -> None:
    """The optional click waits up to 60 s for its banner, the page may take 8 s: once the story is
    there without a banner (consent kept), the click must give up at once, not eat the budget."""
    url = f"{demo_server.base_url}/news/{SEED_SLUG}"
    render = REGISTRY.get("demo-news").render
    click = ClickAction(click="#consent-accept", optional=True, timeout_ms=60000)
    cfg = render.model_copy(
        update={"actions": [click, *render.actions[1:]], "timeout_ms": 8000, "keep_cookies": True}
    )
    assert _render_twice(browser_session, url, cfg) == ["ok", "ok"]


def test_demo_site_needs_consent_and_loads_widgets_lazily(page: Page, demo_server: DemoServer) -> None:
    """The demo behaves like the real site: nothing before consent, widgets only after scrolling."""
    page.goto(f"{demo_server.base_url}/news/{SEED_SLUG}")
    expect(page.locator("#consent")).to_be_visible()
    expect(page.locator("h1.headline")).to_have_count(0)
    page.click("#consent-accept")
    expect(page.locator("h1.headline")).to_have_text(SEED_HEADLINE)
    expect(page.locator("section.widget[data-loaded]")).to_have_count(0)
    page.locator('section[data-widget="related_articles"]').scroll_into_view_if_needed()
    expect(page.locator('section[data-widget="related_articles"] article.teaser').first).to_be_visible()


@pytest.mark.heavy
def test_demo_command_end_to_end(tmp_path: Path, valid: Any) -> None:
    out = tmp_path / "demo.ndjson"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "runner.py"), "demo", "--out", str(out), "--concurrency", "3"],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stderr
    records = [valid(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(records) == 24 and len({r["url"] for r in records}) == 24
    assert all(r["status"] == "ok" for r in records)
    assert SEED_HEADLINE in proc.stdout and "hot_this_week (5 items)" in proc.stdout
    generated = [r for r in records if r["story"]["body"] and len(r["story"]["body"]) == 3]
    assert generated, "generated articles have two sub-headed sections"
    for r in generated:
        assert "Read more:" not in r["story"]["text"] and "Sign up" not in r["story"]["text"]
        assert r["story"]["authors"] and r["story"]["published"].endswith("+05:30")


def test_scrape_command_writes_every_url_and_exits_1_on_failure(
    tmp_path: Path, demo_server: DemoServer, valid: Any
) -> None:
    good = f"{demo_server.base_url}/news/{SEED_SLUG}"
    bad = f"{demo_server.base_url}/news/gone"
    out = tmp_path / "out" / "run.ndjson"
    proc = subprocess.run(
        [
            sys.executable,
            str(ROOT / "runner.py"),
            "scrape",
            good,
            bad,
            "--site",
            "demo-news",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert proc.returncode == 1, proc.stderr
    records = {r["url"]: r for r in (valid(line) for line in out.read_text(encoding="utf-8").splitlines())}
    assert set(records) == {good, bad}
    assert records[good]["status"] == "ok" and records[good]["story"]["headline"] == SEED_HEADLINE
    assert records[bad]["status"] == "error" and records[bad]["error"]["http_status"] == 404
    assert "2 pages" in proc.stderr
