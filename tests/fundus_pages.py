"""Reading the fundus benchmark pages from ../shared/data and comparing extractions with them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from scrapers.config.sitespec import SiteSpec
from scrapers.dom.values import clean
from scrapers.output.record import Story

ROOT = Path(__file__).resolve().parents[1]
FUNDUS = ROOT.parent / "shared" / "data" / "fundus"


@dataclass(frozen=True)
class FundusPage:
    html_path: Path
    url: str
    expected: dict[str, Any]

    @property
    def name(self) -> str:
        return self.html_path.stem

    def html(self) -> str:
        return self.html_path.read_text(encoding="utf-8")


def all_pages() -> list[FundusPage]:
    pages = []
    for jf in sorted(FUNDUS.glob("*/*.expected.json")):
        data = json.loads(jf.read_text(encoding="utf-8"))
        html = jf.with_name(jf.name.replace(".expected.json", ".html"))
        pages.append(FundusPage(html, data["url"], data["expected"]))
    return pages


def pages_for(site: SiteSpec, pages: list[FundusPage]) -> list[FundusPage]:
    def ours(url: str) -> bool:
        host = (urlsplit(url).hostname or "").lower()
        return any(host == d or host.endswith("." + d) for d in site.domains)

    return [p for p in pages if ours(p.url)]


def same_instant(expected: str, got: str | None) -> bool:
    if got is None:
        return False
    want = datetime.fromisoformat(expected)
    have = datetime.fromisoformat(got)
    if want.tzinfo is None:  # the reference gives wall-clock time only
        return want.replace(microsecond=0) == have.replace(tzinfo=None, microsecond=0)
    return abs((want - have).total_seconds()) < 1


def mismatches(page: FundusPage, story: Story) -> list[str]:
    """Human-readable differences between the reference and an extracted story."""
    exp = page.expected
    out: list[str] = []
    if "title" in exp and clean(exp["title"]) != story.headline:
        out.append(f"title: want {exp['title']!r}, got {story.headline!r}")
    if "authors" in exp and [clean(a) for a in exp["authors"]] != story.authors:
        out.append(f"authors: want {exp['authors']!r}, got {story.authors!r}")
    if "publishing_date" in exp and not same_instant(exp["publishing_date"], story.published):
        out.append(f"published: want {exp['publishing_date']!r}, got {story.published!r}")
    if exp.get("topics") and {clean(x) for x in exp["topics"]} != set(story.topics):
        out.append(f"topics: want {sorted(exp['topics'])!r}, got {sorted(story.topics)!r}")
    body = exp.get("body")
    if body:
        want_paras = [clean(p) for s in body["sections"] for p in s["paragraphs"]]
        got_paras = [p for s in story.body for p in s.paragraphs]
        if want_paras != got_paras:
            first = next(
                (i for i, (a, b) in enumerate(zip(want_paras, got_paras, strict=False)) if a != b),
                min(len(want_paras), len(got_paras)),
            )
            out.append(
                f"body: want {len(want_paras)} paragraphs, got {len(got_paras)}; "
                f"first difference at {first}: "
                f"want {want_paras[first : first + 1]!r}, got {got_paras[first : first + 1]!r}"
            )
        want_heads = [clean(h) for s in body["sections"] for h in s["headline"]]
        got_heads = [s.heading for s in story.body if s.heading]
        if want_heads != got_heads:
            out.append(f"headings: want {want_heads!r}, got {got_heads!r}")
        want_summary = "\n\n".join(clean(p) for p in body.get("summary", []))
        if want_summary and want_summary != story.summary:
            out.append(f"summary: want {want_summary!r}, got {story.summary!r}")
    return out


FUNDUS_EVAL = ROOT.parent / "shared" / "data" / "fundus-eval" / "dev"


@dataclass(frozen=True)
class EvalPage:
    """A fundus-eval page: its HTML and hand-written body paragraphs ("[...]" = optional)."""

    html_path: Path
    url: str
    paragraphs: list[str]

    @property
    def name(self) -> str:
        return f"{self.html_path.parent.name}_{self.html_path.stem}"

    def html(self) -> str:
        return self.html_path.read_text(encoding="utf-8")


def eval_pages() -> list[EvalPage]:
    pages = []
    for jf in sorted(FUNDUS_EVAL.glob("*/*.json")):
        data = json.loads(jf.read_text(encoding="utf-8"))
        pages.append(EvalPage(jf.with_suffix(".html"), data["url"], list(data["body"])))
    return pages
