"""The site file: pydantic models for `selectors/<site>.yaml`.

These models are the single source of truth for the format: the loader validates
against them, `schemas/site.schema.json` is generated from them, and the docs
describe them. Shorthands (a bare string for a CSS selector, a list for
fallbacks) are normalised here so the rest of the code sees one shape.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    field_validator,
    model_validator,
)
from pydantic import Field as PField

from scrapers.config.fieldspec import (
    _NAME,
    _SITE_ID,
    _STRICT,
    BodyParts,
    DateField,
    DomParts,
    DomSelectors,
    DomSource,
    Field,
    ListField,
    RequiredField,
    UrlField,
    check_css,
    check_regex,
)
from scrapers.config.renderspec import ListingSpec, RenderSpec
from scrapers.errors import LocatedError


class LeadImageSpec(BaseModel):
    model_config = _STRICT
    url: UrlField
    caption: Field | None = None
    credit: Field | None = None


class BodySpec(BaseModel):
    """The story body: paragraphs, split into sections at sub-headings."""

    model_config = _STRICT
    paragraphs: BodyParts | None = PField(
        None,
        description="body paragraphs (css/xpath), or a jsonld path whose text is split at line breaks; "
        "a list is ordered fallbacks, {all: [...]} takes every selector's matches in document order",
    )
    headings: DomParts | None = PField(
        None, description="sub-headings that start new sections; {all: [...]} as for paragraphs"
    )
    split_at_br: bool = PField(
        False,
        description="a matched element holds several paragraphs separated by <br>: split it there "
        "(sub-headings inside it still start sections)",
    )
    auto: bool = PField(
        False,
        description="find the body with the generic extractor's algorithm "
        "(when paragraphs are given too, only if they match nothing)",
    )
    required: bool = True

    @model_validator(mode="after")
    def _something(self) -> BodySpec:
        if self.paragraphs is None and not self.auto:
            raise ValueError("give paragraphs, or auto: true")
        return self


class StorySpec(BaseModel):
    model_config = _STRICT
    root: DomSelectors | None = PField(None, description="scope for css/xpath story fields")
    exclude: list[DomSource] = PField(
        default_factory=list, description="elements removed from the story scope before extraction"
    )
    headline: RequiredField | None = None
    summary: Field | None = None
    authors: ListField | None = None
    published: DateField | None = None
    modified: DateField | None = None
    section: Field | None = None
    topics: ListField | None = None
    lead_image: LeadImageSpec | None = None
    body: BodySpec | None = None
    fields: dict[Annotated[str, PField(pattern=_NAME)], Field] = PField(
        default_factory=dict, description="custom story fields, by name"
    )


class ItemSpec(BaseModel):
    model_config = _STRICT
    title: Field | None = None
    url: UrlField | None = None
    summary: Field | None = None
    published: DateField | None = None
    image: UrlField | None = None
    fields: dict[Annotated[str, PField(pattern=_NAME)], Field] = PField(default_factory=dict)


class WidgetSpec(BaseModel):
    """A named block around the story (Hot this week, Related, Topics...)."""

    model_config = _STRICT
    name: str = PField(pattern=_NAME, description="key in the record, e.g. hot_this_week")
    root: DomSelectors = PField(description="the block's container")
    title: Field | None = PField(None, description="the block's visible heading, relative to root")
    items: DomSource = PField(description="one element per teaser, relative to root")
    item: ItemSpec = PField(default_factory=ItemSpec, description="fields of each item")
    each: bool = PField(
        False,
        description="every element root finds is a block of its own, in page order (repeated in-body "
        "'Read also' boxes, the tabs of a tabbed box); by default only the first is",
    )
    required: bool = False


# --- render -----------------------------------------------------------------


class BlockedSpec(BaseModel):
    """This site's own signs that a page is a bot challenge or consent wall rather than the article,
    on top of the common providers' interstitials, which are always recognised."""

    model_config = _STRICT
    selectors: list[str] = PField(
        default_factory=lambda: ["#challenge-form", "#cf-challenge-running", "#px-captcha"],
        description="CSS selectors that only appear on a challenge page",
    )
    texts: list[str] = PField(
        default_factory=list,
        description="visible text that only appears on this site's challenge page (case-sensitive)",
    )

    @field_validator("selectors")
    @classmethod
    def _css(cls, v: list[str]) -> list[str]:
        for s in v:
            check_css(s)
        return v


class FetchSpec(BaseModel):
    """Per-site job behaviour: retries and politeness."""

    model_config = _STRICT
    attempts: int = PField(3, ge=1, le=20, description="tries per page for retryable failures")
    max_concurrent: int = PField(2, ge=1, le=64, description="pages of this site rendered at once")
    min_delay_ms: int | None = PField(
        None,
        ge=0,
        description="pause between page starts on one domain (default 1000; a job's or the command "
        "line's min_delay_ms wins)",
    )
    blocked: BlockedSpec = PField(default_factory=BlockedSpec)


class ReplaySpec(BaseModel):
    """How recordings of this site are replayed (see docs/recordings.md)."""

    model_config = _STRICT
    ignore_params: list[str] = PField(
        default_factory=list,
        description="query parameters (globs) to ignore when matching requests to a recording, "
        "e.g. cache-busters like _ or cb",
    )
    redact_params: list[str] = PField(
        default_factory=list,
        description="query parameters (globs) whose values are secrets: redacted when recording, "
        "besides the built-in list (token, key, sig, session, ...)",
    )


class SiteSpec(BaseModel):
    """One site file."""

    model_config = _STRICT
    site: str = PField(pattern=_SITE_ID, description="site id, e.g. demo-news")
    domains: list[str] = PField(
        min_length=1,
        description="host names this file serves (subdomains included); 'HOST:PORT' claims only that "
        "port of HOST (a local server), never its subdomains",
    )
    article_urls: list[str] = PField(
        default_factory=list, description="regexes: a URL matching any of them is an article page"
    )
    extractor: Literal["selectors", "generic"] = PField(
        "selectors",
        description="generic: also clean the headline of site names and guess a date when none is "
        "declared; records then carry extractor 'generic' and no site (the built-in generic file)",
    )
    render: RenderSpec = PField(default_factory=RenderSpec)
    fetch: FetchSpec = PField(default_factory=FetchSpec)
    listing: ListingSpec | None = None
    replay: ReplaySpec = PField(default_factory=ReplaySpec)
    story: StorySpec
    widgets: list[WidgetSpec] = PField(default_factory=list)
    detect_widgets: bool = PField(
        False,
        description="also report link-dense blocks with a heading as widgets, named after the heading",
    )
    page: dict[Annotated[str, PField(pattern=_NAME)], Field] = PField(
        default_factory=dict, description="page-level fields outside the story (dateline, weather...)"
    )

    @field_validator("article_urls")
    @classmethod
    def _regexes(cls, v: list[str]) -> list[str]:
        for pattern in v:
            check_regex(pattern)
        return v

    @field_validator("domains")
    @classmethod
    def _domains(cls, v: list[str]) -> list[str]:
        for d in v:
            host, _, port = d.rpartition(":") if ":" in d and not d.startswith("[") else (d, "", "")
            if "/" in d or ":" in host or (port and not (port.isdigit() and 0 < int(port) < 65536)):
                raise ValueError(
                    f"domain {d!r} must be a host name, or HOST:PORT (hint: drop the scheme and path)"
                )
        return [d.lower() for d in v]

    @field_validator("widgets")
    @classmethod
    def _unique(cls, v: list[WidgetSpec]) -> list[WidgetSpec]:
        seen: set[str] = set()
        for i, w in enumerate(v):
            if w.name in seen:
                raise LocatedError(
                    f"duplicate widget name {w.name!r} (hint: names must be unique)", (i, "name")
                )
            seen.add(w.name)
        return v

    def is_article(self, url: str) -> bool:
        """True when the URL looks like an article (every URL does when no patterns are set)."""
        return not self.article_urls or any(re.search(p, url) for p in self.article_urls)
