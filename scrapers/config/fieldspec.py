"""Selectors and fields in site files: where a value is looked up (css, xpath, JSON-LD, meta),
its fallbacks, and how it is converted. Shared by every part of the site-file format."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated, Any

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

_STRICT = ConfigDict(extra="forbid", frozen=True, defer_build=True)
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


class AllOf(BaseModel):
    """Body parts from several selectors at once: every match of every selector, in document
    order. Not fallbacks (those stop at the first selector that finds anything): a body of
    paragraphs *and* bullet lists needs both."""

    model_config = _STRICT

    all: list[DomSource] = PField(
        min_length=1,
        description="css/xpath selectors whose matches together are the body parts, in document order",
    )
    fallbacks: list[Source] = PField(
        default_factory=list, description="tried in order when none of 'all' finds anything"
    )

    @model_validator(mode="before")
    @classmethod
    def _short(cls, value: Any) -> Any:
        if isinstance(value, dict) and isinstance(value.get("fallbacks"), list):
            return {**value, "fallbacks": [_shorthand_source(v) for v in value["fallbacks"]]}
        return value

    def alternatives(self) -> list[list[Source]]:
        """The ways to find the parts, in order: the group first, then each fallback alone."""
        return [list(self.all), *([f] for f in self.fallbacks)]


class DomAllOf(AllOf):
    """`AllOf` whose fallbacks point into the DOM too (sub-headings are elements)."""

    fallbacks: list[DomSource] = PField(  # type: ignore[assignment]
        default_factory=list, description="tried in order when none of 'all' finds anything"
    )


def alternatives(spec: Selectors | AllOf) -> list[list[Source]]:
    """Ordered alternatives, each a group of selectors whose matches are taken together."""
    return spec.alternatives() if isinstance(spec, AllOf) else [[s] for s in spec.sources()]


def _parts_tag(value: Any) -> str:
    grouped = isinstance(value, AllOf) or (isinstance(value, dict) and "all" in value)
    return "all_of" if grouped else "first_of"


BodyParts = Annotated[
    Annotated[Selectors, Tag("first_of")] | Annotated[AllOf, Tag("all_of")],
    Discriminator(_parts_tag),
]
DomParts = Annotated[
    Annotated[DomSelectors, Tag("first_of")] | Annotated[DomAllOf, Tag("all_of")],
    Discriminator(_parts_tag),
]
# Tags pydantic puts in error locations where the YAML has no level of its own.
PARTS_TAGS = ("first_of", "all_of")
