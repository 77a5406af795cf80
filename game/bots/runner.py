"""Playing a policy over a batch of worlds: the loop that simulate, bench and balance share."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from game.bots.strategies import Policy
from game.engine import Economy, EconomyParams, Ledger, Rng, State, compile_economy, step
from game.engine.outcome import score
from game.engine.state import initial_state

Observer = Callable[[int, State, Ledger], None]


@dataclass(slots=True)
class Run:
    params: EconomyParams
    policy: str
    seed: int
    quarters: int
    state: State

    @property
    def scores(self) -> np.ndarray:
        return score(self.state, self.params.scenario.score)


def play(
    params: EconomyParams,
    policy: Policy,
    seed: int,
    n_worlds: int,
    quarters: int | None = None,
    observe: Observer | None = None,
) -> Run:
    """Play ``policy`` in ``n_worlds`` worlds for ``quarters`` (the scenario's horizon if None)."""
    econ: Economy = compile_economy(params)
    horizon = params.scenario.horizon_quarters if quarters is None else quarters
    state = initial_state(params, n_worlds)
    rng = Rng.for_batch(seed, n_worlds)
    for q in range(horizon):
        if not state.running.any():
            break
        state, ledger = step(state, policy.plan(state, econ), econ, rng, q)
        if observe is not None:
            observe(q, state, ledger)
    return Run(params, policy.name, seed, horizon, state)
