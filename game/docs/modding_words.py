"""The words docs/MODDING.md's tables need where the code carries none, keyed by the code's names.

What a field without a ``Field(description=...)`` holds, what an effect's fields hold and what each
effect does beyond its docstring (with an example), the unit and meaning of each number target,
what each modifiable parameter scales, what each function returns, the expressions the compiler
refuses, a plausible value for each placeholder, the string patterns in words and what each
model's table is called. :mod:`game.docs.modding` and :mod:`game.docs.toml_fields` read them: a
new field, target, parameter, function or effect without words here makes the generator fail
rather than print a hole.
"""

from __future__ import annotations

from pydantic import BaseModel

from game.engine.params import GpuGeneration, OutcomeParams, RivalParams, ScoreParams, StartState
from game.packs import locales, schema
from game.packs.economy import (
    EconomyOverride,
    Hint,
    HistoryPoint,
    RivalOverride,
    ScriptedEvent,
)

# Descriptions of fields whose pydantic Field has none ("Model.field"). A description in the model
# wins over these, so moving one into the model needs no change here.
FIELD_NOTES: dict[str, str] = {
    "PackManifest.description": "One or two sentences shown to players who browse packs.",
    "PackManifest.authors": "Who wrote it, e.g. ['Ada <ada@example.org>'].",
    "Event.title": "The headline shown to the player and written in the \"Why?\" ledger; "
                   "shown as written (no placeholders).",
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
    "Concept.see_also": "Related glossary ids, each checked against the loaded concepts.",
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
    "target": "one of the number targets below, or `var.NAME` (a variable of variables.toml)",
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
    "UseEffect.effects": "effects list id (library.toml)",
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
    "flag": "Any pack may read it as `flag.NAME` (1 set, 0 clear), and `since.flag.NAME` as "
            "the quarters since it was last set; prefix names with your pack id.",
    "use": "The list's effects apply here, in order, as if written in its place (a list "
           "cannot use another list).",
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
    "use": '{ type = "use", effects = "mypack_layoffs" }',
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

# The models' string patterns in words, for the limits column.
PATTERNS: dict[str, str] = {
    schema.ID: "lowercase letters, digits and _, starting with a letter",
    schema.EVENT_ID: "`pack.name`: lowercase letters, digits and _, one dot",
    r"^\d+\.\d+\.\d+$": "three numbers, e.g. `1.2.0`",
    r"^[a-z][a-z0-9\-]*$": "lowercase letters, digits and -, starting with a letter",
}
# What a model is called where a field holds it: "array of choice tables".
TABLE_NAMES: dict[type[BaseModel], str] = {
    schema.FollowUp: "follow-up", schema.Modifier: "modifier", schema.Choice: "choice",
    schema.Event: "event", schema.Concept: "concept", StartState: "[start_state]",
    OutcomeParams: "[outcome]", ScoreParams: "[score]", RivalParams: "rival",
    GpuGeneration: "GPU", ScriptedEvent: "scripted-event", Hint: "hint", HistoryPoint: "history",
    EconomyOverride: "economy patch", RivalOverride: "rival patch",
    locales.ChoiceText: "choice text",
}
