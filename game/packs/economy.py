"""The file models of economy.toml, rivals.toml and scenarios, and the engine's parameters.

``game.packs.assembly`` reads and merges these across packs; ``game.packs.loading.load_economy``
is the shortcut to a scenario's parameters. The first economy.toml (the base pack's) is complete
(``EconomyFile``); a later pack's is a patch (``EconomyPatchFile``): tables of keys to change,
``[[gpu]]`` tables of new generations and ``[gpu_patch.NAME]`` tables of keys of one generation
to change. A rivals.toml adds ``[[rival]]`` tables and changes rivals of earlier packs with
``[rival_patch.ID]`` tables (``game.packs.patching`` merges them). A scenario may override parts
of the merged economy and rivals: its ``[economy.SECTION]`` tables are patched in exactly as a
later pack's economy.toml is, and its ``[rivals.ID]`` tables change keys of one rival; the loader
checks both (and the scripted events, hints, disabled actions and required packs) and reports
every problem at its line.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    WithJsonSchema,
    create_model,
    field_validator,
    model_validator,
)

from game.engine.economy import compile_economy
from game.engine.params import (
    MAX_GPU_GENERATIONS,
    DemandParams,
    EconomyParams,
    FinanceParams,
    FleetParams,
    GpuGeneration,
    IpoParams,
    MarketParams,
    OutcomeParams,
    RivalParams,
    Scenario,
    ScoreParams,
    StartState,
    TrainingParams,
    ValuationParams,
)
from game.engine.plan import Plan
from game.packs.errors import did_you_mean

DEFAULT_SCENARIO = "ipo-window"
DEFAULT_SEED = 2026  # a game's seed when neither the player nor the scenario names one
_QUARTER = re.compile(r"^(\d{4})Q([1-4])$")


class _File(BaseModel):
    model_config = ConfigDict(extra="forbid")


class EconomyFile(_File):
    gpu: list[GpuGeneration] = Field(min_length=1, max_length=MAX_GPU_GENERATIONS)
    market: MarketParams
    fleet: FleetParams
    training: TrainingParams
    demand: DemandParams
    finance: FinanceParams
    valuation: ValuationParams
    ipo: IpoParams


def _partial(model: type[BaseModel], name: str, doc: str, skip: Iterable[str] = ()
             ) -> type[BaseModel]:
    """The model with every field optional and unchecked but for its type: an override.

    Limits are checked once the override is merged into the full parameters, so a bad value is
    reported with the same words as in economy.toml or rivals.toml.
    """
    fields: dict[str, Any] = {}
    for key, info in model.model_fields.items():
        if key in skip:
            continue
        fields[key] = (info.annotation | None, Field(None, description=info.description))
    out = create_model(name, __config__=ConfigDict(extra="forbid"), **fields)
    out.__doc__ = doc
    return out


# The tables of economy.toml whose keys a later pack or a scenario may change ([[gpu]] is an
# array: a later pack adds to it and changes its entries by name, a scenario does neither).
_SECTIONS = {key: info.annotation for key, info in EconomyFile.model_fields.items()
             if key != "gpu"}


def _section_overrides(name: str, where: str) -> dict[str, Any]:
    """create_model's fields for the tables of economy.toml, each of keys to change."""
    return {key: (_partial(tp, f"{tp.__name__.removesuffix('Params')}{name}",  # type: ignore
                           f"Keys of economy.toml's [{key}] to change {where}.") | None,
                  Field(None, description=f"Keys of [{key}] to change."))
            for key, tp in _SECTIONS.items()}


EconomyOverride: type[BaseModel] = create_model(
    "EconomyOverride", __config__=ConfigDict(extra="forbid"),
    **_section_overrides("Override", "in this scenario"))
EconomyOverride.__doc__ = "Tables and keys of economy.toml to change in this scenario."
RivalOverride: type[BaseModel] = _partial(
    RivalParams, "RivalOverride", "Keys of one rival of rivals.toml to change in this scenario.",
    skip=("id",))

GpuPatch: type[BaseModel] = _partial(
    GpuGeneration, "GpuPatch", "Keys of one GPU generation of an earlier pack to change, by its "
                               "name ([gpu_patch.NAME]).", skip=("name",))
EconomyPatchFile: type[BaseModel] = create_model(
    "EconomyPatchFile", __config__=ConfigDict(extra="forbid"),
    gpu=(list[GpuGeneration], Field(
        default_factory=list, max_length=MAX_GPU_GENERATIONS,
        description="New GPU generations, each complete, with a name no earlier pack uses.")),
    gpu_patch=(dict[str, GpuPatch], Field(  # type: ignore[valid-type]
        default_factory=dict, description="Changes to GPU generations of earlier packs: a "
                                          "[gpu_patch.NAME] table of keys per generation.")),
    **_section_overrides("Patch", "in every scenario"),
)
EconomyPatchFile.__doc__ = ("A later pack's economy.toml: keys of the economy to change, new GPU "
                            "generations, and keys of earlier ones to change.")
RivalPatch: type[BaseModel] = _partial(
    RivalParams, "RivalPatch", "Keys of one rival of an earlier pack to change, by its id "
                               "([rival_patch.ID]).", skip=("id",))


class RivalsFile(_File):
    """rivals.toml: new rivals, and changes to the rivals of earlier packs."""

    model_config = ConfigDict(json_schema_extra={"minProperties": 1})  # (one table at least)

    rival: list[RivalParams] = Field(
        default_factory=list, description="New rivals ([[rival]] tables), each complete, with an "
                                          "id no earlier pack uses.")
    rival_patch: dict[str, RivalPatch] = Field(  # type: ignore[valid-type]
        default_factory=dict, description="Changes to rivals of earlier packs: a "
                                          "[rival_patch.ID] table of keys per rival.")

    @model_validator(mode="after")
    def _not_empty(self) -> RivalsFile:
        if not self.rival and not self.rival_patch:
            raise ValueError("rivals.toml defines nothing: add [[rival]] tables, or "
                             "[rival_patch.ID] tables that change a rival")
        return self


# What a scenario can disable: the Plan's fields (its decisions). The three compute shares are one
# decision (they sum to 100%), so they are disabled together.
ACTIONS: tuple[str, ...] = tuple(Plan.model_fields)
ALLOCATION = ("training", "inference", "research")
TOPICS = ("procurement", "allocation", "training", "pricing", "finance")


def _known_action(name: str) -> str:
    if name not in ACTIONS:
        hint = did_you_mean(name, ACTIONS)
        raise ValueError(f"unknown action '{name}'{hint}" + ("" if hint else (
            f"; actions are the plan's fields: {', '.join(ACTIONS)}")))
    return name


Action = Annotated[str, AfterValidator(_known_action),
                   WithJsonSchema({"type": "string", "enum": list(ACTIONS)})]


class Hint(_File):
    """A tip the game shows during one quarter (the tutorial's guidance)."""

    quarter: int = Field(ge=0, description="Quarter it shows (0 = the first); below the horizon.")
    text: str = Field(min_length=1, description="The tip, one or two sentences.")
    topic: Literal[TOPICS] | None = Field(  # type: ignore[valid-type]
        None, description="The decision tab it is about, which the UI can point to.")

    @field_validator("text")
    @classmethod
    def _not_blank(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("the hint's text is blank")
        return v


class ScriptedEvent(_File):
    """An event that happens at a set quarter of the scenario, in every game where its trigger
    holds, outside the director's limits."""

    quarter: int = Field(ge=0, description="Quarter it happens (0 = the first); below the horizon.")
    event: str = Field(description="Event id, e.g. 'base.vendor_allocation_cut'.")
    allow: list[Literal["scripted-trigger"]] = Field(
        default_factory=list,
        description="Warnings of `packs validate` not to report for this entry: "
                    "['scripted-trigger']; say why in a comment.")


class HistoryPoint(_File):
    """What really happened at the end of one quarter: the debrief's comparison
    ([[history]] tables)."""

    quarter: str = Field(description="Calendar quarter, e.g. '2024Q4'; within the scenario.")
    runrate: float | None = Field(None, ge=0, description="Recorded run-rate, $B/year.")
    valuation: float | None = Field(None, ge=0, description="Recorded private valuation, $B.")
    rental_price: float | None = Field(
        None, ge=0, description="Recorded rental price of an H100-hour, $.")

    @field_validator("quarter")
    @classmethod
    def _quarter(cls, v: str) -> str:
        if not _QUARTER.match(v):
            raise ValueError(f"expected a quarter such as '2024Q4', got '{v}'")
        return v


class ScenarioFile(_File):
    """A scenario as written in a pack (scenarios/ID.toml)."""

    id: str = Field(pattern=r"^[a-z][a-z0-9\-]*$")
    title: str = Field(min_length=1)
    start: str = Field(description="First quarter, e.g. '2026Q1'.")
    horizon_quarters: int = Field(ge=1, le=40)
    briefing: str = ""
    objectives: list[str] = Field(default_factory=list)
    instructor_notes: str = Field(
        "", description="For the instructor: what the scenario teaches, how it tends to go, "
                        "what to ask in the debrief.")
    packs: list[str] = Field(
        default_factory=list, description="Ids of packs it needs; it fails to load without them.")
    seed: int | None = Field(
        None, ge=0,
        description="The seed games and classes use unless one is given (the seed policy); "
                    "not set: the game's default.")
    start_state: StartState
    outcome: OutcomeParams
    score: ScoreParams = ScoreParams()
    score_description: str = Field(
        "", description="One sentence for players on what the score rewards here.")
    pacing: Literal["calm", "standard", "volatile"] = Field(
        "standard", description="The event director's preset for this scenario."
    )
    scripted: list[ScriptedEvent] = Field(
        default_factory=list, description="Events at set quarters ([[scripted]] tables).")
    hints: list[Hint] = Field(
        default_factory=list, description="Tips shown at set quarters ([[hints]] tables).")
    history: list[HistoryPoint] = Field(
        default_factory=list, description="What really happened, for the debrief to compare "
                                          "([[history]] tables).")
    disabled_actions: list[Action] = Field(
        default_factory=list, description="Plan fields the player cannot change here, e.g. "
                                          "'vendor_equity'.")
    economy: EconomyOverride | None = Field(  # type: ignore[valid-type]
        None, description="Changes to the merged economy.toml: [economy.SECTION] tables of keys, "
                          "patched in as a pack's economy.toml is.")
    rivals: dict[str, RivalOverride] = Field(  # type: ignore[valid-type]
        default_factory=dict, description="Changes to rivals: a [rivals.ID] table of rivals.toml "
                                          "keys per rival id.")

    @field_validator("start")
    @classmethod
    def _quarter(cls, v: str) -> str:
        if not _QUARTER.match(v):
            raise ValueError(f"expected a quarter such as '2026Q1', got '{v}'")
        return v

    @field_validator("disabled_actions")
    @classmethod
    def _allocation_together(cls, v: list[str]) -> list[str]:
        some = [a for a in ALLOCATION if a in v]
        if some and len(some) < len(ALLOCATION):
            raise ValueError(f"training, inference and research are one decision (the compute "
                             f"allocation, summing to 100%): disable all three or none, not only "
                             f"{', '.join(some)}")
        return v

    def history_quarter(self, label: str) -> int:
        """The game's quarter index (0 = the first) whose end a history point records."""
        m, s0 = _QUARTER.match(label), _QUARTER.match(self.start)
        assert m is not None and s0 is not None
        return (int(m.group(1)) * 4 + int(m.group(2))) - (int(s0.group(1)) * 4 + int(s0.group(2)))

    def default_seed(self) -> int:
        """The seed games and classes of this scenario use unless one is given (its seed
        policy): its own, else DEFAULT_SEED."""
        return DEFAULT_SEED if self.seed is None else self.seed

    def economy_patch(self) -> dict[str, Any]:
        """The economy override as written: {section: {key: value}}."""
        return self.economy.model_dump(exclude_unset=True) if self.economy is not None else {}

    def rival_patch(self, rival_id: str) -> dict[str, Any]:
        """The keys the scenario changes for one rival."""
        found = self.rivals.get(rival_id)
        return found.model_dump(exclude_unset=True) if found is not None else {}

    def to_engine(self) -> Scenario:
        m = _QUARTER.match(self.start)
        assert m is not None
        return Scenario(
            id=self.id,
            title=self.title,
            start_year=int(m.group(1)),
            start_quarter=int(m.group(2)),
            horizon_quarters=self.horizon_quarters,
            start=self.start_state,
            outcome=self.outcome,
            score=self.score,
            disabled_actions=tuple(dict.fromkeys(self.disabled_actions)),
        )


def engine_params(e: EconomyFile, rivals: list[RivalParams], scenario: ScenarioFile
                  ) -> tuple[EconomyParams | None, list[str]]:
    """The engine's parameters for a scenario, compiled once to be sure they hold together:
    (params, []), or (None, a sentence for each thing wrong)."""
    try:
        params = EconomyParams(
            gpus=e.gpu, market=e.market, fleet=e.fleet, training=e.training, demand=e.demand,
            finance=e.finance, valuation=e.valuation, ipo=e.ipo, rivals=rivals,
            scenario=scenario.to_engine())
        compile_economy(params)
    except ValidationError as exc:
        return None, [err["msg"].removeprefix("Value error, ") for err in exc.errors()]
    except ValueError as exc:
        return None, [str(exc)]
    return params, []
