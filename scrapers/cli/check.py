"""`storyline check`: validate site files without a browser."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from scrapers.cli.common import EXIT_CONFIG, EXIT_OK, FORMATTER, SubParsers
from scrapers.config.sitefiles import check_site_files, default_selectors_dir


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
    check = check_site_files(paths)
    for f, site in check.loaded:
        print(f"ok  {f}  (site {site.site}, {len(site.widgets)} widgets)")
    for problem in check.problems:  # a file's own problems, then clashes: one would shadow the other
        print(problem, file=sys.stderr)
    if not check.files:
        print(f"error: no site files under {', '.join(map(str, paths))}", file=sys.stderr)
        return EXIT_CONFIG
    return EXIT_CONFIG if check.problems else EXIT_OK
