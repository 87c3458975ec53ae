"""`storyline demo`: serve the bundled demo site and run a job over it."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from scrapers.cli.common import FORMATTER, SubParsers, add_headed, positive_int, registry
from scrapers.cli.run import execute, exit_status
from scrapers.config.jobspec import adhoc_job
from scrapers.demo.server import DemoServer
from scrapers.job.run import summary_path
from scrapers.output.record import Record


def add_parser(sub: SubParsers) -> None:
    dm = sub.add_parser(
        "demo",
        formatter_class=FORMATTER,
        help="serve the bundled demo site and scrape it",
        description="Start the demo news site on a free localhost port, scrape every article with\n"
        "selectors/demo-news.yaml, write NDJSON and print a short summary.",
        epilog="examples:\n  storyline demo\n  storyline demo --out /tmp/demo.ndjson --concurrency 4",
    )
    dm.add_argument("--out", type=Path, default=Path("out/demo.ndjson"), help="default: out/demo.ndjson")
    dm.add_argument("--concurrency", type=positive_int, default=2, help="pages rendered at once (default 2)")
    add_headed(dm)


def handle(args: argparse.Namespace) -> int:
    sites = registry(args)
    sites.get("demo-news")
    with DemoServer.on_demo_port() as server:
        print(
            f"demo site running at {server.base_url}/; discovering articles from its home page…",
            file=sys.stderr,
        )
        job = adhoc_job(
            "demo", listings=[server.base_url + "/"], site="demo-news", concurrency=args.concurrency
        )
        result = execute(job, args.out, sites, headed=args.headed)
        seed_url = server.article_urls()[0]
    report = result.report
    counts = ", ".join(f"{k} {v}" for k, v in report["by_status"].items())
    where = f"{args.out} and {summary_path(args.out)}"
    print(f"wrote {where}: {report['pages']} pages in {report['wall_s']}s ({counts})")
    seed = _first_record(args.out, seed_url)
    if seed is not None and seed.story is not None:
        print(f"seed article: {seed.story.headline!r}")
        print(
            f"  body paragraphs: {sum(len(s.paragraphs) for s in seed.story.body)}; widgets: "
            + ", ".join(f"{w.name} ({len(w.items)} items)" for w in seed.widgets)
        )
        print(f"  page fields: {json.dumps(seed.page.fields if seed.page else {}, ensure_ascii=False)}")
    return exit_status(result)


def _first_record(path: Path, url: str) -> Record | None:
    for line in path.read_text(encoding="utf-8").splitlines():
        rec = Record.model_validate_json(line)
        if rec.url == url:
            return rec
    return None
