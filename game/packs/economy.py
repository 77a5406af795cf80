"""Loading a pack's economy.toml, rivals.toml and a scenario into the engine's parameters.

This is the first piece of the pack loader: the base pack alone, no overrides yet. Every problem
in every file is collected before anything is raised.
"""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from game.engine.params import (
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
from game.packs.errors import ContentError, Problem
from game.packs.toml_io import read_toml
from game.packs.validation import validate_file
from game.paths import base_pack_dir

DEFAULT_SCENARIO = "ipo-window"
_QUARTER = re.compile(r"^(\d{4})Q([1-4])$")


class _File(BaseModel):
    model_config = ConfigDict(extra="forbid")


class EconomyFile(_File):
    gpu: list[GpuGeneration] = Field(min_length=1)
    market: MarketParams
    fleet: FleetParams
    training: TrainingParams
    demand: DemandParams
    finance: FinanceParams
    valuation: ValuationParams
    ipo: IpoParams


class RivalsFile(_File):
    rival: list[RivalParams] = Field(min_length=1)


class ScenarioFile(_File):
    """A scenario as written in a pack (scenarios/ID.toml)."""

    id: str = Field(pattern=r"^[a-z][a-z0-9\-]*$")
    title: str = Field(min_length=1)
    start: str = Field(description="First quarter, e.g. '2026Q1'.")
    horizon_quarters: int = Field(ge=1, le=40)
    briefing: str = ""
    objectives: list[str] = Field(default_factory=list)
    start_state: StartState
    outcome: OutcomeParams
    score: ScoreParams = ScoreParams()

    @field_validator("start")
    @classmethod
    def _quarter(cls, v: str) -> str:
        if not _QUARTER.match(v):
            raise ValueError(f"expected a quarter such as '2026Q1', got '{v}'")
        return v

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
        )


def scenario_ids(pack_dir: Path | None = None) -> list[str]:
    folder = (pack_dir or base_pack_dir()) / "scenarios"
    return sorted(p.stem for p in folder.glob("*.toml"))


def load_scenario_file(scenario: str, pack_dir: Path | None = None) -> ScenarioFile:
    pack = pack_dir or base_pack_dir()
    path = pack / "scenarios" / f"{scenario}.toml"
    if not path.is_file():
        import difflib

        known = scenario_ids(pack)
        close = difflib.get_close_matches(scenario, known, n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        raise ContentError([Problem(
            pack / "scenarios", f"no scenario '{scenario}'{hint}; known: {', '.join(known)}"
        )])
    problems: list[Problem] = []
    data, text = read_toml(path)
    parsed = validate_file(ScenarioFile, data, path, text, problems)
    if parsed is None:
        raise ContentError(problems)
    return parsed


def load_economy(scenario: str = DEFAULT_SCENARIO, pack_dir: Path | None = None) -> EconomyParams:
    """The engine's parameters for a scenario of a pack (the base pack by default)."""
    pack = pack_dir or base_pack_dir()
    problems: list[Problem] = []
    parsed: dict[str, BaseModel | None] = {}
    for key, name, model in (("economy", "economy.toml", EconomyFile),
                             ("rivals", "rivals.toml", RivalsFile)):
        path = pack / name
        try:
            data, text = read_toml(path)
        except ContentError as exc:
            problems.extend(exc.problems)
            continue
        parsed[key] = validate_file(model, data, path, text, problems)
    try:
        scen = load_scenario_file(scenario, pack)
    except ContentError as exc:
        problems.extend(exc.problems)
        scen = None
    if problems:
        raise ContentError(problems)
    econ = parsed["economy"]
    rivals = parsed["rivals"]
    assert isinstance(econ, EconomyFile) and isinstance(rivals, RivalsFile) and scen is not None
    try:
        params = EconomyParams(
            gpus=econ.gpu, market=econ.market, fleet=econ.fleet, training=econ.training,
            demand=econ.demand, finance=econ.finance, valuation=econ.valuation, ipo=econ.ipo,
            rivals=rivals.rival, scenario=scen.to_engine(),
        )
        from game.engine.economy import compile_economy

        compile_economy(params)
    except (ValidationError, ValueError) as exc:
        msgs = ([e["msg"].removeprefix("Value error, ") for e in exc.errors()]
                if isinstance(exc, ValidationError) else [str(exc)])
        raise ContentError([Problem(pack / "scenarios" / f"{scenario}.toml", m)
                            for m in msgs]) from None
    return params
