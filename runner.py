"""Storyline's command-line entry: `python runner.py --help` (same as `storyline`)."""

import sys

from scrapers.cli.main import main

if __name__ == "__main__":
    sys.exit(main())
