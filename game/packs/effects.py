"""Applying effects to a batch of worlds: each effect under a mask of the worlds it happens in.

Effects apply sparsely: only in the worlds (by position) where an event happened, writing into
copies the director owns (``Work.own``), never into the state it was given. Every change of a
ledger metric (cash, sentiment, debt) is recorded under the event's title, so the quarter's
ledger still sums exactly.

Semantics per target (docs/MODDING.md has the table):
- cash, debt, vendor_credit ($B), sentiment (points, kept within 0–100), hype (log index),
  headcount (at least 10), market ($B/year, kept positive), share (kept within 0–0.95),
  dc_mw (MW), run_progress (share of the run in progress done, 0–1), algo_efficiency
  (effective FLOP per FLOP): add, multiply or set;
- gpu_pipeline: multiply only; a factor f < 1 delays (1 − f) of the GPUs in transit by two
  quarters (an allocation cut), f ≥ 1 changes nothing;
- leased_h100e: multiply only; leased capacity scales at the locked prices.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from game.engine import Economy, Ledger, State
from game.engine.state import MODIFIABLE
from game.packs.expressions import Compiled, evaluate
from game.packs.names import Name
from game.packs.schema import (
    AddEffect,
    Effect,
    FlagEffect,
    GpuPriceShockEffect,
    ModifierEffect,
    MultiplyEffect,
    OfferEffect,
    RivalBoostEffect,
    RivalDelayEffect,
    RivalPriceEffect,
    ScheduleEffect,
    SetEffect,
)

MULTIPLY_ONLY = ("gpu_pipeline", "leased_h100e")
DELAY_QUARTERS = 2
LEDGER_TARGETS = ("cash", "debt", "sentiment")
BOUNDS = {"sentiment": (0.0, 100.0), "debt": (0.0, 1e6), "cash": (-1e6, 1e6),
          "hype": (-3.0, 3.0), "headcount": (10.0, 1e7), "market": (1e-3, 1e6),
          "share": (1e-6, 0.95), "vendor_credit": (0.0, 1e6), "dc_mw": (0.0, 1e6)}


@dataclass(frozen=True)
class CompiledEffect:
    effect: Effect
    value: Compiled | None  # the expression of value/factor/size, if any


def env_for(s: State, econ: Economy, names: dict[str, Name],
            cache: bool = False) -> Callable[[str], object]:
    """Name -> value for expressions: arrays over worlds, or plain floats when W = 1.

    With ``cache`` each name is read once (for reading many expressions of one unchanging
    state, as the director's roll does).
    """
    scalar = s.n_worlds == 1
    seen: dict[str, object] = {}

    def get(name: str) -> object:
        if cache and name in seen:
            return seen[name]
        value = names[name].read(s, econ)
        if scalar:
            value = float(value[0]) if isinstance(value, np.ndarray) else float(value)
        if cache:
            seen[name] = value
        return value

    return get


def subset(env: Callable[[str], object], idx: np.ndarray) -> Callable[[str], object]:
    """The same names, read only in the worlds at positions ``idx``."""

    def get(name: str) -> object:
        value = env(name)
        return value[idx] if isinstance(value, np.ndarray) else value

    return get


class Work:
    """What applying one quarter's events needs: the state being changed, its ledger, and
    copies made on first write so the state the director was given stays untouched."""

    def __init__(self, s: State, econ: Economy, names: dict[str, Name], ledger: Ledger,
                 rival_index: dict[str, int], event_index: dict[str, int], quarter: int):
        self.s, self.econ, self.names, self.ledger = s, econ, names, ledger
        self.rival_index, self.event_index, self.quarter = rival_index, event_index, quarter
        self.owned: set[str] = set()
        self.due = s.extra["events.due"].copy()
        self.deltas: dict[str, list[tuple[str, np.ndarray, np.ndarray]]] = {}

    def own(self, field: str) -> np.ndarray:
        """The state's array for ``field``, copied the first time it is written this quarter."""
        if field not in self.owned:
            setattr(self.s, field, getattr(self.s, field).copy())
            self.owned.add(field)
        return getattr(self.s, field)

    def own_extra(self, key: str, dtype: type) -> np.ndarray:
        """The state's extra array ``key`` (zeros if new), copied the first time it is written."""
        if key not in self.owned:
            current = self.s.extra.get(key)
            self.s.extra[key] = (np.zeros(self.s.n_worlds, dtype=dtype) if current is None
                                 else current.copy())
            self.owned.add(key)
        return self.s.extra[key]

    def env(self, idx: np.ndarray) -> Callable[[str], object]:
        return subset(env_for(self.s, self.econ, self.names), idx)

    def record(self, metric: str, label: str, idx: np.ndarray, delta: np.ndarray) -> None:
        self.deltas.setdefault(metric, []).append((label, idx, delta))

    def flush(self) -> None:
        """Put the recorded changes into the ledger, one line per metric and event (the lines of
        a metric are rows of one matrix, filled in one pass, in the order they were recorded)."""
        for metric, records in self.deltas.items():
            rows: dict[str, int] = {}
            for label, _, _ in records:
                rows.setdefault(label, len(rows))
            W = self.s.n_worlds
            cells = np.concatenate([i + rows[lb] * W for lb, i, _ in records])
            table = np.bincount(cells, weights=np.concatenate([d for _, _, d in records]),
                                minlength=len(rows) * W).reshape(len(rows), W)
            for label, r in rows.items():
                self.ledger.add(metric, label, table[r])
        self.deltas.clear()

    def schedule(self, event_id: str, idx: np.ndarray, delay: int) -> None:
        j = self.event_index[event_id]
        q = self.quarter
        current = self.due[idx, j]
        self.due[idx, j] = np.where(current > q, np.minimum(current, q + delay), q + delay)


@dataclass(frozen=True, slots=True)
class Step:
    """One effect to apply in some worlds: the ``order``-th change of those worlds' sequence this
    quarter (each world's events apply one after another, an event's effects before its
    choice's)."""

    order: int
    effect: CompiledEffect
    idx: np.ndarray
    label: str


def apply_steps(steps: list[Step], work: Work) -> None:
    """Apply many effects, each world's in its order, batching the common ones.

    Steps of the same ``order`` must touch different worlds (the director guarantees it: one
    event per world per pass). They commute, so steps of one order that change the same number
    target with the same operation (or the same parameter modifier) are applied as one scatter
    over all their worlds; the rest apply one by one. Each world sees exactly the changes, in
    exactly the order, that applying the steps one at a time would give it.
    """
    by_order: dict[int, list[Step]] = {}
    for st in steps:
        by_order.setdefault(st.order, []).append(st)
    for order in sorted(by_order):
        groups: dict[tuple[str, str], list[Step]] = {}
        for st in by_order[order]:
            e = st.effect.effect
            if not len(st.idx):
                continue
            if isinstance(e, AddEffect | MultiplyEffect | SetEffect) and e.target in BOUNDS:
                groups.setdefault((type(e).__name__, e.target), []).append(st)
            elif isinstance(e, ModifierEffect):
                groups.setdefault(("modifier", e.parameter), []).append(st)
            else:
                apply(st.effect, st.idx, work, st.label)
        for group in groups.values():
            if len(group) == 1:
                st = group[0]
                apply(st.effect, st.idx, work, st.label)
            else:
                _apply_group(group, work)


def _values(group: list[Step], work: Work) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The worlds of a group of steps, their values (constants repeated, expressions evaluated
    in their own worlds), and where each step's slice starts."""
    sizes = np.array([len(st.idx) for st in group])
    starts = np.concatenate(([0], np.cumsum(sizes)))
    idx = np.concatenate([st.idx for st in group])
    consts = [st.effect.value.constant if st.effect.value is not None else None for st in group]
    x = np.repeat(np.array([0.0 if c is None else c for c in consts]), sizes)
    for k, st in enumerate(group):
        if consts[k] is None and st.effect.value is not None:
            x[starts[k]:starts[k + 1]] = evaluate(st.effect.value, work.env(st.idx), int(sizes[k]))
    return idx, x, starts


def _apply_group(group: list[Step], work: Work) -> None:
    idx, x, starts = _values(group, work)
    e = group[0].effect.effect
    if isinstance(e, ModifierEffect):
        i = MODIFIABLE.index(e.parameter)
        work.own("mod_factor")[idx, i] *= np.minimum(np.maximum(x, 0.0), 100.0)
        quarters = np.repeat(np.array([float(st.effect.effect.quarters) for st in group]),
                             np.diff(starts))
        left = work.own("mod_left")
        left[idx, i] = np.maximum(left[idx, i], quarters)
        return
    assert isinstance(e, AddEffect | MultiplyEffect | SetEffect)
    arr = work.own(e.target)
    lo, hi = BOUNDS[e.target]
    old = arr[idx]
    new = np.minimum(np.maximum(_op(e, old, x), lo), hi)
    arr[idx] = new
    if e.target in LEDGER_TARGETS:
        delta = new - old
        for k, st in enumerate(group):
            work.record(e.target, st.label, st.idx, delta[starts[k]:starts[k + 1]])


def apply(ce: CompiledEffect, idx: np.ndarray, work: Work, label: str) -> None:
    """Apply one effect in the worlds at positions ``idx``."""
    e = ce.effect
    n = len(idx)
    if ce.value is None:
        x = None
    elif ce.value.constant is not None:
        x = np.full(n, ce.value.constant)
    else:
        x = evaluate(ce.value, work.env(idx), n)
    if isinstance(e, AddEffect | MultiplyEffect | SetEffect):
        assert x is not None
        _number(e, x, idx, work, label)
    elif isinstance(e, GpuPriceShockEffect):
        work.own("price_shock")[idx] += np.clip(x, -3.0, 3.0)
    elif isinstance(e, RivalBoostEffect):
        work.own("rival_log_flop")[idx, work.rival_index[e.rival]] += np.log10(
            np.clip(x, 1e-3, 1e3))
    elif isinstance(e, RivalDelayEffect):
        work.own("rival_next")[idx, work.rival_index[e.rival]] += e.quarters
    elif isinstance(e, RivalPriceEffect):
        prices = work.own("rival_price")
        r = work.rival_index[e.rival]
        prices[idx, r] = np.maximum(prices[idx, r] * np.clip(x, 0.05, 20.0), 0.2)
    elif isinstance(e, ModifierEffect):
        i = MODIFIABLE.index(e.parameter)
        work.own("mod_factor")[idx, i] *= np.minimum(np.maximum(x, 0.0), 100.0)
        left = work.own("mod_left")
        left[idx, i] = np.maximum(left[idx, i], float(e.quarters))
    elif isinstance(e, ScheduleEffect):
        work.schedule(e.event, idx, e.delay)
    elif isinstance(e, OfferEffect):
        work.schedule(e.event, idx, 1)
    elif isinstance(e, FlagEffect):
        work.own_extra(f"flag.{e.flag}", bool)[idx] = e.value
    else:  # pragma: no cover - the union is closed; a new member must be handled above
        raise TypeError(f"unhandled effect {type(e).__name__}")


def _op(e: AddEffect | MultiplyEffect | SetEffect, old: np.ndarray, x: np.ndarray) -> np.ndarray:
    if isinstance(e, AddEffect):
        return old + x
    if isinstance(e, MultiplyEffect):
        return old * x
    return np.broadcast_to(x, old.shape).astype(float)


def _number(e: AddEffect | MultiplyEffect | SetEffect, x: np.ndarray, idx: np.ndarray,
            work: Work, label: str) -> None:
    s, t = work.s, e.target
    if t in BOUNDS:
        arr = work.own(t)
        lo, hi = BOUNDS[t]
        old = arr[idx]
        new = np.minimum(np.maximum(_op(e, old, x), lo), hi)
        arr[idx] = new
        if t in LEDGER_TARGETS:
            work.record(t, label, idx, new - old)
    elif t == "run_progress":
        target = s.run_target[idx]
        active = target > 0
        progress = np.where(active, s.run_done[idx] / np.maximum(target, 1.0), 0.0)
        new = np.clip(_op(e, progress, x), 0.0, 1.0)
        done = work.own("run_done")
        done[idx] = np.where(active, new * target, done[idx])
    elif t == "algo_efficiency":
        eff = work.own("algo_log_eff")
        eff[idx] = np.log10(np.maximum(_op(e, 10.0 ** eff[idx], x), 1e-6))
    elif t == "gpu_pipeline":
        keep = np.clip(x, 0.0, 1.0)
        pipeline = work.own("pipeline")
        part = pipeline[idx]
        moved = part * (1.0 - keep)[:, None, None]
        # Rolling the ring by two slots makes each delayed GPU land two quarters later; the ring
        # has room for the longest lead plus this delay (engine.state.MAX_LEAD).
        pipeline[idx] = part - moved + np.roll(moved, DELAY_QUARTERS, axis=1)
    elif t == "leased_h100e":
        work.own("lease_qty")[idx] *= np.clip(x, 0.0, 10.0)[:, None]
    else:  # pragma: no cover
        raise TypeError(f"unhandled target {t}")
