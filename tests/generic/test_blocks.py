"""The generic body's learned block model (scrapers/generic/blocks.py, trained by bench/block_model.py):
it ships and matches the features extraction computes, and training is reproducible from
../shared/data (skipped when the shared data is absent)."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from types import ModuleType

import pytest

from scrapers.dom.parse import parse_html
from scrapers.generic import blocks, body
from scrapers.generic.candidates import find_blocks

ROOT = Path(__file__).resolve().parents[2]
AEB = ROOT.parent / "shared" / "data" / "article-bench" / "dev"


def _bench(name: str) -> ModuleType:
    if str(ROOT / "bench") not in sys.path:
        sys.path.insert(0, str(ROOT / "bench"))
    return importlib.import_module(name)


def test_the_shipped_model_is_small_and_matches_the_features() -> None:
    model = blocks.MODEL
    assert model is not None
    assert model.first.names == blocks.feature_names()
    assert model.second.names == blocks.CONTEXT_NAMES
    assert 0 < model.threshold < 1
    assert blocks.MODEL_PATH.stat().st_size < 50_000
    again = blocks.BlockModel.load()
    assert again is not None and again.to_json() == model.to_json()


def test_text_beside_paragraphs_is_a_candidate_of_its_own() -> None:
    root = parse_html(
        "<html><body><div class='content'>Apple plans a new laptop, said <a href='/x'>DigiTimes</a>."
        "<br><br><p>A paragraph of its own, with a full stop.</p> And a closing sentence.</div>"
        "</body></html>"
    ).root
    texts = [text for _, text in find_blocks(root)]
    assert texts == [
        "Apple plans a new laptop, said DigiTimes . And a closing sentence.",
        "A paragraph of its own, with a full stop.",
    ]


def test_the_model_keeps_the_story_of_a_plain_page() -> None:
    story = [
        f"Paragraph {n} of the story tells what happened, and why it matters to readers." for n in range(6)
    ]
    page = "<html><body><nav><a href='/a'>Home</a><a href='/b'>World</a></nav><article>"
    page += "".join(f"<p>{p}</p>" for p in story)
    page += "<p>Read more: another story entirely</p></article><footer>© 2026 Example</footer></body></html>"
    guess = body.guess_body(parse_html(page).root)
    assert [guess.texts[b] for b in guess.blocks] == story


@pytest.mark.skipif(not AEB.is_dir(), reason=f"article-bench pages not found at {AEB} (shared data absent)")
def test_training_is_reproducible_from_the_shared_pages() -> None:
    quality_sets, block_model = _bench("quality_sets"), _bench("block_model")
    pages = quality_sets.load(("aeb",))[:12]
    data = [d for d in (block_model.page_data(p) for p in pages) if d is not None]
    assert len(data) >= 10
    first, second = block_model.train(data), block_model.train(data)
    assert first.to_json() == second.to_json()
    assert first.first.names == blocks.feature_names()
