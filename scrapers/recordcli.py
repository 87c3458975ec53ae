"""The `record` and `replay` commands."""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import UTC, datetime
from pathlib import Path

from scrapers.console import quiet_driver_loss
from scrapers.job import choose_site
from scrapers.recording import (
    Recording,
    RecordingError,
    find_recordings,
    record_page,
    recording_name,
    replay,
    update_expected,
)
from scrapers.render import Renderer, RenderError
from scrapers.siteconfig import SiteConfig
from scrapers.siteload import SiteRegistry

DEFAULT_DIR = Path("recordings")


def add_parsers(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], fmt: type[argparse.HelpFormatter]
) -> None:
    rc = sub.add_parser(
        "record",
        formatter_class=fmt,
        help="capture pages live for offline replay (HAR + DOM + expected record)",
        description="Render each URL live with its site file's actions, a fixed clock, fixed timezone\n"
        "and locale, and save RECORDINGS/<site>/<name>/: page.har.zip (everything the page loaded),\n"
        "dom.html (the rendered DOM), expected.json (the extracted record: review it!) and meta.json.\n"
        "An existing recording of the same name is replaced. See docs/recordings.md.",
        epilog="examples:\n"
        "  storyline record http://127.0.0.1:8000/news/putin-kim-jong-un-meet-in-beijing\n"
        "  storyline record https://news.example.com/a/1 --site example --name front-story\n"
        "  storyline record URL --clock 2026-11-27T06:00:00Z",
    )
    rc.add_argument("urls", nargs="+", metavar="URL")
    rc.add_argument("--site", help="site file name (default: chosen by the URL's domain)")
    rc.add_argument("--name", help="recording folder name (one URL only; default: from the URL's path)")
    rc.add_argument(
        "--into",
        type=Path,
        default=DEFAULT_DIR,
        metavar="DIR",
        help="recordings folder (default: recordings/)",
    )
    rc.add_argument(
        "--clock",
        type=_instant,
        help="the fixed time the page sees, ISO 8601 (default: now, to the second)",
    )
    rc.add_argument("--headed", action="store_true", help="show the browser window")

    rp = sub.add_parser(
        "replay",
        formatter_class=fmt,
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


def _instant(text: str) -> datetime:
    try:
        t = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 time: {text!r}") from None
    return t if t.tzinfo else t.replace(tzinfo=UTC)


def cmd_record(args: argparse.Namespace, registry: SiteRegistry) -> int:
    if args.name and len(args.urls) > 1:
        print("error: --name needs exactly one URL", file=sys.stderr)
        return 2
    sites = {url: choose_site(url, registry, args.site) for url in args.urls}  # fail before the browser
    clock = args.clock or datetime.now(UTC).replace(microsecond=0)

    async def go() -> int:
        asyncio.get_running_loop().set_exception_handler(quiet_driver_loss)
        failed = 0
        async with Renderer(headless=not args.headed) as renderer:
            for url, site in sites.items():
                dest = args.into / site.site / (args.name or recording_name(url))
                try:
                    rec = await record_page(renderer, url, site, dest, clock)
                except RenderError as err:
                    failed += 1
                    print(f"FAIL {url}: {err.kind}: {err.message}", file=sys.stderr)
                    continue
                expected = rec.expected()
                print(
                    f"recorded {dest}  ({expected['status']}; "
                    f"headline {((expected.get('story') or {}).get('headline') or '')[:60]!r})"
                )
        return 1 if failed else 0

    code = asyncio.run(go())
    if code == 0:
        print("review each expected.json before committing it (docs/recordings.md)", file=sys.stderr)
    return code


def cmd_replay(args: argparse.Namespace, registry: SiteRegistry) -> int:
    try:
        recordings = find_recordings(args.paths or [DEFAULT_DIR])
    except RecordingError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if not recordings:
        print(
            f"error: no recordings under {', '.join(map(str, args.paths or [DEFAULT_DIR]))}", file=sys.stderr
        )
        return 2
    sites = {r.name: registry.get(r.meta.site) for r in recordings}
    return asyncio.run(_replay_all(recordings, sites, args))


async def _replay_all(
    recordings: list[Recording], sites: dict[str, SiteConfig], args: argparse.Namespace
) -> int:
    asyncio.get_running_loop().set_exception_handler(quiet_driver_loss)
    bad = 0
    async with Renderer(headless=not args.headed) as renderer:
        for rec in recordings:
            result = await replay(renderer, rec, sites[rec.name])
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
    return 1 if bad else 0
