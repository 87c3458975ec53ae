"""Finding the story's body on a page nobody wrote a site file for.

One shared algorithm (the way fundus shares one body parser among its publishers):

1. every paragraph-like block (`p`, headings, list items, quotes, text-only `div`s) outside
   obvious chrome (nav, aside, footer, figure captions, share bars, promos...: furniture.py) is
   a candidate;
2. each candidate's text, less its linked text, scores its parent fully and its grandparent
   by half; the best-scoring element is the story's container;
3. the body is the candidates inside that container, in document order, without in-body
   clutter (captions, "Read more:" promos, newsletter boxes, related lists), split into
   sections at sub-headings.

It returns elements, not just text, so `suggest` can turn the choice into selectors.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, TypeAlias

from scrapers.dom.values import element_text
from scrapers.generic import blocks
from scrapers.generic.candidates import BLOCK_TAGS, HEADINGS, find_blocks, is_mixed
from scrapers.generic.furniture import chrome_below, covered, sum_up

Element: TypeAlias = Any  # lxml has no type stubs here: an lxml element

# Paragraph texts that are in-body clutter rather than story.
CLUTTER_RE = re.compile(
    r"^(read more|read also|also read|see also|related|recommended|more on this|more from|"
    r"click here|sign up|subscribe|follow us|follow .{0,30} on (twitter|facebook|instagram)|share this|"
    r"advertisement|sponsored|copyright|©|\(c\) \d{4}|all rights reserved|image:|photo:|"
    r"getty images|credit:|watch:|listen:|download the|get the app|this article (was|is) "
    r"(originally|first) published|we use cookies|you might also like|more stories|trending now|"
    r"don'?t miss\\W*$|by submitting this form|your personal data|\[javascript protected)",
    re.I,
)
# A short block that only names a widget: the story has ended when one follows it.
_END_RE = re.compile(
    r"^(most popular|most read|most viewed|related( articles| stories| coverage| content| posts)?|"
    r"more (from|on|stories|news)\b.*|recommended( for you)?|you (may|might) also like|trending( now)?|"
    r"elsewhere on\b.*|read next|what to read next|popular now|latest (news|stories)|top stories|"
    r"editor'?s picks|leave a (comment|reply)|comments?)\W*$",
    re.I,
)
# Captions and credits that sit inside a body as plain paragraphs: "(Photo: AP)" at the end, or
# "... | Getty Images" (see _is_caption).
_CREDIT_RE = re.compile(r"\((image|photo|picture|credit|pictures|video)s?:[^)]*\)\s*$", re.I)
_GETTY_RE = re.compile(r"getty images\s*$", re.I)
_SENTENCE_END = (".", "!", "?", '"', "”", "’", ")", ":", "…", "。", "！", "？", "」")
MIN_CHARS = 25  # a candidate shorter than this only scores when punctuated like a sentence


@dataclass
class BodyGuess:
    """The chosen container and its body blocks (headings included), in document order."""

    container: Element | None
    blocks: list[Element] = field(default_factory=list)
    headings: set[Element] = field(default_factory=set)
    texts: dict[Element, str] = field(default_factory=dict)
    score: float = 0.0

    def sections(self) -> list[tuple[str | None, list[str]]]:
        out: list[tuple[str | None, list[str]]] = []
        for el in self.blocks:
            text = self.texts[el]
            if el in self.headings:
                out.append((text, []))
            else:
                if not out:
                    out.append((None, []))
                out[-1][1].append(text)
        return [(h, ps) for h, ps in out if ps or h is None]


def linked_chars(els: Iterable[Element]) -> dict[Element, int]:
    """The linked text of each block of `els` (of a mixed block's own text: the links outside its
    paragraphs), each link's text read once (blocks nest, and so would the links counted for each)."""
    of_link: dict[Element, int] = {}

    def size(a: Element) -> int:
        n = of_link.get(a)
        if n is None:
            n = of_link[a] = len(element_text(a))
        return n

    out: dict[Element, int] = {}
    for el in els:
        if is_mixed(el):
            inline = [c for c in el if isinstance(c.tag, str) and c.tag not in BLOCK_TAGS]
            out[el] = sum(size(a) for c in inline for a in c.iter("a"))
        else:
            out[el] = sum(size(a) for a in el.iter("a"))
    return out


def guess_body(root: Element) -> BodyGuess:
    """The story's body on `root` (an lxml tree), or an empty guess: the rules' guess, then the
    learned block model's second look at every candidate (blocks.py), when one is shipped."""
    guess, described = rule_guess(root)
    model = blocks.MODEL
    if model is None or guess.container is None:
        return guess
    keep = blocks.choose(described, model)
    guess.blocks, guess.headings = [], set()
    below: set[Element] = set()
    for b, chosen in zip(described, keep, strict=True):
        if not chosen or b.clutter or b.el in below:  # the text-level clutter rules hold for all
            continue
        if b.el.tag in HEADINGS:
            guess.headings.add(b.el)
        guess.blocks.append(b.el)
        guess.texts[b.el] = b.text
        if not is_mixed(b.el):
            below.update(b.el.iterdescendants())
    _drop_repeats(guess)
    _drop_trailing_headings(guess)
    return guess


REPEAT_MAX_BLOCKS = 500  # a body of more blocks is no news story: no repeat search (it is quadratic)


def _drop_repeats(guess: BodyGuess) -> None:
    """A paragraph the body already says is said once: a pull quote repeating a sentence of the
    story, a second (hidden, mobile) copy of a paragraph. The first of equal blocks stays; a
    block inside a longer one goes."""
    if len(guess.blocks) > REPEAT_MAX_BLOCKS:
        return
    texts = [guess.texts[b] for b in guess.blocks]
    joined = "\n".join(texts)
    copies = Counter(texts)
    seen: set[str] = set()
    kept = []
    for b, text in zip(guess.blocks, texts, strict=True):
        if b not in guess.headings and len(text) <= 1000 and _repeat(text, seen, joined, copies[text]):
            continue
        seen.add(text)
        kept.append(b)
    guess.blocks = kept


def _repeat(text: str, seen: set[str], joined: str, copies: int) -> bool:
    """A paragraph said before in full (a copy: a sentence or more, 80 characters; shorter lines
    such as a recipe's or a plan's repeat by nature), or inside a longer one (a pull quote)."""
    if len(text) >= 80 and text in seen:
        return True
    return len(text) >= 40 and joined.count(text) > copies


def rule_guess(root: Element) -> tuple[BodyGuess, list[blocks.Block]]:
    """The rules' guess, and every candidate block described for the block model."""
    found = find_blocks(root)
    linked_of = linked_chars(el for el, _ in found)
    chrome, in_chrome = chrome_below(root, found, linked_of)
    cands = [(el, text) for el, text in found if el not in in_chrome]
    scores: dict[Element, float] = {}
    valued: list[tuple[Element, float]] = []
    for el, text in cands:
        if el.tag in HEADINGS or el.tag == "li":
            continue
        n = len(text)
        if n < MIN_CHARS and not text.endswith((".", "!", "?", '"', "”")):
            continue
        linked = linked_of[el]
        if linked > 0.5 * n:
            continue
        value = n - linked + 10 * text.count(". ")
        valued.append((el, value))
        parent = el.getparent()
        if parent is None:
            continue
        scores[parent] = scores.get(parent, 0.0) + value
        grand = parent.getparent()
        if grand is not None:
            scores[grand] = scores.get(grand, 0.0) + value * 0.5
    if not scores:
        return BodyGuess(None), []
    container = max(scores, key=lambda e: scores[e])
    # Stories split into several blocks (one per ad slot, say) have their best block as
    # the top scorer: climb while an ancestor holds clearly more story text.
    totals = sum_up(root, dict(valued))
    node = container.getparent()
    while node is not None and node.tag not in ("body", "html") and node not in chrome:
        if totals.get(node, 0) >= 1.2 * totals.get(container, 0):
            container = node
        node = node.getparent()
    inside = set(container.iter())  # the container and all it holds: both steps below ask
    guess = _collect(container, inside, cands, chrome, linked_of, scores.get(container, 0.0))
    return guess, _describe(found, guess, inside, in_chrome, scores, linked_of)


def _describe(
    found: list[tuple[Element, str]],
    guess: BodyGuess,
    inside: set[Element],
    in_chrome: set[Element],
    scores: dict[Element, float],
    linked_of: dict[Element, int],
) -> list[blocks.Block]:
    taken = set(guess.blocks)
    top = max(scores.values())
    out = []
    for el, text in found:
        linked = linked_of[el]
        out.append(
            blocks.Block(
                el,
                text,
                linked,
                _kind(el),
                el in in_chrome,
                el in inside,
                el in taken,
                _is_clutter(text),
                _lone_words(text),
                scores.get(el.getparent(), 0.0) / top,
                passes(el, text, linked),
            )
        )
    return out


def _kind(el: Element) -> str:
    tag = el.tag
    if tag in HEADINGS:
        return "heading"
    if tag in ("p", "li"):
        return str(tag)
    return "quote" if tag in ("blockquote", "pre", "dd") else "textdiv"


def _collect(
    container: Element,
    inside: set[Element],
    cands: Iterable[tuple[Element, str]],
    chrome: dict[Element, None],
    linked: dict[Element, int],
    score: float,
) -> BodyGuess:
    guess = BodyGuess(container, score=score)
    in_chrome = covered(el for el in chrome if el in inside)
    taken_below: set[Element] = set()  # inside a block already taken (the container itself aside)
    for el, text in cands:
        if el not in inside or el in in_chrome or el in taken_below:
            continue
        if not passes(el, text, linked[el]):
            continue
        if el.tag in HEADINGS:
            guess.headings.add(el)
        guess.blocks.append(el)
        guess.texts[el] = text
        if el is not container and not is_mixed(el):
            taken_below.update(el.iterdescendants())
    _drop_trailing_headings(guess)
    return guess


def passes(el: Element, text: str, linked: int) -> bool:
    """The clutter rules the rules' body passes (and one of the block model's features): no
    promo, caption or widget title, no heading of over 200 characters or mostly linked, no short
    link list, short list item or lone words."""
    n = len(text)
    if _is_clutter(text):
        return False
    if el.tag in HEADINGS:
        return n <= 200 and linked <= 0.5 * n
    if linked > 0.6 * n and n < 300:
        return False  # a related link or a list of them
    return not (el.tag == "li" and n < MIN_CHARS) and not _lone_words(text)


def _drop_trailing_headings(guess: BodyGuess) -> None:
    """Headings with nothing after them (a trailing "Related" heading) are not sections."""
    while guess.blocks and guess.blocks[-1] in guess.headings:
        guess.headings.discard(guess.blocks.pop())


def _is_clutter(text: str) -> bool:
    """A widget's title ("Most popular"), an in-body promo, or a caption."""
    return bool(_END_RE.match(text) or CLUTTER_RE.match(text) or _is_caption(text))


def _is_caption(text: str) -> bool:
    """Ends in "(Photo: ...)" or "Getty Images". The credit is looked for only after the
    last ")" but one: from every "(photo:" of a long text, `[^)]*` would scan to the end."""
    end = text.rstrip()
    if end.endswith(")") and _CREDIT_RE.search(end, end.rfind(")", 0, len(end) - 1) + 1):
        return True
    return bool(_GETTY_RE.search(text))


def _lone_words(text: str) -> bool:
    """ "Share", "By", "LEARN MORE", a name on its own: short, unpunctuated, not a sentence."""
    n = len(text)
    if n >= 40:
        return False
    short = len(text.split()) < 4 if " " in text else n < 10  # scripts without spaces count characters
    return not text.endswith(_SENTENCE_END) and (short or text.isupper())


def keep_text(text: str) -> bool:
    """The text-level part of the clutter rules, for paragraphs found by other means."""
    return bool(text) and not _is_clutter(text) and not _lone_words(text)
