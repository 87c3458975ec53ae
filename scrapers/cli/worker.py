"""`storyline worker`: scrape the pages that `run --redis` queues (docs/scaling.md)."""

from __future__ import annotations

import argparse
import asyncio
import sys

from scrapers.cli.common import (
    EXIT_CONFIG,
    EXIT_OK,
    FORMATTER,
    SubParsers,
    add_headed,
    positive_int,
    seconds,
)


def add_parser(sub: SubParsers) -> None:
    w = sub.add_parser(
        "worker",
        formatter_class=FORMATTER,
        help="scrape pages queued by 'run --redis' (an arq worker on Redis)",
        description="Take pages from the Redis queue that 'storyline run JOB --redis URL' fills and scrape\n"
        "them as a local run does (one Chromium for the process, the same pipeline, retries and\n"
        "records), with the per-domain politeness and robots.txt shared by every worker through\n"
        "Redis. Start as many as you like, on any host that reaches Redis; each runs until stopped.\n"
        "SIGTERM or Ctrl-C: no new pages; pages in flight get --grace seconds, then go back to the\n"
        "queue. A killed worker's pages are started again by another within 15 s; a page whose\n"
        "worker died --max-tries times becomes an error record. Needs the 'scale' extra (arq).",
        epilog="examples:\n"
        "  storyline worker --redis redis://10.0.0.5:6379/0 --concurrency 4\n"
        "  STORYLINE_REDIS=redis://10.0.0.5:6379/0 storyline worker\n"
        "see docs/scaling.md for a two-host deployment and how to watch the queue",
    )
    w.add_argument(
        "--redis", metavar="URL", help="redis://[:PASSWORD@]HOST:PORT/DB (default: $STORYLINE_REDIS)"
    )
    w.add_argument(
        "--queue", metavar="NAME", help="the arq queue (default: $STORYLINE_QUEUE, else storyline:queue)"
    )
    w.add_argument(
        "--concurrency", type=positive_int, default=2, help="pages at once in this worker (default 2)"
    )
    w.add_argument(
        "--grace",
        type=seconds,
        default=10.0,
        help="seconds pages in flight may finish after SIGTERM (default 10)",
    )
    w.add_argument(
        "--max-tries",
        type=positive_int,
        default=3,
        help="starts of one page (across all workers) before it becomes an error record (default 3)",
    )
    w.add_argument(
        "--recycle-after", type=positive_int, metavar="N", help="pages per browser before a fresh one"
    )
    w.add_argument("--burst", action="store_true", help="exit once the queue is empty")
    add_headed(w)


def handle(args: argparse.Namespace) -> int:
    try:
        from scrapers.scale.connection import check, queue_name, redis_url
        from scrapers.scale.worker import WorkerOptions, build_worker
    except ImportError as exc:
        print(
            f"error: the worker needs the 'scale' extra: pip install 'storyline[scale]' ({exc})",
            file=sys.stderr,
        )
        return EXIT_CONFIG
    url = redis_url(args.redis)
    if url is None:
        print("error: give --redis URL (or set STORYLINE_REDIS)", file=sys.stderr)
        return EXIT_CONFIG
    asyncio.run(check(url))  # RedisUnreachable: exit 2 with its one line (cli/main.py)
    opts = WorkerOptions(
        url,
        queue_name(args.queue),
        concurrency=args.concurrency,
        grace_s=args.grace,
        max_tries=args.max_tries,
        headless=not args.headed,
        recycle_after=args.recycle_after,
        burst=args.burst,
    )
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)  # arq's Worker takes the current loop and its signals
    try:
        build_worker(opts).run()
    finally:
        loop.close()
    return EXIT_OK
