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
        self.deltas: dict[tuple[str, str], np.ndarray] = {}

    def own(self, field: str) -> np.ndarray:
        """The state's array for ``field``, copied the first time it is written this quarter."""
        if field not in self.owned:
            setattr(self.s, field, getattr(self.s, field).copy())
            self.owned.add(field)
        return getattr(self.s, field)

    def env(self, idx: np.ndarray) -> Callable[[str], object]:
        return subset(env_for(self.s, self.econ, self.names), idx)

    def record(self, metric: str, label: str, idx: np.ndarray, delta: np.ndarray) -> None:
        full = self.deltas.get((metric, label))
        if full is None:
            full = self.deltas[(metric, label)] = np.zeros(self.s.n_worlds)
        full[idx] += delta

    def flush(self) -> None:
        """Put the recorded changes into the ledger, one line per metric and event."""
        for (metric, label), full in self.deltas.items():
            self.ledger.add(metric, label, full)
        self.deltas.clear()

    def schedule(self, event_id: str, idx: np.ndarray, delay: int) -> None:
        j = self.event_index[event_id]
        q = self.quarter
        current = self.due[idx, j]
        self.due[idx, j] = np.where(current > q, np.minimum(current, q + delay), q + delay)


def apply(ce: CompiledEffect, idx: np.ndarray, work: Work, label: str) -> None:
    """Apply one effect in the worlds at positions ``idx``."""
    e = ce.effect
    s = work.s
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
        key = f"flag.{e.flag}"
        if key not in s.extra:
            s.extra[key] = np.zeros(s.n_worlds, dtype=bool)
        s.extra[key][idx] = e.value
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
        part = s.pipeline[idx]  # the pipeline is the director's own copy (State.evolve)
        moved = part * (1.0 - keep)[:, None, None]
        # Rolling the ring by two slots makes each delayed GPU land two quarters later; the ring
        # has room for the longest lead plus this delay (engine.state.MAX_LEAD).
        s.pipeline[idx] = part - moved + np.roll(moved, DELAY_QUARTERS, axis=1)
    elif t == "leased_h100e":
        s.lease_qty[idx] *= np.clip(x, 0.0, 10.0)[:, None]
    else:  # pragma: no cover
        raise TypeError(f"unhandled target {t}")
