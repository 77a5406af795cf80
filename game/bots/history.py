"""The historical check: a strategy that does roughly what OpenAI did, played from 2023Q1.

A scenario with ``[[history]]`` tables records what really happened at the end of some quarters
(run-rate, private valuation, the rental price of an H100-hour). ``check`` plays the
``AS_OPENAI_DID`` strategy over many worlds of it and sets the median world beside each recorded
figure; docs/ENGINE.md shows the table ("A historical check") and a test holds every figure
within 2x of the record.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from game.bots.runner import play
from game.bots.strategies import Stance, Strategy
from game.engine import Ledger, State
from game.packs import Content

SCENARIO = "openai-2023"
METRICS = ("runrate", "valuation", "rental_price")

# Rent everything from the cloud partner, train the biggest runs the frontier allows, spend most
# compute on research, price with the market, raise big rounds before the cash runs short, hire
# fast, and never list.
AS_OPENAI_DID = Strategy(
    "as-openai-did",
    "rents its compute, trains at the frontier, spends heavily on research, raises big rounds "
    "and stays private",
    Stance(training=0.1, research=0.45, own_share=0.0, lease_quarters=8, spot_share=0.1,
           headroom=1.1, lookahead=0, run_quarters=2.0, keep_pace=1.0,
           tokens_per_parameter=40, price=1.0, price_drift=0.0, price_margin=-1,
           price_when_short=0.3, hire_per_quarter=220, raise_runway=8, raise_fraction=0.12,
           vendor_fraction=0.0, file_quarter=99, file_ttm=1e9, file_sentiment=100,
           accept_ratio=99.0, build_power=False),
)


@dataclass(frozen=True)
class Row:
    """One recorded figure beside the median world's."""

    quarter: str
    metric: str
    recorded: float
    game: float  # the median world's, among worlds still playing then

    @property
    def ratio(self) -> float:
        return self.game / self.recorded


def check(content: Content, worlds: int = 1000, seed: int = 2023,
          scenario: str = SCENARIO) -> list[Row]:
    """Each recorded figure of the scenario beside the median world of ``AS_OPENAI_DID``."""
    sc = content.scenarios[scenario]
    params = content.params(scenario)
    wanted = {sc.history_quarter(p.quarter): p for p in sc.history}
    seen: dict[int, dict[str, float]] = {}

    def observe(q: int, state: State, ledger: Ledger) -> None:
        if q in wanted:
            alive = (state.outcome == 0) | (state.quarter_ended == q)
            pick = (lambda a: float(np.median(a[alive]))) if alive.any() else (
                lambda a: float("nan"))
            seen[q] = {"runrate": pick(4.0 * state.revenue),
                       "valuation": pick(state.valuation),
                       "rental_price": pick(state.rental_price)}

    play(params, AS_OPENAI_DID, seed, worlds, observe=observe,
         events=content.director_for(scenario))
    rows = []
    for q, point in sorted(wanted.items()):
        for metric in METRICS:
            recorded = getattr(point, metric)
            if recorded is not None:
                rows.append(Row(point.quarter, metric, recorded, seen[q][metric]))
    return rows
