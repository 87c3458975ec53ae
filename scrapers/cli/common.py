"""What every command shares: exit statuses, the site registry, reading saved pages."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn, TypeAlias
from urllib.parse import urlsplit

from scrapers.config.sitefiles import SiteRegistry
from scrapers.dom.decode import decode_html, gunzipped, lookup_encoding
from scrapers.errors import UsageError

# Exit statuses, documented in the README and `storyline --help`.
EXIT_OK, EXIT_FAILED, EXIT_CONFIG, EXIT_INTERRUPTED = 0, 1, 2, 130

FORMATTER = argparse.RawDescriptionHelpFormatter
if TYPE_CHECKING:  # argparse's class is generic for type checkers only
    SubParsers: TypeAlias = argparse._SubParsersAction[argparse.ArgumentParser]
else:
    SubParsers = argparse._SubParsersAction


class Parser(argparse.ArgumentParser):
    """argparse, but a bad option is one line naming it (argparse prints its usage block too)."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_CONFIG, f"{self.prog}: error: {message} (see: {self.prog} --help)\n")


def registry(args: argparse.Namespace) -> SiteRegistry:
    return SiteRegistry.layered(args.selectors)


def read_html(path: Path, encoding: str | None = None) -> str:
    """A saved page, or standard input for "-", decoded as `dom.decode.decode_html` says
    (`encoding` as the declared one); an unreadable path or unknown encoding is a UsageError."""
    check_encoding(encoding)
    try:
        raw = gunzipped(sys.stdin.buffer.read() if str(path) == "-" else path.read_bytes())
    except OSError as exc:
        raise UsageError(f"{path}: cannot read it ({exc.strerror or exc})") from None
    except ValueError as exc:
        raise UsageError(f"{path}: {exc}") from None
    return decode_html(raw, encoding)[0]


def check_encoding(name: str | None) -> None:
    """A user-given encoding must be one we can decode with: decode_html would quietly skip it."""
    if name is not None and lookup_encoding(name) is None:
        raise UsageError(f"unknown encoding {name!r} (try utf-8, windows-1252, iso-8859-15, shift_jis)")


def http_url(text: str) -> str:
    """argparse type: an absolute http(s) URL."""
    parts = urlsplit(text.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise argparse.ArgumentTypeError(f"not an http(s) URL: {text!r}")
    return text.strip()


def seconds(text: str) -> float:
    """argparse type: a number of seconds, 0 or more."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not value >= 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be 0 or more seconds, not {text}")
    return value


def positive_int(text: str) -> int:
    """argparse type: a whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, not {value}")
    return value


def add_headed(p: argparse.ArgumentParser) -> None:
    p.add_argument("--headed", action="store_true", help="show the browser window")
