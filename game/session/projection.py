"""The end-of-quarter preview: where the current plan may take the lab, over many worlds.

From the game's state now, a batch of worlds plays the current plan this quarter and its standing
decisions (allocation, price) after it, with the scenario's events chosen by ai_weight. The draws
come from their own key space (``PROJECTION``), so looking ahead never changes the luck the game
itself will have. The result is a fan: percentiles of cash, runway and valuation per quarter.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from game.engine import OUTCOMES, PROJECTION, Plan, Rng, step
from game.session.game import Game, carry_over

PERCENTILES = (10, 25, 50, 75, 90)
METRICS = ("cash", "runway", "valuation")
RUNWAY_CAP = 40.0  # quarters: a lab not burning cash has "forever", drawn at the top of the chart


@dataclass(frozen=True)
class Projection:
    """quantiles[metric] is (quarters + 1, len(PERCENTILES)); row 0 is now."""

    labels: list[str]  # calendar quarters, starting now
    quantiles: dict[str, np.ndarray]
    outcomes: dict[str, float]  # share of worlds per outcome at the end
    worlds: int

    def band(self, metric: str, percentile: int) -> np.ndarray:
        return self.quantiles[metric][:, PERCENTILES.index(percentile)]


def project(game: Game, plan: Plan | None = None, worlds: int = 1000,
            quarters: int = 4) -> Projection:
    """Play ``plan`` (the game's current plan by default) ahead in ``worlds`` worlds."""
    plan = game.plan if plan is None else plan
    horizon = min(quarters, game.horizon - game.quarter)
    state = game.state.take(np.zeros(worlds, dtype=np.int64))
    rng = Rng(game.seed, np.arange(worlds, dtype=np.uint64), PROJECTION)
    director = game.content.director_for(game.scenario_id)
    series = {m: [_metric(state, m)] for m in METRICS}
    current = plan
    for k in range(horizon):
        state, _ = step(state, current, game.econ, rng, game.quarter + k, director)
        current = carry_over(current)
        for m in METRICS:
            series[m].append(_metric(state, m))
    quantiles = {m: np.percentile(np.stack(v), PERCENTILES, axis=1).T for m, v in series.items()}
    counts = np.bincount(state.outcome, minlength=len(OUTCOMES)) / worlds
    return Projection(
        labels=[game.calendar(game.quarter + k) for k in range(horizon + 1)],
        quantiles=quantiles,
        outcomes={o: float(counts[i]) for i, o in enumerate(OUTCOMES) if counts[i] > 0},
        worlds=worlds,
    )


def _metric(state, name: str) -> np.ndarray:
    if name == "runway":
        return np.minimum(state.runway, RUNWAY_CAP)
    return np.asarray(getattr(state, name), dtype=float).copy()
