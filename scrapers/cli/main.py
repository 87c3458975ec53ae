"""The `storyline` command line (also `python runner.py`): global options, then one module per
command in this package, each with `add_parser` and `handle`."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from scrapers.cli.common import EXIT_CONFIG, EXIT_INTERRUPTED, FORMATTER, Parser
from scrapers.errors import ConfigError, ConfigFileError, RecordingError
from scrapers.output import logs
from scrapers.version import __version__

# One module each (scrapers/cli/NAME.py). Only the command named is imported: all of them (the
# browser, the job runner, the demo server) took longer than many a command itself.
COMMANDS = ("extract", "scrape", "check", "run", "worker", "demo", "record", "replay", "suggest")
_GLOBAL_VALUED = {"--selectors", "--log-format"}  # global options that take a value


def _command_in(argv: Sequence[str]) -> str | None:
    """The command on the command line, or None (no command, --help, --version: all are loaded)."""
    skip = False
    for arg in argv:
        if skip or arg in _GLOBAL_VALUED:
            skip = not skip
            continue
        if not arg.startswith("-"):
            return arg if arg in COMMANDS else None
    return None


_FMT = FORMATTER


def _parser(commands: Sequence[str] = COMMANDS) -> argparse.ArgumentParser:
    ap = Parser(
        prog="storyline",
        formatter_class=_FMT,
        description="Scrape JavaScript-heavy news pages into the story (headline, byline, dates, body)\n"
        "and the widget blocks around it, as one NDJSON record per page.",
        epilog="examples:\n"
        "  storyline demo                                   # scrape the bundled demo site\n"
        "  storyline scrape https://example.com/news/x --out out/x.ndjson\n"
        "  storyline extract page.html --url https://example.com/news/x\n"
        "  storyline check selectors/\n"
        "  storyline record URL && storyline replay          # offline regression tests\n\n"
        "Run 'storyline COMMAND --help' for each command's options.\n"
        "Exit status: 0 all pages ok (or partial), 1 some pages failed, 2 configuration or usage\n"
        "error, 130 interrupted.",
    )
    selectors_help = (
        "a folder of your own site files, on top of the built-in library (and of "
        "$STORYLINE_SELECTORS; default: ./selectors when there is one); a file with a library file's "
        "name or domain replaces it"
    )
    ap.add_argument("--selectors", type=Path, metavar="DIR", help=selectors_help)
    ap.add_argument("--version", action="version", version=f"storyline {__version__}")
    ap.add_argument("-v", "--verbose", action="count", default=0, help="more log output (-vv for debug)")
    ap.add_argument(
        "--log-format", choices=["json", "console"], help="default: console on a terminal, else json"
    )
    sub = ap.add_subparsers(dest="command", metavar="COMMAND", required=True)
    handlers: dict[str, Callable[[argparse.Namespace], int]] = {}
    for name in commands:
        module = importlib.import_module(f"scrapers.cli.{name}")
        module.add_parser(sub)
        handlers[module.__name__.rsplit(".", 1)[1]] = module.handle
    for command in sub.choices.values():  # also after the command, where users put it
        if "--selectors" not in command._option_string_actions:
            command.add_argument(
                "--selectors", type=Path, metavar="DIR", default=argparse.SUPPRESS, help=selectors_help
            )
    ap.set_defaults(_handlers=handlers)
    return ap


def exit_status(exc: BaseException) -> tuple[int, str] | None:
    """The one place errors become exit statuses: (status, what to print on stderr), or None for
    an exception that is a bug (let it show its traceback)."""
    if isinstance(exc, ConfigFileError):  # already one `FILE:LINE:COL: ...` line per problem
        return EXIT_CONFIG, str(exc)
    if isinstance(exc, ConfigError | RecordingError):
        return EXIT_CONFIG, f"error: {exc}"
    if _is_browser_error(exc):  # the browser would not start; pages already done are written
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return EXIT_CONFIG, f"error: the browser failed: {first} (check with: python -m scrapers.browser)"
    if isinstance(exc, KeyboardInterrupt):
        return EXIT_INTERRUPTED, "\ninterrupted: records written so far are complete lines"
    return None


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    command = _command_in(argv)
    args = _parser((command,) if command else COMMANDS).parse_args(argv)
    logs.configure(args.verbose, json=None if args.log_format is None else args.log_format == "json")
    try:
        code: int = args._handlers[args.command](args)
        return code
    except (Exception, KeyboardInterrupt) as exc:
        mapped = exit_status(exc)
        if mapped is None:
            raise
        print(mapped[1], file=sys.stderr)
        return mapped[0]


def _is_browser_error(exc: BaseException) -> bool:
    """Playwright's error, without importing Playwright for commands that never start it."""
    playwright = sys.modules.get("playwright.async_api")
    return playwright is not None and isinstance(exc, playwright.Error)
