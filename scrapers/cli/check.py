"""`storyline check`: validate site files without a browser."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from scrapers.cli.common import EXIT_CONFIG, EXIT_OK, FORMATTER, SubParsers
from scrapers.config.sitefiles import (
    SiteFileError,
    clashes,
    default_selectors_dir,
    load_site_file,
    site_files,
)


def add_parser(sub: SubParsers) -> None:
    ck = sub.add_parser(
        "check",
        formatter_class=FORMATTER,
        help="validate site files (no browser)",
        description="Validate site files and print every problem as FILE:LINE:COL: FIELD: MESSAGE (hint).\n"
        "Exit status 0 when all are valid, 2 otherwise.",
        epilog="examples:\n  storyline check\n  storyline check selectors/demo-news.yaml",
    )
    ck.add_argument(
        "paths", nargs="*", type=Path, metavar="PATH", help="files or folders (default: selectors/)"
    )


def handle(args: argparse.Namespace) -> int:
    paths = args.paths or [args.selectors or default_selectors_dir()]
    bad = 0
    files = list(site_files(paths))
    loaded = []
    for f in files:
        try:
            site = load_site_file(f)
        except SiteFileError as exc:
            bad += 1
            print(exc, file=sys.stderr)
            continue
        loaded.append((f, site))
        print(f"ok  {f}  (site {site.site}, {len(site.widgets)} widgets)")
    if not files:
        print(f"error: no site files under {', '.join(map(str, paths))}", file=sys.stderr)
        return EXIT_CONFIG
    for problem in clashes(loaded):  # one file would shadow the other
        bad += 1
        print(problem, file=sys.stderr)
    return EXIT_CONFIG if bad else EXIT_OK
