"""Storyline: the story and its widgets from JavaScript-heavy news pages.

The public Python API is what this package exports (`__all__`; guide: docs/api.md). Every
submodule is private: its names may change without notice. Names load on first use (PEP 562),
so `import scrapers` stays cheap and starts no browser machinery.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from scrapers.version import __version__

# name -> the module it lives in
_EXPORTS = {
    **dict.fromkeys(
        (
            "check_sites",
            "extract_file",
            "extract_html",
            "load_site",
            "load_sites",
            "recording_dirs",
            "Replayed",
            "Replayer",
            "run",
            "run_sync",
            "scrape",
            "scrape_sync",
        ),
        "scrapers.api",
    ),
    **dict.fromkeys(
        ("Record", "Story", "Section", "LeadImage", "Widget", "WidgetItem", "Page", "Timings"),
        "scrapers.output.record",
    ),
    "SiteSpec": "scrapers.config.sitespec",
    "JobSpec": "scrapers.config.jobspec",
    "SiteRegistry": "scrapers.config.sitefiles",
    **dict.fromkeys(
        (
            "StorylineError",
            "ConfigError",
            "ConfigFileError",
            "Problem",
            "UnknownSiteError",
            "UsageError",
            "BrowserNotFoundError",
            "StateError",
            "RedisUnreachable",
            "OutputPathError",
            "PageError",
            "ErrorKind",
            "Refused",
            "FetchError",
            "RecordingError",
            "HarError",
            "SourceMissing",
            "SourceChanged",
            "UnsafeRead",
        ),
        "scrapers.errors",
    ),
}

# A literal, for tools that read it without running the module; a test keeps it equal to _EXPORTS.
__all__ = [
    "BrowserNotFoundError",
    "ConfigError",
    "ConfigFileError",
    "ErrorKind",
    "FetchError",
    "HarError",
    "JobSpec",
    "LeadImage",
    "OutputPathError",
    "Page",
    "PageError",
    "Problem",
    "Record",
    "RecordingError",
    "RedisUnreachable",
    "Refused",
    "Replayed",
    "Replayer",
    "Section",
    "SiteRegistry",
    "SiteSpec",
    "SourceChanged",
    "SourceMissing",
    "StateError",
    "Story",
    "StorylineError",
    "Timings",
    "UnknownSiteError",
    "UnsafeRead",
    "UsageError",
    "Widget",
    "WidgetItem",
    "__version__",
    "check_sites",
    "extract_file",
    "extract_html",
    "load_site",
    "load_sites",
    "recording_dirs",
    "run",
    "run_sync",
    "scrape",
    "scrape_sync",
]

if TYPE_CHECKING:  # what type checkers and editors see; at run time __getattr__ imports
    from scrapers.api import (
        Replayed,
        Replayer,
        check_sites,
        extract_file,
        extract_html,
        load_site,
        load_sites,
        recording_dirs,
        run,
        run_sync,
        scrape,
        scrape_sync,
    )
    from scrapers.config.jobspec import JobSpec
    from scrapers.config.sitefiles import SiteRegistry
    from scrapers.config.sitespec import SiteSpec
    from scrapers.errors import (
        BrowserNotFoundError,
        ConfigError,
        ConfigFileError,
        ErrorKind,
        FetchError,
        HarError,
        OutputPathError,
        PageError,
        Problem,
        RecordingError,
        RedisUnreachable,
        Refused,
        SourceChanged,
        SourceMissing,
        StateError,
        StorylineError,
        UnknownSiteError,
        UnsafeRead,
        UsageError,
    )
    from scrapers.output.record import LeadImage, Page, Record, Section, Story, Timings, Widget, WidgetItem


def __getattr__(name: str) -> object:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'scrapers' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # next time a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})
