"""`storyline record`: capture pages live (through the page pipeline) for offline replay."""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import UTC, datetime
from pathlib import Path

from scrapers.browser.renderer import Renderer
from scrapers.cli.common import (
    EXIT_CONFIG,
    EXIT_FAILED,
    EXIT_OK,
    FORMATTER,
    SubParsers,
    check_encoding,
    registry,
)
from scrapers.cli.console import quiet_driver_loss
from scrapers.config.sitespec import SiteSpec
from scrapers.errors import RecordingError
from scrapers.output.outpath import check_output_folder
from scrapers.page.pipeline import PagePipeline
from scrapers.recordings.recording import OFFLINE, RECORDINGS_DIR, SAFE_NAME, record_page, recording_name
from scrapers.recordings.reference import CHROMIUM_FILE, Reference, record_chromium, record_reference
from scrapers.recordings.saved import SavedPage


def add_parser(sub: SubParsers) -> None:
    rc = sub.add_parser(
        "record",
        formatter_class=FORMATTER,
        help="capture pages (live, or saved with --html) for offline replay (HAR + DOM + expected)",
        description="Render each URL live with its site file's actions, a fixed clock, fixed timezone\n"
        "and locale, and save RECORDINGS/<site>/<name>/: page.har.zip (everything the page loaded),\n"
        "dom.html (the rendered DOM), expected.json (the extracted record: review it!) and meta.json.\n"
        "With --html, the page is a saved file served at URL by routing: other requests are answered\n"
        "from the file's folder or refused, nothing is sent out, robots.txt is not asked.\n"
        "An existing recording of the same name is replaced. Cookies, Authorization headers and\n"
        "the values of secret query parameters (token, key, sig, ...) are scrubbed from it.\n"
        "With --html and --reference, the page is not copied: meta.json names it by path (relative\n"
        "to the folder above the project) and sha256, expected.json is what `storyline extract`\n"
        "gets from it (no browser); --chromium also renders it now (expected.chromium.json where\n"
        "the browser differs) and marks it for Chromium replay in `make test`. See docs/recordings.md.",
        epilog="examples:\n"
        "  storyline record http://127.0.0.1:8765/news/putin-kim-jong-un-meet-in-beijing\n"
        "  storyline record https://news.example.com/a/1 --site example --name front-story\n"
        "  storyline record https://news.example.com/a/1 --html saved/a1.html --site example\n"
        "  storyline record URL --clock 2026-11-27T06:00:00Z\n"
        "  storyline record URL --html ../shared/data/fundus/DW/DW_2024_01_30.html --reference --chromium",
    )
    rc.add_argument("urls", nargs="+", metavar="URL")
    rc.add_argument("--html", type=Path, metavar="FILE", help="a saved copy of the page (one URL only)")
    rc.add_argument(
        "--encoding",
        metavar="NAME",
        help="with --html: the saved page's encoding, over its <meta charset> (as `extract --encoding`)",
    )
    rc.add_argument("--site", help="site file name (default: chosen by the URL's domain)")
    rc.add_argument("--name", help="recording folder name (one URL only; default: from the URL's path)")
    rc.add_argument(
        "--into",
        type=Path,
        default=RECORDINGS_DIR,
        metavar="DIR",
        help="recordings folder (default: recordings/)",
    )
    rc.add_argument(
        "--clock",
        type=_instant,
        help="the fixed time the page sees, ISO 8601 (default: now, to the second)",
    )
    rc.add_argument(
        "--redact-param",
        action="append",
        default=[],
        metavar="NAME",
        help="another query parameter whose value is a secret (repeatable; globs allowed)",
    )
    rc.add_argument(
        "--reference",
        action="store_true",
        help="with --html: name the page by path and sha256 instead of copying it (no browser)",
    )
    rc.add_argument(
        "--chromium",
        action="store_true",
        help="with --reference: render the page in Chromium too (where it differs, its record is kept "
        "as expected.chromium.json) and mark the recording for Chromium replay in `make test`",
    )
    rc.add_argument("--headed", action="store_true", help="show the browser window")


def _misuse(args: argparse.Namespace) -> str | None:
    """Options that would be ignored in this combination are refused, never quietly dropped."""
    if args.encoding is not None and args.html is None:
        return "--encoding is the saved page's: give it with --html"
    if args.chromium and not args.reference:
        return "--chromium marks a reference recording: give it with --reference"
    if not args.reference:
        return None
    if args.html is None:
        return "--reference needs --html FILE: the saved page it names"
    if args.headed and not args.chromium:
        return "--headed: a reference recording uses no browser unless --chromium is given"
    return None


def _instant(text: str) -> datetime:
    try:
        t = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 time: {text!r}") from None
    return t if t.tzinfo else t.replace(tzinfo=UTC)


def handle(args: argparse.Namespace) -> int:
    if (args.name or args.html) and len(args.urls) > 1:
        print("error: --name and --html need exactly one URL", file=sys.stderr)
        return EXIT_CONFIG
    if args.name and not SAFE_NAME.fullmatch(args.name):
        # The folder is replaced on recording: a path ("..", "/x") would delete what it names.
        print(f"error: --name {args.name!r}: use a-z, 0-9, '.', '_' and '-' (a folder name, not a path)",
              file=sys.stderr)  # fmt: skip
        return EXIT_CONFIG
    if args.html is not None and not args.html.is_file():
        print(f"error: --html {args.html}: no such file", file=sys.stderr)
        return EXIT_CONFIG
    check_encoding(args.encoding)
    if problem := _misuse(args):
        print(f"error: {problem}", file=sys.stderr)
        return EXIT_CONFIG
    sites = registry(args)
    chosen = {url: sites.choose(url, args.site) for url in args.urls}  # fail before the browser
    # A folder that cannot be replaced fails now, before any page is fetched (OutputPathError:
    # one line, exit 2, cli/main.py).
    for url, site in chosen.items():
        check_output_folder(args.into / site.site / (args.name or recording_name(url)))
    clock = args.clock or datetime.now(UTC).replace(microsecond=0)
    if args.reference:
        url, site = next(iter(chosen.items()))
        return _record_reference(args, url, site, clock)

    async def go() -> int:
        asyncio.get_running_loop().set_exception_handler(quiet_driver_loss)
        failed = 0
        async with Renderer(headless=not args.headed) as renderer:
            # A saved page is offline by nature: no robots.txt, and one attempt (it will not change).
            pipeline = PagePipeline(renderer, OFFLINE if args.html else None)
            for url, site in chosen.items():
                dest = args.into / site.site / (args.name or recording_name(url))
                serve = SavedPage(args.html.resolve(), url, args.encoding) if args.html else None
                try:
                    rec = await record_page(
                        pipeline,
                        url,
                        site,
                        dest,
                        clock,
                        serve,
                        [*site.replay.redact_params, *args.redact_param],
                    )
                except RecordingError as err:
                    failed += 1
                    print(f"FAIL {url}: {err}", file=sys.stderr)
                    continue
                expected = rec.expected()
                print(
                    f"recorded {dest}  ({expected['status']}; "
                    f"headline {((expected.get('story') or {}).get('headline') or '')[:60]!r})"
                )
        return EXIT_FAILED if failed else EXIT_OK

    code = asyncio.run(go())
    if code == EXIT_OK:
        print("review each expected.json before committing it (docs/recordings.md)", file=sys.stderr)
    return code


def _record_reference(args: argparse.Namespace, url: str, site: SiteSpec, clock: datetime) -> int:
    """A reference recording: the page named, extracted without a browser; with --chromium also
    rendered (its own baseline where the browser differs) and marked for Chromium replay."""
    dest = args.into / site.site / (args.name or recording_name(url))
    secrets = [*site.replay.redact_params, *args.redact_param]
    try:
        ref = record_reference(
            args.html, url, site, dest, clock, encoding=args.encoding, secret_params=secrets
        )
    except RecordingError as err:
        print(f"FAIL {url}: {err}", file=sys.stderr)
        return EXIT_FAILED
    expected = ref.expected()
    headline = ((expected.get("story") or {}).get("headline") or "")[:60]
    print(
        f"recorded {dest}  (reference to {ref.meta.source.path}; {expected['status']}; headline {headline!r})"
    )
    if args.chromium:
        asyncio.run(_render_in_chromium(ref, site, args.headed))
    print("review expected.json before committing it (docs/recordings.md)", file=sys.stderr)
    return EXIT_OK


async def _render_in_chromium(ref: Reference, site: SiteSpec, headed: bool) -> None:
    asyncio.get_running_loop().set_exception_handler(quiet_driver_loss)
    async with Renderer(headless=not headed) as renderer:
        result = await record_chromium(PagePipeline(renderer, OFFLINE), ref, site, mark=True)
    if result.ok:
        print(f"chromium agrees; {ref.name} is replayed through Chromium by `make test`")
        return
    print(f"chromium differs: {result.report()}", file=sys.stderr)
    print(
        f"kept as {ref.path / CHROMIUM_FILE}: the Chromium replay's baseline, review it too", file=sys.stderr
    )
