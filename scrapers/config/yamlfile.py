"""YAML config files with line numbers: parse, validate against a pydantic model, and
report every problem as one line `FILE:LINE:COL: FIELD: MESSAGE (hint: ...)`.

Shared by site files and job files, so both fail the same helpful way.
"""

from __future__ import annotations

import difflib
import re
import typing
from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from scrapers.errors import ConfigFileError as ConfigFileError  # re-exported: raised here
from scrapers.errors import LocatedError as LocatedError
from scrapers.errors import Problem as Problem

M = TypeVar("M", bound=BaseModel)

# Limits on what a config file may hold, far above any real one (site files have 4 KB and nest
# 8 deep; a job file listing 10,000 URLs has 600 KB): a hostile file is refused with a
# FILE:LINE:COL problem instead of exhausting the stack, memory or time (PyYAML reads a dense
# megabyte in 3 s).
MAX_CHARS = 1_000_000
MAX_DEPTH = 50  # nested mappings and sequences
MAX_VALUES = 250_000  # values in the document with its aliases expanded ("billion laughs")
MAX_PROBLEMS = 50  # reported of one file


class _Loader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate keys (PyYAML silently keeps the last), nesting deeper
    than MAX_DEPTH (PyYAML composes by recursion), and values Python cannot hold (an integer of
    5,000 digits, February 30th), each with the place it is at."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        if self._depth >= MAX_DEPTH:
            raise yaml.composer.ComposerError(
                None,
                None,
                f"nested more than {MAX_DEPTH} levels deep (hint: no config file needs that many)",
                self.peek_event().start_mark,  # type: ignore[no-untyped-call]
            )
        self._depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep=deep)
        except (yaml.YAMLError, RecursionError):
            raise
        except Exception as exc:  # PyYAML's constructors raise what Python does ("!!int" alone: IndexError)
            tag = str(node.tag).replace("tag:yaml.org,2002:", "!!")
            why = str(exc) if isinstance(exc, ValueError | OverflowError) else f"no valid {tag}"
            raise yaml.constructor.ConstructorError(
                None, None, f"cannot read this value: {why} (hint: quote it to make it text)", node.start_mark
            ) from None

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, yaml.Node] = {}
        pairs = node.value if isinstance(node, yaml.MappingNode) else []  # "!!set [1]": super() says
        for key_node, _ in pairs:
            key = self.construct_object(key_node, deep=deep)
            try:
                hash(key)
            except TypeError:
                raise yaml.constructor.ConstructorError(
                    None, None, "a list or mapping as a key (hint: keys are plain names)", key_node.start_mark
                ) from None
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


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    return list(node.value) if isinstance(node, yaml.SequenceNode) else []


def _expansion_problem(root: yaml.Node) -> yaml.MarkedYAMLError | None:
    """An alias inside the value it names, or a value holding more than MAX_VALUES values with
    its aliases expanded (nine aliases of nine aliases... of a list: a billion values, from a
    document of a few lines). Counted leaves first, each node once, so never expanded here."""
    sizes: dict[int, int] = {}
    open_: set[int] = set()  # nodes whose values are being counted: meeting one again is a cycle
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, counted = stack.pop()
        key = id(node)
        if counted:
            open_.discard(key)
            sizes[key] = 1 + sum(sizes[id(c)] for c in _children(node))
            if sizes[key] > MAX_VALUES:
                return yaml.composer.ComposerError(
                    None,
                    None,
                    f"this value holds more than {MAX_VALUES:,} values with its aliases expanded "
                    "(hint: an alias repeats all its anchor names; write the values out)",
                    node.start_mark,
                )
        elif key in open_:
            return yaml.composer.ComposerError(
                None, None, "an alias inside the value it names (hint: it would never end)", node.start_mark
            )
        elif key not in sizes:
            open_.add(key)
            stack.append((node, True))
            stack.extend((c, False) for c in _children(node))
    return None


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
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
            node, key_node = node.value[part], None
    return node, key_node


def position(text: str, loc: tuple[int | str, ...], *, key: bool = False) -> tuple[int, int]:
    """Line and column (from 1) of the value at `loc` in a YAML document (of its key, with `key`):
    for problems found after loading, such as two files claiming one domain. (1, 1) when the
    document cannot be read."""
    loader = _Loader(text)
    try:
        node, key_node = _walk(loader.get_single_node(), loc)
    except (yaml.YAMLError, RecursionError):
        return 1, 1
    finally:
        loader.dispose()
    mark_node = key_node if key and key_node is not None else node
    mark = mark_node.start_mark if mark_node is not None else None
    return (mark.line + 1, mark.column + 1) if mark else (1, 1)


def _field_name(loc: tuple[int | str, ...], tags: tuple[str, ...], root: type[BaseModel]) -> str:
    out = ""
    for i, part in enumerate(loc):
        if isinstance(part, int):
            out += f"[{part}]"
        elif part in tags and (out.endswith("]") or part not in _allowed_keys(root, loc[:i], tags)):
            continue  # discriminator tag: the YAML has no such level
        else:
            out += f".{part}" if out else str(part)
    return out


def _message(
    root: type[BaseModel], err: Mapping[str, Any], loc: tuple[int | str, ...], tags: tuple[str, ...]
) -> str:
    kind = err["type"]
    docs = _about(root)[1]
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
        shown = _shown(got) if not isinstance(got, dict | list) else type(got).__name__
        msg = f"{msg}, got {shown} (hint: see {docs} for this key's type)"
    elif kind == "string_pattern_mismatch":
        msg = f"{msg}, got {_shown(err.get('input'))} (hint: use lower-case letters, digits and _)"
    elif "hint:" not in msg:
        msg = f"{msg} (hint: see {docs})"
    return msg


def _about(model: type[BaseModel]) -> tuple[str, str]:
    """What a file of `model` is called and where its keys are documented (the model's
    CONFIG_KIND and CONFIG_DOCS; site files by default)."""
    return (
        str(getattr(model, "CONFIG_KIND", "site file")),
        str(getattr(model, "CONFIG_DOCS", "docs/site-files.md")),
    )


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else f"{text[:60]}... ({len(text):,} characters)"


def _at(text: str, index: int) -> tuple[int, int]:
    """Line and column (from 1) of a character of `text`."""
    return text.count("\n", 0, index) + 1, index - text.rfind("\n", 0, index)


def _yaml_problem(exc: yaml.MarkedYAMLError, path: str) -> Problem:
    mark = exc.problem_mark or exc.context_mark
    line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    problem = (exc.problem or "").strip()
    if "hint:" not in problem:  # a scanner/parser error rather than one of ours
        problem = f"YAML syntax error: {problem} (hint: check indentation, colons and quotes on this line)"
    return Problem(path, line, col, "", problem)


def _load(text: str, path: str) -> tuple[Any, yaml.Node | None]:
    """The document's data and its node tree; ConfigFileError for anything YAML refuses."""
    if len(text) > MAX_CHARS:
        line, col = _at(text, MAX_CHARS)
        limit = f"more than {MAX_CHARS:,} characters (hint: no config file needs that many)"
        raise ConfigFileError([Problem(path, line, col, "", limit)])
    loader = None
    try:
        loader = _Loader(text)
        root = loader.get_single_node()
        if root is not None and (too_big := _expansion_problem(root)) is not None:
            raise too_big
        return (loader.construct_document(root) if root is not None else None), root
    except yaml.MarkedYAMLError as exc:
        raise ConfigFileError([_yaml_problem(exc, path)]) from None
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow (NUL, a lone surrogate)
        line, col = _at(text, exc.position)
        bad = f"character #x{exc.character:04x} is not allowed in YAML (hint: delete it, or escape it)"
        raise ConfigFileError([Problem(path, line, col, "", bad)]) from None
    except (yaml.YAMLError, RecursionError) as exc:  # merge keys (<<) that merge merges... too deep
        raise ConfigFileError(
            [
                Problem(
                    path, 1, 1, "", f"cannot read the file: {' '.join(str(exc).split())} (hint: simplify it)"
                )
            ]
        ) from None
    finally:
        if loader is not None:
            loader.dispose()


def parse_model(text: str, path: str, model: type[M], tags: tuple[str, ...] = ()) -> M:
    """Parse and validate YAML text as `model`; `path` is only used in messages.

    `tags` are discriminator tags pydantic puts in error locations where the YAML has no level.
    """
    data, root = _load(text, path)
    if not isinstance(data, dict):
        what, docs = _about(model)
        found = "it is empty" if data is None else f"found {type(data).__name__}"
        raise ConfigFileError(
            [Problem(path, 1, 1, "", f"a {what} must be a YAML mapping; {found} (hint: see {docs})")]
        )
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors()
        problems = [_problem(path, root, model, err, tags) for err in errors[:MAX_PROBLEMS]]
        problems.sort(key=lambda p: (p.line, p.column))
        if len(errors) > MAX_PROBLEMS:
            first = _problem(path, root, model, errors[MAX_PROBLEMS], tags)
            more = f"and {len(errors) - MAX_PROBLEMS:,} more problems (hint: mend the ones above first)"
            problems.append(Problem(path, first.line, first.column, "", more))
        raise ConfigFileError(problems) from None


def _problem(
    path: str, root: yaml.Node | None, model: type[BaseModel], err: Mapping[str, Any], tags: tuple[str, ...]
) -> Problem:
    loc = tuple(err["loc"])
    cause = (err.get("ctx") or {}).get("error")
    if isinstance(cause, LocatedError):
        loc = loc + cause.sub_loc
    node, key_node = _walk(root, loc)
    mark_node = key_node if err["type"] == "extra_forbidden" and key_node is not None else node
    mark = mark_node.start_mark if mark_node is not None else None
    line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    return Problem(path, line, col, _field_name(loc, tags, model), _message(model, err, loc, tags))
