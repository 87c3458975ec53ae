"""The site library on the hand-labelled widget pages: blocks found, blocks real, clutter leak,
story kept, scored by ../shared/tools/widget_score.py.

    python bench/widget_quality.py [--part dev|lockbox|all] [--selectors DIR] [--worst N] [--json OUT]

The 45 fundus pages of ../shared/data/widgets/dev/ are extracted as `storyline extract` does (no
browser, the site file chosen by URL) and scored with the shared scorer (`--set fundus`). `--part`
splits them by the lockbox rule of bench/lockbox.py: `dev` (default) leaves the lockbox pages out,
`lockbox` scores only them (measure it once, to confirm a finished change), `all` scores all 45.
`--selectors DIR` scores another folder of site files (e.g. an older commit's, for a before/after).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from common import ROOT, machine
from lockbox import DATA, lockbox

from scrapers.api import extract_html, load_sites

LABELS = DATA / "widgets" / "dev"
SCORER = ROOT.parent / "shared" / "tools" / "widget_score.py"


def label_pages(part: str) -> list[tuple[Path, dict[str, str]]]:
    """The fundus label files of this part, with their page's source and URL."""
    box = lockbox()
    out = []
    for f in sorted(LABELS.glob("fundus__*.json")):
        label = json.loads(f.read_text(encoding="utf-8"))
        locked = label["source"] in box
        if part == "all" or (part == "lockbox") == locked:
            out.append((f, {"source": label["source"], "url": label["url"]}))
    return out


def _text(path: Path) -> str | bytes:
    """The page as the labels and bench/site_quality.py read it: UTF-8 when the bytes are (the
    saved pages are, whatever their <meta charset> says: ElMundo's declares iso-8859-15), else
    bytes for Storyline's own decoding."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--part", choices=("dev", "lockbox", "all"), default="dev")
    ap.add_argument("--selectors", type=Path, default=ROOT / "selectors", help="site files to score")
    ap.add_argument("--worst", type=int, default=0, help="also list the N pages with the most misses")
    ap.add_argument("--json", type=Path, help="the scorer's per-page details, written here")
    args = ap.parse_args()
    if not LABELS.is_dir() or not SCORER.is_file():
        print(f"no labels at {LABELS} or no scorer at {SCORER}", file=sys.stderr)
        return 2
    sites = load_sites(args.selectors)
    pages = label_pages(args.part)
    print(f"machine: {machine()}\n{len(pages)} pages ({args.part}), site files from {args.selectors}")
    with tempfile.TemporaryDirectory() as tmp:
        labels, records = Path(tmp) / "labels", Path(tmp) / "records.ndjson"
        labels.mkdir()
        with records.open("w", encoding="utf-8") as out:
            for f, page in pages:
                (labels / f.name).symlink_to(f)
                rec = extract_html(_text(DATA / page["source"]), page["url"], sites=sites)
                out.write(rec.model_dump_json() + "\n")
        cmd = [sys.executable, str(SCORER), str(labels), str(records), "--data", str(DATA), "--set", "fundus"]
        cmd += ["--worst", str(args.worst)] if args.worst else []
        cmd += ["--json", str(args.json)] if args.json else []
        return subprocess.run(cmd, check=False).returncode


if __name__ == "__main__":
    sys.exit(main())
