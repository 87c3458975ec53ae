"""The run summary: counts, error kinds, per-site field coverage, timings."""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from scrapers.config.sitespec import SiteSpec
from scrapers.extract.recipe import GENERIC_FALLBACK
from scrapers.output.record import Record

STORY_FIELDS = ("headline", "summary", "authors", "published", "modified", "section", "topics", "lead_image")


def _found(rec: Record, site: SiteSpec | None) -> dict[str, bool]:
    """Which configured fields this record has (only fields the site file asks for)."""
    story = rec.story
    assert story is not None
    out: dict[str, bool] = {}
    spec = site.story if site is not None else None
    for name in STORY_FIELDS:
        if spec is None or getattr(spec, name) is not None:
            out[name] = bool(getattr(story, name))
    if spec is None or spec.body is not None:
        out["body"] = any(s.paragraphs for s in story.body)
    if spec is not None:
        for name in spec.fields:
            out[f"fields.{name}"] = name in story.fields
        names = {w.name for w in rec.widgets if w.items}
        for w in site.widgets if site else []:
            out[f"widgets.{w.name}"] = w.name in names
        page_fields = rec.page.fields if rec.page else {}
        for name in site.page if site else {}:
            out[f"page.{name}"] = name in page_fields
    return out


def _stats(values: list[int]) -> dict[str, int]:
    if not values:
        return {"median": 0, "p95": 0, "max": 0}
    ordered = sorted(values)
    return {
        "median": int(statistics.median(ordered)),
        "p95": ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))],
        "max": ordered[-1],
    }


@dataclass
class Summary:
    sites: dict[str, SiteSpec] = field(default_factory=dict)
    by_status: Counter[str] = field(default_factory=Counter)
    by_error: Counter[str] = field(default_factory=Counter)
    retries: int = 0
    _seen: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    _pages: Counter[str] = field(default_factory=Counter)
    _fallbacks: Counter[str] = field(default_factory=Counter)  # pages that needed generic extraction
    _partial: Counter[str] = field(default_factory=Counter)  # partial pages per site
    _missed: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))  # field -> pages
    _drifted: dict[str, str] = field(default_factory=dict)  # a partial page's URL per site
    _render: list[int] = field(default_factory=list)
    _extract: list[int] = field(default_factory=list)
    _attempts: list[int] = field(default_factory=list)

    def attempt(self, ms: int) -> None:
        """One try at a page took `ms` from navigation to record (or to its failure)."""
        self._attempts.append(ms)

    def add(self, rec: Record, attempts: int = 1) -> None:
        self.by_status[rec.status] += 1
        self.retries += max(0, attempts - 1)
        if rec.error is not None:
            self.by_error[rec.error.kind] += 1
        if rec.story is not None:
            key = rec.site or "generic"
            self._pages[key] += 1
            for name, ok in _found(rec, self.sites.get(key)).items():
                self._seen[key][name] += int(ok)
            if any(v == GENERIC_FALLBACK for v in rec.story.matched.values()):
                self._fallbacks[key] += 1
            if rec.status == "partial":
                self._partial[key] += 1
                self._missed[key].update(rec.missing)
                self._drifted.setdefault(key, rec.url)
            self._render.append(rec.timings_ms.render)
            self._extract.append(rec.timings_ms.extract)

    @property
    def total(self) -> int:
        return sum(self.by_status.values())

    def coverage(self) -> dict[str, dict[str, float]]:
        """Per site, the share of extracted pages on which each field was found."""
        return {
            site: {name: round(n / self._pages[site], 3) for name, n in sorted(seen.items())}
            for site, seen in sorted(self._seen.items())
        }

    def drift(self) -> dict[str, dict[str, Any]]:
        """Per site file whose pages came out partial or fell back to generic extraction: how
        many, and which fields were missed how often (a layout change shows here first)."""
        sites = sorted(k for k in {*self._partial, *self._fallbacks} if k != "generic")
        return {
            site: {
                "pages": self._pages[site],
                "partial": self._partial[site],
                "generic_fallbacks": self._fallbacks[site],
                "missed": dict(self._missed[site].most_common()),
                "example": self._drifted.get(site),
            }
            for site in sites
        }

    def to_dict(self, **extra: Any) -> dict[str, Any]:
        return {
            **extra,
            "pages": self.total,
            "by_status": dict(sorted(self.by_status.items())),
            "errors_by_kind": dict(sorted(self.by_error.items())),
            "retries": self.retries,
            "coverage": self.coverage(),
            "pages_per_site": dict(sorted(self._pages.items())),
            # Pages where a site file's selectors missed a required field and generic extraction
            # stepped in: the file needs a look (story.matched says which field: -1).
            "generic_fallbacks": dict(sorted(self._fallbacks.items())),
            "drift": self.drift(),
            "timings_ms": {
                "render": _stats(self._render),
                "extract": _stats(self._extract),
                "attempt": _stats(self._attempts),
            },
        }
