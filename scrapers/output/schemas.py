"""Generate `schemas/site.schema.json`, `schemas/record.schema.json` and
`schemas/summary.schema.json` from the models.

python -m scrapers.output.schemas           # rewrite the files
python -m scrapers.output.schemas --check   # exit 1 if they are out of date
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from scrapers.config.sitespec import SiteSpec
from scrapers.output.atomic import write_atomic
from scrapers.output.record import Record
from scrapers.output.runsummary import RunSummary

SCHEMA_DIR = Path(__file__).resolve().parents[2] / "schemas"

# Models that also accept the shorthand forms their before-validators normalise.
_STRING_SHORTHAND = {
    "Source",
    "Selectors",
    "DomSelectors",
    "DomSource",
    "Field",
    "RequiredField",
    "ListField",
    "DateField",
    "UrlField",
}
_LIST_SHORTHAND = _STRING_SHORTHAND - {"Source", "DomSource"}


def _with_shorthands(node: Any) -> Any:
    if isinstance(node, dict):
        ref = node.get("$ref", "")
        name = ref.rsplit("/", 1)[-1]
        rest = {k: v for k, v in node.items() if k != "$ref"}  # description, default...
        if name in _STRING_SHORTHAND:
            options: list[dict[str, Any]] = [
                {"$ref": ref},
                {"type": "string", "description": "CSS selector shorthand"},
            ]
            if name in _LIST_SHORTHAND:
                options.append(
                    {
                        "type": "array",
                        "minItems": 1,
                        "description": "the primary selector then its fallbacks",
                        "items": {"anyOf": [{"type": "string"}, {"$ref": "#/$defs/Source"}]},
                    }
                )
            return {"anyOf": options, **rest}
        if name == "ScrollSpec":
            return {
                "anyOf": [{"$ref": ref}, {"type": "integer", "minimum": 1, "description": "times"}],
                **rest,
            }
        return {k: _with_shorthands(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_with_shorthands(v) for v in node]
    return node


def site_schema() -> dict[str, Any]:
    schema = _with_shorthands(SiteSpec.model_json_schema())
    assert isinstance(schema, dict)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "storyline/site.schema.json",
        "title": "Storyline site file",
        **schema,
    }


def record_schema() -> dict[str, Any]:
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "storyline/record.schema.json",
        "title": "Storyline record (one NDJSON line)",
        **Record.model_json_schema(mode="serialization"),
    }


def summary_schema() -> dict[str, Any]:
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "storyline/summary.schema.json",
        **RunSummary.model_json_schema(),
    }


def rendered() -> dict[str, str]:
    return {
        "site.schema.json": json.dumps(site_schema(), indent=2, ensure_ascii=False) + "\n",
        "record.schema.json": json.dumps(record_schema(), indent=2, ensure_ascii=False) + "\n",
        "summary.schema.json": json.dumps(summary_schema(), indent=2, ensure_ascii=False) + "\n",
    }


def main(argv: list[str]) -> int:
    stale = []
    for name, text in rendered().items():
        path = SCHEMA_DIR / name
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current == text:
            continue
        if "--check" in argv:
            stale.append(name)
        else:
            write_atomic(path, text)
            print(f"wrote {path}")
    if stale:
        print(f"out of date: {', '.join(stale)} (run: make schemas)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
