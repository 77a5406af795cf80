"""The engine never writes into the state or plan it was given (history and forks rely on it)."""

from __future__ import annotations

import numpy as np

from game.bots import STRATEGIES
from game.engine import Rng, compile_economy, initial_state, resolve, step


def test_step_leaves_its_inputs_untouched(params) -> None:
    """Old states stay valid after the game moves on, including worlds that have ended."""
    econ = compile_economy(params)
    W = 64
    state = initial_state(params, W)
    rng = Rng.for_batch(3, W)
    policy = STRATEGIES["frugal"]  # lists early, so the freeze path for ended worlds runs
    ended_seen = False
    for q in range(params.scenario.horizon_quarters):
        plan = resolve(policy.plan(state, econ), econ.gpu_names, W)
        before = state.copy()
        plan_before = {name: np.copy(getattr(plan, name)) for name in plan.__slots__}
        new, _ = step(state, plan, econ, rng, q)
        for name, arr in before.arrays().items():
            np.testing.assert_array_equal(state.arrays()[name], arr, err_msg=name)
        for name, arr in plan_before.items():
            np.testing.assert_array_equal(np.asarray(getattr(plan, name)), arr, err_msg=name)
        ended_seen |= bool((~new.running).any())
        state = new
    assert ended_seen
