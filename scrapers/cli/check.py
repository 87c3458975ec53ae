"""`storyline check`: validate site files without a browser."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from scrapers.cli.common import EXIT_CONFIG, EXIT_OK, FORMATTER, SubParsers
from scrapers.config.sitefiles import (
    SiteFileError,
    clashes,
    library_dir,
    load_site_file,
    site_files,
    user_dirs,
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
        "paths",
        nargs="*",
        type=Path,
        metavar="PATH",
        help="files or folders (default: the site library and your own folders, each on its own)",
    )


def handle(args: argparse.Namespace) -> int:
    # Each folder on its own: a user's file may replace a library file of the same name.
    groups = (
        [[p] for p in args.paths]
        if args.paths
        else [[library_dir()], *([d] for d in user_dirs(args.selectors))]
    )
    bad, files = 0, 0
    for paths in groups:
        for where in paths:
            if not where.exists():
                print(f"error: {where}: no such file or folder", file=sys.stderr)
                bad += 1
        found = list(site_files(paths))
        files += len(found)
        loaded = []
        for f in found:
            try:
                site = load_site_file(f)
            except SiteFileError as exc:
                bad += 1
                print(exc, file=sys.stderr)
                continue
            loaded.append((f, site))
            print(f"ok  {f}  (site {site.site}, {len(site.widgets)} widgets)")
        for problem in clashes(loaded):  # one file would shadow the other
            bad += 1
            print(problem, file=sys.stderr)
    if not files and not bad:
        print(f"error: no site files under {', '.join(str(p) for g in groups for p in g)}", file=sys.stderr)
        return EXIT_CONFIG
    return EXIT_CONFIG if bad else EXIT_OK
