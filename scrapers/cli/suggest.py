"""`storyline suggest`: draft a site file from one article page."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from scrapers.browser.renderer import Renderer
from scrapers.cli.common import EXIT_CONFIG, EXIT_FAILED, EXIT_OK, FORMATTER, SubParsers, read_html
from scrapers.cli.console import quiet_driver_loss
from scrapers.config.sitefiles import default_selectors_dir, generic_site, parse_site_text, site_id_problem
from scrapers.generic.suggest import draft_site
from scrapers.output.atomic import write_atomic
from scrapers.page.pipeline import PagePipeline, PipelineOptions, SeenPage, process_saved


def add_parser(sub: SubParsers) -> None:
    sg = sub.add_parser(
        "suggest",
        formatter_class=FORMATTER,
        help="draft a site file from one page",
        description="Draft selectors/NAME.yaml from one article page: domains, headline, authors, dates,\n"
        "body paragraph and sub-heading selectors, excludes for in-body clutter, one widget block per\n"
        "detected widget. Selectors use stable ids, classes, semantic tags and itemprop/data-*\n"
        "attributes only; each carries a comment saying why. Review it, then record a page.",
        epilog="examples:\n"
        "  storyline suggest https://news.example.com/2026/11/27/a-story --site example\n"
        "  storyline suggest --html saved.html --url https://news.example.com/a --site example --out -",
    )
    sg.add_argument("url_arg", nargs="?", metavar="URL", help="render this page (needs the browser)")
    sg.add_argument("--html", type=Path, metavar="FILE", help="draft from a saved page instead (no browser)")
    sg.add_argument("--url", help="the saved page's address (with --html)")
    sg.add_argument("--site", required=True, metavar="NAME", help="the new site's id")
    sg.add_argument("--out", help="where to write (default: SELECTORS/NAME.yaml; '-' prints it)")
    sg.add_argument("--force", action="store_true", help="replace an existing file")


def _rendered(url: str) -> SeenPage | str:
    """The page through the pipeline (robots, retries, judge); its error message if it failed."""

    async def go() -> SeenPage | str:
        asyncio.get_running_loop().set_exception_handler(quiet_driver_loss)
        async with Renderer() as renderer:
            result = await PagePipeline(renderer, PipelineOptions()).run(url, generic_site())
        rec = result.record
        if rec.error is not None or result.html is None:
            return f"{rec.error.kind}: {rec.error.message}" if rec.error else "no page"
        return SeenPage(url, result.html, rec.final_url or url, rec.http_status)

    return asyncio.run(go())


def handle(args: argparse.Namespace) -> int:
    if problem := site_id_problem(args.site):
        print(f"error: --site {args.site!r}: {problem}", file=sys.stderr)
        return EXIT_CONFIG
    if args.html:
        if not args.url or args.url_arg:
            print("error: --html needs --url (and no URL argument)", file=sys.stderr)
            return EXIT_CONFIG
        page = SeenPage(args.url, read_html(args.html), args.url)
    elif args.url_arg:
        got = _rendered(args.url_arg)
        if isinstance(got, str):
            print(f"error: {args.url_arg}: {got}", file=sys.stderr)
            return EXIT_FAILED
        page = got
    else:
        print("error: give a URL, or --html FILE --url URL", file=sys.stderr)
        return EXIT_CONFIG
    text = draft_site(page.html, page.final_url, args.site)
    out = args.out or str((args.selectors or default_selectors_dir()) / f"{args.site}.yaml")
    site = parse_site_text(text, out)  # a draft that fails `check` is a bug: say so loudly
    if out == "-":
        sys.stdout.write(text)
        return EXIT_OK
    path = Path(out)
    if path.exists() and not args.force:
        print(f"error: {path} exists (use --force to replace it, or --out)", file=sys.stderr)
        return EXIT_CONFIG
    write_atomic(path, text)  # makes the folder; a crash leaves the old file or the whole draft
    rec = process_saved(page, site)
    story = rec.story
    paras = sum(len(s.paragraphs) for s in story.body) if story else 0
    print(
        f"wrote {path} (passes storyline check): headline {(story.headline if story else None)!r}, "
        f"{paras} body paragraphs, widgets: {', '.join(w.name for w in rec.widgets) or 'none'}"
    )
    return EXIT_OK
