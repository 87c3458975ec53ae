"""`storyline check`: validate site files without a browser."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml

from scrapers.cli.common import EXIT_CONFIG, EXIT_OK, FORMATTER, SubParsers
from scrapers.config.sitefiles import SiteRegistry, check_site_files, library_dir, user_dirs
from scrapers.config.sitespec import SiteSpec
from scrapers.config.yamlfile import position
from scrapers.dom.decode import decode_html
from scrapers.dom.parse import HeadIndex, parse_html
from scrapers.extract.overlap import Overlap, fallback_overlaps
from scrapers.recordings.recording import is_reference
from scrapers.recordings.reference import Reference


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


# -- check --pages: site files tried on saved pages, for what validation alone cannot see. Today: a
# body fallback that would also match on a page where an earlier selector already matched
# (fallbacks are never tried there, so that text is lost; `{all: [...]}` takes both).


@dataclass(frozen=True)
class SavedPage:
    path: Path  # what the user named: the HTML file, or the recording folder
    html: str
    url: str | None


def saved_pages(paths: list[Path]) -> Iterator[SavedPage | str]:
    """The pages of `paths`: HTML files, folders of them (searched to any depth) and reference
    recordings (their page and URL from meta.json); a problem is yielded as a message."""
    for p in paths:
        if (p / "meta.json").is_file() and is_reference(p):
            yield _recorded(p)
        elif p.is_dir():
            recordings = sorted(m.parent for m in p.rglob("meta.json") if is_reference(m.parent))
            for r in recordings:
                yield _recorded(r)
            for f in sorted(p.rglob("*.htm*")):
                if not any(f.is_relative_to(r) for r in recordings):
                    yield _html(f)
        elif p.is_file():
            yield _html(p)
        else:
            yield f"error: {p}: no such file or folder"


def _html(f: Path) -> SavedPage:
    text = decode_html(f.read_bytes())[0]
    head = HeadIndex.build(parse_html(text).root)
    url = head.canonical or next(iter(head.metas.get("og:url", [])), None)
    return SavedPage(f, text, url if url and url.startswith(("http://", "https://")) else None)


def _recorded(folder: Path) -> SavedPage | str:
    ref = Reference.load(folder)
    try:
        raw = ref.read_source()
    except Exception as exc:  # absent or changed page: said, the other pages still checked
        return f"error: {exc}"
    return SavedPage(folder, decode_html(raw, ref.meta.source.encoding)[0], ref.meta.url)


def _where(site_file: Path, spec: SiteSpec, o: Overlap) -> str:
    """FILE:LINE:COL of the fallback, written as a list item or under `fallbacks:`."""
    text = site_file.read_text(encoding="utf-8")
    body = (yaml.safe_load(text) or {}).get("story", {}).get("body", {})
    written = body.get(o.key) if isinstance(body, dict) else None
    loc: tuple[int | str, ...] = ("story", "body", o.key)
    loc += (o.index + 1,) if isinstance(written, list) else ("fallbacks", o.index)
    line, col = position(text, loc)
    field = f"story.body.{o.key}.fallbacks[{o.index}]"
    return f"{site_file}:{line}:{col}: {field}"


def overlap_warnings(loaded: list[tuple[Path, SiteSpec]], pages: list[SavedPage]) -> Iterator[str]:
    """One line per fallback that would also match, per page. A page goes to the file claiming
    its URL; when a single file is checked, every page goes to it."""
    registry = SiteRegistry(spec for _, spec in loaded)
    files = {spec.site: f for f, spec in loaded}
    for page in pages:
        claimed = registry.for_url(page.url) if page.url is not None else None
        if len(loaded) == 1:
            f, spec = loaded[0]
        elif claimed is not None:
            f, spec = files[claimed.site], claimed
        else:
            continue  # no file of these claims the page: nothing to try it on
        for o in fallback_overlaps(spec, page.html, page.url or "https://example.invalid/"):
            yield (
                f"{_where(f, spec, o)}: warning: on {page.path} this fallback also matches {o.extra} "
                f"element(s) the earlier selector leaves out, e.g. {o.sample!r}; fallbacks are only "
                f"tried when the earlier ones find nothing, so that text is lost (hint: to take both, "
                f"write {o.key}: {{all: [FIRST, SECOND]}})"
            )
