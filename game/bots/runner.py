"""Playing a policy over a batch of worlds: the loop that simulate, bench and balance share.

Large batches with no per-quarter observer are split into contiguous chunks of worlds played in
forked worker processes, one per core. Every random draw is keyed by the world's identity, so
the combined result is bit-identical to playing the whole batch in one process.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from game.bots.strategies import Policy
from game.engine import Economy, EconomyParams, Ledger, Rng, State, compile_economy, step
from game.engine.outcome import score
from game.engine.state import ARRAY_FIELDS, initial_state
from game.engine.step import QuarterHook
from game.packs.economy import restrict_plan

Observer = Callable[[int, State, Ledger], None]
PARALLEL_MIN_WORLDS = 4096


@dataclass(slots=True)
class Run:
    params: EconomyParams
    policy: str
    seed: int
    quarters: int
    quarters_played: int  # quarters actually stepped (a batch stops once every game has ended)
    state: State

    @property
    def scores(self) -> np.ndarray:
        return score(self.state, self.params.scenario.score)


def default_workers(n_worlds: int) -> int:
    if n_worlds < PARALLEL_MIN_WORLDS or not hasattr(os, "fork"):
        return 1
    return max(1, min(os.cpu_count() or 1, 8))


def play(
    params: EconomyParams,
    policy: Policy,
    seed: int,
    n_worlds: int,
    quarters: int | None = None,
    observe: Observer | None = None,
    workers: int | None = None,
    events: QuarterHook | None = None,
) -> Run:
    """Play ``policy`` in ``n_worlds`` worlds for ``quarters`` (the scenario's horizon if None).

    ``events`` is the quarter hook that makes events happen (a pack ``Director``); without it the
    economy runs undisturbed.
    """
    horizon = params.scenario.horizon_quarters if quarters is None else quarters
    workers = default_workers(n_worlds) if workers is None else workers
    if observe is not None or workers <= 1:
        state, played = _play_worlds(params, policy, seed, np.arange(n_worlds), horizon, observe,
                                     events)
        return Run(params, policy.name, seed, horizon, played, state)
    chunks = np.array_split(np.arange(n_worlds), workers)
    compile_economy(params)  # once, before forking, so every worker inherits the tables
    # Policies and directors hold compiled closures that cannot be pickled: the forked workers
    # inherit them from this module instead of receiving them as arguments.
    _FORKED[:] = [params, policy, events]
    try:
        ctx = multiprocessing.get_context("fork")
        with ctx.Pool(workers) as pool:
            parts = pool.starmap(_play_forked, [(seed, chunk, horizon) for chunk in chunks])
    finally:
        _FORKED.clear()
    state = concat([p[0] for p in parts])
    return Run(params, policy.name, seed, horizon, max(p[1] for p in parts), state)


_FORKED: list = []


def _play_forked(seed: int, worlds: np.ndarray, horizon: int) -> tuple[State, int]:
    params, policy, events = _FORKED
    return _play_worlds(params, policy, seed, worlds, horizon, None, events)


def _play_worlds(
    params: EconomyParams,
    policy: Policy,
    seed: int,
    worlds: np.ndarray,
    horizon: int,
    observe: Observer | None,
    events: QuarterHook | None = None,
) -> tuple[State, int]:
    econ: Economy = compile_economy(params)
    state = initial_state(params, len(worlds), worlds)
    rng = Rng(seed, worlds)
    disabled = params.scenario.disabled_actions
    played = 0
    for q in range(horizon):
        if not state.running.any():
            break
        plan = policy.plan(state, econ)
        if disabled:  # the scenario's disabled actions stay at their defaults
            plan = restrict_plan(plan, disabled)
        state, ledger = step(state, plan, econ, rng, q, events)
        played += 1
        if observe is not None:
            observe(q, state, ledger)
    return state, played


def concat(states: list[State]) -> State:
    """One state of all the given batches' worlds, in order."""
    first = states[0]
    arrays = {name: np.concatenate([getattr(s, name) for s in states]) for name in ARRAY_FIELDS}
    extra = {k: np.concatenate([s.extra[k] for s in states]) for k in first.extra}
    return State(quarter=max(s.quarter for s in states), extra=extra, **arrays)
