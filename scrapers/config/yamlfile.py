"""YAML config files with line numbers: parse, validate against a pydantic model, and
report every problem as one line `FILE:LINE:COL: FIELD: MESSAGE (hint: ...)`.

Shared by site files and job files, so both fail the same helpful way.
"""

from __future__ import annotations

import difflib
import re
import typing
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)


class LocatedError(ValueError):
    """A validation error that knows where below the validated value it belongs."""

    def __init__(self, message: str, sub_loc: tuple[int | str, ...]) -> None:
        super().__init__(message)
        self.sub_loc = sub_loc


@dataclass(frozen=True)
class Problem:
    path: str
    line: int
    column: int
    field: str
    message: str

    def __str__(self) -> str:
        where = f" {self.field}:" if self.field else ""
        return f"{self.path}:{self.line}:{self.column}:{where} {self.message}"


class ConfigFileError(Exception):
    """One or more problems in one config file; str() is one line per problem."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


class _Loader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate keys (PyYAML silently keeps the last)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, yaml.Node] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    f"while reading the mapping that starts on line {node.start_mark.line + 1}",
                    node.start_mark,
                    f"duplicate key {key!r} (first on line {seen[key].start_mark.line + 1}; "
                    "hint: merge the two or delete one)",
                    key_node.start_mark,
                )
            seen[key] = key_node
        return super().construct_mapping(node, deep=deep)


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    """The models an annotation can hold (through Optional, list, dict, unions, Annotated)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in typing.get_args(annotation) for m in _models_in(arg)]


def _allowed_keys(root: type[BaseModel], loc: tuple[int | str, ...], tags: tuple[str, ...]) -> set[str]:
    """Keys allowed in the mapping at `loc` (the location of the unknown key's parent)."""
    models: list[type[BaseModel]] = [root]
    for part in loc:
        if isinstance(part, int) or not models:
            continue
        if part in tags and not any(part in m.model_fields for m in models):
            continue
        nxt: list[type[BaseModel]] = []
        for m in models:
            info = m.model_fields.get(str(part))
            if info is not None:
                nxt.extend(_models_in(info.annotation))
        if nxt or any(str(part) in m.model_fields for m in models):
            models = nxt
        # else: a dict key chosen by the user (a custom field name); stay on the value model
    return {k for m in models for k in m.model_fields}


def _walk(node: yaml.Node | None, loc: Iterable[int | str]) -> tuple[yaml.Node | None, yaml.Node | None]:
    """Follow a pydantic error location through the YAML node tree.

    Returns the deepest (value node, key node) reached; location parts that are
    not YAML paths (union tags, model names) are skipped.
    """
    key_node: yaml.Node | None = None
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                if k.value == part:
                    node, key_node = v, k
                    break
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node, key_node = node.value[part], None
    return node, key_node


def _field_name(loc: Iterable[int | str], tags: tuple[str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part in tags and out.endswith("]"):
            continue  # discriminator tag: the YAML has no such level
        else:
            out += f".{part}" if out else str(part)
    return out


def _message(
    root: type[BaseModel], err: Mapping[str, Any], loc: tuple[int | str, ...], tags: tuple[str, ...]
) -> str:
    kind = err["type"]
    if kind == "extra_forbidden":
        key = str(loc[-1])
        allowed = _allowed_keys(root, loc[:-1], tags)
        close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
        if close:
            hint = f"did you mean {close[0]!r}?"
        elif allowed:
            hint = "allowed here: " + ", ".join(sorted(allowed))
        else:
            hint = "remove it"
        return f"unknown key {key!r} (hint: {hint})"
    if kind == "missing":
        return f"required key {loc[-1]!r} is missing (hint: add it)"
    msg = str(err["msg"])
    msg = re.sub(r"^(Value error|Assertion failed), ", "", msg)
    if kind.endswith("_type") or kind.endswith("_parsing") or kind in ("enum", "literal_error"):
        got = err.get("input")
        shown = repr(got) if not isinstance(got, dict | list) else type(got).__name__
        msg = f"{msg}, got {shown} (hint: see docs/site-files.md for this key's type)"
    elif kind == "string_pattern_mismatch":
        msg = f"{msg}, got {err.get('input')!r} (hint: use lower-case letters, digits and _)"
    elif "hint:" not in msg:
        msg = f"{msg} (hint: see docs/site-files.md)"
    return msg


def parse_model(text: str, path: str, model: type[M], tags: tuple[str, ...] = ()) -> M:
    """Parse and validate YAML text as `model`; `path` is only used in messages.

    `tags` are discriminator tags pydantic puts in error locations where the YAML has no level.
    """
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
        data = loader.construct_document(root) if root is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = (exc.problem or "").strip()
        if "hint:" not in problem:  # a scanner/parser error rather than one of ours
            problem = (
                f"YAML syntax error: {problem} (hint: check indentation, colons and quotes on this line)"
            )
        raise ConfigFileError([Problem(path, line, col, "", problem)]) from None
    finally:
        loader.dispose()
    if not isinstance(data, dict):
        raise ConfigFileError(
            [Problem(path, 1, 1, "", "a site file must be a YAML mapping (hint: see the docs for its keys)")]
        )
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = tuple(err["loc"])
            cause = (err.get("ctx") or {}).get("error")
            if isinstance(cause, LocatedError):
                loc = loc + cause.sub_loc
            node, key_node = _walk(root, loc)
            mark_node = key_node if err["type"] == "extra_forbidden" and key_node is not None else node
            mark = mark_node.start_mark if mark_node is not None else None
            line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
            problems.append(Problem(path, line, col, _field_name(loc, tags), _message(model, err, loc, tags)))
        problems.sort(key=lambda p: (p.line, p.column))
        raise ConfigFileError(problems) from None
