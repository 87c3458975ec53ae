"""The story body of a page without a site file: the body algorithm's guess (body.py), and
trafilatura's second opinion when that guess is short."""

from __future__ import annotations

import itertools

from lxml import etree

from scrapers.dom.values import clean
from scrapers.generic.body import Element, guess_body, keep_text
from scrapers.generic.furniture import covered
from scrapers.widgetfind.finder import story_widgets

# Below this much text (two short paragraphs) our own guess may have missed the story: ask
# trafilatura too. Above it, on the 979 development pages, trafilatura's longer text was as often
# worse as better, and asking it cost more than the rest of extraction on most of those pages.
# Not on pages larger than any news page (fundus's largest has 4,300 elements): trafilatura's
# time grows faster than the page, 5 s for 100,000 links in one paragraph.
SECOND_OPINION_CHARS = 700
SECOND_OPINION_MAX_ELEMENTS = 20_000


def body_sections(
    root: Element, skip: set[Element] | None = None
) -> tuple[list[tuple[str | None, list[str]]], Element | None]:
    """Sections of the story body and the container they came from (None: trafilatura's).

    Our guess stands unless it is short and trafilatura finds more than twice as much text;
    then trafilatura's paragraphs, passed through the same clutter rules, are used.
    """
    guess = guess_body(root)
    skip = (skip or set()) | story_widgets(root, guess.container)
    if skip:
        skipped = covered(skip)
        guess.blocks = [b for b in guess.blocks if b not in skipped]
    ours = guess.sections()
    size = sum(len(guess.texts[b]) for b in guess.blocks)
    if size >= SECOND_OPINION_CHARS or _larger_than(root, SECOND_OPINION_MAX_ELEMENTS):
        return ours, guess.container
    theirs = _trafilatura_paragraphs(root)
    if sum(len(t) for t in theirs) > 2 * size:
        return [(None, theirs)], None
    return ours, guess.container


def _larger_than(root: Element, elements: int) -> bool:
    return next(itertools.islice(root.iter(), elements, None), None) is not None


def _trafilatura_paragraphs(root: Element) -> list[str]:
    import trafilatura  # only when our own guess is in doubt: it is the slower path

    # A copy as text: trafilatura cleans the tree it is given, and ours is still in use.
    text = trafilatura.extract(etree.tostring(root, encoding="unicode"), include_comments=False)
    return [line for line in (clean(x) for x in (text or "").splitlines()) if keep_text(line)]
