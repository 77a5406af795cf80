"""Markdown reference tables for docs/MODDING.md, generated from the models so they cannot go stale.

docs/MODDING.md marks each generated table with a pair of comments naming a region::

    <!-- BEGIN GENERATED: effects -->
    (the table; rewritten by this module)
    <!-- END GENERATED: effects -->

``python -m game.packs.reference`` rewrites every marked region of docs/MODDING.md in place;
``python -m game.packs.reference --check`` only reports whether the document is up to date (exit
code 1 if not). tests/test_docs_modding.py runs the same check.

Everything a table states comes from the code: field names, types, defaults, limits and
descriptions from the pydantic models (``Field(description=...)``), effect descriptions from the
effect classes' docstrings, bounds from ``effects.BOUNDS``, the functions from
``expressions.FUNCTIONS``, the presets from ``director.PRESETS``, the refused-expression messages
from compiling the examples. Where the code carries no words of its own (a field without a
description, what a target or a modifiable parameter means), the words live in the dictionaries
below, keyed by the code's own names: a new field, target, parameter, function or effect without
words makes the generator fail rather than print a hole.
"""

from __future__ import annotations

import argparse
import inspect
import re
import sys
import types
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args, get_origin, get_type_hints

from annotated_types import Ge, Gt, Le, Lt, MaxLen, MinLen
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from game.engine.params import GpuGeneration, OutcomeParams, RivalParams, ScoreParams, StartState
from game.engine.plan import Plan
from game.packs import effects as fx
from game.packs import expressions, names, reading, schema
from game.packs.director import PRESETS, CompiledEvent, Director
from game.packs.economy import (
    EconomyFile,
    EconomyOverride,
    Hint,
    HistoryPoint,
    RivalOverride,
    ScenarioFile,
    ScriptedEvent,
)

DOC_PATH = Path(__file__).resolve().parents[2] / "docs" / "MODDING.md"
REGION = re.compile(
    r"<!-- BEGIN GENERATED: (?P<name>[a-z_]+) -->\n(?P<body>.*?)<!-- END GENERATED: (?P=name) -->",
    re.DOTALL,
)
BEGIN = re.compile(r"<!-- BEGIN GENERATED: ([^ ]*) -->")

# --- words the code does not carry ---------------------------------------------------------------

# Descriptions of fields whose pydantic Field has none ("Model.field"). A description in the model
# wins over these, so moving one into the model needs no change here.
FIELD_NOTES: dict[str, str] = {
    "PackManifest.description": "One or two sentences shown to players who browse packs.",
    "PackManifest.authors": "Who wrote it, e.g. ['Ada <ada@example.org>'].",
    "Event.title": "The headline shown to the player and written in the \"Why?\" ledger.",
    "Event.category": "The news-feed section it belongs to.",
    "Event.modifiers": "Multiply its chance while a condition holds (see Modifiers).",
    "Event.choices": "What the lab can do about it: none, or 2-4 choices.",
    "Event.follow_ups": "Events that follow it whatever is chosen.",
    "Choice.effects": "Applied when this choice is taken, after the event's own effects.",
    "Choice.follow_ups": "Events that follow when this choice is taken.",
    "Modifier.factor": "Multiplies the event's per-quarter chance (mtth) or its weight (pool).",
    "Modifier.condition": "Expression; the factor applies in the worlds where it holds.",
    "Concept.id": "Glossary id that events name in `concept`; unique across all packs.",
    "Concept.term": "The term as the glossary shows it.",
    "Concept.see_also": "Related glossary ids (not checked yet: spell them carefully).",
    "ScenarioFile.id": "Scenario id, e.g. 'ipo-window'; unique across all packs.",
    "ScenarioFile.title": "Title shown when choosing a scenario.",
    "ScenarioFile.horizon_quarters": "Quarters the campaign lasts at most.",
    "ScenarioFile.briefing": "The situation, shown before the first quarter.",
    "ScenarioFile.objectives": "Learning objectives, one sentence each.",
    "ScenarioFile.start_state": "The lab on day one (the [start_state] table below).",
    "ScenarioFile.outcome": "When the game ends early (the [outcome] table below).",
    "ScenarioFile.score": "Weights of the score by outcome (the [score] table below).",
    "StartState.headcount": "Staff on day one.",
    "StartState.gpu_remaining_life_quarters": "Quarters of depreciation left on owned GPUs.",
    "StartState.leased_h100e": "H100-equivalents on lease on day one.",
    "StartState.lease_quarters_left": "Quarters left on those leases.",
    "StartState.dc_book_value": "$B book value of the lab's data centers.",
    "StartState.sentiment": "Investor sentiment on day one, 0-100.",
    "OutcomeParams.ousted_quarters": "Consecutive quarters below ousted_sentiment that end it.",
    "OutcomeParams.irrelevant_quarters": "Consecutive quarters beyond irrelevant_gap that end it.",
    "ScoreParams.ipo": "Weight of a listing (score = ownership × value × weight).",
    "ScoreParams.horizon": "Weight when time runs out unlisted.",
    "ScoreParams.running": "Weight of a game still running (a shortened simulation).",
    "ScoreParams.irrelevant": "Weight when the lab fell too far behind.",
    "ScoreParams.ousted": "Weight when the board lost patience.",
    "ScoreParams.bankrupt": "Weight of bankruptcy.",
    "RivalParams.id": "Rival id: expressions read rival.ID.capability and effects name it.",
    "RivalParams.name": "The lab's name, e.g. 'Google DeepMind'.",
}

# What the fields of effects hold ("field" for every effect, "Class.field" for one).
EFFECT_FIELD_NOTES: dict[str, str] = {
    "target": "one of the number targets below",
    "value": "expression",
    "factor": "expression",
    "size": "expression",
    "rival": "rival id, e.g. `gemini`",
    "quarters": "whole number",
    "parameter": "one of the modifiable parameters below",
    "event": "event id",
    "delay": "whole number of quarters",
    "flag": "flag name (lowercase id)",
    "FlagEffect.value": "true or false",
}

# How each effect behaves beyond its docstring (effects.apply).
EFFECT_NOTES: dict[str, str] = {
    "add": "The new value is kept within the target's bounds.",
    "multiply": "The new value is kept within the target's bounds.",
    "set": "The new value is kept within the target's bounds.",
    "gpu_price_shock": "Negative sizes push prices down. Clipped to ±3; each quarter keeps "
                       "`market.shock_decay` of the shock (the rest decays).",
    "rival_boost": "Factor clipped to 0.001-1000. Shows at the rival's next release.",
    "rival_delay": "`quarters` is a plain whole number, not an expression.",
    "rival_price": "Factor clipped to 0.05-20; the price never falls below 0.2 and drifts "
                   "back towards the rival's own pricing over the following quarters.",
    "modifier": "Factor clipped to 0-100. Counts the current quarter. Two modifiers on the "
                "same parameter multiply, and both last until the longer one runs out.",
    "schedule": "If the event is already scheduled, the earlier date wins. It happens outside "
                "the director's limits, but only if its trigger holds on the day.",
    "offer": "The same as `schedule` with `delay = 1`; use it for deals the lab can accept "
             "or decline.",
    "flag": "Any pack may read it as `flag.NAME` (1 set, 0 clear); prefix names with your "
            "pack id.",
}

EFFECT_EXAMPLES: dict[str, str] = {
    "add": '{ type = "add", target = "cash", value = "-1.5" }',
    "multiply": '{ type = "multiply", target = "share", factor = "1.05" }',
    "set": '{ type = "set", target = "run_progress", value = "0" }',
    "gpu_price_shock": '{ type = "gpu_price_shock", size = "0.3" }',
    "rival_boost": '{ type = "rival_boost", rival = "gemini", factor = "1.2" }',
    "rival_delay": '{ type = "rival_delay", rival = "claude", quarters = 2 }',
    "rival_price": '{ type = "rival_price", rival = "gemini", factor = "0.7" }',
    "modifier": '{ type = "modifier", parameter = "power_price", factor = "1.2", quarters = 4 }',
    "schedule": '{ type = "schedule", event = "mypack.fab_reopens", delay = 2 }',
    "offer": '{ type = "offer", event = "mypack.broker_offer" }',
    "flag": '{ type = "flag", flag = "mypack_fab_fire_seen", value = true }',
}

# Unit and meaning of each number target (effects._number).
TARGET_NOTES: dict[str, tuple[str, str]] = {
    "cash": ("$B", "Cash in the bank."),
    "debt": ("$B", "Debt drawn on the credit line; interest is paid on it."),
    "sentiment": ("points", "Investor sentiment; it keeps reverting towards its target."),
    "hype": ("log index", "The market-wide AI hype index (0 neutral, +0.2 frothy)."),
    "headcount": ("staff", "Employees; staff cost and research scale with it."),
    "market": ("$B/year", "Industry spending on frontier models; it keeps growing from the "
                          "new level."),
    "share": ("share 0-1", "The lab's share of usage. A change moves customers' preference "
                           "for the lab as well (its brand), so the lab keeps it while that "
                           "fades (demand.brand_memory of it left after a quarter: +5% now is "
                           "about +2.5% two quarters on), the same up or down. Otherwise the "
                           "share moves towards what price and capability earn: down fast "
                           "(demand.share_loss_speed), up slowly (demand.share_gain_speed)."),
    "run_progress": ("share 0-1", "Share of the training run in progress that is done; "
                                  "nothing happens without a run."),
    "algo_efficiency": ("× effective FLOP per FLOP", "The lab's algorithmic efficiency."),
    "vendor_credit": ("$B", "GPU-vendor financing that can only buy GPUs."),
    "dc_mw": ("MW", "Powered data-center megawatts the lab owns."),
    "gpu_pipeline": ("factor", "GPUs ordered and not yet delivered: a factor f < 1 delays "
                               "(1 − f) of them by two quarters; f ≥ 1 changes nothing."),
    "leased_h100e": ("factor", "Leased H100-equivalents scale at their locked prices and "
                               "terms."),
}
# Limits applied in effects._number to the targets that have no entry in effects.BOUNDS.
TARGET_LIMITS: dict[str, str] = {
    "run_progress": "0 – 1",
    "algo_efficiency": "≥ 1e-6",
    "gpu_pipeline": "factor clipped to 0 – 1",
    "leased_h100e": "factor clipped to 0 – 10",
}

# What each modifiable parameter scales in the engine (s.modifier(...) in game.engine).
MODIFIABLE_NOTES: dict[str, tuple[str, str]] = {
    "power_price": ("The cost of the power that owned GPUs draw.", "fleet.power_price_mwh"),
    "market_growth": ("The underlying growth rate of industry spending (a log rate: 0 stops "
                      "growth, noise aside).", "demand.market_growth_start"),
    "mfu": ("Model FLOPs utilisation: training progress per GPU-hour.", "training.mfu"),
    "staff_cost": ("Staff cost per head.", "finance.staff_cost_per_head_year"),
    "inference_cost": ("GPU-hours needed to serve a dollar of revenue (above 1: serving "
                       "costs more compute).", "demand.inference_hours_per_dollar"),
    "dc_capex": ("Capex of data centers started meanwhile.", "fleet.dc_capex_per_gw"),
    "round_success": ("The chance that an equity round succeeds.",
                      "finance.round_sentiment_mid / _width"),
}

FUNCTION_NOTES: dict[str, str] = {
    "min": "The smallest of its arguments.",
    "max": "The largest of its arguments.",
    "abs": "The absolute value.",
    "clip": "`clip(x, lo, hi)`: x kept within lo and hi, i.e. `min(max(x, lo), hi)`.",
    "log10": "Base-10 logarithm; of 0 or a negative number it is -300 (log10 of 1e-300).",
}

# Expressions that are refused, shown with the message the compiler gives today.
REFUSED: list[tuple[str, str, str]] = [
    # (what, expression, shown as)
    ("attribute access", "(cash).real", ""),
    ("a misspelt name", "cahs > 10", ""),
    ("a flag no effect sets", "flag.vendor_deal_cutt", ""),
    ("a function outside the list", "sqrt(cash)", ""),
    ("a way out", '__import__("os")', ""),
    ("keyword arguments", "max(cash, key=1)", ""),
    ("powers and remainders", "cash ** 2", ""),
    ("indexing", "cash[0]", ""),
    ("strings", '"high"', ""),
    ("if ... else", "2 if cash > 10 else 1", ""),
    ("lambdas", "lambda: cash", ""),
    ("bitwise operators", "~cash", ""),
    ("a huge number", "1e16", ""),
    ("too long", "1 + " * 125 + "1", "a 501-character expression"),
    ("too deep", "-" * 32 + "1", "`- - - … - 1` (32 minus signs in a row)"),
    ("too deep", " + ".join(["1"] * 33), "`1 + 1 + … + 1` (a sum of 33 terms)"),
]
_EXAMPLE_NAMES = names.all_names(["gemini", "claude"], {"vendor_deal_cut"})

# Values for the "a placeholder shows" column: a plausible value per name, else per unit.
NAME_SAMPLES: dict[str, float] = {
    "quarter": 3, "year": 2027, "burn": 4.1, "runway": 9, "revenue": 6.2, "runrate": 24.8,
    "ttm_revenue": 19.5, "sentiment": 62, "ipo_min_sentiment": 45, "ipo_min_ttm_revenue": 40.0,
    "valuation": 1250.0, "hype": 0.12, "capability": 1342, "gap": -35,
    "price": 1.0, "capacity": 1_250_000, "headcount": 4500, "ipo_stage": 1, "market": 95.0,
    "dc_mw": 300, "owned_h100e": 427_503, "leased_h100e": 800_000, "run_active": 1,
    "vendor_credit": 0.0, "rental_price": 1.3, "utilisation": 0.97, "unserved": 0.04,
    "gross_margin": 0.45, "ownership": 0.6, "share": 0.37, "growth": 2.6, "cash": 40.0,
    "debt": 4.0, "run_progress": 0.3,
}
RIVAL_SAMPLES: dict[str, float] = {"capability": 1377, "price": 0.9, "share": 0.3, "lead": 35}
UNIT_SAMPLES: dict[str, float] = {"$B": 37.2, "$": 1.3, "%": 0.41, "x": 2.4, "int": 1536.0,
                                  "": 60.0}

_PATTERNS: dict[str, str] = {
    schema.ID: "lowercase letters, digits and _, starting with a letter",
    schema.EVENT_ID: "`pack.name`: lowercase letters, digits and _, one dot",
    r"^\d+\.\d+\.\d+$": "three numbers, e.g. `1.2.0`",
    r"^[a-z][a-z0-9\-]*$": "lowercase letters, digits and -, starting with a letter",
}
_TABLE_NAMES: dict[type[BaseModel], str] = {
    schema.FollowUp: "follow-up", schema.Modifier: "modifier", schema.Choice: "choice",
    schema.Event: "event", schema.Concept: "concept", StartState: "[start_state]",
    OutcomeParams: "[outcome]", ScoreParams: "[score]", RivalParams: "rival",
    GpuGeneration: "GPU", ScriptedEvent: "scripted-event", Hint: "hint", HistoryPoint: "history",
    EconomyOverride: "economy patch", RivalOverride: "rival patch",
}


# --- Markdown helpers ----------------------------------------------------------------------------


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _number(v: float) -> str:
    """1e6 as '1e6', 0.001 as '0.001', 100 as '100'."""
    if v == int(v) and abs(v) < 1e5:
        return f"{int(v):,}"
    text = f"{v:g}"
    return re.sub(r"e([+-])0*(\d)", lambda m: "e" + ("-" if m.group(1) == "-" else "")
                  + m.group(2), text)


def _doc(obj: object) -> str:
    return " ".join(inspect.cleandoc(obj.__doc__ or "").split())


# --- types, limits and defaults in TOML words ----------------------------------------------------


def _hints(model: type[BaseModel]) -> dict[str, Any]:
    return get_type_hints(model, include_extras=True)


def toml_type(tp: Any) -> str:
    """A type annotation in TOML's words: string, number, whole number, true|false, array, table."""
    if tp == schema.Expr:
        return "expression (string)"
    if tp == schema.Effect:
        return "effect (table)"
    origin = get_origin(tp)
    args = get_args(tp)
    if origin is Annotated:
        return toml_type(args[0])
    if origin in (Union, types.UnionType):
        rest = [a for a in args if a is not type(None)]
        return toml_type(rest[0]) if len(rest) == 1 else " or ".join(toml_type(a) for a in rest)
    if origin is Literal:
        if len(args) == 1:
            return f'string: `"{args[0]}"`'
        return "string, one of " + ", ".join(f"`{a}`" for a in args)
    if origin is list:
        return "array of " + _plural(toml_type(args[0]))
    if origin is dict:
        return "table of " + _plural(toml_type(args[1]))
    if tp is bool:
        return "true|false"
    if tp is int:
        return "whole number"
    if tp is float:
        return "number"
    if tp is str:
        return "string"
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return f"{_TABLE_NAMES[tp]} table" if tp in _TABLE_NAMES else "table"
    raise TypeError(f"no TOML words for {tp!r}")


def _plural(words: str) -> str:
    special = {"expression (string)": "expressions (strings)",
               "effect (table)": "effect tables", "true|false": "true|false values"}
    if words in special:
        return special[words]
    if words.endswith("table"):
        return words + "s"
    if words in ("string", "number", "whole number"):
        return words + "s"
    return words


def _metadata(info: FieldInfo, hint: Any) -> list[Any]:
    """The constraints of a field, including those inside an Optional[Annotated[...]]."""
    found = list(info.metadata)
    stack = [hint]
    while stack:
        tp = stack.pop()
        if get_origin(tp) is Annotated:
            for extra in get_args(tp)[1:]:
                if isinstance(extra, FieldInfo):
                    found += extra.metadata
        if get_origin(tp) in (Union, types.UnionType, Annotated):
            stack += list(get_args(tp))
    return found


def limits(info: FieldInfo, hint: Any) -> str:
    """The rules a value must meet, in words: '1 – 12', 'at most 80 characters', a pattern."""
    parts: list[str] = []
    lo = hi = None
    lo_strict = hi_strict = False
    min_len = max_len = None
    for m in _metadata(info, hint):
        if isinstance(m, Ge):
            lo = m.ge
        elif isinstance(m, Gt):
            lo, lo_strict = m.gt, True
        elif isinstance(m, Le):
            hi = m.le
        elif isinstance(m, Lt):
            hi, hi_strict = m.lt, True
        elif isinstance(m, MinLen):
            min_len = m.min_length
        elif isinstance(m, MaxLen):
            max_len = m.max_length
        elif getattr(m, "pattern", None):
            parts.append(_PATTERNS.get(m.pattern, f"matches `{m.pattern}`"))
    if lo is not None and hi is not None and not lo_strict and not hi_strict:
        parts.insert(0, f"{_number(lo)} – {_number(hi)}")
    else:
        if lo is not None:
            parts.insert(0, f"{'>' if lo_strict else '≥'} {_number(lo)}")
        if hi is not None:
            parts.insert(1 if lo is not None else 0, f"{'<' if hi_strict else '≤'} {_number(hi)}")
    words = toml_type(hint)
    unit = "entries" if words.startswith("array") else "characters"
    if min_len is not None and max_len is not None:
        parts.append(f"{min_len} – {max_len} {unit}" if min_len > 0 else
                     f"at most {max_len} {unit}")
    elif max_len is not None:
        parts.append(f"at most {max_len} {unit}")
    elif min_len is not None and min_len > 1:
        parts.append(f"at least {min_len} {unit}")
    elif min_len == 1 and unit == "entries":
        parts.append("at least one entry")
    elif min_len == 1:
        parts.append("not empty")
    return "; ".join(parts)


def default(info: FieldInfo) -> str:
    """The default in TOML's words, 'required' when there is none."""
    if info.is_required():
        return "required"
    value = info.get_default(call_default_factory=True)
    if value is None:
        return "not set"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, str):
        return f'`"{value}"`'
    if isinstance(value, int | float):
        return f"`{_number(value)}`"
    if isinstance(value, list | dict) and not value:
        return "`[]`" if isinstance(value, list) else "`{}`"
    if isinstance(value, BaseModel):
        return "the defaults below"
    return f"`{value!r}`"


def description(model: type[BaseModel], name: str, info: FieldInfo) -> str:
    if info.description:
        return info.description
    key = f"{model.__name__}.{name}"
    if key not in FIELD_NOTES:
        raise KeyError(f"{key} has no description: add Field(description=...) in the model, or "
                       "an entry in game.packs.reference.FIELD_NOTES")
    return FIELD_NOTES[key]


# --- the tables ----------------------------------------------------------------------------------


def fields_table(model: type[BaseModel]) -> str:
    """Every field of a model: its TOML key, type, default, limits and description."""
    hints = _hints(model)
    rows = []
    for name, info in model.model_fields.items():
        hint = hints[name]
        rows.append([f"`{name}`", toml_type(hint), default(info), limits(info, hint),
                     description(model, name, info)])
    return _table(["key", "type", "default", "limits", "description"], rows)


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
                       "game.packs.reference.EFFECT_FIELD_NOTES")
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
        hints = _hints(model)
        fields = [_effect_field(model, n, i, hints[n]) for n, i in model.model_fields.items()
                  if n != "type"]
        if kind not in EFFECT_NOTES or kind not in EFFECT_EXAMPLES:
            raise KeyError(f"effect '{kind}' needs an entry in EFFECT_NOTES and EFFECT_EXAMPLES")
        rows.append([f"`{kind}`", ", ".join(fields), f"{_doc(model)} {EFFECT_NOTES[kind]}",
                     f"`{EFFECT_EXAMPLES[kind]}`"])
    return _table(["`type`", "fields", "what it does", "example"], rows)


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
            bounds = f"{_number(lo)} – {_number(hi)}"
        else:
            bounds = TARGET_LIMITS.get(target, "")
        readable = f"`{target}`" if target in names.STATE_NAMES else "—"
        ledger = "yes" if target in fx.LEDGER_TARGETS else "no"
        rows.append([f"`{target}`", unit, ops, bounds, ledger, readable, meaning])
    return _table(["target", "unit", "effects", "kept within", "in the \"Why?\" ledger",
                   "read it as", "meaning"], rows)


def _shows_as(unit: str, sample: float | None) -> str:
    value = sample if sample is not None else UNIT_SAMPLES.get(unit, 1234.5)
    return f"`{names.format_value(unit, value)}`"


def state_names_table() -> str:
    """Every name expressions and {placeholders} may read, with how a placeholder shows it."""
    rows = [[f"`{n.name}`", _shows_as(n.unit, NAME_SAMPLES.get(n.name)), n.description]
            for n in names.STATE_NAMES.values()]
    for field, (unit, text) in names.RIVAL_FIELDS.items():
        rows.append([f"`rival.<id>.{field}`", _shows_as(unit, RIVAL_SAMPLES.get(field)),
                     f"For every loaded rival (`rival.gemini.{field}`): {text}."])
    rows.append(["`flag.<name>`", "`1`", "1 while the flag is set, else 0. The name exists "
                 "once any loaded effect sets or clears that flag."])
    return _table(["name", "a placeholder shows, e.g.", "meaning"], rows)


def functions_table() -> str:
    rows = []
    for name, (lo, hi) in expressions.FUNCTIONS.items():
        if name not in FUNCTION_NOTES:
            raise KeyError(f"function '{name}' needs an entry in FUNCTION_NOTES")
        count = str(lo) if lo == hi else f"{lo} – {hi}"
        rows.append([f"`{name}`", count, FUNCTION_NOTES[name]])
    return _table(["function", "arguments", "value"], rows)


def presets_table() -> str:
    rows = [[f"`{p.name}`", _number(p.frequency), _number(p.pool_rate), str(p.max_per_quarter),
             str(p.major_spacing), p.description] for p in PRESETS.values()]
    return _table(["preset", "frequency", "pool_rate", "max_per_quarter", "major_spacing",
                   "feel"], rows)


def modifiable_table() -> str:
    rows = []
    for param in get_args(schema.ModifiableParameter):
        if param not in MODIFIABLE_NOTES:
            raise KeyError(f"parameter '{param}' needs an entry in MODIFIABLE_NOTES")
        what, key = MODIFIABLE_NOTES[param]
        rows.append([f"`{param}`", what, f"`{key}`"])
    return _table(["parameter", "the factor multiplies", "economy.toml key it scales"], rows)


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
    return _table(["mtth_quarters", "chance a quarter", "within 4 quarters", "within 8",
                   "within 16"], rows)


def _max_len(info: FieldInfo) -> int:
    return next(m.max_length for m in info.metadata if isinstance(m, MaxLen))


def limits_table() -> str:
    event_fields = schema.Event.model_fields
    rows = [
        ["expression length", f"{expressions.MAX_LENGTH} characters"],
        ["expression nesting", f"{expressions.MAX_DEPTH} levels (operators, calls, signs)"],
        ["a number in an expression", f"at most {_number(expressions.MAX_CONSTANT)}"],
        ["a number in an effect's expression", f"at most {_number(schema.MAX_EFFECT_MAGNITUDE)}"],
        ["choices per event", f"none, or 2 – {_max_len(event_fields['choices'])}"],
        ["event title", f"{_max_len(event_fields['title'])} characters"],
        ["choice label", f"{_max_len(schema.Choice.model_fields['label'])} characters"],
        ["glossary term", f"{_max_len(schema.Concept.model_fields['term'])} characters"],
        ["a content file", f"{reading.MAX_BYTES / 1e6:g} MB, UTF-8"],
    ]
    return _table(["what", "limit"], rows)


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
    return _table(["refused", "expression", "message"], rows)


def categories_list() -> str:
    return ", ".join(f"`{c}`" for c in get_args(schema.Event.model_fields["category"].annotation))


def economy_table() -> str:
    """The sections of economy.toml and their keys (what a partial economy.toml may set)."""
    rows = []
    for name, info in EconomyFile.model_fields.items():
        tp = info.annotation
        if get_origin(tp) is list:
            model = get_args(tp)[0]
            how, patch = f"`[[{name}]]` (array)", "no: an array cannot be patched"
        else:
            model, how, patch = tp, f"`[{name}]`", "yes"
        keys = ", ".join(f"`{k}`" for k in model.model_fields)
        rows.append([how, patch, keys])
    return _table(["table", "patchable", "keys"], rows)


def actions_table() -> str:
    """What `disabled_actions` may name: the plan's fields, with their defaults."""
    rows = []
    for name, info in Plan.model_fields.items():
        value = info.get_default(call_default_factory=True)
        shown = ("none" if value == {} else "not set" if value is None
                 else f'`"{value}"`' if isinstance(value, str)
                 else f"`{str(value).lower()}`" if isinstance(value, bool)
                 else f"`{_number(value)}`")
        rows.append([f"`{name}`", shown, info.description or ""])
    return _table(["action", "kept at", "the decision"], rows)


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
        prog="python -m game.packs.reference",
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
            print(f"{args.doc} is out of date: run `python -m game.packs.reference`",
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
