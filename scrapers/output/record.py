"""The output record: one JSON object per page, for successes and failures alike.

`schemas/record.schema.json` is generated from these models; bump
SCHEMA_VERSION on any incompatible change.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from scrapers.errors import ErrorKind

SCHEMA_VERSION: Literal[1] = 1

_OUT = ConfigDict(extra="forbid")

JsonValue = str | int | float | bool | None | list[Any] | dict[str, Any]


class LeadImage(BaseModel):
    model_config = _OUT
    url: str | None = None
    caption: str | None = None
    credit: str | None = None


class Section(BaseModel):
    model_config = _OUT
    heading: str | None = None
    paragraphs: list[str] = Field(default_factory=list)


class Story(BaseModel):
    model_config = _OUT
    headline: str | None = None
    summary: str | None = None
    authors: list[str] = Field(default_factory=list)
    published: str | None = Field(None, description="ISO 8601 with offset")
    modified: str | None = Field(None, description="ISO 8601 with offset")
    section: str | None = None
    topics: list[str] = Field(default_factory=list)
    lead_image: LeadImage | None = None
    body: list[Section] = Field(default_factory=list)
    text: str = Field("", description="summary then body paragraphs, joined by blank lines")
    fields: dict[str, JsonValue] = Field(default_factory=dict)
    matched: dict[str, int] = Field(
        default_factory=dict, description="field -> index of the selector that matched (0 = primary)"
    )


class WidgetItem(BaseModel):
    model_config = _OUT
    title: str | None = None
    url: str | None = None
    summary: str | None = None
    published: str | None = None
    image: str | None = None
    fields: dict[str, JsonValue] = Field(default_factory=dict)


class Widget(BaseModel):
    model_config = _OUT
    name: str
    title: str | None = None
    items: list[WidgetItem] = Field(default_factory=list)


class Page(BaseModel):
    model_config = _OUT
    title: str | None = None
    language: str | None = None
    canonical_url: str | None = None
    fields: dict[str, JsonValue] = Field(default_factory=dict)


class Error(BaseModel):
    model_config = _OUT
    kind: ErrorKind
    message: str
    attempts: int = 1
    http_status: int | None = None
    previous: list[ErrorKind] = Field(
        default_factory=list, description="kinds of the earlier failed attempts, oldest first"
    )


class Timings(BaseModel):
    model_config = _OUT
    render: int = 0
    extract: int = 0
    total: int = Field(0, description="wall time for the page, all attempts and backoff included")


class Hidden(BaseModel):
    """What the page showed that the snapshot could not take (docs/site-files.md#shadow-roots-and-frames)."""

    model_config = _OUT
    closed_shadow_roots: int = Field(0, description="closed shadow roots the page's scripts attached")
    refused_frames: int = Field(
        0, description="frames shown on the page whose content could not be read (URL policy, error)"
    )


class Record(BaseModel):
    model_config = _OUT
    schema_version: Literal[1] = SCHEMA_VERSION
    site: str | None = None
    extractor: Literal["selectors", "generic"] | None = None
    url: str = Field(description="exactly as requested")
    final_url: str | None = None
    fetched_at: str = Field(description="ISO 8601 UTC")
    http_status: int | None = None
    status: Literal["ok", "partial", "error"]
    story: Story | None = None
    widgets: list[Widget] = Field(default_factory=list)
    page: Page | None = None
    missing: list[str] = Field(default_factory=list)
    error: Error | None = None
    timings_ms: Timings = Field(default_factory=Timings)
    blocked_requests: int = Field(0, description="requests of the page the URL policy refused")
    hidden: Hidden = Field(default_factory=Hidden)

    def to_json(self) -> str:
        return self.model_dump_json()
