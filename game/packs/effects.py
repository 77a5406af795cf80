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

import functools
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field

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


# The field that holds each effect's expression (value, factor or size), if it has one.
_EXPRESSION_FIELD = {AddEffect: "value", SetEffect: "value", MultiplyEffect: "factor",
                     GpuPriceShockEffect: "size", RivalBoostEffect: "factor",
                     RivalPriceEffect: "factor", ModifierEffect: "factor"}


@dataclass(frozen=True)
class CompiledEffect:
    effect: Effect
    value: Compiled | None  # the expression of value/factor/size, if any
    # What the effect does apart from its expression's value: steps with equal signatures
    # apply as one operation over all their worlds.
    signature: tuple = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        skip = _EXPRESSION_FIELD.get(type(self.effect))
        object.__setattr__(self, "signature", tuple(
            (k, v) for k, v in self.effect.model_dump().items() if k != skip))


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

    @functools.cached_property
    def scratch(self) -> np.ndarray:
        """Per-world counts for whoever needs them, left at zero after each use."""
        return np.zeros(self.s.n_worlds, dtype=np.int64)

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
        """Put the recorded changes into the ledger: one line per metric and event, summed in
        the order they were recorded."""
        for metric, records in self.deltas.items():
            row = {label: j for j, label in enumerate(dict.fromkeys(r[0] for r in records))}
            lines = np.zeros((len(row), self.s.n_worlds))  # one block, a row per line
            for label, idx, delta in records:
                lines[row[label], idx] += delta
            for label, j in row.items():
                self.ledger.add(metric, label, lines[j])
        self.deltas.clear()

    def schedule(self, event_id: str, idx: np.ndarray, delay: int) -> None:
        j = self.event_index[event_id]
        q = self.quarter
        current = self.due[idx, j]
        self.due[idx, j] = np.where(current > q, np.minimum(current, q + delay), q + delay)


@dataclass(frozen=True, slots=True)
class Step:
    """One effect to apply in the worlds at positions ``idx`` (under the event's title)."""

    effect: CompiledEffect
    idx: np.ndarray
    label: str
    event: int  # the event's index: within a pass, different events' worlds are disjoint


def _batched(ce: CompiledEffect) -> str | None:
    """The batch a step joins, named by what it changes: constant effects, which read nothing
    but what they change (one column or flag, or a bounded number, or a modifier). None for
    expressions (they read the state) and for schedules and offers (they apply in order)."""
    e = ce.effect
    if ce.value is not None and ce.value.constant is None:
        return None
    if isinstance(e, AddEffect | MultiplyEffect | SetEffect):
        return e.target
    if isinstance(e, ModifierEffect):
        return f"modifier.{e.parameter}"
    if isinstance(e, GpuPriceShockEffect):
        return "price_shock"
    if isinstance(e, RivalBoostEffect | RivalDelayEffect | RivalPriceEffect):
        return f"{e.type}.{e.rival}"
    if isinstance(e, FlagEffect):
        return f"flag.{e.flag}"
    return None


def apply_passes(passes: list[list[list[Step]]], work: Work) -> None:
    """Apply a quarter's events, each world's in its order, batching the common changes.

    ``passes[k]`` holds, for each event, its steps in the worlds where it is the k-th event this
    quarter: within a pass the events' worlds are disjoint, so their steps commute. A constant
    change reads nothing but what it changes, so it also commutes with every change of anything
    else: the constant changes wait and apply together at the end of the pass, one operation
    per thing changed (per occurrence, when an event and its choice change the same one). An
    event with a step whose value is an expression applies its steps up to that one one by one,
    in order, so the expression reads what it would read in a one-at-a-time application. Each
    world ends with exactly the changes of that application.
    """
    for events in passes:
        pending: dict[str, list[Step]] = {}
        for steps in events:
            # Up to its last expression, an event applies in order (so each expression reads
            # the changes before it); after it, its changes can wait like any other.
            last = max((k for k, st in enumerate(steps)
                        if st.effect.value is not None and st.effect.value.constant is None),
                       default=-1)
            for k, st in enumerate(steps):
                batch = None if k <= last else _batched(st.effect)
                if batch is None:
                    apply(st.effect, st.idx, work, st.label)
                else:
                    pending.setdefault(batch, []).append(st)
        _flush(pending, work)


def _flush(pending: dict[str, list[Step]], work: Work) -> None:
    for group in pending.values():
        e = group[0].effect.effect
        if len(group) == 1:
            apply(group[0].effect, group[0].idx, work, group[0].label)
        elif isinstance(e, ModifierEffect) or (isinstance(e, AddEffect | MultiplyEffect | SetEffect)
                                               and e.target in BOUNDS):
            _apply_group(group, work)
        else:
            _apply_alike(group, work)


def _rounds(idx: np.ndarray, group: list[Step], work: Work) -> list[np.ndarray]:
    """Positions in ``idx`` (the group's worlds, step after step) split into rounds with each
    world at most once: round r holds each world's r-th occurrence, so applying the rounds in
    order keeps each world's order. Only steps of one event can share a world (a pass's events
    happen in different worlds), and a group lists an event's steps together: a world's
    occurrence is the number of its event's earlier steps that include it."""
    starts = list(itertools.accumulate((len(st.idx) for st in group), initial=0))
    occurrence = None
    for _, steps in itertools.groupby(range(len(group)), key=lambda j: group[j].event):
        run = list(steps)
        if len(run) == 1:
            continue
        if occurrence is None:
            occurrence = np.zeros(len(idx), dtype=np.int64)
        seen = work.scratch
        for j in run:
            occurrence[starts[j]:starts[j + 1]] = seen[group[j].idx]
            seen[group[j].idx] += 1
        for j in run:
            seen[group[j].idx] = 0
    if occurrence is None:
        return [np.arange(len(idx))]
    return [np.flatnonzero(occurrence == r) for r in range(int(occurrence.max()) + 1)]


def _gathered(group: list[Step]) -> tuple[np.ndarray, np.ndarray | None]:
    """The group's worlds, step after step, and each one's constant value (None for effects
    without a value)."""
    idx = np.concatenate([st.idx for st in group])
    if group[0].effect.value is None:
        return idx, None
    return idx, np.repeat(np.array([st.effect.value.constant for st in group]),  # type: ignore[union-attr]
                          [len(st.idx) for st in group])


def _apply_alike(group: list[Step], work: Work) -> None:
    """Constant changes of one thing: as one operation per round when they all do the same
    (up to their values), else one by one in the order they came (which is each world's)."""
    first = group[0].effect
    if any(st.effect.signature != first.signature for st in group[1:]):
        for st in group:
            apply(st.effect, st.idx, work, st.label)
        return
    idx, x = _gathered(group)
    for r in _rounds(idx, group, work):
        apply(first, idx[r], work, group[0].label, None if x is None else x[r])


def _apply_group(group: list[Step], work: Work) -> None:
    """One bounded number's or modifier's constant changes in many worlds, in rounds (a world
    changed twice, by an event and by its choice, takes two rounds)."""
    sizes = np.array([len(st.idx) for st in group])
    starts = np.concatenate(([0], np.cumsum(sizes)))
    idx, x = _gathered(group)
    assert x is not None  # bounded numbers and modifiers always have a value
    rounds = _rounds(idx, group, work)
    e = group[0].effect.effect
    if isinstance(e, ModifierEffect):
        i = MODIFIABLE.index(e.parameter)
        factor, left = work.own("mod_factor"), work.own("mod_left")
        quarters = np.repeat(np.array([float(st.effect.effect.quarters) for st in group]),  # type: ignore[union-attr]
                             sizes)
        for r in rounds:
            factor[idx[r], i] *= np.minimum(np.maximum(x[r], 0.0), 100.0)
            left[idx[r], i] = np.maximum(left[idx[r], i], quarters[r])
        return
    # add, multiply and set as one map: new = old·m + a (add: m = 1, a = x; multiply: m = x,
    # a = 0; set: m = 0, a = x), each exact, then the target's bounds.
    kinds = [type(st.effect.effect) for st in group]
    m = np.repeat(np.array([1.0 if k is AddEffect else 0.0 for k in kinds]), sizes)
    a = np.repeat(np.array([0.0 if k is MultiplyEffect else 1.0 for k in kinds]), sizes)
    mul = np.repeat(np.array([k is MultiplyEffect for k in kinds]), sizes)
    m = np.where(mul, x, m)
    a = a * x
    target = e.target  # type: ignore[union-attr]
    arr = work.own(target)
    lo, hi = BOUNDS[target]
    delta = np.empty(len(idx))
    for r in rounds:
        old = arr[idx[r]]
        new = np.minimum(np.maximum(old * m[r] + a[r], lo), hi)
        arr[idx[r]] = new
        delta[r] = new - old
    if target in LEDGER_TARGETS:
        for k, st in enumerate(group):
            work.record(target, st.label, st.idx, delta[starts[k]:starts[k + 1]])


def apply(ce: CompiledEffect, idx: np.ndarray, work: Work, label: str,
          x: np.ndarray | None = None) -> None:
    """Apply one effect in the worlds at positions ``idx`` (with the values ``x`` of its
    expression there, when the caller has them)."""
    e = ce.effect
    n = len(idx)
    if x is None and ce.value is not None:
        x = (np.full(n, ce.value.constant) if ce.value.constant is not None
             else evaluate(ce.value, work.env(idx), n))
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
