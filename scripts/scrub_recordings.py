"""Scrub credentials from recordings already on disk, in place (`storyline record` does it itself).

    python scripts/scrub_recordings.py [FOLDER...] [--redact-param NAME ...]   (default: recordings/)

Cookies, Authorization headers and secret query parameters leave each HAR zip, and the URLs of its
meta.json and expected.json are redacted the same way; replay still matches (docs/recordings.md).
A recording with nothing to scrub is left byte for byte as it was.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scrapers.recordings.recording import find_recordings, scrub_recording  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folders", nargs="*", type=Path, default=[ROOT / "recordings"])
    ap.add_argument("--redact-param", action="append", default=[], metavar="NAME")
    args = ap.parse_args()
    changed = 0
    for rec in find_recordings(args.folders):
        if scrub_recording(rec.path, args.redact_param):
            changed += 1
            print(f"scrubbed {rec.path}")
    print(f"{changed} recording(s) scrubbed", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
