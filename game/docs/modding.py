"""Markdown reference tables for docs/MODDING.md, generated from the models so they cannot go stale.

docs/MODDING.md marks each generated table with a pair of comments naming a region::

    <!-- BEGIN GENERATED: effects -->
    (the table; rewritten by this module)
    <!-- END GENERATED: effects -->

``python -m game.docs.modding`` rewrites every marked region of docs/MODDING.md in place;
``python -m game.docs.modding --check`` only reports whether the document is up to date (exit
code 1 if not). tests/test_docs_modding.py runs the same check.

Everything a table states comes from the code: field names, types, defaults, limits and
descriptions from the pydantic models (``Field(description=...)``, in TOML's words by
:mod:`game.docs.toml_fields`), effect descriptions from the effect classes' docstrings, bounds
from ``effects.BOUNDS``, the functions from ``expressions.FUNCTIONS``, the presets from
``director.PRESETS``, the refused-expression messages from compiling the examples. Where the code
carries no words of its own (a field without a description, what a target or a modifiable
parameter means), the words live in :mod:`game.docs.modding_words`, keyed by the code's own
names: a new field, target, parameter, function or effect without words makes the generator fail
rather than print a hole.
"""

from __future__ import annotations

import argparse
import inspect
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, get_args, get_origin

from annotated_types import MaxLen
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from game.docs.markdown import number, table
from game.docs.modding_words import (
    EFFECT_EXAMPLES,
    EFFECT_FIELD_NOTES,
    EFFECT_NOTES,
    FUNCTION_NOTES,
    MODIFIABLE_NOTES,
    NAME_SAMPLES,
    REFUSED,
    RIVAL_SAMPLES,
    TARGET_LIMITS,
    TARGET_NOTES,
    UNIT_SAMPLES,
)
from game.docs.toml_fields import default, fields_table, limits, toml_type, type_hints
from game.engine.params import (
    MAX_GPU_GENERATIONS,
    OutcomeParams,
    RivalParams,
    ScoreParams,
    StartState,
)
from game.engine.plan import Plan
from game.packs import effects as fx
from game.packs import (
    errors,
    expressions,
    files,
    locales,
    names,
    placeholders,
    reading,
    schema,
)
from game.packs.director import PRESETS, CompiledEvent, Director
from game.packs.economy import (
    EconomyFile,
    EconomyPatchFile,
    Hint,
    HistoryPoint,
    RivalsFile,
    ScenarioFile,
    ScriptedEvent,
)

DOC_PATH = Path(__file__).resolve().parents[2] / "docs" / "MODDING.md"
REGION = re.compile(
    r"<!-- BEGIN GENERATED: (?P<name>[a-z_]+) -->\n(?P<body>.*?)<!-- END GENERATED: (?P=name) -->",
    re.DOTALL,
)
BEGIN = re.compile(r"<!-- BEGIN GENERATED: ([^ ]*) -->")


def _doc(obj: object) -> str:
    return " ".join(inspect.cleandoc(obj.__doc__ or "").split())


# --- the tables ----------------------------------------------------------------------------------


def effect_models() -> list[type[BaseModel]]:
    """The members of the effect union, in the union's order."""
    union = get_args(schema.Effect)[0]
    return list(get_args(union))


def effect_type(model: type[BaseModel]) -> str:
    return str(get_args(model.model_fields["type"].annotation)[0])


def _effect_field(model: type[BaseModel], name: str, info: FieldInfo, hint: Any) -> str:
    words = EFFECT_FIELD_NOTES.get(f"{model.__name__}.{name}", EFFECT_FIELD_NOTES.get(name))
    if words is None:
        raise KeyError(f"effect field {model.__name__}.{name} has no entry in "
                       "game.docs.modding_words.EFFECT_FIELD_NOTES")
    extra = [words]
    rule = limits(info, hint)
    if rule and toml_type(hint) != "expression (string)" and "lowercase" not in rule:
        extra.append(rule)
    if not info.is_required():
        extra.append(f"default {default(info)}")
    return f"`{name}` ({', '.join(extra)})"


def effects_table() -> str:
    """Every member of the effect union: its `type`, its fields, what it does, an example."""
    rows = []
    for model in effect_models():
        kind = effect_type(model)
        hints = type_hints(model)
        fields = [_effect_field(model, n, i, hints[n]) for n, i in model.model_fields.items()
                  if n != "type"]
        if kind not in EFFECT_NOTES or kind not in EFFECT_EXAMPLES:
            raise KeyError(f"effect '{kind}' needs an entry in EFFECT_NOTES and EFFECT_EXAMPLES")
        rows.append([f"`{kind}`", ", ".join(fields), f"{_doc(model)} {EFFECT_NOTES[kind]}",
                     f"`{EFFECT_EXAMPLES[kind]}`"])
    return table(["`type`", "fields", "what it does", "example"], rows)


def targets_table() -> str:
    """Every number target of add / multiply / set: unit, operations, bounds, meaning."""
    rows = []
    for target in get_args(schema.NumberTarget):
        if target not in TARGET_NOTES:
            raise KeyError(f"target '{target}' needs an entry in TARGET_NOTES")
        unit, meaning = TARGET_NOTES[target]
        ops = "multiply only" if target in fx.MULTIPLY_ONLY else "add, multiply, set"
        if target in fx.BOUNDS:
            lo, hi = fx.BOUNDS[target]
            bounds = f"{number(lo)} – {number(hi)}"
        else:
            bounds = TARGET_LIMITS.get(target, "")
        readable = f"`{target}`" if target in names.STATE_NAMES else "—"
        ledger = "yes" if target in fx.LEDGER_TARGETS else "no"
        rows.append([f"`{target}`", unit, ops, bounds, ledger, readable, meaning])
    return table(["target", "unit", "effects", "kept within", "in the \"Why?\" ledger",
                   "read it as", "meaning"], rows)


def _shows_as(unit: str, sample: float | None) -> str:
    value = sample if sample is not None else UNIT_SAMPLES.get(unit, 1234.5)
    return f"`{names.format_value(unit, value)}`"


def state_names_table() -> str:
    """Every name expressions and {placeholders} may read, with how a placeholder shows it and
    the values it can take (the bounds the validator's warnings reason with)."""
    inf = float("inf")
    rows = [[f"`{n.name}`", _shows_as(n.unit, NAME_SAMPLES.get(n.name)), _values(n.low, n.high),
             n.description] for n in names.STATE_NAMES.values()]
    for field, (unit, text) in names.RIVAL_FIELDS.items():
        rows.append([f"`rival.<id>.{field}`", _shows_as(unit, RIVAL_SAMPLES.get(field)),
                     _values(*names.RIVAL_BOUNDS.get(field, (-inf, inf))),
                     f"For every loaded rival (`rival.gemini.{field}`): {text}."])
    never = f"0 – {number(names.NEVER_SINCE)}"
    rows.append(["`flag.<name>`", "`1`", _values(*names.FLAG_BOUNDS),
                 "1 while the flag is set, else 0. The name exists once any loaded effect sets "
                 "or clears that flag."])
    rows.append(["`since.flag.<name>`", "`2`", never, "Quarters since the flag was last set "
                 "(999: never), for every flag."])
    rows.append(["`since.event.<id>`", "`5`", never, "Quarters since the event last happened "
                 "(999: never), for every loaded event (`since.event.base.gemini_launch`)."])
    rows.append(["`count.event.<id>`", "`1`", "≥ 0", "How many times the event has happened in "
                 "this game, for every loaded event."])
    rows.append(["`var.<name>`", "as its `unit`", "its `min` – `max`", "A pack's own variable "
                 "([variables.toml](#variablestoml)), for every declared variable."])
    rows.append(["`when.<name>`", "`1`", "0 – 1", "1 while a named trigger holds, else 0 "
                 "([library.toml](#librarytoml)), for every named trigger."])
    return table(["name", "a placeholder shows, e.g.", "values", "meaning"], rows)


def _values(low: float, high: float) -> str:
    """'0 – 1', '≥ 0', '≤ 1', or 'any' for a name without bounds."""
    finite = [abs(v) != float("inf") for v in (low, high)]
    if all(finite):
        return f"{number(low)} – {number(high)}"
    if finite[0]:
        return f"≥ {number(low)}"
    if finite[1]:
        return f"≤ {number(high)}"
    return "any"


def formats_table() -> str:
    """The formats of {name:FORMAT}, each shown on a sample, with and without decimals."""
    rows = []
    shown = {"$B": 2, "$": 0, "%": 1, "x": 1, "plain": 2}  # decimals other than the default
    for spec, (unit, words, name, value) in placeholders.FORMATS.items():
        n = shown.get(spec, 1)
        decimals = ("none" if spec in placeholders.WHOLE else
                    f"`{{{name}:{spec}.{n}}}` shows `{names.format_value(unit, value, n)}`")
        rows.append([f"`{spec}`", words, f"`{{{name}:{spec}}}` shows "
                     f"`{names.format_value(unit, value)}`", decimals])
    return table(["format", "shows", "e.g.", "with decimals (.N)"], rows)


def locales_table() -> str:
    """Every key a locale file may give, table by table (each is optional)."""
    rows = []
    for where, model in (('`[event."ID"]`', locales.EventText),
                         ("an entry of `choices`", locales.ChoiceText),
                         ("`[concept.ID]`", locales.ConceptText),
                         ("`[scenario.ID]`", locales.ScenarioText)):
        hints = type_hints(model)
        for name, info in model.model_fields.items():
            rows.append([where, f"`{name}`", toml_type(hints[name]), limits(info, hints[name]),
                         info.description or ""])
    return table(["table", "key", "type", "limits", "what it translates"], rows)


def functions_table() -> str:
    rows = []
    for name, (lo, hi) in expressions.FUNCTIONS.items():
        if name not in FUNCTION_NOTES:
            raise KeyError(f"function '{name}' needs an entry in FUNCTION_NOTES")
        count = str(lo) if lo == hi else f"{lo} – {hi}"
        rows.append([f"`{name}`", count, FUNCTION_NOTES[name]])
    return table(["function", "arguments", "value"], rows)


def presets_table() -> str:
    rows = [[f"`{p.name}`", number(p.frequency), number(p.pool_rate), str(p.max_per_quarter),
             str(p.major_spacing), p.description] for p in PRESETS.values()]
    return table(["preset", "frequency", "pool_rate", "max_per_quarter", "major_spacing",
                   "feel"], rows)


def modifiable_table() -> str:
    rows = []
    for param in get_args(schema.ModifiableParameter):
        if param not in MODIFIABLE_NOTES:
            raise KeyError(f"parameter '{param}' needs an entry in MODIFIABLE_NOTES")
        what, key = MODIFIABLE_NOTES[param]
        rows.append([f"`{param}`", what, f"`{key}`"])
    return table(["parameter", "the factor multiplies", "economy.toml key it scales"], rows)


def _mtth_chance(m: float) -> float:
    """The per-quarter chance the director gives mtth_quarters = m (standard preset)."""
    event = schema.Event(id="x.x", title="x", text="x", category="demand", mtth_quarters=m)
    compiled = CompiledEvent(event, expressions.compile_expr("true", ()), [], [], [], [])
    director = Director([compiled], {}, {})
    return float(director._mtth[0])


def mtth_table() -> str:
    """What mtth_quarters means in chances, before pacing limits (standard preset)."""
    rows = []
    for m in (1, 2, 4, 6, 8, 12, 16, 24, 40):
        p = _mtth_chance(m)
        within = [1.0 - (1.0 - p) ** n for n in (4, 8, 16)]
        rows.append([f"`{m}`", f"{p:.1%}", *(f"{w:.0%}" for w in within)])
    return table(["mtth_quarters", "chance a quarter", "within 4 quarters", "within 8",
                   "within 16"], rows)


def _max_len(info: FieldInfo) -> int:
    return next(m.max_length for m in info.metadata if isinstance(m, MaxLen))


def limits_table() -> str:
    event_fields = schema.Event.model_fields
    rows = [
        ["expression length", f"{expressions.MAX_LENGTH} characters"],
        ["expression nesting", f"{expressions.MAX_DEPTH} levels (operators, calls, signs)"],
        ["a number in an expression", f"at most {number(expressions.MAX_CONSTANT)}"],
        ["a number in an effect's expression", f"at most {number(schema.MAX_EFFECT_MAGNITUDE)}"],
        ["choices per event", f"none, or 2 – {_max_len(event_fields['choices'])}"],
        ["event title", f"{_max_len(event_fields['title'])} characters"],
        ["choice label", f"{_max_len(schema.Choice.model_fields['label'])} characters"],
        ["glossary term", f"{_max_len(schema.Concept.model_fields['term'])} characters"],
        ["a content file", f"{reading.MAX_BYTES / 1e6:g} MB, UTF-8"],
        ["a pack's TOML files together", f"{files.MAX_PACK_BYTES / 1e6:g} MB"],
        ["a pack's files", "plain files inside its folder: no links, devices or FIFOs"],
        ["files and folders in a pack", f"{files.MAX_ENTRIES:,}, folders at most "
                                        f"{files.MAX_FOLDERS_DEEP} deep"],
        ["tables and arrays within each other", f"{reading.MAX_NESTING} levels"],
        ["a number in a TOML file", "finite (no `nan`, no `inf`); a whole number within 64 "
                                    "bits"],
        ["packs in one game", f"{reading.MAX_PACKS}"],
        ["GPU generations in one game", f"{MAX_GPU_GENERATIONS}, the base game's included"],
        ["problems reported", f"the first {errors.MAX_PROBLEMS:,}: checking stops there"],
    ]
    return table(["what", "limit"], rows)


_EXAMPLE_NAMES = names.all_names(["gemini", "claude"], {"vendor_deal_cut"})


def refused_table() -> str:
    """Expressions the compiler refuses, with the message it gives today."""
    rows = []
    for what, source, shown in REFUSED:
        try:
            expressions.compile_expr(source, _EXAMPLE_NAMES)
        except expressions.ExprError as exc:
            message = exc.message
        else:
            raise ValueError(f"the refused example {source!r} compiles")
        rows.append([what, shown or f"`{source}`", message])
    return table(["refused", "expression", "message"], rows)


def categories_list() -> str:
    return ", ".join(f"`{c}`" for c in get_args(schema.Event.model_fields["category"].annotation))


def economy_table() -> str:
    """The sections of economy.toml and their keys (what a partial economy.toml may set)."""
    rows = []
    for name, info in EconomyFile.model_fields.items():
        tp = info.annotation
        if get_origin(tp) is list:
            model = get_args(tp)[0]
            patch_table = f"{name}_patch"
            assert patch_table in EconomyPatchFile.model_fields
            how = f"`[[{name}]]` (array)"
            patch = (f"by name: `[[{name}]]` adds one, `[{patch_table}.NAME]` changes one "
                     "(see [patching](#load-order-replacing-and-patching))")
        else:
            model, how, patch = tp, f"`[{name}]`", "yes"
        keys = ", ".join(f"`{k}`" for k in model.model_fields)
        rows.append([how, patch, keys])
    return table(["table", "patchable", "keys"], rows)


# The entries of lists a pack adds and changes by id: (file, its model, the array, the id's name).
PATCHED: tuple[tuple[str, type[BaseModel], str, str], ...] = (
    ("economy.toml", EconomyPatchFile, "gpu", "NAME"),
    ("rivals.toml", RivalsFile, "rival", "ID"),
    ("glossary.toml", schema.GlossaryFile, "concept", "ID"),
)


def patches_table() -> str:
    """Each kind of list entry a pack adds and changes: its tables, and the keys a patch sets."""
    rows = []
    for file, model, array, key in PATCHED:
        patch = get_args(model.model_fields[f"{array}_patch"].annotation)[1]
        rows.append([f"`{file}`", f"`[[{array}]]`", f"`[{array}_patch.{key}]`",
                     ", ".join(f"`{k}`" for k in patch.model_fields)])
    return table(["file", "adds", "changes, by id", "keys a patch may set"], rows)


def actions_table() -> str:
    """What `disabled_actions` may name: the plan's fields, with their defaults."""
    rows = []
    for name, info in Plan.model_fields.items():
        value = info.get_default(call_default_factory=True)
        shown = ("none" if value == {} else "not set" if value is None
                 else f'`"{value}"`' if isinstance(value, str)
                 else f"`{str(value).lower()}`" if isinstance(value, bool)
                 else f"`{number(value)}`")
        rows.append([f"`{name}`", shown, info.description or ""])
    return table(["action", "kept at", "the decision"], rows)


def moments_table() -> str:
    """Every moment an event can happen at (``on``)."""
    return table(["`on =`", "when", "its event can change the game"],
                 [[f"`{k}`", v, "no: it tells the ending" if k in schema.ENDINGS else "yes"]
                  for k, v in schema.HOOKS.items()])


GENERATORS: dict[str, Callable[[], str]] = {
    "pack": lambda: fields_table(schema.PackManifest),
    "event": lambda: fields_table(schema.Event),
    "choice": lambda: fields_table(schema.Choice),
    "follow_up": lambda: fields_table(schema.FollowUp),
    "modifier": lambda: fields_table(schema.Modifier),
    "categories": categories_list,
    "effects": effects_table,
    "targets": targets_table,
    "modifiable": modifiable_table,
    "state_names": state_names_table,
    "formats": formats_table,
    "locales": locales_table,
    "functions": functions_table,
    "limits": limits_table,
    "refused": refused_table,
    "presets": presets_table,
    "mtth": mtth_table,
    "concept": lambda: fields_table(schema.Concept),
    "rival": lambda: fields_table(RivalParams),
    "scenario": lambda: fields_table(ScenarioFile),
    "start_state": lambda: fields_table(StartState),
    "outcome": lambda: fields_table(OutcomeParams),
    "score": lambda: fields_table(ScoreParams),
    "scripted": lambda: fields_table(ScriptedEvent),
    "hints": lambda: fields_table(Hint),
    "history": lambda: fields_table(HistoryPoint),
    "actions": actions_table,
    "economy": economy_table,
    "patches": patches_table,
    "variable": lambda: fields_table(schema.Variable),
    "named_trigger": lambda: fields_table(schema.NamedTrigger),
    "effects_list": lambda: fields_table(schema.EffectList),
    "moments": moments_table,
}


# --- the document --------------------------------------------------------------------------------


def regions(doc_text: str) -> dict[str, str]:
    """name -> the text between a region's markers, as it stands in the document."""
    return {m.group("name"): m.group("body") for m in REGION.finditer(doc_text)}


def render(doc_text: str) -> str:
    """The document with every marked region replaced by its generated table."""
    opened = BEGIN.findall(doc_text)
    closed = [m.group("name") for m in REGION.finditer(doc_text)]
    if sorted(opened) != sorted(closed):
        unmatched = sorted(set(opened) - set(closed)) or opened
        raise ValueError(f"generated region(s) without a matching END marker: "
                         f"{', '.join(unmatched)}")
    unknown = sorted(set(opened) - set(GENERATORS))
    if unknown:
        raise ValueError(f"unknown generated region(s): {', '.join(unknown)}; known: "
                         f"{', '.join(GENERATORS)}")

    def fill(m: re.Match[str]) -> str:
        name = m.group("name")
        return (f"<!-- BEGIN GENERATED: {name} -->\n\n{GENERATORS[name]().strip()}\n\n"
                f"<!-- END GENERATED: {name} -->")

    return REGION.sub(fill, doc_text)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m game.docs.modding",
        description="Regenerate the reference tables of docs/MODDING.md from the code.")
    parser.add_argument("--check", action="store_true",
                        help="only report whether the document is up to date (exit 1 if not)")
    parser.add_argument("--doc", type=Path, default=DOC_PATH, help="the document to rewrite")
    args = parser.parse_args(argv)
    try:
        text = args.doc.read_text(encoding="utf-8")
        new = render(text)
    except (OSError, ValueError) as exc:
        print(f"{args.doc}: {exc}", file=sys.stderr)
        return 1
    if args.check:
        if new != text:
            print(f"{args.doc} is out of date: run `python -m game.docs.modding`",
                  file=sys.stderr)
            return 1
        print(f"{args.doc} is up to date ({len(regions(text))} generated tables)")
        return 0
    if new != text:
        args.doc.write_text(new, encoding="utf-8")
        print(f"rewrote {len(regions(new))} generated tables in {args.doc}")
    else:
        print(f"{args.doc} is up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
