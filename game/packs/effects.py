"""Applying effects to a batch of worlds: each effect under a mask of the worlds it happens in.

Effects write into a state that the director made for the purpose (never the caller's) by
replacing arrays, and record every change of a ledger metric (cash, sentiment, debt) under the
event's title, so the quarter's ledger still sums exactly.

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

Schedule = Callable[[str, np.ndarray, int], None]  # (event id, mask, quarters from now)


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


def apply(
    ce: CompiledEffect,
    mask: np.ndarray,
    s: State,
    econ: Economy,
    names: dict[str, Name],
    ledger: Ledger,
    label: str,
    schedule: Schedule,
    rival_index: dict[str, int],
) -> None:
    """Apply one effect in the worlds where ``mask`` holds (in place on ``s``'s fields)."""
    e = ce.effect
    W = s.n_worlds
    x = evaluate(ce.value, env_for(s, econ, names), W) if ce.value is not None else None
    if isinstance(e, AddEffect | MultiplyEffect | SetEffect):
        assert x is not None
        _number(e, x, mask, s, econ, ledger, label)
    elif isinstance(e, GpuPriceShockEffect):
        s.price_shock = s.price_shock + np.where(mask, np.clip(x, -3.0, 3.0), 0.0)
    elif isinstance(e, RivalBoostEffect | RivalDelayEffect | RivalPriceEffect):
        r = rival_index[e.rival]
        if isinstance(e, RivalBoostEffect):
            s.rival_log_flop = _column(s.rival_log_flop, r, mask,
                                       lambda v: v + np.log10(np.clip(x, 1e-3, 1e3)))
        elif isinstance(e, RivalDelayEffect):
            s.rival_next = _column(s.rival_next, r, mask, lambda v: v + e.quarters)
        else:
            s.rival_price = _column(s.rival_price, r, mask,
                                    lambda v: np.maximum(v * np.clip(x, 0.05, 20.0), 0.2))
    elif isinstance(e, ModifierEffect):
        i = MODIFIABLE.index(e.parameter)
        s.mod_factor = _column(s.mod_factor, i, mask, lambda v: v * np.clip(x, 0.0, 100.0))
        s.mod_left = _column(s.mod_left, i, mask, lambda v: np.maximum(v, float(e.quarters)))
    elif isinstance(e, ScheduleEffect):
        schedule(e.event, mask, e.delay)
    elif isinstance(e, OfferEffect):
        schedule(e.event, mask, 1)
    elif isinstance(e, FlagEffect):
        key = f"flag.{e.flag}"
        old = s.extra.get(key, np.zeros(W, dtype=bool))
        s.extra[key] = np.where(mask, e.value, old)
    else:  # pragma: no cover - the union is closed; a new member must be handled above
        raise TypeError(f"unhandled effect {type(e).__name__}")


def _column(arr: np.ndarray, col: int, mask: np.ndarray,
            f: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    out = arr.copy()
    out[:, col] = np.where(mask, f(arr[:, col]), arr[:, col])
    return out


def _op(e: AddEffect | MultiplyEffect | SetEffect, old: np.ndarray, x: np.ndarray) -> np.ndarray:
    if isinstance(e, AddEffect):
        return old + x
    if isinstance(e, MultiplyEffect):
        return old * x
    return np.broadcast_to(x, old.shape).astype(float)


def _number(e: AddEffect | MultiplyEffect | SetEffect, x: np.ndarray, mask: np.ndarray, s: State,
            econ: Economy, ledger: Ledger, label: str) -> None:
    t = e.target
    if t in ("cash", "debt", "sentiment"):
        old = getattr(s, t)
        new = _op(e, old, x)
        new = np.clip(new, 0.0, 100.0) if t == "sentiment" else new
        new = np.maximum(new, 0.0) if t == "debt" else new
        delta = np.where(mask, new - old, 0.0)
        setattr(s, t, old + delta)
        ledger.add(t, label, delta)
        return
    simple = {"hype": (-3.0, 3.0), "headcount": (10.0, 1e7), "market": (1e-3, 1e6),
              "share": (1e-6, 0.95), "vendor_credit": (0.0, 1e6), "dc_mw": (0.0, 1e6)}
    if t in simple:
        lo, hi = simple[t]
        old = getattr(s, t)
        setattr(s, t, np.where(mask, np.clip(_op(e, old, x), lo, hi), old))
    elif t == "run_progress":
        active = s.run_target > 0
        progress = np.where(active, s.run_done / np.maximum(s.run_target, 1.0), 0.0)
        new = np.clip(_op(e, progress, x), 0.0, 1.0)
        s.run_done = np.where(mask & active, new * s.run_target, s.run_done)
    elif t == "algo_efficiency":
        old = 10.0**s.algo_log_eff
        new = np.maximum(_op(e, old, x), 1e-6)
        s.algo_log_eff = np.where(mask, np.log10(new), s.algo_log_eff)
    elif t == "gpu_pipeline":
        keep = np.where(mask, np.clip(x, 0.0, 1.0), 1.0)
        moved = s.pipeline * (1.0 - keep)[:, None, None]
        # Rolling the ring by two slots makes each delayed GPU land two quarters later; the ring
        # has room for the longest lead plus this delay (engine.state.MAX_LEAD).
        s.pipeline = s.pipeline - moved + np.roll(moved, DELAY_QUARTERS, axis=1)
    elif t == "leased_h100e":
        f = np.where(mask, np.clip(x, 0.0, 10.0), 1.0)
        s.lease_qty = s.lease_qty * f[:, None]
    else:  # pragma: no cover
        raise TypeError(f"unhandled target {t}")
