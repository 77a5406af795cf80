"""docs/MODDING.md stays true to the code: generated tables, every key and name, and examples
that parse, validate and produce the messages the tutorial shows."""

from __future__ import annotations

import argparse
import re
import tomllib
from pathlib import Path
from typing import get_args, get_origin

import pytest
from pydantic import BaseModel, TypeAdapter

from game.cli import build_parser
from game.cli import main as cli_main
from game.docs import modding, modding_words
from game.engine.params import RivalParams
from game.packs import Problem, check, load_economy
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


# --- the tutorial, built from the document -------------------------------------------------------


def build(tmp_path: Path, pack: str) -> Path:
    """The tutorial's pack as the document builds it: `packs new`, then its captioned blocks."""
    assert cli_main(["packs", "new", pack, "--dir", str(tmp_path)]) == 0
    written: set[str] = set()
    for verb, path, body in code_blocks(doc_text()):
        if path is None or not path.startswith(f"{pack}/"):
            continue
        target = tmp_path / path
        target.parent.mkdir(parents=True, exist_ok=True)
        if verb == "Add to" or path in written:
            target.write_text(target.read_text(encoding="utf-8") + "\n" + body,
                              encoding="utf-8")
        else:
            target.write_text(body, encoding="utf-8")
        written.add(path)
    return tmp_path / pack


def shown(problems: list[Problem], root: Path) -> list[str]:
    """Problems as `packs validate` prints them when run from ``root``."""
    return [str(p).replace(f"{root}/", "") for p in problems]


def test_the_tutorial_pack_validates(tmp_path: Path) -> None:
    pack = build(tmp_path, "mypack")
    for name in ("events/supply.toml", "events/partners.toml", "events/rivals.toml",
                 "economy.toml", "rivals.toml"):
        assert (pack / name).is_file(), f"the tutorial no longer writes mypack/{name}"
    assert shown(check([pack]), tmp_path) == []


@pytest.mark.parametrize(("old", "new"), [
    ('trigger = "quarter >= 2 and owned_h100e > 100000"',
     'trigger = "quarter >= 2 and owned_h100 > 100000"'),
    ("mtth_quarters = 12", "mtth_quarter = 12"),
])
def test_the_tutorial_error_messages_are_real(tmp_path: Path, old: str, new: str) -> None:
    pack = build(tmp_path, "mypack")
    events = pack / "events" / "supply.toml"
    text = events.read_text(encoding="utf-8")
    assert old in text
    events.write_text(text.replace(old, new, 1), encoding="utf-8")
    lines = shown(check([pack]), tmp_path)
    assert lines, "the mistake is no longer reported"
    for line in lines:
        assert line in doc_text(), f"docs/MODDING.md should show the message as printed: {line}"


def test_the_tutorial_conflict_is_real(tmp_path: Path) -> None:
    mine = build(tmp_path, "mypack")
    other = build(tmp_path, "otherpack")
    (other / "events" / "first.toml").unlink()
    (other / "glossary.toml").unlink()
    lines = shown(check([mine, other]), tmp_path)
    assert len(lines) == 1 and "conflict" in lines[0]
    assert lines[0] in doc_text()
    manifest = other / "pack.toml"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace(
        "load_after = []", 'load_after = ["mypack"]'), encoding="utf-8")
    assert 'load_after = ["mypack"]' in doc_text()
    assert check([mine, other]) == []


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



def test_the_tutorial_scenario_scripts_its_event_where_it_can_happen(tmp_path: Path) -> None:
    """Step 12's scenario scripts mypack.fab_fire at a quarter where its trigger can hold (at
    quarter 1, its `quarter >= 2` never held: the event happened only by chance), and the
    tutorial pack has no warning: only the note on its weighted event's pool."""
    pack = build(tmp_path, "mypack")
    text = doc_text()
    block = next(body for _, _, body in code_blocks(text) if 'id = "fab-fire"' in body)
    base = (ROOT / "content" / "base" / "scenarios" / "ipo-window.toml").read_text()
    scenario = pack / "scenarios" / "fab-fire.toml"
    scenario.parent.mkdir(exist_ok=True)
    scenario.write_text(block + "\n" + base[base.index("[start_state]"):], encoding="utf-8")
    assert [p.code for p in check([pack], warnings=True)] == ["pool"]
    assert "quarter = 2" in block
    scenario.write_text(scenario.read_text().replace("quarter = 2", "quarter = 1", 1))
    lines = [str(p) for p in check([pack], warnings=True) if p.code == "scripted-trigger"]
    assert len(lines) == 1
    said = lines[0].split(": warning: ")[1].split(": ...")[0]
    assert said.startswith("scenario 'fab-fire': scripted event 'mypack.fab_fire' cannot happen "
                           "at quarter 1: its trigger never holds there")
    assert " ".join(said[:120].split()) in " ".join(text.split())
