"""The run summary's model (OUT.summary.json, docs/jobs.md), for its JSON Schema
(`schemas/summary.schema.json`, `make schemas`). The summary is built as a dict by the job runner
(job/run.py, job/summary.py); tests validate real summaries against this schema."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class Browser(BaseModel):
    version: str | None = Field(description="the Chromium version that rendered the pages")
    launches: int = Field(ge=0, description="how often the browser was (re)started")


class Spread(BaseModel):
    median: int
    p95: int
    max: int


class Timings(BaseModel):
    render: Spread
    extract: Spread
    attempt: Spread


class Drift(BaseModel):
    pages: int = Field(ge=0, description="pages this site file extracted")
    partial: int = Field(ge=0, description="of them partial: a field the file asks for was missed")
    generic_fallbacks: int = Field(ge=0, description="of them extracted with generic help (matched -1)")
    missed: dict[str, int] = Field(description="field -> pages that missed it, most often first")
    example: str | None = Field(description="one partial page, for `storyline suggest URL --site NAME`")


class RunSummary(BaseModel):
    """What a run did: counts, coverage, drift, timings."""

    model_config = ConfigDict(title="Storyline run summary")
    job: str
    output: str = Field(description="the NDJSON output, '-' for standard output")
    output_written: bool = Field(description="false: nothing to write, an existing output was kept")
    started_at: str
    finished_at: str
    wall_s: float
    interrupted: bool
    carried_over: int = Field(ge=0, description="records of an earlier output kept (incremental runs)")
    discovered: int = Field(ge=0)
    skipped_already_done: int = Field(ge=0, description="--resume: pages the output already holds")
    skipped_known: int = Field(ge=0, description="pages the state store knows unchanged")
    state: str | None = Field(description="the state store, if any")
    discovery_problems: list[str]
    browser: Browser
    pages: int = Field(ge=0)
    by_status: dict[str, int] = Field(description="ok, partial, error -> pages")
    errors_by_kind: dict[str, int]
    retries: int = Field(ge=0)
    coverage: dict[str, dict[str, float]] = Field(description="site -> field -> share of pages found")
    pages_per_site: dict[str, int]
    generic_fallbacks: dict[str, int]
    drift: dict[str, Drift] = Field(description="site files whose pages were partial or fell back")
    timings_ms: Timings
