"""`storyline replay`: re-extract recordings offline and compare them with their expected.json."""

from __future__ import annotations

import argparse
import asyncio
import sys
from dataclasses import dataclass, field
from pathlib import Path

from scrapers.browser.renderer import Renderer
from scrapers.cli.common import EXIT_CONFIG, EXIT_FAILED, EXIT_OK, FORMATTER, SubParsers, registry
from scrapers.cli.console import quiet_driver_loss
from scrapers.config.sitespec import SiteSpec
from scrapers.errors import HarError, RecordingError, SourceChanged, SourceMissing
from scrapers.page.pipeline import PagePipeline
from scrapers.recordings.recording import (
    OFFLINE,
    RECORDINGS_DIR,
    Recording,
    find_recordings,
    replay,
    update_expected,
)
from scrapers.recordings.reference import (
    Reference,
    find_references,
    replay_chromium,
    replay_static,
    update_reference,
)


def add_parser(sub: SubParsers) -> None:
    rp = sub.add_parser(
        "replay",
        formatter_class=FORMATTER,
        help="re-extract recordings offline and compare with their expected.json",
        description="Render each recording from its HAR alone (any request not in it is aborted and\n"
        "reported), extract with the current site file and compare with expected.json, printing\n"
        "every differing field. A reference recording (its page named by path and sha256, not\n"
        "copied) is extracted from that page without a browser, and with --chromium also rendered\n"
        "at its URL in Chromium; a changed page fails, an absent one is skipped and said.\n"
        "Exit status 0 when all match, 1 otherwise.",
        epilog="examples:\n"
        "  storyline replay                                  # every recording under recordings/\n"
        "  storyline replay recordings/demo-news\n"
        "  storyline replay recordings/demo-news/putin-kim-jong-un-meet-in-beijing --update\n"
        "  storyline replay recordings --chromium            # reference recordings in Chromium too",
    )
    rp.add_argument(
        "paths", nargs="*", type=Path, metavar="PATH", help="recording folders or folders above them"
    )
    rp.add_argument(
        "--update",
        action="store_true",
        help="accept the new output as expected.json (a reference's: its static extraction)",
    )
    rp.add_argument(
        "--chromium",
        action="store_true",
        help="render every reference recording in Chromium too (slow: a browser page each)",
    )
    rp.add_argument("--headed", action="store_true", help="show the browser window")


def handle(args: argparse.Namespace) -> int:
    where = args.paths or [RECORDINGS_DIR]
    recordings = find_recordings(where)  # a RecordingError is a usage problem: exit 2 (cli/main.py)
    references = find_references(where)
    if not recordings and not references:
        print(f"error: no recordings under {', '.join(map(str, where))}", file=sys.stderr)
        return EXIT_CONFIG
    sites = registry(args)
    chosen = {r.name: sites.get(r.meta.site) for r in recordings}
    chosen |= {r.name: sites.get(r.meta.site) for r in references}
    tally = Tally()
    present = [ref for ref in references if _static(ref, chosen[ref.name], args.update, tally)]
    rendered = present if args.chromium else []
    if recordings or rendered:
        asyncio.run(_replay_all(recordings, rendered, chosen, args, tally))
    print(tally.summary(), file=sys.stderr)
    return EXIT_FAILED if tally.bad else EXIT_OK


@dataclass
class Tally:
    """Per recording: a reference replayed statically and in Chromium fails if either does."""

    done: set[str] = field(default_factory=set)
    bad: set[str] = field(default_factory=set)
    absent: list[str] = field(default_factory=list)

    def add(self, name: str, ok: bool) -> None:
        self.done.add(name)
        if not ok:
            self.bad.add(name)

    def summary(self) -> str:
        line = f"{len(self.done - self.bad)} of {len(self.done)} recordings match"
        if self.absent:
            line += f"; {len(self.absent)} reference(s) skipped, their page absent (e.g. {self.absent[0]})"
        return line


def _static(ref: Reference, site: SiteSpec, update: bool, tally: Tally) -> bool:
    """Replay a reference without a browser; False when its page is absent (skipped, said)."""
    try:
        result = replay_static(ref, site)
    except SourceMissing as exc:
        tally.absent.append(ref.meta.source.path)
        print(f"SKIP    {exc}")
        return False
    except SourceChanged as exc:
        tally.add(ref.name, ok=False)
        print(f"FAIL    {exc}")
        return False
    tally.add(ref.name, result.ok or update)
    if result.ok:
        print(f"ok      {ref.name}  (static, from {ref.meta.source.path})")
    elif update:
        update_reference(result)
        print(f"updated {ref.name}  (static): {len(result.diffs)} field(s) changed")
    else:
        print(f"FAIL    {result.report()}")
    return True


async def _replay_all(
    recordings: list[Recording],
    references: list[Reference],
    sites: dict[str, SiteSpec],
    args: argparse.Namespace,
    tally: Tally,
) -> None:
    asyncio.get_running_loop().set_exception_handler(quiet_driver_loss)
    async with Renderer(headless=not args.headed) as renderer:
        pipeline = PagePipeline(renderer, OFFLINE)
        for rec in recordings:
            try:
                result = await replay(pipeline, rec, sites[rec.name])
            except (RecordingError, HarError) as exc:  # a broken or hostile HAR: this one fails
                tally.add(rec.name, ok=False)
                print(f"FAIL    {rec.name}: {exc}")
                continue
            extra = f", {len(result.missing)} not recorded" if result.missing else ""
            counts = f"({result.served} from HAR, {result.blocked} blocked{extra})"
            tally.add(rec.name, result.ok or args.update)
            if result.ok:
                print(f"ok      {rec.name}  {counts}")
            elif args.update:
                update_expected(result)
                print(f"updated {rec.name}  {counts}: {len(result.diffs)} field(s) changed")
            else:
                print(f"FAIL    {result.report()}")
        for ref in references:
            chromium = await replay_chromium(pipeline, ref, sites[ref.name])
            tally.add(ref.name, chromium.ok)
            if chromium.ok:
                print(f"ok      {ref.name}  (chromium, {len(chromium.refused)} requests refused)")
            else:  # never --update: the static extraction is the baseline (docs/recordings.md)
                print(f"FAIL    {chromium.report()}")
