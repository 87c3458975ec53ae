"""The site file: pydantic models for `selectors/<site>.yaml`.

These models are the single source of truth for the format: the loader validates
against them, `schemas/site.schema.json` is generated from them, and the docs
describe them. Shorthands (a bare string for a CSS selector, a list for
fallbacks) are normalised here so the rest of the code sees one shape.
"""

from __future__ import annotations

import re
import zoneinfo
from enum import StrEnum
from typing import Annotated, Any, Literal

from lxml import etree
from parsel import css2xpath
from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    PrivateAttr,
    Tag,
    field_validator,
    model_validator,
)
from pydantic import Field as PField

from scrapers.yamlconf import LocatedError

_STRICT = ConfigDict(extra="forbid", frozen=True)
_NAME = r"^[a-z][a-z0-9_]*$"
_SITE_ID = r"^[a-z0-9][a-z0-9._-]*$"


class ValueType(StrEnum):
    text = "text"
    url = "url"
    datetime = "datetime"
    int = "int"
    html = "html"


def check_css(value: str) -> str:
    try:
        css2xpath(value)
    except Exception as exc:  # cssselect raises several unrelated classes
        raise ValueError(
            f"invalid CSS selector {value!r}: {exc} (hint: check brackets, quotes and pseudo-classes)"
        ) from None
    return value


def check_xpath(value: str) -> str:
    try:
        etree.XPath(value)
    except etree.XPathSyntaxError as exc:
        raise ValueError(
            f"invalid XPath {value!r}: {exc} "
            "(hint: check brackets and quotes; relative paths start with './/')"
        ) from None
    return value


def check_regex(value: str) -> str:
    try:
        compiled = re.compile(value)
    except re.error as exc:
        raise ValueError(
            f"invalid regex {value!r}: {exc} (hint: escape literal characters such as \\( \\[ \\.)"
        ) from None
    if compiled.groups > 1 and "value" not in compiled.groupindex:
        raise ValueError(
            f"regex {value!r} has {compiled.groups} groups (hint: keep one group, or name the wanted one "
            "(?P<value>...))"
        )
    return value


class Source(BaseModel):
    """One place to look for a value: exactly one of css, xpath, jsonld or meta."""

    model_config = _STRICT

    css: str | None = PField(None, description="CSS selector (Parsel; ::text and ::attr(x) allowed)")
    xpath: str | None = PField(None, description="XPath 1.0 expression; start with './/' to stay in scope")
    jsonld: str | None = PField(
        None,
        description="JSON-LD path: optional @type glob then keys, e.g. 'NewsArticle.author.name' or "
        "'*Article.datePublished'",
        pattern=r"^[A-Za-z*?|@][\w*?|@:-]*(\.[\w@:-]+)*$",
    )
    meta: str | None = PField(None, description="<meta> name, property or itemprop, e.g. 'og:title'")
    attr: str | None = PField(None, description="read this attribute instead of the element's text")
    regex: str | None = PField(
        None, description="keep only the match (its single group, or the group named 'value')"
    )

    @field_validator("css")
    @classmethod
    def _css(cls, v: str | None) -> str | None:
        return None if v is None else check_css(v)

    @field_validator("xpath")
    @classmethod
    def _xpath(cls, v: str | None) -> str | None:
        return None if v is None else check_xpath(v)

    @field_validator("regex")
    @classmethod
    def _regex(cls, v: str | None) -> str | None:
        return None if v is None else check_regex(v)

    @model_validator(mode="after")
    def _one_kind(self) -> Source:
        kinds = [k for k in ("css", "xpath", "jsonld", "meta") if getattr(self, k) is not None]
        if len(kinds) != 1:
            found = ", ".join(kinds) if kinds else "none"
            hint = "put alternatives under 'fallbacks'" if kinds else "add one, e.g. 'css: h1'"
            raise ValueError(
                f"a selector needs exactly one of css, xpath, jsonld, meta (found: {found}) (hint: {hint})"
            )
        if self.attr is not None and (self.jsonld or self.meta):
            raise ValueError("'attr' only applies to css or xpath selectors (hint: remove 'attr')")
        return self

    @property
    def kind(self) -> str:
        for k in ("css", "xpath", "jsonld", "meta"):
            if getattr(self, k) is not None:
                return k
        raise AssertionError("validated Source has a kind")

    @property
    def expr(self) -> str:
        value = getattr(self, self.kind)
        assert isinstance(value, str)
        return value

    def describe(self) -> str:
        return f"{self.kind}: {self.expr}"


def _shorthand_source(value: Any) -> Any:
    return {"css": value} if isinstance(value, str) else value


class DomSource(Source):
    """A selector that must point into the DOM (css or xpath)."""

    @model_validator(mode="after")
    def _dom_only(self) -> DomSource:
        if self.kind not in ("css", "xpath"):
            raise ValueError(f"this selector must be css or xpath, not {self.kind}")
        return self

    @model_validator(mode="before")
    @classmethod
    def _short(cls, value: Any) -> Any:
        return _shorthand_source(value)


class Selectors(Source):
    """A primary selector plus ordered fallbacks; the first that finds anything wins."""

    fallbacks: list[Source] = PField(
        default_factory=list, description="tried in order when the primary selector finds nothing"
    )
    _sources: tuple[tuple[Any, ...], list[Source]] | None = PrivateAttr(default=None)

    @model_validator(mode="before")
    @classmethod
    def _short(cls, value: Any) -> Any:
        if isinstance(value, str):
            return {"css": value}
        if isinstance(value, list):
            if not value:
                raise ValueError("an empty selector list (hint: give at least one selector)")
            first = _shorthand_source(value[0])
            if not isinstance(first, dict):
                return value
            return {**first, "fallbacks": [_shorthand_source(v) for v in value[1:]]}
        if isinstance(value, dict) and isinstance(value.get("fallbacks"), list):
            return {**value, "fallbacks": [_shorthand_source(v) for v in value["fallbacks"]]}
        return value

    def sources(self) -> list[Source]:
        """The primary selector then the fallbacks. Built once: fields are evaluated per widget
        item, and building a model each time was a fifth of a demo page's extraction."""
        # Keyed on what it is built from: model_copy(update=...) copies this cache as well.
        # (The private dict directly: pydantic's attribute hook costs more than building.)
        d = self.__dict__
        key = (d["css"], d["xpath"], d["jsonld"], d["meta"], d["attr"], d["regex"], id(d["fallbacks"]))
        private = self.__pydantic_private__
        cached = private.get("_sources") if private is not None else None
        if cached is None or cached[0] != key:
            cached = (key, self._build_sources())
            if private is not None:
                private["_sources"] = cached
        return cached[1]

    def _build_sources(self) -> list[Source]:
        primary = Source(
            css=self.css,
            xpath=self.xpath,
            jsonld=self.jsonld,
            meta=self.meta,
            attr=self.attr,
            regex=self.regex,
        )
        return [primary, *self.fallbacks]


class DomSelectors(Selectors):
    """Selectors that must point into the DOM (css or xpath), with fallbacks."""

    @model_validator(mode="after")
    def _dom_only(self) -> DomSelectors:
        for i, src in enumerate(self.sources()):
            if src.kind not in ("css", "xpath"):
                where = "" if i == 0 else f" (fallback {i})"
                raise ValueError(f"this selector must be css or xpath, not {src.kind}{where}")
        return self


class Field(Selectors):
    """A value to extract: selectors with fallbacks, and how to shape the result."""

    type: ValueType = PField(ValueType.text, description="text, url, datetime, int or html")
    many: bool = PField(False, description="return every match as a list")
    join: str | None = PField(None, description="join all matches into one string with this separator")
    split: str | None = PField(
        None, description="split each match at this separator first (e.g. ',' for keyword lists)"
    )
    required: bool = PField(False, description="a page without this value is 'partial'")
    format: str | None = PField(
        None, description="strptime format for datetimes the automatic parser gets wrong"
    )

    @model_validator(mode="after")
    def _shape(self) -> Field:
        if self.join is not None and self.many:
            raise ValueError("'join' and 'many' exclude each other (hint: 'join' already takes every match)")
        if self.format is not None and self.type != ValueType.datetime:
            raise ValueError("'format' only applies to type: datetime")
        return self


class RequiredField(Field):
    required: bool = True


class ListField(Field):
    many: bool = True


class DateField(Field):
    type: ValueType = ValueType.datetime


class UrlField(Field):
    type: ValueType = ValueType.url


class LeadImage(BaseModel):
    model_config = _STRICT
    url: UrlField
    caption: Field | None = None
    credit: Field | None = None


class Body(BaseModel):
    """The story body: paragraphs, split into sections at sub-headings."""

    model_config = _STRICT
    paragraphs: Selectors | None = PField(
        None, description="body paragraphs (css/xpath), or a jsonld path whose text is split at line breaks"
    )
    headings: DomSelectors | None = PField(None, description="sub-headings that start new sections")
    auto: bool = PField(
        False,
        description="find the body with the generic extractor's algorithm "
        "(when paragraphs are given too, only if they match nothing)",
    )
    required: bool = True

    @model_validator(mode="after")
    def _something(self) -> Body:
        if self.paragraphs is None and not self.auto:
            raise ValueError("give paragraphs, or auto: true")
        return self


class Story(BaseModel):
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
    lead_image: LeadImage | None = None
    body: Body | None = None
    fields: dict[Annotated[str, PField(pattern=_NAME)], Field] = PField(
        default_factory=dict, description="custom story fields, by name"
    )


class ItemFields(BaseModel):
    model_config = _STRICT
    title: Field | None = None
    url: UrlField | None = None
    summary: Field | None = None
    published: DateField | None = None
    image: UrlField | None = None
    fields: dict[Annotated[str, PField(pattern=_NAME)], Field] = PField(default_factory=dict)


class Widget(BaseModel):
    """A named block around the story (Hot this week, Related, Topics...)."""

    model_config = _STRICT
    name: str = PField(pattern=_NAME, description="key in the record, e.g. hot_this_week")
    root: DomSelectors = PField(description="the block's container")
    title: Field | None = PField(None, description="the block's visible heading, relative to root")
    items: DomSource = PField(description="one element per teaser, relative to root")
    item: ItemFields = PField(default_factory=ItemFields, description="fields of each item")
    required: bool = False


# --- render -----------------------------------------------------------------


class ClickAction(BaseModel):
    model_config = _STRICT
    click: str = PField(description="CSS selector to click (e.g. a consent button)")
    optional: bool = PField(
        False,
        description="carry on when it does not appear; with render.wait_for set, stop waiting for it "
        "as soon as the page is ready without it",
    )
    timeout_ms: int = PField(5000, ge=0)
    times: int = PField(
        1, ge=1, le=1000, description="click up to N times (a 'load more' button), stopping once it is gone"
    )
    delay_ms: int = PField(300, ge=0, description="pause after each click when times > 1")

    @field_validator("click")
    @classmethod
    def _css(cls, v: str) -> str:
        return check_css(v)


class ScrollSpec(BaseModel):
    model_config = _STRICT
    times: int = PField(3, ge=1, le=200)
    delay_ms: int = PField(250, ge=0)
    to: Literal["page", "bottom"] = PField(
        "page",
        description="'page' scrolls one screen per step (lazy blocks see it); 'bottom' jumps to the end",
    )


class ScrollAction(BaseModel):
    model_config = _STRICT
    scroll: ScrollSpec = PField(description="scroll N times, pausing between steps")

    @field_validator("scroll", mode="before")
    @classmethod
    def _short(cls, value: Any) -> Any:
        return {"times": value} if isinstance(value, int) else value


class WaitForAction(BaseModel):
    model_config = _STRICT
    wait_for: str = PField(description="CSS selector to wait for")
    optional: bool = False
    timeout_ms: int = PField(10000, ge=0)
    state: Literal["attached", "visible"] = "visible"

    @field_validator("wait_for")
    @classmethod
    def _css(cls, v: str) -> str:
        return check_css(v)


class WaitAction(BaseModel):
    model_config = _STRICT
    wait_ms: int = PField(ge=0, le=120000, description="sleep this long")


ACTION_KEYS = ("click", "scroll", "wait_for", "wait_ms")


def _action_tag(value: Any) -> str | None:
    if isinstance(value, dict):
        return next((k for k in ACTION_KEYS if k in value), None)
    return next((k for k in ACTION_KEYS if hasattr(value, k)), None)


Action = Annotated[
    Annotated[ClickAction, Tag("click")]
    | Annotated[ScrollAction, Tag("scroll")]
    | Annotated[WaitForAction, Tag("wait_for")]
    | Annotated[WaitAction, Tag("wait_ms")],
    Discriminator(
        _action_tag,
        custom_error_type="unknown_action",
        custom_error_message="an action needs one of: click, scroll, wait_for, wait_ms",
    ),
]


class ResourceType(StrEnum):
    image = "image"
    font = "font"
    media = "media"
    stylesheet = "stylesheet"


class Block(BaseModel):
    model_config = _STRICT
    resources: list[ResourceType] = PField(default_factory=list, description="resource types not to load")
    urls: list[str] = PField(default_factory=list, description="URL globs not to load, e.g. '**/ads/**'")


class Viewport(BaseModel):
    model_config = _STRICT
    width: int = PField(1280, ge=200, le=10000)
    height: int = PField(900, ge=200, le=10000)


class Render(BaseModel):
    model_config = _STRICT
    wait_for: str | None = PField(None, description="CSS selector that means the page is ready")
    timeout_ms: int = PField(30000, ge=1000, description="budget for the whole page")
    actions: list[Action] = PField(default_factory=list)
    block: Block = PField(default_factory=Block)
    viewport: Viewport = PField(default_factory=Viewport)
    locale: str = "en-US"
    timezone: str = PField("UTC", description="browser timezone; also the zone of dates without an offset")
    user_agent: str | None = None
    fresh_context: bool = PField(
        False,
        description="a new browser context for every page; by default one is reused for a few pages "
        "(cookies cleared between them) because starting a page costs more than loading it",
    )
    keep_cookies: bool = PField(
        False,
        description="keep cookies between the pages a reused context renders (a consent given once "
        "stays given); off by default because metered paywalls count articles in cookies",
    )

    @field_validator("wait_for")
    @classmethod
    def _wf(cls, v: str | None) -> str | None:
        return None if v is None else check_css(v)

    @field_validator("timezone")
    @classmethod
    def _tz(cls, v: str) -> str:
        try:
            zoneinfo.ZoneInfo(v)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown timezone {v!r} (hint: use an IANA name such as 'Europe/Berlin')"
            ) from None
        return v


class Listing(BaseModel):
    """How to find article links on listing pages (home, sections)."""

    model_config = _STRICT
    links: DomSelectors = PField(description="article links (their href); kept when they match article_urls")
    next: DomSelectors | None = PField(None, description="the next-page link, followed up to max_pages")
    max_pages: int = PField(10, ge=1, le=1000, description="listing pages to visit per start URL")
    wait_for: str | None = PField(None, description="CSS selector that means the listing is ready")
    actions: list[Action] = PField(
        default_factory=list, description="steps before reading links, e.g. clicking 'load more'"
    )

    @field_validator("wait_for")
    @classmethod
    def _wf(cls, v: str | None) -> str | None:
        return None if v is None else check_css(v)


class Blocked(BaseModel):
    """Signs that a 2xx page is a bot challenge or consent wall rather than the article."""

    model_config = _STRICT
    selectors: list[str] = PField(
        default_factory=lambda: ["#challenge-form", "#cf-challenge-running", ".g-recaptcha", "#px-captcha"],
        description="CSS selectors that only appear on a challenge page",
    )
    texts: list[str] = PField(
        default_factory=lambda: [
            "Checking your browser before accessing",
            "Verify you are human",
            "Please enable JS and disable any ad blocker",
        ],
        description="text that only appears on a challenge page (case-sensitive)",
    )

    @field_validator("selectors")
    @classmethod
    def _css(cls, v: list[str]) -> list[str]:
        for s in v:
            check_css(s)
        return v


class Fetch(BaseModel):
    """Per-site job behaviour: retries and politeness."""

    model_config = _STRICT
    attempts: int = PField(3, ge=1, le=20, description="tries per page for retryable failures")
    max_concurrent: int = PField(2, ge=1, le=64, description="pages of this site rendered at once")
    min_delay_ms: int = PField(0, ge=0, description="pause between page starts on one domain")
    blocked: Blocked = PField(default_factory=Blocked)


class Replay(BaseModel):
    """How recordings of this site are replayed (see docs/recordings.md)."""

    model_config = _STRICT
    ignore_params: list[str] = PField(
        default_factory=list,
        description="query parameters (globs) to ignore when matching requests to a recording, "
        "e.g. cache-busters like _ or cb",
    )


class SiteConfig(BaseModel):
    """One site file."""

    model_config = _STRICT
    site: str = PField(pattern=_SITE_ID, description="site id, e.g. demo-news")
    domains: list[str] = PField(min_length=1, description="host names this file serves (subdomains included)")
    article_urls: list[str] = PField(
        default_factory=list, description="regexes: a URL matching any of them is an article page"
    )
    render: Render = PField(default_factory=Render)
    fetch: Fetch = PField(default_factory=Fetch)
    listing: Listing | None = None
    replay: Replay = PField(default_factory=Replay)
    story: Story
    widgets: list[Widget] = PField(default_factory=list)
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
            if "/" in d or (":" in d and not d.startswith("[")):
                raise ValueError(f"domain {d!r} must be a bare host name (hint: drop the scheme and path)")
        return [d.lower() for d in v]

    @field_validator("widgets")
    @classmethod
    def _unique(cls, v: list[Widget]) -> list[Widget]:
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
