"""Scores: what a finished (or unfinished) game is worth, as the scenario defines it.

The outcome rules themselves (bankrupt, ipo, ousted, irrelevant, horizon) are applied in stage 10
of ``game.engine.step``; this module values the result.

    score = ownership × value × weight[outcome]
where value is the listing valuation for an IPO and the last valuation otherwise ($B), and the
weights come from the scenario's [score] table (an IPO counts fully; bankruptcy for nothing).
"""

from __future__ import annotations

import numpy as np

from game.engine.params import ScoreParams
from game.engine.state import IPO, OUTCOMES, State


def score(state: State, weights: ScoreParams) -> np.ndarray:
    table = np.array([getattr(weights, name) for name in OUTCOMES])
    value = np.where(state.outcome == IPO, state.ipo_valuation, state.valuation)
    return state.ownership * np.maximum(value, 0.0) * table[state.outcome]
