"""Daily jobs: a job's state store makes its next run scrape only what is new or changed.

The store itself, discovery skipping what it knows (a feed on a real local server), and a job run
twice against the demo site as a user runs it, with a kill between the runs.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
from pathlib import Path

import pytest

from clirun import ROOT, read, run_cli, storyline, summary_of, wait_for_lines, write_job
from localserver import LocalServer, run_async, text
from scrapers.config.jobspec import JobSpec, Start
from scrapers.config.sitefiles import generic_site
from scrapers.demo.server import DemoServer
from scrapers.errors import StateError
from scrapers.job.discover import Discoverer
from scrapers.job.scope import job_policy
from scrapers.net.client import fetcher
from scrapers.output.resume import carry_over
from scrapers.output.state import StateStore, state_path

SCRAPED_AT = "2026-03-27T10:00:00Z"


def test_the_store_knows_pages_scraped_fine_and_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "job.state.sqlite"
    with StateStore(path) as store:
        store.remember(
            [
                ("https://n.example/ok", "ok", SCRAPED_AT),
                ("https://n.example/partial", "partial", SCRAPED_AT),
                ("https://n.example/failed", "error", SCRAPED_AT),
            ]
        )
    with StateStore(path) as store:  # what a later run sees
        assert len(store) == 3
        assert store.is_known("https://n.example/ok")
        assert store.is_known("https://n.example/partial")
        assert not store.is_known("https://n.example/failed")  # errors are tried again
        assert not store.is_known("https://n.example/new")
        # A feed date or sitemap lastmod after the scrape: changed since, scraped again.
        assert not store.is_known("https://n.example/ok", "2026-03-28T08:00:00+00:00")
        assert store.is_known("https://n.example/ok", "2026-03-26T08:00:00+00:00")
        assert store.is_known("https://n.example/ok", "2026-03-28")  # no time zone: cannot compare
        store.remember([("https://n.example/failed", "ok", SCRAPED_AT)])
        assert store.is_known("https://n.example/failed")
    rows = sqlite3.connect(path).execute("SELECT count(*) FROM pages").fetchone()
    assert rows == (3,)  # one row per URL


def test_a_file_that_is_not_a_state_store_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "out" / "job.state.sqlite"
    path.parent.mkdir()
    path.write_text("not sqlite at all " * 100)
    with pytest.raises(StateError, match=r"job\.state\.sqlite: not a usable state file"):
        StateStore(path).__enter__()
    assert state_path(tmp_path / "out" / "job.ndjson") == path


def test_carry_over_keeps_one_complete_line_per_url(tmp_path: Path) -> None:
    old = tmp_path / "old.ndjson"
    old.write_text(
        '{"url": "a", "status": "ok"}\n'
        '{"url": "b", "status": "ok"}\n'
        '{"url": "c", "status": "error", "error": {"kind": "interrupted"}}\n'
        '{"url": "a", "status": "ok", "dup": 1}\n'
        "not json\n"
        '{"url": "d", "status": "ok"}\n'
        '{"url": "e", "sta'
    )
    lines: list[str] = []
    assert carry_over(old, lines.append, {"b"}) == 2
    assert lines == ['{"url": "a", "status": "ok"}', '{"url": "d", "status": "ok"}']
    assert carry_over(tmp_path / "missing.ndjson", lines.append, set()) == 0


def test_discovery_skips_known_pages_unless_their_feed_date_is_newer(tmp_path: Path) -> None:
    feed = (
        '<?xml version="1.0"?><rss version="2.0"><channel>'
        "<item><link>/news/old</link><pubDate>Wed, 25 Mar 2026 08:00:00 GMT</pubDate></item>"
        "<item><link>/news/updated</link><pubDate>Sat, 28 Mar 2026 08:00:00 GMT</pubDate></item>"
        "<item><link>/news/new</link><pubDate>Sat, 28 Mar 2026 09:00:00 GMT</pubDate></item>"
        "</channel></rss>"
    )
    with (
        LocalServer({"/rss.xml": text(feed, "application/rss+xml")}) as server,
        StateStore(tmp_path / "s.sqlite") as store,
    ):
        store.remember(
            [(server.url("/news/old"), "ok", SCRAPED_AT), (server.url("/news/updated"), "ok", SCRAPED_AT)]
        )
        job = JobSpec(name="t", start=Start(feeds=[server.url("/rss.xml")]))
        policy = job_policy(job)

        async def no_render(*_: object) -> object:
            raise AssertionError("a feed job renders nothing")

        found = run_async(
            Discoverer(
                job,
                lambda u: generic_site(),
                fetcher(policy, "t"),
                no_render,  # type: ignore[arg-type]
                policy=policy,
                is_known=store.is_known,
            ).run()
        )
    assert found.urls == [server.url("/news/updated"), server.url("/news/new")]
    assert found.known == {server.url("/news/old")}


@pytest.mark.browser
@pytest.mark.heavy
def test_a_daily_job_scrapes_only_new_articles_and_a_kill_between_runs_loses_nothing(
    tmp_path: Path,
) -> None:
    with DemoServer(generated=0, latency_ms=5) as demo:
        out = tmp_path / "daily.ndjson"
        job = write_job(
            tmp_path, site="demo-news", start={"feeds": [demo.base_url + "/rss.xml"]}, output="daily.ndjson"
        )
        first = run_cli("run", str(job), "--stats-every", "1", selectors=ROOT / "selectors")
        assert first.returncode == 0, first.stderr[-2000:]
        # Off a terminal, progress is a structured `stats` event every second and one at the end.
        events = [json.loads(ln) for ln in first.stderr.splitlines() if ln.startswith("{")]
        stats = [e for e in events if e.get("event") == "stats"]
        assert stats[-1]["final"] and stats[-1]["done"] == stats[-1]["ok"] == len(demo.article_urls())
        assert any(not e["final"] for e in stats) and {"pages_per_min", "queue_left"} <= stats[0].keys()
        day_one = demo.article_urls()
        assert sorted(r["url"] for r in read(out)) == sorted(day_one)
        assert summary_of(out)["skipped_known"] == 0
        assert (tmp_path / "daily.state.sqlite").exists()

        # Overnight the site publishes three articles; the next run is killed half-way.
        new = [f"{demo.base_url}/news/{a.slug}" for a in demo.site.publish(3)]
        before = out.read_bytes()
        proc = subprocess.Popen(
            storyline("run", str(job), "--concurrency", "1", selectors=ROOT / "selectors"),
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_lines(out.with_name(out.name + ".partial"), len(day_one) + 1, proc)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)
        assert out.read_bytes() == before  # the last complete output is untouched

        second = run_cli("run", str(job), selectors=ROOT / "selectors")
        assert second.returncode == 0, second.stderr[-2000:]
        records = read(out)
        # Every article exactly once; only the three new ones were scraped this time.
        assert sorted(r["url"] for r in records) == sorted(day_one + new)
        summary = summary_of(out)
        assert summary["pages"] == 3 and summary["by_status"] == {"ok": 3}
        assert summary["skipped_known"] == len(day_one)
        assert summary["carried_over"] == len(day_one)
        assert "known from earlier runs, skipped" in second.stderr

        # Nothing new since: the output is left exactly as it was, the summary says why.
        kept = out.read_bytes()
        quiet = run_cli("run", str(job), selectors=ROOT / "selectors")
        assert quiet.returncode == 0, quiet.stderr[-2000:]
        assert out.read_bytes() == kept and not out.with_name(out.name + ".partial").exists()
        assert summary_of(out)["pages"] == 0 and summary_of(out)["skipped_known"] == len(day_one) + 3

        full = run_cli("run", str(job), "--full", selectors=ROOT / "selectors")
        assert full.returncode == 0, full.stderr[-2000:]
        assert summary_of(out)["pages"] == len(day_one) + 3
        assert sorted(r["url"] for r in read(out)) == sorted(day_one + new)
