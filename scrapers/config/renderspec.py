"""The `render` and `listing` parts of a site file: how a page is rendered (actions, waits, blocking,
viewport, locale) and how listing pages are paged through."""

from __future__ import annotations

import zoneinfo
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    Discriminator,
    Tag,
    field_validator,
)
from pydantic import Field as PField

from scrapers.config.fieldspec import _STRICT, DomSelectors, check_css


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


class BlockSpec(BaseModel):
    model_config = _STRICT
    resources: list[ResourceType] = PField(default_factory=list, description="resource types not to load")
    urls: list[str] = PField(default_factory=list, description="URL globs not to load, e.g. '**/ads/**'")


class Viewport(BaseModel):
    model_config = _STRICT
    width: int = PField(1280, ge=200, le=10000)
    height: int = PField(900, ge=200, le=10000)


class ConsentSpec(BaseModel):
    """The built-in consent step (scrapers/consent/): on unless a site file turns it off."""

    model_config = _STRICT
    enabled: bool = PField(
        True, description="run the built-in consent step (off: the site's own actions only)"
    )
    accept: list[Annotated[str, AfterValidator(check_css)]] = PField(
        default_factory=list,
        description="CSS selectors of this site's accept button, tried before the known managers",
    )


class RenderSpec(BaseModel):
    model_config = _STRICT
    wait_for: str | None = PField(None, description="CSS selector that means the page is ready")
    timeout_ms: int = PField(30000, ge=1000, description="budget for the whole page")
    actions: list[Action] = PField(default_factory=list)
    consent: ConsentSpec = PField(default_factory=ConsentSpec)
    block: BlockSpec = PField(default_factory=BlockSpec)
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


class ListingSpec(BaseModel):
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
