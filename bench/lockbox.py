"""The site library's lockbox: one development page per publisher, set aside while site files are
written, and measured once to confirm a finished change.

    python bench/lockbox.py            # list the lockbox pages (paths only, never their content)

The rule is fixed and site-grouped: a publisher's development pages are its saved pages in
`fundus/<Publisher>/*.html` and `fundus-eval/dev/<Publisher>/*.html` (the hand-labelled
`widgets/dev/` pages are fundus pages, so they are counted there); for every publisher with more
than one, the page whose path (relative to ../shared/data) has the smallest SHA-256 is the lockbox
page. Publishers with a single page have none: their only page is needed to write the file at all.
"""

from __future__ import annotations

import hashlib
import sys
from collections import defaultdict
from pathlib import Path

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def development_pages(data: Path = DATA) -> dict[str, list[str]]:
    """Each publisher's development pages, as paths relative to `data`."""
    pages: dict[str, list[str]] = defaultdict(list)
    for html in sorted(data.glob("fundus/*/*.html")):
        pages[html.parent.name].append(html.relative_to(data).as_posix())
    for html in sorted(data.glob("fundus-eval/dev/*/*.html")):
        pages[html.parent.name].append(html.relative_to(data).as_posix())
    return dict(pages)


def _key(path: str) -> str:
    return hashlib.sha256(path.encode("utf-8")).hexdigest()


def lockbox(data: Path = DATA) -> set[str]:
    """The lockbox pages, as paths relative to `data`."""
    return {min(paths, key=_key) for paths in development_pages(data).values() if len(paths) > 1}


def in_lockbox(path: Path | str, data: Path = DATA) -> bool:
    p = Path(path)
    rel = p.resolve().relative_to(data.resolve()).as_posix() if p.is_absolute() else p.as_posix()
    return rel in lockbox(data)


if __name__ == "__main__":
    if not DATA.is_dir():
        print(f"no data at {DATA}", file=sys.stderr)
        sys.exit(2)
    box = sorted(lockbox())
    print("\n".join(box))
    print(f"{len(box)} lockbox pages of {len(development_pages())} publishers", file=sys.stderr)
