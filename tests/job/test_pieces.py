"""The job runner's pieces without a browser: URLs, feeds, sitemaps, robots, resume, job files."""

from __future__ import annotations

import json
import textwrap
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest

from scrapers.config.jobspec import load_job
from scrapers.config.sitefiles import generic_site
from scrapers.config.sitespec import BlockedSpec
from scrapers.config.urls import canonicalize
from scrapers.dom.parse import parse_html
from scrapers.errors import ConfigFileError, PageError
from scrapers.job.discover import parse_feed, parse_sitemap, robots_sitemaps
from scrapers.output.resume import prepare_resume
from scrapers.page.challenge import challenge_reason
from scrapers.page.pipeline import SeenPage, judge_and_extract, parse_retry_after


def test_canonicalize_drops_tracking_and_fragments_keeps_meaningful_params() -> None:
    url = "HTTPS://News.Example.com:443/a/b?id=7&utm_source=x&fbclid=y&page=2#comments"
    assert canonicalize(url) == "https://news.example.com/a/b?id=7&page=2"
    assert canonicalize("http://x.example:8080") == "http://x.example:8080/"
    assert canonicalize("http://x.example/a#frag", keep_fragment=True) == "http://x.example/a#frag"
    assert canonicalize("http://x.example/?ref=1&a=2", drop=["ref"]) == "http://x.example/?a=2"


def test_parse_rss_and_atom() -> None:
    rss = b"""<?xml version="1.0"?><rss version="2.0"><channel>
      <item><title>A</title><link> https://n.example/a </link>
        <pubDate>Wed, 03 Sep 2025 09:09:00 GMT</pubDate></item>
      <item><title>no link</title></item>
    </channel></rss>"""
    assert [(e.url, e.published) for e in parse_feed(rss)] == [
        ("https://n.example/a", "2025-09-03T09:09:00+00:00")
    ]
    atom = b"""<feed xmlns="http://www.w3.org/2005/Atom"><entry>
      <link rel="self" href="https://n.example/self"/><link rel="alternate" href="https://n.example/b"/>
      <updated>2025-09-03T10:00:00Z</updated></entry></feed>"""
    assert [e.url for e in parse_feed(atom)] == ["https://n.example/b"]
    assert parse_feed(b"not xml at all <<<") == []


def test_parse_sitemap_index_and_news_urlset() -> None:
    index = b"""<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
      <sitemap><loc>https://n.example/s1.xml.gz</loc></sitemap></sitemapindex>"""
    assert parse_sitemap(index) == (["https://n.example/s1.xml.gz"], [])
    news = b"""<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
                       xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
      <url><loc>https://n.example/a</loc><news:news>
        <news:publication_date>2025-09-03T14:20:00+05:30</news:publication_date></news:news></url>
      <url><loc>https://n.example/b</loc><lastmod>2025-09-01</lastmod></url></urlset>"""
    children, entries = parse_sitemap(news)
    assert children == []
    assert [(e.url, e.published) for e in entries] == [
        ("https://n.example/a", "2025-09-03T14:20:00+05:30"),
        ("https://n.example/b", "2025-09-01T00:00:00+00:00"),
    ]


def test_robots_sitemap_lines() -> None:
    text = "User-agent: *\nDisallow: /x\nSitemap: https://n.example/sitemap.xml\nSitemap: https://n.example/n.xml\n"
    assert robots_sitemaps(text) == ["https://n.example/sitemap.xml", "https://n.example/n.xml"]


def test_retry_after_seconds_and_dates() -> None:
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after(None) is None and parse_retry_after("soon") is None
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    got = parse_retry_after(later)
    assert got is not None and 25 <= got <= 31


def test_blocked_markers() -> None:
    markers = BlockedSpec()

    def reason(html: str) -> str | None:
        return challenge_reason(html, parse_html(html), {}, markers)

    assert reason("<html><body><form id='challenge-form'></form></body></html>")
    page = "<html><body><p>Checking your browser before accessing news.example</p></body></html>"
    assert "Checking your browser" in (reason(page) or "")
    assert reason("<html><body><h1>A story</h1></body></html>") is None
    # A script that merely contains the words is not a challenge.
    assert reason("<html><body><script>'Verify you are human'</script></body></html>") is None


def test_a_challenge_page_is_not_extracted() -> None:
    page = "<html><body><h1>Just a moment</h1><p>Verify you are human</p></body></html>"
    url = "https://news.example/a"
    with pytest.raises(PageError) as err:
        judge_and_extract(SeenPage(url, page, url), generic_site())
    assert err.value.kind == "blocked" and "Verify you are human" in err.value.message
    ex = judge_and_extract(
        SeenPage(url, "<html><body><h1>A story</h1><p>Text.</p></body></html>", url), generic_site()
    )
    assert ex.story.headline == "A story"


def test_resume_keeps_complete_records_drops_torn_and_interrupted(tmp_path: Path) -> None:
    out = tmp_path / "run.ndjson"
    ok = {"url": "u1", "status": "ok"}
    stopped = {"url": "u2", "status": "error", "error": {"kind": "interrupted"}}
    failed = {"url": "u3", "status": "error", "error": {"kind": "http"}}
    out.write_text("\n".join(json.dumps(r) for r in (ok, stopped, failed)) + '\n{"url": "u4", "sta')
    state = prepare_resume(out)
    assert state.done == {"u1", "u3"}  # a real failure is an answer; an interruption is not
    assert (state.kept, state.dropped_interrupted, state.dropped_torn) == (2, 1, 1)
    assert [json.loads(line)["url"] for line in out.read_text().splitlines()] == ["u1", "u3"]
    assert prepare_resume(tmp_path / "absent.ndjson").done == set()


def test_job_file_errors_name_file_and_line(tmp_path: Path) -> None:
    job = tmp_path / "job.yaml"
    job.write_text(
        textwrap.dedent("""\
        name: daily
        start:
          urls: [https://n.example/a]
        politeness:
          concurency: 4
        """)
    )
    with pytest.raises(ConfigFileError) as info:
        load_job(job)
    assert str(info.value).startswith(f"{job}:5:")
    assert "did you mean 'concurrency'" in str(info.value)
    job.write_text("name: daily\n")
    with pytest.raises(ConfigFileError, match="at least one start point"):
        load_job(job)


def test_job_file_errors_say_job_file_and_point_to_the_job_docs(tmp_path: Path) -> None:
    job = tmp_path / "job.yaml"
    job.write_text("")
    with pytest.raises(ConfigFileError) as info:
        load_job(job)
    assert str(info.value) == (
        f"{job}:1:1: a job file must be a YAML mapping; it is empty (hint: see docs/jobs.md)"
    )
    job.write_text("start:\n  urls: [https://n.example/a]\npoliteness:\n  concurrency: many\n")
    with pytest.raises(ConfigFileError) as info:
        load_job(job)
    assert str(info.value).startswith(f"{job}:4:16:") and "docs/jobs.md" in str(info.value)
    assert "site-files.md" not in str(info.value)


def test_bundled_job_files_are_valid() -> None:
    jobs = sorted((Path(__file__).resolve().parents[2] / "jobs").glob("*.yaml"))
    assert jobs, "the README and --help point at jobs/demo.yaml"
    for job in jobs:
        assert load_job(job).start.listings or load_job(job).start.urls


def test_sitemap_recursion_keeps_a_visited_set_and_the_job_s_limits() -> None:
    """An index that lists itself (and a child twice) is read once; max_pages stops the recursion."""
    import asyncio
    import threading
    from collections import Counter
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    from typing import Any

    from scrapers.config.jobspec import JobSpec
    from scrapers.job.discover import Discoverer
    from scrapers.net.client import fetcher
    from scrapers.net.scope import UrlPolicy

    hits: Counter[str] = Counter()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            hits[self.path] += 1
            base = f"http://{self.headers['Host']}"
            if self.path == "/index.xml":
                locs = ["/index.xml"] * 4 + ["/s1.xml", "/s1.xml", "/s2.xml"]
                body = "".join(f"<sitemap><loc>{base}{u}</loc></sitemap>" for u in locs)
                xml = (
                    f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{body}</sitemapindex>'
                )
            else:
                n = self.path.strip("/").removesuffix(".xml")
                urls = "".join(f"<url><loc>{base}/news/{n}-{i}</loc></url>" for i in range(3))
                xml = f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'
            data = xml.encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/xml")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    index = f"http://127.0.0.1:{server.server_address[1]}/index.xml"

    async def never(*_: Any) -> Any:
        raise AssertionError("no listing here")

    def discover(**limits: Any) -> list[str]:
        hits.clear()
        job = JobSpec(name="t", start={"sitemaps": [index]}, limits=limits)
        fetch = fetcher(UrlPolicy.for_job([index]), "t")
        found = Discoverer(job, lambda u: generic_site(), fetch, never).run()
        # A loop of its own in a thread: a browser test earlier in the session may run one here.
        result: list[list[str]] = []
        worker = threading.Thread(target=lambda: result.append(asyncio.run(found).urls))
        worker.start()
        worker.join(60)
        return result[0]

    try:
        assert len(discover()) == 6
        assert hits == {"/index.xml": 1, "/s1.xml": 1, "/s2.xml": 1}
        assert len(discover(max_pages=2)) == 2
        assert hits == {"/index.xml": 1, "/s1.xml": 1}  # s2 is never fetched once the job is full
    finally:
        server.shutdown()
        server.server_close()
