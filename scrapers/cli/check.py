"""`storyline check`: validate site files without a browser."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from scrapers.cli.check_pages import SavedPage, overlap_warnings, saved_pages
from scrapers.cli.common import EXIT_CONFIG, EXIT_OK, FORMATTER, SubParsers
from scrapers.config.sitefiles import check_site_files, library_dir, user_dirs
from scrapers.config.sitespec import SiteSpec


def add_parser(sub: SubParsers) -> None:
    ck = sub.add_parser(
        "check",
        formatter_class=FORMATTER,
        help="validate site files (no browser)",
        description="Validate site files and print every problem as FILE:LINE:COL: FIELD: MESSAGE (hint).\n"
        "Exit status 0 when all are valid, 2 otherwise.",
        epilog="examples:\n  storyline check\n  storyline check selectors/demo-news.yaml\n"
        "  storyline check selectors/ruhrnachrichten.yaml --pages recordings/ruhrnachrichten\n"
        "  storyline check selectors/ --pages saved/",
    )
    ck.add_argument(
        "--pages",
        nargs="+",
        type=Path,
        metavar="PAGE",
        help="also try the files on saved pages (HTML files, folders of them, reference recordings) and "
        "warn where a body fallback would also match on a page where an earlier selector matched: its "
        "text is lost, since fallbacks are only tried when the earlier ones find nothing. A page goes to "
        "the file claiming its URL (a recording's, else the page's canonical link); with one file "
        "checked, every page goes to it. Warnings leave the exit status alone",
    )
    ck.add_argument(
        "paths",
        nargs="*",
        type=Path,
        metavar="PATH",
        help="files or folders (default: the site library and your own folders, each on its own)",
    )


def handle(args: argparse.Namespace) -> int:
    # Paths given are checked together; by default the library and each of the user's folders
    # on their own (a user's file may replace a library file of the same name or domain).
    mine = user_dirs(args.selectors)
    groups = [args.paths] if args.paths else [[library_dir()], *([d] for d in mine)]
    if not args.paths and (gone := [str(d) for d in mine if not d.is_dir()]):
        print(f"error: {', '.join(gone)}: not a folder of site files", file=sys.stderr)
        return EXIT_CONFIG
    bad, files = 0, 0
    for paths in groups:
        missing = [where for where in paths if not where.exists()]
        for where in missing:
            print(f"error: {where}: no such file or folder", file=sys.stderr)
        bad += len(missing)
        check = check_site_files(p for p in paths if p not in missing)
        files += len(check.files)
        for f, site in check.loaded:
            print(f"ok  {f}  (site {site.site}, {len(site.widgets)} widgets)")
        if args.pages:
            bad += _on_pages(check.loaded, args.pages)
        for problem in check.problems:  # a file's own problems, then clashes: one would shadow the other
            print(problem, file=sys.stderr)
        bad += len(check.problems)
    if not files and not bad:
        print(f"error: no site files under {', '.join(str(p) for g in groups for p in g)}", file=sys.stderr)
        return EXIT_CONFIG
    return EXIT_CONFIG if bad else EXIT_OK


def _on_pages(loaded: list[tuple[Path, SiteSpec]], paths: list[Path]) -> int:
    """Warnings on stderr; the count of pages that could not be read."""
    pages: list[SavedPage] = []
    bad = 0
    for page in saved_pages(paths):
        if isinstance(page, str):
            print(page, file=sys.stderr)
            bad += 1
        else:
            pages.append(page)
    warnings = list(overlap_warnings(loaded, pages))
    for line in warnings:
        print(line, file=sys.stderr)
    print(f"tried on {len(pages)} page(s): {len(warnings)} warning(s)")
    return bad
