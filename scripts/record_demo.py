"""Re-record the demo site's articles into recordings/demo-news/ with `storyline record`.

    python scripts/record_demo.py            (or: make recordings)

A fixed port and clock keep re-recordings byte-stable where the pages are, so a
git diff of recordings/ shows only what really changed.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scrapers.cli import main as cli  # noqa: E402  (after the path is set)
from scrapers.demo.server import DemoServer  # noqa: E402

CLOCK = "2026-11-27T06:00:00Z"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--port", type=int, default=8765, help="demo server port (part of each recorded URL)")
    ap.add_argument("--into", type=Path, default=ROOT / "recordings")
    args = ap.parse_args()
    with DemoServer(port=args.port) as server:
        urls = server.article_urls()
        shutil.rmtree(args.into / "demo-news", ignore_errors=True)  # articles removed from the demo go too
        return cli.main(
            [
                "--selectors",
                str(ROOT / "selectors"),
                "record",
                *urls,
                "--into",
                str(args.into),
                "--clock",
                CLOCK,
            ]
        )


if __name__ == "__main__":
    sys.exit(main())
