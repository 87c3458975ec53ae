"""The output record: one JSON object per page, for successes and failures alike.

`schemas/record.schema.json` is generated from these models; bump
SCHEMA_VERSION on any incompatible change.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from pydantic_core import PydanticSerializationError

from scrapers.errors import ErrorKind
from scrapers.output.text import valid_json, valid_text

SCHEMA_VERSION: Literal[1] = 1

_OUT = ConfigDict(extra="forbid")

JsonValue = str | int | float | bool | None | list[Any] | dict[str, Any]

# Every text entering a record is valid Unicode (scrapers/output/text.py): a lone surrogate
# becomes U+FFFD here, so no record fails to be written for its content.
Text = Annotated[str, AfterValidator(valid_text)]
Fields = Annotated[dict[str, JsonValue], AfterValidator(valid_json)]


class LeadImage(BaseModel):
    model_config = _OUT
    url: Text | None = None
    caption: Text | None = None
    credit: Text | None = None


class Section(BaseModel):
    model_config = _OUT
    heading: Text | None = None
    paragraphs: list[Text] = Field(default_factory=list)


class Story(BaseModel):
    model_config = _OUT
    headline: Text | None = None
    summary: Text | None = None
    authors: list[Text] = Field(default_factory=list)
    published: Text | None = Field(None, description="ISO 8601 with offset")
    modified: Text | None = Field(None, description="ISO 8601 with offset")
    section: Text | None = None
    topics: list[Text] = Field(default_factory=list)
    lead_image: LeadImage | None = None
    body: list[Section] = Field(default_factory=list)
    text: Text = Field("", description="summary then body paragraphs, joined by blank lines")
    fields: Fields = Field(default_factory=dict)
    matched: dict[str, int] = Field(
        default_factory=dict, description="field -> index of the selector that matched (0 = primary)"
    )


class WidgetItem(BaseModel):
    model_config = _OUT
    title: Text | None = None
    url: Text | None = None
    summary: Text | None = None
    published: Text | None = None
    image: Text | None = None
    fields: Fields = Field(default_factory=dict)


class Widget(BaseModel):
    model_config = _OUT
    name: Text
    title: Text | None = None
    items: list[WidgetItem] = Field(default_factory=list)


class Page(BaseModel):
    model_config = _OUT
    title: Text | None = None
    language: Text | None = None
    canonical_url: Text | None = None
    fields: Fields = Field(default_factory=dict)


class Error(BaseModel):
    model_config = _OUT
    kind: ErrorKind
    message: Text
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
    site: Text | None = None
    extractor: Literal["selectors", "generic"] | None = None
    url: Text = Field(description="exactly as requested")
    final_url: Text | None = None
    fetched_at: Text = Field(description="ISO 8601 UTC")
    http_status: int | None = None
    status: Literal["ok", "partial", "error"]
    story: Story | None = None
    widgets: list[Widget] = Field(default_factory=list)
    page: Page | None = None
    missing: list[Text] = Field(default_factory=list)
    error: Error | None = None
    timings_ms: Timings = Field(default_factory=Timings)
    blocked_requests: int = Field(0, description="requests of the page the URL policy refused")
    hidden: Hidden = Field(default_factory=Hidden)

    def to_json(self) -> str:
        try:
            return self.model_dump_json()
        except PydanticSerializationError:
            # Text put in after validation (a copy with an update): validating again cleans it.
            return Record.model_validate(self.model_dump()).model_dump_json()
