"""`storyline replay`: re-extract recordings offline and compare them with their expected.json."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from scrapers.browser.renderer import Renderer
from scrapers.cli.common import EXIT_CONFIG, EXIT_FAILED, EXIT_OK, FORMATTER, SubParsers, registry
from scrapers.cli.console import quiet_driver_loss
from scrapers.config.sitespec import SiteSpec
from scrapers.pipeline.page import PagePipeline
from scrapers.pipeline.recording import (
    OFFLINE,
    RECORDINGS_DIR,
    Recording,
    RecordingError,
    find_recordings,
    replay,
    update_expected,
)


def add_parser(sub: SubParsers) -> None:
    rp = sub.add_parser(
        "replay",
        formatter_class=FORMATTER,
        help="re-extract recordings offline and compare with their expected.json",
        description="Render each recording from its HAR alone (any request not in it is aborted and\n"
        "reported), extract with the current site file and compare with expected.json, printing\n"
        "every differing field. Exit status 0 when all match, 1 otherwise.",
        epilog="examples:\n"
        "  storyline replay                                  # every recording under recordings/\n"
        "  storyline replay recordings/demo-news\n"
        "  storyline replay recordings/demo-news/putin-kim-jong-un-meet-in-beijing --update",
    )
    rp.add_argument(
        "paths", nargs="*", type=Path, metavar="PATH", help="recording folders or folders above them"
    )
    rp.add_argument("--update", action="store_true", help="accept the new output as expected.json")
    rp.add_argument("--headed", action="store_true", help="show the browser window")


def handle(args: argparse.Namespace) -> int:
    try:
        recordings = find_recordings(args.paths or [RECORDINGS_DIR])
    except RecordingError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    if not recordings:
        print(
            f"error: no recordings under {', '.join(map(str, args.paths or [RECORDINGS_DIR]))}",
            file=sys.stderr,
        )
        return EXIT_CONFIG
    sites = registry(args)
    chosen = {r.name: sites.get(r.meta.site) for r in recordings}
    return asyncio.run(_replay_all(recordings, chosen, args))


async def _replay_all(
    recordings: list[Recording], sites: dict[str, SiteSpec], args: argparse.Namespace
) -> int:
    asyncio.get_running_loop().set_exception_handler(quiet_driver_loss)
    bad = 0
    async with Renderer(headless=not args.headed) as renderer:
        pipeline = PagePipeline(renderer, OFFLINE)
        for rec in recordings:
            result = await replay(pipeline, rec, sites[rec.name])
            extra = f", {len(result.missing)} not recorded" if result.missing else ""
            counts = f"({result.served} from HAR, {result.blocked} blocked{extra})"
            if result.ok:
                print(f"ok      {rec.name}  {counts}")
            elif args.update:
                update_expected(result)
                print(f"updated {rec.name}  {counts}: {len(result.diffs)} field(s) changed")
            else:
                bad += 1
                print(f"FAIL    {result.report()}")
    total = len(recordings)
    print(f"{total - bad} of {total} recordings match", file=sys.stderr)
    return EXIT_FAILED if bad else EXIT_OK
