"""The file models of economy.toml, rivals.toml and scenarios, and the engine's parameters.

``game.packs.loader`` reads and merges these across packs; ``load_economy`` is the shortcut to a
scenario's parameters.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

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
    pacing: Literal["calm", "standard", "volatile"] = Field(
        "standard", description="The event director's preset for this scenario."
    )

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


def load_economy(scenario: str = DEFAULT_SCENARIO) -> EconomyParams:
    """The engine's parameters for a scenario of the installed packs."""
    from game.packs.loader import load_content

    return load_content().params(scenario)
