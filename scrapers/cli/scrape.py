"""`storyline scrape URL...`: `run` over an ad-hoc job, printing records (the same pipeline,
defaults and records as `run --url`)."""

from __future__ import annotations

import argparse
from pathlib import Path

from scrapers.cli.common import FORMATTER, SubParsers, http_url, registry
from scrapers.cli.drift import say_done
from scrapers.cli.run import add_job_options, apply_options, execute, exit_status, report_line
from scrapers.config.jobspec import JobSpec, Start


def add_parser(sub: SubParsers) -> None:
    sc = sub.add_parser(
        "scrape",
        formatter_class=FORMATTER,
        help="render URLs in Chromium and extract them (run over an ad-hoc job)",
        description="Render each URL in headless Chromium with its site file's actions, extract, and\n"
        "print one record per URL (or write them with --out). Failures are records too. This is\n"
        "'storyline run --url URL... --out -': the same retries, robots.txt, politeness and defaults.",
        epilog="examples:\n"
        "  storyline scrape http://127.0.0.1:8765/news/putin-kim-jong-un-meet-in-beijing\n"
        "  storyline scrape URL1 URL2 --site demo-news --out out/today.ndjson --concurrency 4",
    )
    sc.add_argument("urls", nargs="+", metavar="URL", type=http_url)
    sc.add_argument("--out", type=Path, help="write NDJSON (and its summary) here instead of standard output")
    add_job_options(sc)


def handle(args: argparse.Namespace) -> int:
    job = apply_options(JobSpec(name="scrape", start=Start(urls=args.urls)), args)
    out = None if args.out is None or str(args.out) == "-" else args.out
    result = execute(
        job, out, registry(args), grace_s=args.grace, headed=args.headed, stats_every_s=args.stats_every
    )
    say_done(report_line(result, out), result.report, args)
    return exit_status(result, args.fail_on)
