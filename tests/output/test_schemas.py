"""The JSON Schemas are generated from the models and stay in sync with them."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import yaml

from scrapers.output import schemas

ROOT = Path(__file__).resolve().parents[2]


def test_schema_files_are_up_to_date() -> None:
    for name, text in schemas.rendered().items():
        on_disk = (ROOT / "schemas" / name).read_text(encoding="utf-8")
        assert on_disk == text, f"schemas/{name} is stale: run 'make schemas'"


def test_every_site_file_validates_against_the_editor_schema() -> None:
    """What editors see (the JSON Schema) accepts exactly the files pydantic accepts, shorthands included."""
    validator = jsonschema.Draft202012Validator(json.loads((ROOT / "schemas/site.schema.json").read_text()))
    files = [*sorted((ROOT / "selectors").glob("*.yaml")), ROOT / "scrapers/config/builtin/generic.yaml"]
    for f in files:
        errors = list(validator.iter_errors(yaml.safe_load(f.read_text(encoding="utf-8"))))
        assert not errors, f"{f.name}: {errors[0].message}"


def test_site_files_reference_the_schema_for_editors() -> None:
    for f in sorted((ROOT / "selectors").glob("*.yaml")):
        first = f.read_text(encoding="utf-8").splitlines()[0]
        assert first == "# yaml-language-server: $schema=../schemas/site.schema.json", f.name


def test_editor_schema_rejects_unknown_keys() -> None:
    validator = jsonschema.Draft202012Validator(json.loads((ROOT / "schemas/site.schema.json").read_text()))
    bad = {"site": "x", "domains": ["x.example"], "story": {"headline": "h1", "hedline": "h2"}}
    assert list(validator.iter_errors(bad))
