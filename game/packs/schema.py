"""The shape of a content pack: pack.toml, events, choices, effects and glossary entries.

Every model forbids unknown keys, so a misspelt key is an error with a suggestion rather than a
silently ignored line. Expressions are strings here; ``game.packs.expressions`` compiles them
when the pack loads and reports unknown names against the file they came from.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal, get_args

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, WithJsonSchema, model_validator

from game.engine.state import MODIFIABLE
from game.packs.errors import did_you_mean

ID = r"^[a-z][a-z0-9_]*$"
EVENT_ID = r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$"
Expr = Annotated[str, Field(min_length=1, max_length=500)]
MAX_EFFECT_MAGNITUDE = 1e6  # no effect constant may exceed this: 1e308 is a typo, not a design

# The warnings of `packs validate` that an event's `allow` can silence (game.packs.lint).
EVENT_WARNINGS = ("never-holds", "always-holds", "vacuous-comparison", "division-by-zero",
                  "no-choice", "follow-up-cycle")

CATEGORIES = ("supply", "partners", "investors", "markets", "rivals", "operations", "demand",
              "regulation", "safety")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PackManifest(_Model):
    """pack.toml: who the pack is and how it loads relative to others."""

    id: str = Field(pattern=ID, description="Unique pack id; its events are named ID.something.")
    name: str = Field(min_length=1, description="Name shown in `packs list`.")
    version: str = Field(pattern=r"^\d+\.\d+\.\d+$", description="Semantic version, e.g. 1.2.0.")
    game_version: str = Field(
        default=">=0.1", description="Game versions it works with, e.g. '>=0.1,<1.0'."
    )
    depends: list[str] = Field(
        default_factory=list, description="Packs that must load first, e.g. 'base>=0.1'."
    )
    load_after: list[str] = Field(
        default_factory=list, description="Packs to load first if present (optional order)."
    )
    conflicts: list[str] = Field(default_factory=list, description="Packs it cannot load with.")
    description: str = ""
    authors: list[str] = Field(default_factory=list)


# --- effects: a closed, discriminated union --------------------------------------------------

NumberTarget = Literal[
    "cash", "debt", "sentiment", "hype", "headcount", "market", "share", "run_progress",
    "algo_efficiency", "vendor_credit", "dc_mw", "gpu_pipeline", "leased_h100e",
]
NUMBER_TARGETS: tuple[str, ...] = get_args(NumberTarget)
VARIABLE = r"^var\.[a-z][a-z0-9_]*$"  # a pack's own number (variables.toml), as effects name it


def _number_target(value: str) -> str:
    if value in NUMBER_TARGETS or re.fullmatch(VARIABLE, value):
        return value
    raise ValueError(f"'{value}' is not one of {', '.join(NUMBER_TARGETS)}"
                     f"{did_you_mean(value, NUMBER_TARGETS)}, nor a pack variable var.NAME")


# One of the state's numbers, or a pack's own variable (``var.smuggled_chips``).
Target = Annotated[str, AfterValidator(_number_target), WithJsonSchema({
    "anyOf": [{"enum": list(NUMBER_TARGETS)}, {"type": "string", "pattern": VARIABLE}],
    "description": "A state number, or var.NAME: a variable declared in a variables.toml."})]
ModifiableParameter = Literal[MODIFIABLE]  # type: ignore[valid-type]


class AddEffect(_Model):
    """Add a number (an expression) to a state variable."""

    type: Literal["add"]
    target: Target
    value: Expr


class MultiplyEffect(_Model):
    """Multiply a state variable by a factor (an expression)."""

    type: Literal["multiply"]
    target: Target
    factor: Expr


class SetEffect(_Model):
    """Set a state variable to a value (an expression)."""

    type: Literal["set"]
    target: Target
    value: Expr


class GpuPriceShockEffect(_Model):
    """Jolt the GPU rental price: log change `size` (0.3 ≈ +35%), decaying quarter by quarter."""

    type: Literal["gpu_price_shock"]
    size: Expr


class RivalBoostEffect(_Model):
    """Multiply the compute of the model a rival is preparing (2.0 doubles it)."""

    type: Literal["rival_boost"]
    rival: str = Field(pattern=ID)
    factor: Expr


class RivalDelayEffect(_Model):
    """Push a rival's next release back by a number of quarters."""

    type: Literal["rival_delay"]
    rival: str = Field(pattern=ID)
    quarters: int = Field(ge=1, le=8)


class RivalPriceEffect(_Model):
    """Multiply a rival's price (0.7 is a 30% price cut)."""

    type: Literal["rival_price"]
    rival: str = Field(pattern=ID)
    factor: Expr


class ModifierEffect(_Model):
    """Multiply an economy parameter by `factor` for the next `quarters` quarters."""

    type: Literal["modifier"]
    parameter: ModifiableParameter
    factor: Expr
    quarters: int = Field(ge=1, le=12)


class ScheduleEffect(_Model):
    """Make another event happen after `delay` quarters (a follow-up)."""

    type: Literal["schedule"]
    event: str = Field(pattern=EVENT_ID)
    delay: int = Field(ge=1, le=12)


class OfferEffect(_Model):
    """Put a deal (an event whose choices accept or decline it) in front of the lab next quarter."""

    type: Literal["offer"]
    event: str = Field(pattern=EVENT_ID)


class FlagEffect(_Model):
    """Set (value = true) or clear (value = false) a named flag that expressions can read."""

    type: Literal["flag"]
    flag: str = Field(pattern=ID)
    value: bool = True


class UseEffect(_Model):
    """Apply a named list of effects (an ``[[effects]]`` table of a library.toml), in its place."""

    type: Literal["use"]
    effects: str = Field(pattern=ID, description="The list's id.")


Effect = Annotated[
    AddEffect | MultiplyEffect | SetEffect | GpuPriceShockEffect | RivalBoostEffect
    | RivalDelayEffect | RivalPriceEffect | ModifierEffect | ScheduleEffect | OfferEffect
    | FlagEffect | UseEffect,
    Field(discriminator="type"),
]
EFFECT_TYPES = (AddEffect, MultiplyEffect, SetEffect, GpuPriceShockEffect, RivalBoostEffect,
                RivalDelayEffect, RivalPriceEffect, ModifierEffect, ScheduleEffect, OfferEffect,
                FlagEffect, UseEffect)


class FollowUp(_Model):
    event: str = Field(pattern=EVENT_ID, description="The event that follows.")
    delay: int = Field(ge=1, le=12, description="Quarters until it happens.")


class Modifier(_Model):
    """Multiply an event's chance by `factor` while `condition` holds."""

    factor: float = Field(ge=0, le=100)
    condition: Expr


class Choice(_Model):
    label: str = Field(min_length=1, max_length=80,
                       description="What the button says; shown as written (no placeholders).")
    condition: Expr | None = Field(None, description="Shown only when this holds.")
    effects: list[Effect] = Field(default_factory=list)
    note: str = Field("", description="The teaching note: what this choice trades off; "
                                       "{placeholders} show state.")
    ai_weight: Expr = Field("1", description="How likely a bot is to choose it (relative).")
    follow_ups: list[FollowUp] = Field(default_factory=list)

    @model_validator(mode="after")
    def _does_something(self) -> Choice:
        if not self.effects and not self.follow_ups and not self.note:
            raise ValueError(
                f"choice '{self.label}' has no effects, no follow-ups and no note; give it an "
                "effect, or a note saying why doing nothing is a real option"
            )
        return self


# The engine's moments an event can happen at (``on = "…"``): name -> what happened. Those in
# ENDINGS come after the game has ended, so their events can tell but not change anything.
HOOKS = {
    "rival_release": "a rival released a model last quarter (rival_release.ID: that rival)",
    "model_release": "the lab's training run finished last quarter and its model shipped",
    "funding_round": "the lab closed an equity round last quarter",
    "ipo_filing": "the lab filed for its IPO last quarter",
    "ipo_book": "the IPO's book opened last quarter (a price range to accept)",
    "ipo_listing": "the lab listed: the game ends with its IPO",
    "bankruptcy": "the lab ran out of cash: the game ends",
    "game_end": "the game ended, whatever the ending",
}
ENDINGS = ("ipo_listing", "bankruptcy", "game_end")
_HOOK = re.compile(r"^(?P<moment>[a-z_]+)(?:\.(?P<rival>[a-z][a-z0-9_]*))?$")


def _hook(value: str) -> str:
    m = _HOOK.match(value)
    if m and m["moment"] in HOOKS and (m["rival"] is None or m["moment"] == "rival_release"):
        return value
    raise ValueError(f"'{value}' is not a moment: one of {', '.join(HOOKS)} (or "
                     f"rival_release.RIVAL){did_you_mean(value.split('.')[0], HOOKS)}")


Hook = Annotated[str, AfterValidator(_hook), WithJsonSchema({
    "type": "string", "pattern": r"^(" + "|".join(HOOKS) + r")$|^rival_release\.[a-z][a-z0-9_]*$",
    "description": "A moment of the engine: " + "; ".join(f"{k}: {v}" for k, v in HOOKS.items())
    + "."})]


class Event(_Model):
    """Something that happens to the lab, with choices that trade off real things."""

    id: str = Field(pattern=EVENT_ID, description="PACK.name, unique across all packs.")
    title: str = Field(min_length=1, max_length=80)
    text: str = Field(min_length=1, description="What happened; {placeholders} show state.")
    category: Literal[CATEGORIES]  # type: ignore[valid-type]
    concept: str | None = Field(None, pattern=ID, description="Glossary id it teaches.")
    trigger: Expr = Field("true", description="Can happen only while this holds.")
    weight: float | None = Field(None, gt=0, le=1000, description="Chance in the director's draw.")
    mtth_quarters: float | None = Field(
        None, gt=0, le=1000, description="Mean quarters to happen while the trigger holds."
    )
    modifiers: list[Modifier] = Field(default_factory=list)
    cooldown: int = Field(4, ge=0, le=100, description="Quarters before it can happen again.")
    once: bool = Field(False, description="At most once per game.")
    earliest: int = Field(0, ge=0, le=100, description="First quarter it can happen.")
    latest: int | None = Field(None, ge=0, le=100, description="Last quarter it can happen.")
    major: bool = Field(False, description="A big shock: the director spaces these out.")
    scripted: bool = Field(
        False, description="Happens only when scheduled (follow-ups, offers, scenario scripts)."
    )
    on: Hook | None = Field(
        None, description="Happens at this moment of the engine (e.g. 'ipo_filing') in the "
                          "worlds where it came and the trigger holds, instead of by chance.")
    chance: float = Field(1.0, gt=0, le=1, description="With 'on': the chance it happens at "
                                                          "each moment.")
    effects: list[Effect] = Field(default_factory=list, description="Applied when it happens.")
    choices: list[Choice] = Field(default_factory=list, max_length=4)
    follow_ups: list[FollowUp] = Field(default_factory=list)
    replaces: str | None = Field(None, pattern=EVENT_ID, description="Event id this one replaces.")
    allow: list[Literal[EVENT_WARNINGS]] = Field(  # type: ignore[valid-type]
        default_factory=list,
        description="Warnings of `packs validate` not to report for this event, e.g. "
                    "['follow-up-cycle']; say why in a comment.")

    @model_validator(mode="after")
    def _consistent(self) -> Event:
        if self.weight is not None and self.mtth_quarters is not None:
            raise ValueError("give either 'weight' or 'mtth_quarters', not both")
        if self.on is not None:
            self._check_hook()
        elif self.chance != 1.0:
            raise ValueError("'chance' is for an event with 'on' (a moment); give others "
                             "'weight' or 'mtth_quarters'")
        elif not self.scripted and self.weight is None and self.mtth_quarters is None:
            raise ValueError(
                "give 'weight' (drawn by the director) or 'mtth_quarters' (its own clock), or "
                "set scripted = true for an event that only happens when scheduled, or 'on' "
                "for one that happens at a moment of the engine"
            )
        if self.latest is not None and self.latest < self.earliest:
            raise ValueError(f"'latest' ({self.latest}) is before 'earliest' ({self.earliest})")
        if not self.text.strip():
            raise ValueError("'text' is empty")
        if len(self.choices) == 1:
            raise ValueError("one choice is no choice: give 2-4 choices, or none and 'effects'")
        return self

    def _check_hook(self) -> None:
        if self.weight is not None or self.mtth_quarters is not None or self.scripted:
            raise ValueError(f"an event with on = '{self.on}' happens at that moment; remove "
                             "'weight', 'mtth_quarters' and 'scripted' (use 'chance' for "
                             "odds)")
        if self.on in ENDINGS and (self.effects or self.choices or self.follow_ups):
            raise ValueError(f"an event with on = '{self.on}' comes after the game has ended: "
                             "it can tell what happened but not change it; remove its "
                             "'effects', 'choices' and 'follow_ups'")


class EventFile(_Model):
    event: list[Event] = Field(min_length=1)


class Concept(_Model):
    """A glossary entry: the idea an event teaches."""

    id: str = Field(pattern=ID)
    term: str = Field(min_length=1, max_length=60)
    definition: str = Field(min_length=1, description="One or two sentences.")
    why_it_matters: str = Field(min_length=1, description="Why it matters in this game.")
    see_also: list[str] = Field(default_factory=list)


class ConceptPatch(_Model):
    """Keys of a concept of an earlier pack to change ([concept_patch.ID]); the concept is then
    checked whole, with the limits of [[concept]]."""

    term: str | None = Field(None, description="The term as the glossary shows it.")
    definition: str | None = Field(None, description="One or two sentences.")
    why_it_matters: str | None = Field(None, description="Why it matters in this game.")
    see_also: list[str] | None = Field(
        None, description="Related glossary ids: the whole list, in place of the concept's.")


class GlossaryFile(_Model):
    """glossary.toml: new concepts, and changes to the concepts of earlier packs."""

    model_config = ConfigDict(json_schema_extra={"minProperties": 1})  # (one table at least)

    concept: list[Concept] = Field(
        default_factory=list, description="New concepts ([[concept]] tables), each with an id no "
                                          "earlier pack uses.")
    concept_patch: dict[str, ConceptPatch] = Field(
        default_factory=dict, description="Changes to concepts of earlier packs: a "
                                          "[concept_patch.ID] table of keys per concept.")

    @model_validator(mode="after")
    def _not_empty(self) -> GlossaryFile:
        if not self.concept and not self.concept_patch:
            raise ValueError("glossary.toml defines nothing: add [[concept]] tables, or "
                             "[concept_patch.ID] tables that change a concept")
        return self


# --- a pack's own numbers and its reusable parts (variables.toml, library.toml) --------------

UNITS = ("plain", "$B", "$", "%", "x", "int", "year")
MAX_VARIABLE = 1e12  # a variable's bounds: a counter or a score, not a physical constant


class Variable(_Model):
    """A number of the pack's own, per world: read as var.ID, changed by add, multiply and set
    effects with target = "var.ID", and kept within [min, max] after every change."""

    id: str = Field(pattern=ID, description="Read as var.ID in expressions and {placeholders}.")
    description: str = Field(min_length=1, description="What it counts, for modders and the "
                                                       "developer console.")
    initial: float = Field(0.0, description="Its value when a game begins.")
    min: float = Field(ge=-MAX_VARIABLE, le=MAX_VARIABLE, description="The smallest it can be.")
    max: float = Field(ge=-MAX_VARIABLE, le=MAX_VARIABLE, description="The largest it can be.")
    unit: Literal[UNITS] = Field("plain", description="How {var.ID} shows it.")  # type: ignore[valid-type]

    @model_validator(mode="after")
    def _bounded(self) -> Variable:
        if self.min > self.max:
            raise ValueError(f"'min' ({self.min:g}) is above 'max' ({self.max:g})")
        if not self.min <= self.initial <= self.max:
            raise ValueError(f"'initial' ({self.initial:g}) is outside [min, max] = "
                             f"[{self.min:g}, {self.max:g}]")
        return self


class VariablesFile(_Model):
    variable: list[Variable] = Field(min_length=1)


class NamedTrigger(_Model):
    """A condition written once and read by name: when.ID is 1 while it holds, else 0."""

    id: str = Field(pattern=ID, description="Read as when.ID in expressions.")
    when: Expr = Field(description="The condition; it may read other named triggers.")
    description: str = Field("", description="What it means, for modders and the console.")


class EffectList(_Model):
    """Effects written once and applied by name: {type = "use", effects = "ID"}."""

    id: str = Field(pattern=ID, description="Named by a use effect.")
    effects: list[Effect] = Field(min_length=1, max_length=50,
                                  description="The effects, applied in order where used.")
    description: str = Field("", description="What it does, for modders.")


class LibraryFile(_Model):
    trigger: list[NamedTrigger] = Field(default_factory=list)
    effects: list[EffectList] = Field(default_factory=list)
