"""The consent step, through real Chromium with no site file: walls shaped like ten managers' (three
languages each), a text-only banner in thirteen languages whose first button is "continue without
accepting", a wall that stays (consent or pay: `blocked`, naming the manager), a site file that
turns the step off or names its own button, and a page without a banner.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from conftest import BrowserSession
from consent_pages import (
    BANNER_TEXT,
    HEADLINE,
    LABELS,
    MANAGER_PAGES,
    PARAS,
    sourcepoint,
    sourcepoint_frame,
    text_only,
)
from localserver import LocalServer, text
from scrapers.config.renderspec import ConsentSpec
from scrapers.config.settings import Overrides
from scrapers.config.sitefiles import generic_site
from scrapers.config.sitespec import SiteSpec
from scrapers.consent.words import ACCEPT, REFUSE
from scrapers.net.scope import UrlPolicy
from scrapers.output.record import Record
from scrapers.page.pipeline import PagePipeline, PipelineOptions
from scrapers.recordings.recording import OFFLINE, record_page, replay

HTML = "text/html; charset=utf-8"
QUIET = Overrides(obey_robots=False, attempts=1, min_delay_ms=0)
CLOCK = datetime(2026, 11, 27, 6, 0, tzinfo=UTC)
CASES = [(name, lang) for name, (_, langs) in MANAGER_PAGES.items() for lang in langs]


@pytest.fixture(scope="module")
def server() -> Iterator[LocalServer]:
    with LocalServer() as s:
        for lang in LABELS:
            s.routes[f"/sp/index.html?message_id=1188&lang={lang}"] = text(sourcepoint_frame(lang), HTML)
        s.routes["/sp/index.html?message_id=1188&lang=pay"] = text(
            sourcepoint_frame("en", pay_only=True), HTML
        )
        yield s


def _site(consent: ConsentSpec | None = None) -> SiteSpec:
    site = generic_site()
    update: dict[str, object] = {"timeout_ms": 20_000}
    if consent is not None:
        update["consent"] = consent
    return site.model_copy(update={"render": site.render.model_copy(update=update)})


def _scrape(session: BrowserSession, server: LocalServer, path: str, html: str, site: SiteSpec) -> Record:
    server.routes[path] = text(html, HTML)
    url = server.url(path)
    options = PipelineOptions(overrides=QUIET, policy=UrlPolicy.for_job([url]))
    return session.run(PagePipeline(session.renderer, options).run(url, site)).record


def _is_the_story(rec: Record) -> None:
    assert rec.status == "ok", rec.error
    assert rec.story is not None and rec.story.headline == HEADLINE
    assert [p for part in rec.story.body for p in part.paragraphs] == PARAS
    assert BANNER_TEXT not in rec.story.text and "cookie" not in rec.story.text.lower()


@pytest.mark.browser
@pytest.mark.parametrize(("manager", "lang"), CASES, ids=[f"{m}-{lang}" for m, lang in CASES])
def test_a_manager_s_wall_is_accepted_and_the_story_extracted(
    browser_session: BrowserSession, server: LocalServer, manager: str, lang: str
) -> None:
    page, _ = MANAGER_PAGES[manager]
    rec = _scrape(
        browser_session, server, f"/{manager.lower().replace(' ', '-')}/{lang}", page(lang), _site()
    )
    _is_the_story(rec)


@pytest.mark.browser
@pytest.mark.parametrize("lang", sorted(LABELS))
def test_a_text_only_banner_is_read_in_its_language(
    browser_session: BrowserSession, server: LocalServer, lang: str
) -> None:
    """The reject button ("Continuer sans accepter", "Ablehnen", ...) comes first and is never taken."""
    rec = _scrape(browser_session, server, f"/text/{lang}", text_only(lang), _site())
    _is_the_story(rec)


@pytest.mark.browser
def test_a_wall_that_stays_is_blocked_naming_its_manager(
    browser_session: BrowserSession, server: LocalServer
) -> None:
    html = sourcepoint("pay")  # the message offers only a subscription
    rec = _scrape(browser_session, server, "/sp-pay", html, _site())
    assert rec.status == "error" and rec.error is not None
    assert rec.error.kind == "blocked" and "Sourcepoint" in rec.error.message


@pytest.mark.browser
def test_a_site_file_turns_the_step_off_or_names_its_button(
    browser_session: BrowserSession, server: LocalServer
) -> None:
    html = text_only("en").replace(
        "<button onclick='consentGiven()'>", "<button id='go' onclick='consentGiven()'>"
    )
    off = _scrape(browser_session, server, "/off", html, _site(ConsentSpec(enabled=False)))
    assert off.story is None or PARAS[0] not in off.story.text  # nothing clicked: the app never rendered
    own = _scrape(browser_session, server, "/own", html, _site(ConsentSpec(accept=["#go"])))
    _is_the_story(own)


@pytest.mark.browser
def test_a_page_without_a_banner_is_untouched(browser_session: BrowserSession, server: LocalServer) -> None:
    story = "".join(f"<p>{p}</p>" for p in PARAS)
    html = f"<!doctype html><html><head><title>{HEADLINE}</title></head>"
    html += f"<body><article><h1>{HEADLINE}</h1>{story}</article>"
    html += "<button onclick='document.title=\"clicked\"'>Accept</button></body></html>"  # not in a banner
    rec = _scrape(browser_session, server, "/plain", html, _site())
    _is_the_story(rec)


def test_no_accept_phrase_is_also_a_refusal() -> None:
    clash = [(p, w) for group in ACCEPT.values() for p in group for w in REFUSE if w in p]
    assert clash == []


@pytest.mark.browser
@pytest.mark.parametrize("manager", ["Sourcepoint", "Usercentrics"])
def test_a_recorded_wall_replays_offline_to_the_same_story(
    browser_session: BrowserSession, tmp_path: Path, manager: str
) -> None:
    """The consent step runs again on replay, against the HAR: the iframe's and the shadow root's buttons."""
    page, _ = MANAGER_PAGES[manager]
    r = browser_session.renderer
    with LocalServer() as s:
        s.routes["/sp/index.html?message_id=1188&lang=de"] = text(sourcepoint_frame("de"), HTML)
        s.routes["/wall"] = text(page("de"), HTML)
        url = s.url("/wall")
        options = PipelineOptions(overrides=QUIET, policy=UrlPolicy.for_job([url]))
        rec = browser_session.run(
            record_page(PagePipeline(r, options), url, _site(), tmp_path / "rec", CLOCK)
        )
    result = browser_session.run(replay(PagePipeline(r, OFFLINE), rec, _site()))
    assert result.ok, result.report()
    _is_the_story(result.record)
