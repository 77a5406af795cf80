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
from typing import BinaryIO

import numpy as np

from game.bots.strategies import Policy
from game.engine import Economy, EconomyParams, Ledger, Rng, State, compile_economy, step
from game.engine.outcome import score
from game.engine.plan import restrict_plan
from game.engine.state import ARRAY_FIELDS, initial_state
from game.engine.step import QuarterHook

Observer = Callable[[int, State, Ledger], None]
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
    workers = default_workers(n_worlds) if workers is None else workers
    if observe is not None or workers <= 1:
        return _play_here(params, policy, seed, n_worlds, quarters, observe, events)
    with Workers({None: (params, policy, events)}, workers) as pool:
        return pool.play(None, seed, n_worlds, quarters)


def _play_here(params: EconomyParams, policy: Policy, seed: int, n_worlds: int,
               quarters: int | None, observe: Observer | None,
               events: QuarterHook | None) -> Run:
    """``play`` in this process."""
    horizon = params.scenario.horizon_quarters if quarters is None else quarters
    state, played, stepped = _play_worlds(params, policy, seed, np.arange(n_worlds), horizon,
                                          observe, events)
    return Run(params, policy.name, seed, horizon, played, stepped, state)


Setup = tuple[EconomyParams, Policy, QuarterHook | None]


class Workers:
    """Forked processes that play chunks of a batch's worlds, kept for a job's many games.

    ``setups`` names what the games may be: (params, policy, events). Policies and directors hold
    compiled closures that cannot be pickled, so the workers inherit them when they are forked,
    and a game names its setup by key. ``play`` splits the worlds into contiguous chunks, sends
    each worker its chunk, plays the first chunk here meanwhile, and puts the batch back
    together: bit-identical to one process, since every draw is keyed by the world.

    Why keep them: after a fork, each process's first write to a page of memory copies it
    (copy-on-write), and a 5,000-world game writes some 50 MB, about 12,500 page faults that
    slow its first game by a third. Workers kept for the next game write into pages they own
    already. With one worker (``n`` ≤ 1) everything plays here, unforked. A worker that fails
    sends its traceback, which ``play`` raises; leaving the ``with`` block ends the workers.
    """

    def __init__(self, setups: dict[object, Setup], n: int) -> None:
        self.setups = setups
        self.n = max(1, n) if hasattr(os, "fork") else 1
        self._children: list[_Child] = []
        self._folder: tempfile.TemporaryDirectory[str] | None = None

    def __enter__(self) -> Workers:
        if self.n <= 1:
            return self
        for params, _, _ in self.setups.values():
            compile_economy(params)  # before forking, so every worker inherits the tables
        _FORKED.clear()
        _FORKED.update(self.setups)
        # Objects made before the fork are moved out of the collector's reach, so the workers'
        # collections do not write into (and so copy) every page of the parent's heap.
        gc.freeze()
        self._folder = tempfile.TemporaryDirectory(prefix="frontier-lab-", dir=_SHARED_MEMORY)
        try:
            for k in range(1, self.n):
                self._children.append(_Child.fork(k, self._folder.name, self._children))
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, kind: object, error: object, trace: object) -> None:
        for child in self._children:
            child.stop(force=error is not None)
        self._children.clear()
        if self._folder is not None:
            self._folder.cleanup()
            self._folder = None
            _FORKED.clear()
            gc.unfreeze()

    def play(self, key: object, seed: int, n_worlds: int, quarters: int | None = None) -> Run:
        """Play setup ``key`` in ``n_worlds`` worlds, as ``play`` would."""
        params, policy, events = self.setups[key]
        chunks = np.array_split(np.arange(n_worlds), len(self._children) + 1)
        if not self._children or not len(chunks[-1]):  # too few worlds to share: play here
            return _play_here(params, policy, seed, n_worlds, quarters, None, events)
        horizon = params.scenario.horizon_quarters if quarters is None else quarters
        for child, chunk in zip(self._children, chunks[1:], strict=True):
            child.send((key, seed, int(chunk[0]), int(chunk[-1]) + 1, horizon))
        own, played, stepped = _play_worlds(params, policy, seed, chunks[0], horizon, None,
                                            events)
        parts = [child.receive() for child in self._children]
        bounds = np.cumsum([0, *(len(c) for c in chunks)])
        try:
            state = _reassemble([(slice(a, z), part) for a, z, part in zip(
                bounds[:-1], bounds[1:], [own, *parts], strict=True)], n_worlds)
        finally:
            for part in parts:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(part.path)
        return Run(params, policy.name, seed, horizon, max(played, *(p.played for p in parts)),
                   stepped + sum(p.stepped for p in parts), state)


@dataclass
class _Child:
    """A worker process and the pipes to it: tasks go in, parts or tracebacks come back."""

    pid: int
    tasks: BinaryIO
    replies: BinaryIO

    @classmethod
    def fork(cls, index: int, folder: str, siblings: list[_Child]) -> _Child:
        task_r, task_w = os.pipe()
        reply_r, reply_w = os.pipe()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - runs in the child, which never returns
            code = 1
            try:
                os.close(task_w)
                os.close(reply_r)
                for sibling in siblings:  # so each worker sees its own pipe close, and exits
                    sibling.tasks.close()
                    sibling.replies.close()
                with os.fdopen(task_r, "rb") as tasks, os.fdopen(reply_w, "wb") as replies:
                    _serve(tasks, replies, f"{folder}/{index}")
                code = 0
            finally:
                os._exit(code)  # no cleanup of the parent's state, no buffered output
        os.close(task_r)
        os.close(reply_w)
        return cls(pid, os.fdopen(task_w, "wb"), os.fdopen(reply_r, "rb"))

    def send(self, task: tuple) -> None:
        try:
            pickle.dump(task, self.tasks)
            self.tasks.flush()
        except BrokenPipeError:
            raise self._died() from None

    def receive(self) -> _Part:
        try:
            status, value = pickle.load(self.replies)
        except (EOFError, pickle.UnpicklingError):
            raise self._died() from None
        if status != "ok":
            raise RuntimeError("a worker process failed:\n" + value)
        return value

    def _died(self) -> RuntimeError:
        if not self.pid:
            return RuntimeError("a worker process failed earlier")
        _, code = os.waitpid(self.pid, 0)
        self.pid = 0
        return RuntimeError(f"a worker process failed: exit status "
                            f"{os.waitstatus_to_exitcode(code)}")

    def stop(self, force: bool) -> None:
        """End the worker: it exits when its task pipe closes (or at once, when ``force``)."""
        with contextlib.suppress(OSError):
            self.tasks.close()
        self.replies.close()
        if not self.pid:
            return
        with contextlib.suppress(ProcessLookupError, ChildProcessError):
            if force:
                os.kill(self.pid, signal.SIGTERM)
            os.waitpid(self.pid, 0)


def _serve(tasks: BinaryIO, replies: BinaryIO, path: str) -> None:  # pragma: no cover - child
    """A worker's loop: play each task's chunk, reply with its part (or the traceback)."""
    while True:
        try:
            key, seed, a, z, horizon = pickle.load(tasks)
        except EOFError:
            return
        try:
            reply = ("ok", _play_forked(key, seed, np.arange(a, z), horizon, path))
        except Exception:
            reply = ("error", traceback.format_exc())
        pickle.dump(reply, replies)
        replies.flush()


_FORKED: dict[object, Setup] = {}
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


def _play_forked(key: object, seed: int, worlds: np.ndarray, horizon: int, path: str) -> _Part:
    params, policy, events = _FORKED[key]
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
