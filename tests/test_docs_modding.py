"""docs/MODDING.md stays true to the code: generated tables, every key and name, and examples
that parse and validate. The tutorial (Part 1) is done step by step, its output compared, in
tests/test_docs_tutorial.py."""

from __future__ import annotations

import argparse
import re
import tomllib
from pathlib import Path
from typing import get_args, get_origin

import pytest
from pydantic import BaseModel, TypeAdapter

from game.cli import build_parser
from game.docs import modding, modding_words
from game.engine.params import RivalParams
from game.packs import load_economy
from game.packs.economy import EconomyFile, ScenarioFile
from game.packs.names import RIVAL_FIELDS, STATE_NAMES
from game.packs.schema import (
    EFFECT_TYPES,
    Choice,
    Concept,
    Effect,
    EffectList,
    Event,
    EventFile,
    FollowUp,
    Modifier,
    NamedTrigger,
    PackManifest,
    Variable,
)

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "MODDING.md"
REGENERATE = "run `python -m game.docs.modding` to regenerate docs/MODDING.md's tables"
_FENCE = re.compile(r"^```(\w*)[^\n]*\n(.*?)^```", re.DOTALL | re.MULTILINE)
_CAPTION = re.compile(r"^(File|Add to) `([^`]+)`:\s*$")


def doc_text() -> str:
    return DOC.read_text(encoding="utf-8")


def code_blocks(text: str, language: str = "toml") -> list[tuple[str | None, str | None, str]]:
    """(caption verb, file, body) of each fenced block in a language; the caption is the line
    ``File `path`:`` or ``Add to `path`:`` standing right above the block."""
    blocks = []
    for m in _FENCE.finditer(text):
        if m.group(1) != language:
            continue
        before = [line for line in text[:m.start()].splitlines() if line.strip()]
        caption = _CAPTION.match(before[-1]) if before else None
        blocks.append((caption.group(1) if caption else None,
                       caption.group(2) if caption else None, m.group(2)))
    return blocks


# --- (a) the generated tables ---------------------------------------------------------------------


def test_generated_regions_are_up_to_date() -> None:
    text = doc_text()
    found = modding.regions(text)
    for name, body in found.items():
        assert body.strip() == modding.GENERATORS[name]().strip(), (
            f"the generated table '{name}' in docs/MODDING.md is out of date; {REGENERATE}")
    assert modding.render(text) == text, REGENERATE


def test_every_generated_table_is_placed_in_the_document() -> None:
    missing = sorted(set(modding.GENERATORS) - set(modding.regions(doc_text())))
    assert not missing, f"docs/MODDING.md has no region for: {', '.join(missing)}"


def test_reference_check_reports_drift_and_rewrite_fixes_it(tmp_path: Path) -> None:
    doc = tmp_path / "MODDING.md"
    doc.write_text("# x\n\n<!-- BEGIN GENERATED: presets -->\nstale\n"
                   "<!-- END GENERATED: presets -->\n", encoding="utf-8")
    assert modding.main(["--check", "--doc", str(doc)]) == 1
    assert modding.main(["--doc", str(doc)]) == 0
    assert modding.main(["--check", "--doc", str(doc)]) == 0
    assert "`standard`" in doc.read_text(encoding="utf-8")


def test_render_refuses_unknown_and_unclosed_regions() -> None:
    with pytest.raises(ValueError, match="unknown generated region"):
        modding.render("<!-- BEGIN GENERATED: nope -->\n<!-- END GENERATED: nope -->")
    with pytest.raises(ValueError, match="without a matching END"):
        modding.render("<!-- BEGIN GENERATED: presets -->\n")


# --- (b) every key and effect type is named ------------------------------------------------------

DOCUMENTED_MODELS: tuple[type[BaseModel], ...] = (
    PackManifest, Event, Choice, Concept, ScenarioFile, FollowUp, Modifier, RivalParams,
    Variable, NamedTrigger, EffectList)


@pytest.mark.parametrize("model", DOCUMENTED_MODELS, ids=lambda m: m.__name__)
def test_every_field_is_documented(model: type[BaseModel]) -> None:
    text = doc_text()
    missing = [name for name in model.model_fields if f"`{name}`" not in text]
    assert not missing, f"docs/MODDING.md does not name {model.__name__} keys: {missing}"


def test_every_effect_type_is_documented() -> None:
    text = doc_text()
    types = [modding.effect_type(m) for m in modding.effect_models()]
    assert set(modding.effect_models()) == set(EFFECT_TYPES)
    missing = [t for t in types if f"`{t}`" not in text]
    assert not missing, f"docs/MODDING.md does not name effect types: {missing}"


def test_effect_examples_are_valid_effects() -> None:
    adapter = TypeAdapter(Effect)
    for kind, example in modding_words.EFFECT_EXAMPLES.items():
        effect = adapter.validate_python(tomllib.loads(f"e = {example}")["e"])
        assert effect.type == kind


def _economy_keys() -> set[str]:
    keys = set()
    for section, info in EconomyFile.model_fields.items():
        model = info.annotation
        if get_origin(model) is list:
            model = get_args(model)[0]
        keys |= {f"{section}.{key}" for key in model.model_fields}
    return keys


def test_the_reference_notes_name_real_economy_keys() -> None:
    """The notes written by hand beside the generated tables name economy keys that exist (a
    parameter renamed in economy.toml must not leave a stale name in the reference)."""
    keys = _economy_keys()
    named = [key.split(" / ")[0] for _, key in modding_words.MODIFIABLE_NOTES.values()]
    notes = [note for _, note in modding_words.TARGET_NOTES.values()]
    notes += [n.description for n in STATE_NAMES.values()]
    for note in notes:
        named += re.findall(r"\b([a-z]+\.[a-z0-9_]+)\b", note)
    stale = [key for key in named if key not in keys]
    assert not stale, f"the reference's notes name unknown economy keys: {stale}"


def test_the_share_note_holds_for_the_base_economy() -> None:
    """The `share` target's note says customers leave at once in the base game."""
    if "all of it in the base game" in modding_words.TARGET_NOTES["share"][1]:
        assert load_economy().demand.share_loss_speed == 1.0


# --- (c) examples that parse and validate --------------------------------------------------------


def test_every_event_example_validates() -> None:
    blocks = [body for _, _, body in code_blocks(doc_text()) if "[[event]]" in body]
    assert len(blocks) >= 3
    for body in blocks:
        first = body.strip().splitlines()[0]
        try:
            EventFile.model_validate(tomllib.loads(body))
        except (tomllib.TOMLDecodeError, ValueError) as exc:
            pytest.fail(f"the [[event]] example starting {first!r} does not validate: {exc}")


def test_every_toml_example_parses() -> None:
    for _, path, body in code_blocks(doc_text()):
        try:
            tomllib.loads(body)
        except tomllib.TOMLDecodeError as exc:
            pytest.fail(f"a TOML example ({path or body[:40]!r}) does not parse: {exc}")


# --- (d) every state name is named ---------------------------------------------------------------


def test_every_state_name_is_documented() -> None:
    text = doc_text()
    missing = [name for name in STATE_NAMES if f"`{name}`" not in text]
    missing += [f for f in RIVAL_FIELDS if f"`rival.<id>.{f}`" not in text]
    assert not missing, f"docs/MODDING.md does not name state names: {missing}"


# --- the commands ---------------------------------------------------------------------------------


def test_every_packs_command_and_option_is_documented() -> None:
    text = doc_text()
    parser = build_parser()
    packs = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    actions = next(a for a in packs.choices["packs"]._actions
                   if isinstance(a, argparse._SubParsersAction))
    for name, sub in actions.choices.items():
        assert f"packs {name}" in text, f"docs/MODDING.md does not show `packs {name}`"
        for action in sub._actions:
            for option in action.option_strings:
                if option.startswith("--") and option != "--help":
                    assert option in text, f"`packs {name} {option}` is not documented"
