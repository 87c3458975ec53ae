"""Discovery against hostile or broken feeds, sitemaps, robots.txt and listing pages.

Every URL found passes the job's URL policy before it is added or fetched; refusals and malformed
entries are reported (one line each, then counted per reason) and never abort the job. Real local
servers; names resolve through a stub; no packet leaves the loopback interface.
"""

from __future__ import annotations

import asyncio
import gzip
from pathlib import Path
from typing import Any

import pytest

from cputime import process_timed
from localserver import LocalServer, drip, run_async, stub_resolver, text, wait_closed
from scrapers.browser.renderer import RenderedPage
from scrapers.config.jobspec import JobSpec
from scrapers.config.renderspec import RenderSpec
from scrapers.config.settings import resolve_page_settings
from scrapers.config.sitefiles import SiteRegistry, generic_site
from scrapers.config.sitespec import SiteSpec
from scrapers.job.discover import MAX_PROBLEMS_PER_REASON, Discoverer, Discovery
from scrapers.job.scope import job_policy
from scrapers.net.client import fetcher
from scrapers.net.scope import Resolver, UrlPolicy

ROOT = Path(__file__).resolve().parents[2]
NS = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'


# Every test here: no connection but to loopback (`attempts` lists the others tried).
pytestmark = pytest.mark.usefixtures("attempts")


async def no_render(url: str, cfg: RenderSpec, site: SiteSpec) -> RenderedPage:
    raise AssertionError("no listing here")


def discover(
    job: JobSpec,
    *,
    resolver: Resolver | None = None,
    registry: SiteRegistry | None = None,
    render: Any = no_render,
    stop: asyncio.Event | None = None,
) -> Discovery:
    policy = job_policy(job, registry, **({"resolver": resolver} if resolver else {}))
    site_for = (lambda u: registry.choose(u, job.site)) if registry else (lambda u: generic_site())
    found = Discoverer(
        job, site_for, fetcher(policy, resolve_page_settings(None, job).agent), render, stop, policy=policy
    ).run()
    return run_async(found)


def rss(*items: tuple[str, str]) -> bytes:
    body = "".join(f"<item><link>{link}</link><pubDate>{date}</pubDate></item>" for link, date in items)
    return f'<?xml version="1.0"?><rss version="2.0"><channel>{body}</channel></rss>'.encode()


def urlset(*locs: str) -> bytes:
    return f"<urlset {NS}>{''.join(f'<url><loc>{u}</loc></url>' for u in locs)}</urlset>".encode()


def index(*locs: str) -> bytes:
    body = "".join(f"<sitemap><loc>{u}</loc></sitemap>" for u in locs)
    return f"<sitemapindex {NS}>{body}</sitemapindex>".encode()


def test_a_feed_with_malformed_entries_still_yields_its_good_ones(server: LocalServer) -> None:
    good, dated = server.url("/news/good"), server.url("/news/dated")
    server.routes["/rss.xml"] = text(
        rss(
            (good, "Wed, 03 Sep 2025 09:09:00 GMT"),
            ("http://x:99999/", ""),
            ("http://[x", ""),
            (dated, "Wed, 03 Sep 2025 09:09:00 -25:00"),
            ("/news/relative", ""),
            ("file:///etc/passwd", ""),
            ("https://elsewhere.example/news/a", ""),
        ),
        "application/rss+xml",
    )
    job = JobSpec(start={"feeds": [server.url("/rss.xml")]}, politeness={"contact": "ops@example.org"})
    found = discover(job)
    assert found.urls == [good, dated, server.url("/news/relative")]
    feed = server.url("/rss.xml")
    assert found.problems == [
        f"{dated}: date 'Wed, 03 Sep 2025 09:09:00 -25:00' unreadable (no date Storyline can read); "
        "kept undated",
        f"http://x:99999/ (in {feed}): refused: malformed URL: Port out of range 0-65535",
        f"http://[x (in {feed}): refused: malformed URL: Invalid IPv6 URL",
        # feedparser writes scheme:/// as scheme:// (as browsers do for http): still refused
        f"file://etc/passwd (in {feed}): refused: only http and https URLs are fetched, not 'file'",
        f"https://elsewhere.example/news/a (in {feed}): refused: elsewhere.example is outside the "
        "job's scope (hint: add it to allow_hosts)",
    ]
    agent = resolve_page_settings(None, job).agent
    assert server.agents == [agent] and "ops@example.org" in agent


def test_a_flood_of_refused_entries_is_counted_not_listed(server: LocalServer) -> None:
    offsite = [f"https://spam{i}.example/p" for i in range(100_000)]
    schemes = [f"ftp://127.0.0.1/{i}" for i in range(30)]
    server.routes["/sitemap.xml"] = text(
        urlset(*offsite, *schemes, server.url("/news/ok")), "application/xml"
    )
    # CPU seconds of the whole process: the fetch and the parse run in threads of their own.
    found, took = process_timed(lambda: discover(JobSpec(start={"sitemaps": [server.url("/sitemap.xml")]})))
    print(f"100,030 refused sitemap entries: {took:.2f} CPU s")
    assert found.urls == [server.url("/news/ok")]
    n = MAX_PROBLEMS_PER_REASON
    assert len(found.problems) == 2 * n + 2
    assert all("is outside the job's scope" in p for p in found.problems[:n])
    assert found.problems[-2:] == [
        f"... and {100_000 - n} more: outside the job's scope",
        f"... and {30 - n} more: not an http(s) URL",
    ]
    assert took < 20


def test_sitemap_lines_and_child_sitemaps_are_checked_before_fetching(
    server: LocalServer, attempts: list[tuple[str, int]]
) -> None:
    resolve, asked = stub_resolver({"other.test": "127.0.0.1", "metadata.test": "169.254.169.254"})
    with LocalServer({"/sitemap.xml": text(urlset("http://127.0.0.1/news/x"))}) as other:
        server.routes.update(
            {
                "/robots.txt": text(
                    f"User-agent: *\nDisallow:\nSitemap: {server.url('/index.xml')}\n"
                    f"Sitemap: {other.url('/sitemap.xml', 'other.test')}\n"  # offsite
                    f"Sitemap: {other.url('/sitemap.xml')}\n"  # in scope, but an untrusted loopback port
                    "Sitemap: file:///etc/passwd\n"
                ),
                "/index.xml": text(
                    index(
                        "/news-sitemap.xml", other.url("/sitemap.xml", "other.test"), "http://metadata.test/"
                    )
                ),
                "/news-sitemap.xml": text(urlset(server.url("/news/a"), server.url("/news/b"))),
            }
        )
        job = JobSpec(start={"robots": [server.url("/")]}, scope={"allow_hosts": ["metadata.test"]})
        found = discover(job, resolver=resolve)
        assert other.hits == {}
    assert found.urls == [server.url("/news/a"), server.url("/news/b")]
    assert server.hits == {"/robots.txt": 1, "/index.xml": 1, "/news-sitemap.xml": 1}
    problems = "\n".join(found.problems)
    assert (
        f"{other.url('/sitemap.xml', 'other.test')} (in {server.url('/robots.txt')}): refused: " in problems
    )
    robots = server.url("/robots.txt")
    assert f"{other.url('/sitemap.xml')} (in {robots}): refused: 127.0.0.1 is a loopback address" in problems
    assert "file:///etc/passwd (in" in problems
    assert f"{other.url('/sitemap.xml', 'other.test')} (in {server.url('/index.xml')}): refused" in problems
    index_url = server.url("/index.xml")
    assert f"http://metadata.test/ (in {index_url}): refused: metadata.test is a link-local" in problems
    assert asked == ["metadata.test"]  # other.test was refused on its name alone
    assert all(a == ("127.0.0.1", server.port) for a in attempts)


def test_a_sitemap_index_listing_itself_is_fetched_once(server: LocalServer) -> None:
    me = server.url("/index.xml")
    server.routes.update(
        {
            "/index.xml": text(index(me, me, "/index.xml", "/s1.xml", server.url("/s1.xml?utm_source=x"))),
            "/s1.xml": text(urlset(server.url("/news/1"), server.url("/news/2"))),
        }
    )
    found = discover(JobSpec(start={"sitemaps": [me, me]}))
    assert found.urls == [server.url("/news/1"), server.url("/news/2")]
    assert server.hits == {"/index.xml": 1, "/s1.xml": 1}
    assert found.problems == []


def test_compression_bombs_become_discovery_problems(server: LocalServer) -> None:
    one_layer = gzip.compress(bytes(64 * 2**20), 9)  # 64 MiB of zeros: over the 50 MiB cap
    server.routes.update(
        {
            "/nested.xml": text(gzip.compress(one_layer), "application/xml", Content_Encoding="gzip"),
            "/bomb.xml.gz": text(one_layer, "application/gzip"),
            "/rss.xml": text(rss((server.url("/news/ok"), "")), Content_Encoding="identity"),
        }
    )
    job = JobSpec(
        start={
            "feeds": [server.url("/rss.xml")],
            "sitemaps": [server.url("/nested.xml"), server.url("/bomb.xml.gz")],
        }
    )
    found = discover(job)
    assert found.urls == [server.url("/news/ok")]
    assert found.problems == [
        f"{server.url('/nested.xml')} (in start.sitemaps): refused: gzip inside Content-Encoding gzip "
        "(one layer is decompressed, never two: a compression bomb?)",
        f"{server.url('/bomb.xml.gz')} (in start.sitemaps): too large: over 50 MiB decompressed",
    ]


def test_a_stop_request_ends_a_dripping_fetch_promptly(server: LocalServer) -> None:
    server.routes["/rss.xml"] = drip(server)
    job = JobSpec(start={"urls": [server.url("/news/given")], "feeds": [server.url("/rss.xml")]})

    async def main() -> Discovery:
        stop = asyncio.Event()
        policy = job_policy(job)
        found = asyncio.create_task(
            Discoverer(job, lambda u: generic_site(), fetcher(policy, "t"), no_render, stop).run()
        )
        await asyncio.sleep(0.7)
        stop.set()
        return await found

    # The drip never ends: discovery can only return through the stop or the fetch's deadline,
    # and a deadline would be a problem line. (No wall-clock bound: the machine may be loaded.)
    found = run_async(main())
    print(f"stop during a dripping feed: problems {found.problems}")
    assert found.urls == [server.url("/news/given")]  # given URLs are kept for their records
    assert not any("deadline" in p for p in found.problems), found.problems
    assert wait_closed(server), "the feed's connection outlived the stop"


def test_listing_links_and_next_pages_pass_the_policy(server: LocalServer) -> None:
    registry = SiteRegistry.from_dir(ROOT / "selectors")
    base = server.url("/")
    pages = {
        server.url("/"): "<ul class='article-list'>"
        + "".join(
            f"<li><a href='{h}'>x</a></li>"
            for h in (
                "/news/one",
                "https://elsewhere.example/news/two",
                "http://[x/news/three",
                "http://127.0.0.1:99999/news/four",
                "/about",  # no article: silently left
            )
        )
        + "</ul><a class='next' rel='next' href='https://elsewhere.example/page2'>next</a>",
    }
    rendered: list[str] = []

    async def render(url: str, cfg: RenderSpec, site: SiteSpec) -> RenderedPage:
        rendered.append(url)
        return RenderedPage(url, url, pages[url], 200, 5)

    job = JobSpec(site="demo-news", start={"listings": [base]})
    found = discover(job, registry=registry, render=render)
    assert rendered == [base]
    assert found.urls == [server.url("/news/one")]
    problems = "\n".join(found.problems)
    assert "https://elsewhere.example/news/two (in " in problems
    assert "https://elsewhere.example/page2 (in " in problems and "outside the job's scope" in problems
    assert "http://[x/news/three" not in problems  # malformed links on a listing are no articles


def test_job_policy_trusts_named_urls_and_scopes_site_domains() -> None:
    registry = SiteRegistry.from_dir(ROOT / "tests" / "sites")  # fault-test: 127.0.0.1, fault-big: localhost
    job = JobSpec(
        start={"urls": ["http://127.0.0.1:8000/a", "http://[x"], "feeds": ["http://feeds.test/rss"]},
        scope={"allow_hosts": ["cdn.test"]},
    )
    policy = job_policy(job, registry)
    assert policy.trusted == {("127.0.0.1", 8000), ("feeds.test", 80)}
    assert policy.scope == {"127.0.0.1", "feeds.test", "cdn.test"}  # generic's placeholder: none
    assert policy.in_scope("img.cdn.test") and not policy.in_scope("localhost")
    assert not policy.allow_private
    one_site = job.model_copy(
        update={"site": "fault-big", "scope": job.scope.model_copy(update={"allow_private": True})}
    )
    policy = job_policy(one_site, registry)
    assert policy.in_scope("localhost") and policy.allow_private
    assert job_policy(job) == UrlPolicy.for_job(
        ["http://127.0.0.1:8000/a", "http://[x", "http://feeds.test/rss"], ["cdn.test"]
    )
