"""bench/references/: the hand-made headline, byline and day of the two sets that annotate the
body only reach every one of their pages (skipped when the shared data is absent)."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
AEB = ROOT.parent / "shared" / "data" / "article-bench" / "dev"


FEVAL = ROOT.parent / "shared" / "data" / "fundus-eval" / "dev"


@pytest.mark.skipif(
    not (AEB.is_dir() and FEVAL.is_dir()),
    reason=f"article-bench or fundus-eval pages not found under {AEB.parents[1]} (shared data absent)",
)
def test_every_page_of_the_body_only_sets_gets_its_hand_made_metadata_reference() -> None:
    sys.path.insert(0, str(ROOT / "bench"))
    quality_sets = importlib.import_module("quality_sets")
    pages = quality_sets.load(("aeb", "feval"))
    assert len(pages) == 93
    for p in pages:
        assert p.title and p.title == " ".join(p.title.split()), p.key
        assert p.date is None or (len(p.date) == 10 and p.date[4] == p.date[7] == "-"), p.key
        assert p.authors is None or (isinstance(p.authors, str) and p.authors.strip()), p.key
    assert sum(p.date is not None for p in pages) == 93
