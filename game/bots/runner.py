"""Playing a policy over a batch of worlds: the loop that simulate, bench and balance share.

Large batches with no per-quarter observer are split into contiguous chunks of worlds played in
forked worker processes, one per core. Every random draw is keyed by the world's identity, so
the combined result is bit-identical to playing the whole batch in one process.

A game that has ended keeps its state for the rest of the run (the engine's rule), so once most
of a batch's games have ended the loop steps only the running ones and puts the batch back
together, in world order, at the end: the same final state, without recomputing finished games.
"""

from __future__ import annotations

import contextlib
import gc
import os
import pickle
import signal
import tempfile
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import numpy as np

from game.bots.strategies import Policy
from game.engine import Economy, EconomyParams, Ledger, Rng, State, compile_economy, step
from game.engine.outcome import score
from game.engine.state import ARRAY_FIELDS, initial_state
from game.engine.step import QuarterHook
from game.packs.economy import restrict_plan

Observer = Callable[[int, State, Ledger], None]
T = TypeVar("T")
PARALLEL_MIN_WORLDS = 4096
# Step only the running games once fewer than this share of the stepped batch is running.
COMPACT_BELOW = 0.75


@dataclass(slots=True)
class Run:
    params: EconomyParams
    policy: str
    seed: int
    quarters: int
    quarters_played: int  # quarters actually stepped (a batch stops once every game has ended)
    worlds_stepped: int  # Σ over those quarters of the worlds stepped (games still running)
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
        state, played, stepped = _play_worlds(params, policy, seed, np.arange(n_worlds), horizon,
                                              observe, events)
        return Run(params, policy.name, seed, horizon, played, stepped, state)
    chunks = np.array_split(np.arange(n_worlds), workers)
    compile_economy(params)  # once, before forking, so every worker inherits the tables
    # Policies and directors hold compiled closures that cannot be pickled: the forked workers
    # inherit them from this module instead of receiving them as arguments.
    _FORKED[:] = [params, policy, events]
    # Objects made before the fork are moved out of the collector's reach, so the workers'
    # collections do not write into (and so copy) every page of the parent's heap.
    gc.freeze()
    try:
        with tempfile.TemporaryDirectory(prefix="frontier-lab-", dir=_SHARED_MEMORY) as folder:
            # The first chunk is played here while the children play the others.
            own, parts = _fork_each(seed, chunks[1:], horizon, folder, lambda: _play_worlds(
                params, policy, seed, chunks[0], horizon, None, events))
            bounds = np.cumsum([0, *(len(c) for c in chunks)])
            state = _reassemble([(slice(a, z), part) for a, z, part in
                                 zip(bounds[:-1], bounds[1:], [own[0], *parts], strict=True)],
                                n_worlds)
    finally:
        _FORKED.clear()
        gc.unfreeze()
    return Run(params, policy.name, seed, horizon, max(own[1], *(p.played for p in parts)),
               own[2] + sum(p.stepped for p in parts), state)


def _fork_each(seed: int, chunks: list[np.ndarray], horizon: int, folder: str,
               meanwhile: Callable[[], T]) -> tuple[T, list[_Part]]:
    """Play each chunk of worlds in a forked child process, run ``meanwhile`` here, and wait
    for the children.

    A bare fork rather than a process pool: a pool's threads, pipes and shutdown cost about as
    much as a quarter of a large batch, and each child does one task and exits. A child that
    fails leaves its traceback beside its state file, and the parent raises it.
    """
    pids: dict[int, int] = {}
    try:
        for k, chunk in enumerate(chunks):
            path = f"{folder}/{k}"
            pid = os.fork()
            if pid == 0:  # pragma: no cover - runs in the child, which never returns
                code = 1
                try:
                    part = _play_forked(seed, chunk, horizon, path)
                    with open(f"{path}.part", "wb") as f:
                        pickle.dump(part, f)
                    code = 0
                except BaseException:
                    with open(f"{path}.error", "w", encoding="utf-8") as f:
                        f.write(traceback.format_exc())
                finally:
                    os._exit(code)  # no cleanup of the parent's state, no buffered output
            pids[pid] = k
        result = meanwhile()
        for pid in list(pids):
            _, status = os.waitpid(pid, 0)
            k = pids.pop(pid)
            if os.waitstatus_to_exitcode(status) != 0:
                error = Path(f"{folder}/{k}.error")
                raise RuntimeError("a worker process failed:\n" + (
                    error.read_text(encoding="utf-8") if error.exists()
                    else f"exit status {os.waitstatus_to_exitcode(status)}"))
    finally:
        for pid in pids:  # the others, if one failed or the wait was interrupted
            with contextlib.suppress(ProcessLookupError, ChildProcessError):
                os.kill(pid, signal.SIGTERM)
                os.waitpid(pid, 0)
    parts = []
    for k in range(len(chunks)):
        with open(f"{folder}/{k}.part", "rb") as f:
            parts.append(pickle.load(f))
    return result, parts


_FORKED: list = []
# Workers hand their final states back through files in memory (tmpfs) where there is one: a
# pipe carries a 5,000-world state (≈ 12 MB) an order of magnitude more slowly.
_SHARED_MEMORY = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None


@dataclass(frozen=True, slots=True)
class _Part:
    """A worker's final state, by reference: its arrays' bytes in ``path``, in layout order."""

    path: str
    quarter: int
    played: int
    stepped: int
    layout: tuple[tuple[str, str, tuple[int, ...]], ...]  # (name, dtype, shape); "extra:" keys


def _play_forked(seed: int, worlds: np.ndarray, horizon: int, path: str) -> _Part:
    params, policy, events = _FORKED
    state, played, stepped = _play_worlds(params, policy, seed, worlds, horizon, None, events)
    layout = []
    with open(path, "wb") as f:
        for name, array in _named_arrays(state):
            array = np.ascontiguousarray(array)
            layout.append((name, array.dtype.str, array.shape))
            f.write(array.data)
    return _Part(path, state.quarter, played, stepped, tuple(layout))


def _named_arrays(part: State | _Part) -> Iterator[tuple[str, np.ndarray]]:
    """A chunk's arrays by name (extra arrays as "extra:KEY"), read where they lie."""
    if isinstance(part, State):
        yield from ((name, getattr(part, name)) for name in ARRAY_FIELDS)
        yield from ((f"extra:{key}", value) for key, value in part.extra.items())
        return
    data = np.memmap(part.path, dtype=np.uint8, mode="r")
    offset = 0
    for name, dtype, shape in part.layout:
        array = np.frombuffer(data, dtype=dtype, count=int(np.prod(shape)), offset=offset)
        offset += array.nbytes
        yield name, array.reshape(shape)


def _play_worlds(
    params: EconomyParams,
    policy: Policy,
    seed: int,
    worlds: np.ndarray,
    horizon: int,
    observe: Observer | None,
    events: QuarterHook | None = None,
) -> tuple[State, int, int]:
    """The final state, the quarters stepped, and Σ of the worlds each step computed."""
    econ: Economy = compile_economy(params)
    state = initial_state(params, len(worlds), worlds)
    rng = Rng(seed, worlds)
    disabled = params.scenario.disabled_actions
    played = stepped = 0
    positions = np.arange(len(worlds))  # where each stepped world sits in the whole batch
    finished: list[tuple[np.ndarray, State]] = []  # games set aside once ended, by position
    for q in range(horizon):
        running = state.running
        n_running = int(np.count_nonzero(running))
        if not n_running:
            break
        if observe is None and n_running < COMPACT_BELOW * state.n_worlds:
            finished.append((positions[~running], state.take(~running)))
            keep = np.flatnonzero(running)
            state, rng, positions = state.take(keep), rng.subset(keep), positions[keep]
        plan = policy.plan(state, econ)
        if disabled:  # the scenario's disabled actions stay at their defaults
            plan = restrict_plan(plan, disabled)
        stepped += state.n_worlds
        state, ledger = step(state, plan, econ, rng, q, events)
        played += 1
        if observe is not None:
            observe(q, state, ledger)
    if finished:
        state = _reassemble([*finished, (positions, state)], len(worlds))
    return state, played, stepped


def _reassemble(parts: list[tuple[np.ndarray | slice, State | _Part]], n_worlds: int) -> State:
    """One state of ``n_worlds`` from sub-batches (in this process, or a worker's file) and the
    positions their worlds hold in it.

    An extra array that a part lacks was never created there (a flag none of its worlds set,
    or bookkeeping that began after its games ended): its worlds get zeros, as they would in
    one batch stepped together.
    """
    out: dict[str, np.ndarray] = {}
    for positions, part in parts:
        for name, array in _named_arrays(part):
            if name not in out:
                out[name] = np.zeros((n_worlds, *array.shape[1:]), dtype=array.dtype)
            out[name][positions] = array
    extra = {name.removeprefix("extra:"): a for name, a in out.items()
             if name.startswith("extra:")}
    arrays = {name: out[name] for name in ARRAY_FIELDS}
    return State(quarter=max(p.quarter for _, p in parts), extra=extra, **arrays)
