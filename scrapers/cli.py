"""The `storyline` command line (also `python runner.py`)."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from playwright.async_api import Error as PlaywrightError

from scrapers import logs, recordcli
from scrapers.browser import BrowserNotFoundError
from scrapers.console import Progress, quiet_driver_loss
from scrapers.job import RunStats, choose_site, extract_page, now_utc, scrape_many
from scrapers.output import NdjsonSink
from scrapers.record import Error, Record
from scrapers.render import Renderer
from scrapers.siteload import (
    SiteFileError,  # also a job file's error: both are config files
    SiteRegistry,
    UnknownSiteError,
    default_selectors_dir,
    load_site_file,
    site_files,
)

EXIT_OK, EXIT_FAILED, EXIT_CONFIG, EXIT_INTERRUPTED = 0, 1, 2, 130

_FMT = argparse.RawDescriptionHelpFormatter


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(
        prog="storyline",
        formatter_class=_FMT,
        description="Scrape JavaScript-heavy news pages into the story (headline, byline, dates, body)\n"
        "and the widget blocks around it, as one NDJSON record per page.",
        epilog="examples:\n"
        "  storyline demo                                   # scrape the bundled demo site\n"
        "  storyline scrape https://example.com/news/x --out out/x.ndjson\n"
        "  storyline extract page.html --url https://example.com/news/x\n"
        "  storyline check selectors/\n"
        "  storyline record URL && storyline replay          # offline regression tests\n\n"
        "Run 'storyline COMMAND --help' for each command's options.",
    )
    ap.add_argument(
        "--selectors",
        type=Path,
        metavar="DIR",
        help="site files directory (default: $STORYLINE_SELECTORS or ./selectors)",
    )
    ap.add_argument("-v", "--verbose", action="count", default=0, help="more log output (-vv for debug)")
    ap.add_argument(
        "--log-format", choices=["json", "console"], help="default: console on a terminal, else json"
    )
    sub = ap.add_subparsers(dest="command", metavar="COMMAND", required=True)

    ex = sub.add_parser(
        "extract",
        formatter_class=_FMT,
        help="extract a saved HTML page (no browser)",
        description="Extract one saved page, or many with --batch, without a browser.\n"
        "The site file is chosen by the URL's domain unless --site is given.",
        epilog="examples:\n"
        "  storyline extract saved.html --url https://news.example.com/a/1\n"
        "  storyline extract saved.html --url https://news.example.com/a/1 --site generic\n"
        "  storyline extract --batch pages.ndjson > records.ndjson\n"
        '      (pages.ndjson lines: {"path": "saved.html", "url": "https://..."};\n'
        "       relative paths are read from the batch file's folder)",
    )
    ex.add_argument("html_file", nargs="?", type=Path, help="saved HTML file")
    ex.add_argument("--url", help="the page's address (links and images are made absolute against it)")
    ex.add_argument("--site", help="site file name, or 'generic' for generic extraction")
    ex.add_argument(
        "--batch", type=Path, metavar="FILE.ndjson", help="extract every {path, url} line of FILE"
    )

    sc = sub.add_parser(
        "scrape",
        formatter_class=_FMT,
        help="render URLs in Chromium and extract them",
        description="Render each URL in headless Chromium with its site file's actions, extract,\n"
        "and print one record per URL (or write them with --out). Failures are records too.",
        epilog="examples:\n"
        "  storyline scrape http://127.0.0.1:8000/news/putin-kim-jong-un-meet-in-beijing\n"
        "  storyline scrape URL1 URL2 --site demo-news --out out/today.ndjson --concurrency 4",
    )
    sc.add_argument("urls", nargs="+", metavar="URL")
    sc.add_argument("--site", help="site file name for every URL (default: by domain, else generic)")
    sc.add_argument("--out", type=Path, help="write NDJSON here instead of stdout")
    _browser_options(sc)

    ck = sub.add_parser(
        "check",
        formatter_class=_FMT,
        help="validate site files (no browser)",
        description="Validate site files and print every problem as FILE:LINE:COL: FIELD: MESSAGE (hint).\n"
        "Exit status 0 when all are valid, 2 otherwise.",
        epilog="examples:\n  storyline check\n  storyline check selectors/demo-news.yaml",
    )
    ck.add_argument(
        "paths", nargs="*", type=Path, metavar="PATH", help="files or folders (default: selectors/)"
    )

    rn = sub.add_parser(
        "run",
        formatter_class=_FMT,
        help="run a scrape job: discovery, retries, politeness, resume",
        description="Run a scrape job from a job file, or ad hoc from URLs. Every URL ends as exactly one\n"
        "line in the output; a summary goes to OUT with the suffix .summary.json.\n"
        "Exit status: 0 all pages ok, 1 some failed, 2 configuration error, 130 interrupted.\n"
        "Ctrl-C or SIGTERM stops cleanly (in-flight pages get --grace seconds); --resume continues.",
        epilog="examples:\n"
        "  storyline run jobs/demo.yaml\n"
        "  storyline run jobs/demo.yaml --resume\n"
        "  storyline run --site demo-news --url http://127.0.0.1:8000/news/a --out out/a.ndjson\n"
        "  storyline run --urls-file urls.txt --concurrency 8 --no-robots",
    )
    rn.add_argument("job", nargs="?", type=Path, help="job file (YAML); see docs/jobs.md")
    rn.add_argument("--site", help="site file for every URL (default: by domain, else generic)")
    rn.add_argument("--url", action="append", dest="urls", metavar="URL", help="a URL to scrape (repeatable)")
    rn.add_argument("--urls-file", type=Path, metavar="FILE", help="URLs to scrape, one per line")
    rn.add_argument(
        "--out", type=Path, help="NDJSON output (default: the job's output, else out/NAME.ndjson)"
    )
    rn.add_argument("--resume", action="store_true", help="continue from OUT: skip pages already recorded")
    rn.add_argument("--concurrency", type=int, help="pages rendered at once (overrides the job file)")
    rn.add_argument("--no-robots", action="store_true", help="do not consult robots.txt")
    rn.add_argument("--user-agent", help="user agent for robots.txt, feeds and sitemaps")
    rn.add_argument("--page-budget-ms", type=int, help="hard time limit per page attempt")
    rn.add_argument(
        "--grace", type=float, default=10.0, help="seconds in-flight pages may finish after a stop"
    )
    rn.add_argument("--headed", action="store_true", help="show the browser window")

    dm = sub.add_parser(
        "demo",
        formatter_class=_FMT,
        help="serve the bundled demo site and scrape it",
        description="Start the demo news site on a free localhost port, scrape every article with\n"
        "selectors/demo-news.yaml, write NDJSON and print a short summary.",
        epilog="examples:\n  storyline demo\n  storyline demo --out /tmp/demo.ndjson --concurrency 4",
    )
    dm.add_argument("--out", type=Path, default=Path("out/demo.ndjson"), help="default: out/demo.ndjson")
    _browser_options(dm, attempts=False)  # the demo is a job: attempts come from the site file
    recordcli.add_parsers(sub, _FMT)

    sg = sub.add_parser(
        "suggest",
        formatter_class=_FMT,
        help="draft a site file from one page",
        description="Draft selectors/NAME.yaml from one article page: domains, headline, authors, dates,\n"
        "body paragraph and sub-heading selectors, excludes for in-body clutter, one widget block per\n"
        "detected widget. Selectors use stable ids, classes, semantic tags and itemprop/data-*\n"
        "attributes only; each carries a comment saying why. Review it, then record a page.",
        epilog="examples:\n"
        "  storyline suggest https://news.example.com/2026/11/27/a-story --site example\n"
        "  storyline suggest --html saved.html --url https://news.example.com/a --site example --out -",
    )
    sg.add_argument("url_arg", nargs="?", metavar="URL", help="render this page (needs the browser)")
    sg.add_argument("--html", type=Path, metavar="FILE", help="draft from a saved page instead (no browser)")
    sg.add_argument("--url", help="the saved page's address (with --html)")
    sg.add_argument("--site", required=True, metavar="NAME", help="the new site's id")
    sg.add_argument("--out", help="where to write (default: SELECTORS/NAME.yaml; '-' prints it)")
    sg.add_argument("--force", action="store_true", help="replace an existing file")
    return ap


def _browser_options(p: argparse.ArgumentParser, attempts: bool = True) -> None:
    p.add_argument("--concurrency", type=int, default=2, help="pages rendered at once (default 2)")
    if attempts:
        p.add_argument(
            "--attempts", type=int, default=2, help="tries per page for retryable failures (default 2)"
        )
    p.add_argument("--headed", action="store_true", help="show the browser window")


def _registry(args: argparse.Namespace) -> SiteRegistry:
    return SiteRegistry.from_dir(args.selectors or default_selectors_dir())


def _cmd_check(args: argparse.Namespace) -> int:
    paths = args.paths or [args.selectors or default_selectors_dir()]
    bad = 0
    files = list(site_files(paths))
    for f in files:
        try:
            site = load_site_file(f)
        except SiteFileError as exc:
            bad += 1
            print(exc, file=sys.stderr)
            continue
        print(f"ok  {f}  (site {site.site}, {len(site.widgets)} widgets)")
    if not files:
        print(f"error: no site files under {', '.join(map(str, paths))}", file=sys.stderr)
        return EXIT_CONFIG
    return EXIT_CONFIG if bad else EXIT_OK


def _read_html(path: Path) -> str:
    return path.read_bytes().decode("utf-8", errors="replace")


def _cmd_extract(args: argparse.Namespace) -> int:
    registry = _registry(args)
    if args.batch:
        return _extract_batch(args.batch, registry, args.site)
    if args.html_file is None or not args.url:
        print("error: give HTML_FILE and --url, or --batch FILE (see --help)", file=sys.stderr)
        return EXIT_CONFIG
    site = choose_site(args.url, registry, args.site)
    rec = extract_page(
        args.url, _read_html(args.html_file), args.url, site, http_status=None, fetched_at=now_utc()
    )
    print(rec.to_json())
    return EXIT_OK


def _extract_batch(batch: Path, registry: SiteRegistry, site_name: str | None) -> int:
    failed = 0
    for n, line in enumerate(batch.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        url = f"{batch}:{n}"
        try:
            item = json.loads(line)
            url = str(item["url"])
            path = Path(item["path"])
            if not path.is_absolute():
                path = batch.parent / path
            rec = extract_page(
                url,
                _read_html(path),
                url,
                choose_site(url, registry, site_name),
                http_status=None,
                fetched_at=now_utc(),
            )
        except (ValueError, KeyError, TypeError, OSError) as exc:
            failed += 1
            rec = Record(
                url=url,
                fetched_at=now_utc(),
                status="error",
                error=Error(kind="content", message=f"{batch}:{n}: {type(exc).__name__}: {exc}"),
            )
        print(rec.to_json(), flush=True)
    return EXIT_FAILED if failed else EXIT_OK


async def _scrape(
    urls: list[str], args: argparse.Namespace, registry: SiteRegistry, out: Path | None
) -> RunStats:
    asyncio.get_running_loop().set_exception_handler(quiet_driver_loss)
    progress = Progress(len(urls))
    try:
        async with Renderer(headless=not args.headed) as renderer:
            with NdjsonSink(out) as sink:
                return await scrape_many(
                    urls,
                    registry=registry,
                    sink=sink,
                    renderer=renderer,
                    site_name=args.site,
                    concurrency=args.concurrency,
                    attempts=args.attempts,
                    on_record=progress,
                )
    finally:
        progress.close()


def _cmd_scrape(args: argparse.Namespace) -> int:
    registry = _registry(args)
    if args.site:
        registry.get(args.site)  # fail before starting a browser
    stats = asyncio.run(_scrape(args.urls, args, registry, args.out))
    print(stats.line(), file=sys.stderr)
    return EXIT_FAILED if stats.failed else EXIT_OK


def _cmd_demo(args: argparse.Namespace) -> int:
    from scrapers.demo.server import DemoServer
    from scrapers.jobcli import run_job, summary_path
    from scrapers.jobconfig import JobConfig, Politeness, Start

    registry = _registry(args)
    registry.get("demo-news")
    with DemoServer() as server:
        print(
            f"demo site running at {server.base_url}/; discovering articles from its home page…",
            file=sys.stderr,
        )
        job = JobConfig(
            name="demo",
            site="demo-news",
            start=Start(listings=[server.base_url + "/"]),
            politeness=Politeness(concurrency=args.concurrency),
        )
        code, report = asyncio.run(
            run_job(job, args.out, registry, resume=False, grace_s=10, headed=args.headed)
        )
        seed_url = server.article_urls()[0]
    counts = ", ".join(f"{k} {v}" for k, v in report["by_status"].items())
    print(
        f"wrote {args.out} and {summary_path(args.out)}: "
        f"{report['pages']} pages in {report['wall_s']}s ({counts})"
    )
    seed = _first_record(args.out, seed_url)
    if seed is not None and seed.story is not None:
        print(f"seed article: {seed.story.headline!r}")
        print(
            f"  body paragraphs: {sum(len(s.paragraphs) for s in seed.story.body)}; widgets: "
            + ", ".join(f"{w.name} ({len(w.items)} items)" for w in seed.widgets)
        )
        print(f"  page fields: {json.dumps(seed.page.fields if seed.page else {}, ensure_ascii=False)}")
    return code


def _first_record(path: Path, url: str) -> Record | None:
    for line in path.read_text(encoding="utf-8").splitlines():
        rec = Record.model_validate_json(line)
        if rec.url == url:
            return rec
    return None


def _cmd_run(args: argparse.Namespace) -> int:
    from scrapers.jobcli import run_command

    return run_command(args, _registry(args))


def _cmd_suggest(args: argparse.Namespace) -> int:
    from scrapers.siteconfig import SiteConfig
    from scrapers.siteload import parse_site_text, site_id_problem
    from scrapers.suggest import draft_site

    if problem := site_id_problem(args.site):
        print(f"error: --site {args.site!r}: {problem}", file=sys.stderr)
        return EXIT_CONFIG
    if args.html:
        if not args.url or args.url_arg:
            print("error: --html needs --url (and no URL argument)", file=sys.stderr)
            return EXIT_CONFIG
        html, url = _read_html(args.html), args.url
    elif args.url_arg:
        from scrapers.siteload import generic_site

        async def render() -> tuple[str, str]:
            async with Renderer() as renderer:
                got = await renderer.render(args.url_arg, generic_site().render)
                return got.html, got.final_url

        html, url = asyncio.run(render())
    else:
        print("error: give a URL, or --html FILE --url URL", file=sys.stderr)
        return EXIT_CONFIG
    text = draft_site(html, url, args.site)
    out = args.out or str((args.selectors or default_selectors_dir()) / f"{args.site}.yaml")
    site: SiteConfig = parse_site_text(text, out)  # a draft that fails `check` is a bug: say so loudly
    if out == "-":
        sys.stdout.write(text)
        return EXIT_OK
    path = Path(out)
    if path.exists() and not args.force:
        print(f"error: {path} exists (use --force to replace it, or --out)", file=sys.stderr)
        return EXIT_CONFIG
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    ex = extract_page(url, html, url, site, http_status=None, fetched_at=now_utc())
    story = ex.story
    paras = sum(len(s.paragraphs) for s in story.body) if story else 0
    print(
        f"wrote {path} (passes storyline check): headline {(story.headline if story else None)!r}, "
        f"{paras} body paragraphs, widgets: {', '.join(w.name for w in ex.widgets) or 'none'}"
    )
    return EXIT_OK


def _cmd_record(args: argparse.Namespace) -> int:
    return recordcli.cmd_record(args, _registry(args))


def _cmd_replay(args: argparse.Namespace) -> int:
    return recordcli.cmd_replay(args, _registry(args))


_COMMANDS = {
    "extract": _cmd_extract,
    "scrape": _cmd_scrape,
    "run": _cmd_run,
    "check": _cmd_check,
    "demo": _cmd_demo,
    "record": _cmd_record,
    "suggest": _cmd_suggest,
    "replay": _cmd_replay,
}


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logs.configure(args.verbose, json=None if args.log_format is None else args.log_format == "json")
    try:
        return _COMMANDS[args.command](args)
    except SiteFileError as exc:
        print(exc, file=sys.stderr)
        return EXIT_CONFIG
    except (UnknownSiteError, BrowserNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except PlaywrightError as exc:  # the browser would not start; pages already done are written
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        print(f"error: the browser failed: {first} (check with: python -m scrapers.browser)", file=sys.stderr)
        return EXIT_CONFIG
    except KeyboardInterrupt:
        print("\ninterrupted: records written so far are complete lines", file=sys.stderr)
        return EXIT_INTERRUPTED
