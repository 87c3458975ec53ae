"""`storyline extract`: the page pipeline on saved HTML (no browser)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from scrapers.cli.common import (
    EXIT_CONFIG,
    EXIT_FAILED,
    EXIT_OK,
    FORMATTER,
    SubParsers,
    check_encoding,
    http_url,
    read_html,
    registry,
)
from scrapers.config.sitefiles import SiteRegistry
from scrapers.errors import PageError, UsageError
from scrapers.page.pipeline import SeenPage, process_saved
from scrapers.page.record_builders import error_record, now_utc, record_line


def add_parser(sub: SubParsers) -> None:
    ex = sub.add_parser(
        "extract",
        formatter_class=FORMATTER,
        help="extract a saved HTML page (no browser)",
        description="Extract one saved page, or many with --batch, without a browser.\n"
        "The site file is chosen by the URL's domain unless --site is given. A saved bot-challenge\n"
        "page becomes a 'blocked' error record, as it would in a live run. The page's encoding is\n"
        "taken from a byte order mark, else --encoding (or a batch line's), else its <meta charset>,\n"
        "else detected.",
        epilog="examples:\n"
        "  storyline extract saved.html --url https://news.example.com/a/1\n"
        "  storyline extract saved.html --url https://news.example.com/a/1 --site generic\n"
        "  storyline extract - --url https://news.example.com/a/1 --encoding latin-1 < saved.html\n"
        "  storyline extract --batch pages.ndjson > records.ndjson\n"
        '      (pages.ndjson lines: {"path": "saved.html", "url": "https://..."}, optionally with\n'
        '       "encoding": "shift_jis"; relative paths are read from the batch file'
        "'s folder)",
    )
    ex.add_argument("html_file", nargs="?", type=Path, help="saved HTML file ('-' reads standard input)")
    ex.add_argument(
        "--url", type=http_url, help="the page's address (links and images are made absolute against it)"
    )
    ex.add_argument("--site", help="site file name, or 'generic' for generic extraction")
    ex.add_argument(
        "--batch", type=Path, metavar="FILE.ndjson", help="extract every {path, url[, encoding]} line of FILE"
    )
    ex.add_argument(
        "--encoding",
        metavar="NAME",
        help="the saved page's encoding, over its <meta charset> (a byte order mark still wins); "
        "with --batch, for lines that name none",
    )


def handle(args: argparse.Namespace) -> int:
    check_encoding(args.encoding)
    sites = registry(args)
    if args.batch:
        return _batch(args.batch, sites, args.site, args.encoding)
    if args.html_file is None or not args.url:
        print("error: give HTML_FILE and --url, or --batch FILE (see --help)", file=sys.stderr)
        return EXIT_CONFIG
    site = sites.choose(args.url, args.site)
    rec = process_saved(SeenPage(args.url, read_html(args.html_file, args.encoding), args.url), site)
    rec, line = record_line(rec)
    print(line)
    return EXIT_FAILED if rec.status == "error" else EXIT_OK


def _batch(batch: Path, sites: SiteRegistry, site_name: str | None, encoding: str | None) -> int:
    failed = 0
    try:
        lines = batch.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise UsageError(f"--batch {batch}: cannot read it ({why})") from None
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        url = f"{batch}:{n}"
        try:
            item = json.loads(line)
            url = str(item["url"])
            path = Path(item["path"])
            if not path.is_absolute():
                path = batch.parent / path
            line_encoding = item.get("encoding", encoding)
            if line_encoding is not None and not isinstance(line_encoding, str):
                raise TypeError(f"encoding must be a string, not {line_encoding!r}")
            html = read_html(path, line_encoding)
            rec = process_saved(SeenPage(url, html, url), sites.choose(url, site_name))
        except Exception as exc:  # a bad line or page is that line's record; the batch goes on
            problem = PageError("content", f"{batch}:{n}: {type(exc).__name__}: {exc}")
            rec = error_record(url, None, problem, attempts=1, fetched_at=now_utc())
        rec, out = record_line(rec)
        failed += rec.status == "error"
        print(out, flush=True)
    return EXIT_FAILED if failed else EXIT_OK
