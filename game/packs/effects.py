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
from collections.abc import Callable, Iterator
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
    Variable,
)

MULTIPLY_ONLY = ("gpu_pipeline", "leased_h100e")
DELAY_QUARTERS = 2
LEDGER_TARGETS = ("cash", "debt", "sentiment")
NEVER = -1000  # the quarter of something that has not happened (the director's bookkeeping)
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

    @functools.cached_property
    def signature(self) -> tuple:
        """What the effect does apart from its expression's value: steps with equal signatures
        apply as one operation over all their worlds. Made when first asked (by a director):
        validating a pack never needs it, and it was a tenth of validating 100,000 events."""
        skip = _EXPRESSION_FIELD.get(type(self.effect))
        return tuple((k, v) for k, v in self.effect.model_dump().items() if k != skip)


def env_for(s: State, econ: Economy, names: dict[str, Name],
            cache: bool = False) -> Callable[[str], object]:
    """Name -> value for expressions: an array over worlds (a plain float for a name that is
    the same in every world, such as the quarter).

    With ``cache`` each name is read once (for reading many expressions of one unchanging
    state, as the director's roll does).
    """
    seen: dict[str, object] = {}

    def get(name: str) -> object:
        if cache and name in seen:
            return seen[name]
        value = names[name].read(s, econ)
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
                 rival_index: dict[str, int], event_index: dict[str, int], quarter: int,
                 variables: dict[str, Variable] | None = None):
        self.s, self.econ, self.names, self.ledger = s, econ, names, ledger
        self.variables = variables or {}  # "var.ID" -> its declaration
        self.rival_index, self.event_index, self.quarter = rival_index, event_index, quarter
        self.owned: set[str] = set()
        self.due = s.extra["events.due"].copy()
        # metric -> (label, None, worlds, delta) or (labels, each one's row, worlds, delta)
        self.deltas: dict[str, list[tuple]] = {}

    def own(self, field: str) -> np.ndarray:
        """The state's array for ``field``, copied the first time it is written this quarter."""
        if field not in self.owned:
            setattr(self.s, field, getattr(self.s, field).copy())
            self.owned.add(field)
        return getattr(self.s, field)

    def own_extra(self, key: str, dtype: type, fill: float = 0) -> np.ndarray:
        """The state's extra array ``key`` (``fill`` if new), copied the first time it is
        written."""
        if key not in self.owned:
            current = self.s.extra.get(key)
            self.s.extra[key] = (np.full(self.s.n_worlds, fill, dtype=dtype) if current is None
                                 else current.copy())
            self.owned.add(key)
        return self.s.extra[key]

    def number(self, target: str) -> tuple[np.ndarray, float, float]:
        """A bounded number's array to write (a state field, or a pack variable's extra array)
        and its bounds."""
        var = self.variables.get(target)
        if var is not None:
            return self.own_extra(target, float, var.initial), var.min, var.max
        lo, hi = BOUNDS[target]
        return self.own(target), lo, hi

    def env(self, idx: np.ndarray) -> Callable[[str], object]:
        return subset(env_for(self.s, self.econ, self.names), idx)

    def record(self, metric: str, label: str, idx: np.ndarray, delta: np.ndarray) -> None:
        """``delta`` (in the worlds at positions ``idx``) is a change of ``metric`` by ``label``."""
        self.deltas.setdefault(metric, []).append((label, None, idx, delta))

    def record_rows(self, metric: str, labels: list[str], rows: np.ndarray, idx: np.ndarray,
                    delta: np.ndarray) -> None:
        """``delta[k]`` is a change of ``metric`` by ``labels[rows[k]]`` in world ``idx[k]``
        (each world at most once)."""
        self.deltas.setdefault(metric, []).append((labels, rows, idx, delta))

    def flush(self) -> None:
        """Put the recorded changes into the ledger: one line per metric and label, each world's
        changes summed in the order they were recorded."""
        for metric, records in self.deltas.items():
            row: dict[str, int] = {}
            lookups = []
            for labels, rows, _, _ in records:
                if rows is None:
                    row.setdefault(labels, len(row))
                    lookups.append(None)
                    continue
                present = np.unique(rows)
                lookup = np.zeros(len(labels), dtype=np.int64)
                lookup[present] = [row.setdefault(labels[k], len(row)) for k in present.tolist()]
                lookups.append(lookup)
            lines = np.zeros((len(row), self.s.n_worlds))  # one block, a row per line
            for (labels, rows, idx, delta), lookup in zip(records, lookups, strict=True):
                lines[row[labels] if lookup is None else lookup[rows], idx] += delta
            for label, j in row.items():
                self.ledger.add(metric, label, lines[j])
        self.deltas.clear()

    def schedule(self, event_id: str, idx: np.ndarray, delay: int) -> None:
        j = self.event_index[event_id]
        q = self.quarter
        current = self.due[idx, j]
        self.due[idx, j] = np.where(current > q, np.minimum(current, q + delay), q + delay)


@dataclass(frozen=True)
class Combo:
    """What happens in a world where an event happens and one of its choices (or none) is
    taken: the event's effects and follow-ups, then the choice's, under the event's title."""

    label: str
    effects: list[CompiledEffect]
    follow_ups: list[tuple[str, int]]


class Batch:
    """A pack's effects compiled for applying one quarter's events in a batch of worlds.

    ``apply_pass`` applies a pass: pairs (world, combo) in which each world appears at most once,
    so the pass's events commute with one another. Within a combo, the effects up to its last
    expression apply in order, one combo at a time, so each expression reads the changes before
    it. Every later effect is constant and reads nothing but what it changes (a number, a
    modifier, a flag, a rival's figure, an event's due quarter), so it commutes with every change
    of anything else: these wait, and apply together, one operation per group of entries that
    change the same thing the same way (an effect's k-th change of one thing in a combo is in
    level k, so each world still takes its own changes in order). Each world ends with exactly
    the changes of applying its events one at a time.

    A group of bounded numbers (cash, sentiment, …) applies as one map, old·m + a, whatever mix
    of add, multiply and set it holds, and records each change under its own event's title; any
    other group is effects of one signature, applied by ``apply`` with each entry's value.
    Everything that depends only on the pack is made here once: per combo, its ordered effects
    and its deferred entries, in flat arrays a pass gathers from with a few numpy operations.
    """

    def __init__(self, combos: list[Combo]):
        self.combos = combos
        self.labels = list(dict.fromkeys(c.label for c in combos))
        label_id = {label: k for k, label in enumerate(self.labels)}
        self.ordered: list[list[CompiledEffect]] = []
        groups: dict[tuple[str, int, int], int] = {}  # (thing changed, level, signature) -> id
        # Per group: the bounded number it changes, or the effect that applies for all of it.
        applies: list[str | CompiledEffect] = []
        signatures: dict[tuple, int] = {}
        entries: list[tuple[int, int, float, float, float]] = []  # group, label, m, a, x
        self.first = np.zeros(len(combos), dtype=np.int64)
        self.count = np.zeros(len(combos), dtype=np.int64)
        for j, combo in enumerate(combos):
            last = max((k for k, e in enumerate(combo.effects)
                        if e.value is not None and e.value.constant is None), default=-1)
            self.ordered.append(combo.effects[:last + 1])
            follow_ups = [CompiledEffect(ScheduleEffect(type="schedule", event=event,
                                                        delay=delay), None)
                          for event, delay in combo.follow_ups]
            self.first[j] = len(entries)
            level: dict[str, int] = {}
            for e in [*combo.effects[last + 1:], *follow_ups]:
                key, number, m, a, x = _entry(e)
                signature = 0 if number else signatures.setdefault((key, e.signature),
                                                                   len(signatures))
                g = groups.setdefault((key, level.get(key, 0), signature), len(groups))
                if g == len(applies):
                    applies.append(key if number else e)
                level[key] = level.get(key, 0) + 1
                entries.append((g, label_id[combo.label], m, a, x))
            self.count[j] = len(entries) - self.first[j]
        self.has_ordered = np.array([bool(o) for o in self.ordered])
        # A group's rank in (thing, level, signature) order: sorting entries by it puts each
        # thing's levels in order. Few groups, so the ranks fit 16 bits (numpy's radix sort).
        rank = np.empty(len(groups), dtype=np.int64)
        rank[list(groups[k] for k in sorted(groups))] = np.arange(len(groups))
        self._applies = [applies[g] for g in np.argsort(rank)]
        table = np.array(entries, dtype=float).reshape(-1, 5)
        small = np.uint16 if len(groups) < 2**16 else np.int64
        self._group = rank[table[:, 0].astype(np.int64)].astype(small)
        self._label = table[:, 1].astype(np.int64)
        self._m, self._a, self._x = table[:, 2], table[:, 3], table[:, 4]

    def apply_pass(self, work: Work, worlds: np.ndarray, combos: np.ndarray) -> None:
        """Apply a pass: combo ``combos[k]`` in world ``worlds[k]``, each world at most once."""
        if self.has_ordered[combos].any():
            self._apply_ordered(work, worlds, combos)
        counts = self.count[combos]
        ends = np.cumsum(counts)
        total = int(ends[-1]) if len(ends) else 0
        if not total:
            return
        # Each pair's entries, pair after pair (a CSR expansion), then grouped by what they
        # change: a stable sort keeps the pairs' order within each group.
        entry = np.arange(total) + np.repeat(self.first[combos] - (ends - counts), counts)
        group = self._group[entry]
        order = np.argsort(group, kind="stable")
        entry, group = entry[order], group[order]
        at = np.repeat(worlds, counts)[order]
        for g, a, z in runs(group):
            self._apply_group(g, entry[a:z], at[a:z], work)

    def _apply_ordered(self, work: Work, worlds: np.ndarray, combos: np.ndarray) -> None:
        """Each combo's effects up to its last expression, in order, in its worlds."""
        sel = np.flatnonzero(self.has_ordered[combos])
        by_combo = sel[np.argsort(combos[sel], kind="stable")]
        for j, a, z in runs(combos[by_combo]):
            idx = worlds[by_combo[a:z]]
            combo = self.combos[j]
            for e in self.ordered[j]:
                apply(e, idx, work, combo.label)

    def _apply_group(self, g: int, entry: np.ndarray, w: np.ndarray, work: Work) -> None:
        applies = self._applies[g]
        if isinstance(applies, CompiledEffect):
            apply(applies, w, work, "", None if applies.value is None else self._x[entry])
            return
        # A bounded number: add, multiply and set as one map, new = old·m + a, then its bounds.
        arr, lo, hi = work.number(applies)
        old = arr[w]
        new = np.minimum(np.maximum(old * self._m[entry] + self._a[entry], lo), hi)
        arr[w] = new
        if applies in LEDGER_TARGETS:
            work.record_rows(applies, self.labels, self._label[entry], w, new - old)


def _entry(ce: CompiledEffect) -> tuple[str, bool, float, float, float]:
    """A deferred (constant) effect as (thing changed, whether it is a bounded number, m, a, x):
    a bounded number's map old·m + a (add: m = 1, a = x; multiply: m = x, a = 0; set: m = 0,
    a = x); any other effect's value x, if it has one."""
    e = ce.effect
    x = ce.value.constant if ce.value is not None else None
    if isinstance(e, AddEffect | MultiplyEffect | SetEffect) and (
            e.target in BOUNDS or e.target.startswith("var.")):
        assert x is not None
        m = x if isinstance(e, MultiplyEffect) else 1.0 if isinstance(e, AddEffect) else 0.0
        a = (0.0 if isinstance(e, MultiplyEffect) else 1.0) * x
        return e.target, True, m, a, 0.0
    key = (e.target if isinstance(e, AddEffect | MultiplyEffect | SetEffect)
           else f"modifier.{e.parameter}" if isinstance(e, ModifierEffect)
           else f"due.{e.event}" if isinstance(e, ScheduleEffect | OfferEffect)
           else f"{e.type}.{e.rival}" if isinstance(e, RivalBoostEffect | RivalDelayEffect
                                                    | RivalPriceEffect)
           else f"flag.{e.flag}" if isinstance(e, FlagEffect) else e.type)
    return key, False, 0.0, 0.0, 0.0 if x is None else x


def runs(sorted_values: np.ndarray) -> Iterator[tuple[int, int, int]]:
    """(value, start, stop) of each run of equal values in a sorted array."""
    n = len(sorted_values)
    if not n:
        return
    inner = (np.flatnonzero(sorted_values[1:] != sorted_values[:-1]) + 1).tolist()
    for a, z in itertools.pairwise([0, *inner, n]):
        yield int(sorted_values[a]), a, z


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
        if e.value:  # when it was last set, for since.flag.ID
            work.own_extra(f"flag_at.{e.flag}", np.int16, NEVER)[idx] = work.quarter
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
    if t in BOUNDS or t in work.variables:
        arr, lo, hi = work.number(t)
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
