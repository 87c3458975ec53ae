"""What every command shares: exit statuses, the site registry, reading saved pages."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, TypeAlias

from scrapers.config.sitefiles import SiteRegistry, default_selectors_dir

# Exit statuses, documented in the README and `storyline --help`.
EXIT_OK, EXIT_FAILED, EXIT_CONFIG, EXIT_INTERRUPTED = 0, 1, 2, 130

FORMATTER = argparse.RawDescriptionHelpFormatter
if TYPE_CHECKING:  # argparse's class is generic for type checkers only
    SubParsers: TypeAlias = argparse._SubParsersAction[argparse.ArgumentParser]
else:
    SubParsers = argparse._SubParsersAction


class UsageError(ValueError):
    """Arguments that do not make sense together: exit status 2 with one line."""


def registry(args: argparse.Namespace) -> SiteRegistry:
    return SiteRegistry.from_dir(args.selectors or default_selectors_dir())


def read_html(path: Path) -> str:
    return path.read_bytes().decode("utf-8", errors="replace")


def add_headed(p: argparse.ArgumentParser) -> None:
    p.add_argument("--headed", action="store_true", help="show the browser window")
