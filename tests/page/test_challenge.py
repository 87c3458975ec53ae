"""A bot challenge never becomes a story, and `scrape` is `run` over an ad-hoc job.

Interstitials of five providers, served with 200 and with 403/503, end as `blocked` through the
judge (no browser) and through real runs against the fault server (Chromium); `scrape` and
`run --url` write the same records for the same pages.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from clirun import run_cli
from faultserver import INTERSTITIAL_STATUSES, INTERSTITIALS, FaultServer, article
from fundus_pages import FUNDUS, all_pages
from scrapers.config.sitefiles import generic_site
from scrapers.errors import PageError
from scrapers.page.pipeline import SeenPage, judge_and_extract

ROOT = Path(__file__).resolve().parents[2]
SITES = ROOT / "tests" / "sites"
CASES = [(p, s) for p in INTERSTITIALS for s in INTERSTITIAL_STATUSES[p]]


@pytest.mark.parametrize(("provider", "status"), CASES, ids=[f"{p}-{s}" for p, s in CASES])
def test_interstitial_is_blocked_whatever_its_status(provider: str, status: int) -> None:
    headers, body = INTERSTITIALS[provider]
    url = "https://news.example/2026/a-story"
    with pytest.raises(PageError) as err:
        judge_and_extract(SeenPage(url, body, url, status, headers), generic_site())
    assert err.value.kind == "blocked" and err.value.http_status == status


def test_a_protected_site_s_normal_page_is_a_story() -> None:
    """Providers add headers and scripts to normal pages too: those alone prove nothing."""
    headers = {"Server": "cloudflare", "cf-ray": "8f00-FRA", "X-DataDome": "protected", "X-CDN": "Incapsula"}
    head = (
        "<script src='/cdn-cgi/challenge-platform/scripts/jsd/main.js'></script>"
        "<script>window._pxAppId = 'PXabc123';</script>"
        "<script src='/_Incapsula_Resource?SWJIYLWA=1'></script>"
    )
    html = article("A normal story", extra_head=head)
    url = "https://news.example/2026/a-story"
    ex = judge_and_extract(SeenPage(url, html, url, 200, headers), generic_site())
    assert ex.story.headline == "A normal story"


@pytest.mark.heavy
@pytest.mark.skipif(not FUNDUS.is_dir(), reason=f"fundus pages not found at {FUNDUS} (shared data absent)")
def test_no_real_article_is_taken_for_a_challenge() -> None:
    blocked = []
    for page in all_pages():
        try:
            judge_and_extract(SeenPage(page.url, page.html(), page.url, 200), generic_site())
        except PageError as exc:
            blocked.append(f"{page.name}: {exc.message}")
    assert blocked == []


# -- through real runs -------------------------------------------------------------------------


def _comparable(line: str) -> dict[str, Any]:
    rec: dict[str, Any] = json.loads(line)
    rec.pop("fetched_at"), rec.pop("timings_ms")
    return rec


@pytest.mark.browser
@pytest.mark.heavy
def test_scrape_and_run_give_the_same_records(faults: FaultServer, tmp_path: Path) -> None:
    urls = [
        faults.fault_url("ok", "same"),
        faults.fault_url("missing404", "same"),
        f"{faults.base_url}/private/same",
    ]
    urls += [faults.fault_url(f"{p}{s}", "same") for p, s in CASES]
    out = tmp_path / "run.ndjson"
    ran = run_cli(
        "run", *(a for u in urls for a in ("--url", u)), "--out", str(out), "--page-budget-ms", "4000"
    )
    scraped = run_cli("scrape", *urls, "--page-budget-ms", "4000")
    assert ran.returncode == scraped.returncode == 1, ran.stderr[-1000:] + scraped.stderr[-1000:]
    run_records = {r["url"]: r for r in map(_comparable, out.read_text(encoding="utf-8").splitlines())}
    scrape_records = {r["url"]: r for r in map(_comparable, scraped.stdout.splitlines())}
    assert set(run_records) == set(scrape_records) == set(urls)
    for url in urls:
        assert scrape_records[url] == run_records[url], url
    kinds = {u: (r["error"] or {}).get("kind") for u, r in run_records.items()}
    assert kinds[urls[0]] is None and run_records[urls[0]]["status"] == "ok"
    assert kinds[urls[1]] == "http" and kinds[urls[2]] == "robots"
    for url in urls[3:]:
        rec = run_records[url]
        assert kinds[url] == "blocked", (url, rec["error"])
        assert rec["story"] is None and rec["error"]["attempts"] == 1  # never retried: it will not pass
