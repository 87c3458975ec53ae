"""The lockbox: a site-grouped fifth of every development set, kept out of all design work.

Rule (frozen 2026-12-07, issue 25; never change it, or the lockbox is spent): a page belongs to the
lockbox when the SHA-256 of `SALT + site` read as a number, first 8 bytes, falls below 20% of its
range; `site` is the registrable domain of the page's address without "www." (the same `site` the
folds group by, bench/quality_sets.Page.site), so one publisher is on one side in every set —
article-bench, fundus, fundus-eval, wcxb and the widget labels (../shared/data/widgets/dev, whose
pages are fundus and wcxb pages) alike.

Design work (rules, features, model training, thresholds) reads only the other pages, with
site-grouped folds among them; `--lockbox` in the benches scores the lockbox once a change is
finished, never to choose between two.
"""

from __future__ import annotations

import hashlib
from urllib.parse import urlsplit

from scrapers.net.scope import registrable_domain

SALT = "storyline-lockbox-issue-25:"
SHARE = 0.20


def site_of(url: str) -> str:
    return registrable_domain((urlsplit(url).hostname or "").lower().removeprefix("www."))


def locked(site: str) -> bool:
    """Whether `site` (a registrable domain) is in the lockbox."""
    digest = hashlib.sha256((SALT + site).encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") < SHARE * 2**64


def part_of(site: str, part: str) -> bool:
    """Whether a page of `site` belongs to `part`: "design" (not locked), "lockbox" or "all"."""
    if part == "all":
        return True
    return locked(site) == (part == "lockbox")
