"""JSON Schemas of pack files, for editor completion and checking (taplo's ``#:schema``).

Pydantic writes a discriminated union as ``oneOf`` plus a ``discriminator`` mapping; editors then
report "matches none of the alternatives". Here each such union becomes ``if``/``then`` pairs
keyed on the discriminator (``type = "add"`` → the add effect's schema), so an editor reports
the precise problem of the member the author meant. The committed copies in schemas/ are checked
against these by a test.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from game.packs.economy import EconomyFile, EconomyPatchFile, RivalsFile, ScenarioFile
from game.packs.locales import LocaleFile
from game.packs.schema import EventFile, GlossaryFile, LibraryFile, PackManifest, VariablesFile

KINDS: dict[str, type[BaseModel]] = {
    "pack": PackManifest,
    "events": EventFile,
    "glossary": GlossaryFile,
    "scenario": ScenarioFile,
    "economy": EconomyFile,
    "economy_patch": EconomyPatchFile,
    "rivals": RivalsFile,
    "variables": VariablesFile,
    "library": LibraryFile,
    "locale": LocaleFile,
}
FILES = {"pack": "pack.toml", "events": "events/*.toml", "glossary": "glossary.toml",
         "scenario": "scenarios/*.toml", "economy": "economy.toml",
         "economy_patch": "economy.toml of a later pack", "rivals": "rivals.toml",
         "variables": "variables.toml", "library": "library.toml", "locale": "locales/*.toml"}


def schema_for(kind: str) -> dict[str, Any]:
    model = KINDS[kind]
    schema = model.model_json_schema(mode="validation")
    schema = _unions_as_if_then(schema)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://frontier-lab.invalid/schemas/{kind}.schema.json",
        "title": f"Frontier Lab {FILES[kind]}",
        **{k: v for k, v in schema.items() if k != "title"},
    }


def _unions_as_if_then(node: Any) -> Any:
    if isinstance(node, list):
        return [_unions_as_if_then(n) for n in node]
    if not isinstance(node, dict):
        return node
    node = {k: _unions_as_if_then(v) for k, v in node.items()}
    disc = node.get("discriminator")
    if disc and "oneOf" in node:
        prop = disc["propertyName"]
        mapping: dict[str, str] = disc["mapping"]
        return {
            "type": "object",
            "required": [prop],
            "properties": {prop: {"enum": sorted(mapping)}},
            "allOf": [{"if": {"properties": {prop: {"const": value}}, "required": [prop]},
                       "then": {"$ref": ref}} for value, ref in sorted(mapping.items())],
        }
    return node
