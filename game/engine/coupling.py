"""A shared market: the W worlds of a batch as the W labs of one class (``step(..., shared=True)``).

Every lab gets the class's common luck (one ``Rng`` world index for all), so the market-wide
numbers start and move alike; this module keeps them common where a lab's own doings would part
them, and prices the class's orders. docs/ENGINE.md, "A shared market", has the whole story.

- **Market-wide arrays** (``MARKET_FIELDS``: the rivals, the demand curve, the rental price's
  cycle, shock and the hype index) are one market's: where the labs' rows differ after the
  quarter's events, each becomes the mean over the running labs. A lab is 1/W of the pooled
  market, so an event that moves a market-wide number in one lab's world moves the class's by
  1/W of it; events that every lab meets move it as in a solo game.
- **Orders move the GPU market.** The class's committed compute C (owned, on order and leased
  H100e, summed over its running labs) grows this quarter by a = C_after / C_before − 1. The
  industry adds a_n = g^{1/4} − 1 a quarter anyway (g = ``class_build_out_per_year``), and the
  rental price already carries that. Each lab is a share φ (``class_order_share``) of its
  world's orders, so a class ordering x = a / a_n times the normal pace takes the industry's
  orders to 1 + φ (x − 1) times normal, and from the next quarter on
      shock += ε · ln(1 + φ · (x − 1))   where x > 1     (ε = ``class_order_pressure``)
  (TSMC's 2023: the industry's orders at three times normal, rentals +70%, waits of 36–52
  weeks). It tightens the market for every lab: higher rentals, longer lead times, spot
  rationed; it fades by ``shock_decay`` as supply catches up. A class that builds out no faster
  than the industry leaves the price as the solo game has it.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from game.engine.economy import Economy
from game.engine.rows import per_world, row_sum, slot_sum
from game.engine.state import State

MARKET_FIELDS = (
    "rival_log_flop", "rival_log_eff", "rival_capability", "rival_next", "rival_price",
    "rival_share", "rival_release_flop", "rival_release_cost", "rival_releases",
    "market", "market_hist", "rental_x", "price_shock", "hype",
)


def common_rows(a: np.ndarray, alive: np.ndarray) -> np.ndarray:
    """``a`` with every row the mean of the running labs' rows; ``a`` itself where those rows
    are already one (the usual case: no copy, and exactly the solo game's numbers). Ended labs'
    rows say nothing of the market (the step gives them back their frozen state)."""
    rows = a[alive] if alive.any() else a
    if rows.shape[0] <= 1 or bool((rows == rows[0]).all()):
        return a
    return np.broadcast_to(rows.mean(axis=0), a.shape).copy()


def first_running(alive: np.ndarray) -> int:
    """The row of a running lab (0 when none runs): where the class's market is read."""
    return int(np.argmax(alive)) if alive.any() else 0


def common_market(state: State, alive: np.ndarray) -> State:
    """The state with its market-wide arrays common to the class (a new state when any moves)."""
    changes = {}
    for name in MARKET_FIELDS:
        a = getattr(state, name)
        b = common_rows(a, alive)
        if b is not a:
            changes[name] = b
    return dataclasses.replace(state, **changes) if changes else state


def committed_h100e(s: State, econ: Economy) -> np.ndarray:
    """(W,) compute each lab owns, has on order and leases, in H100e."""
    return per_world(s.owned + slot_sum(s.pipeline), econ.h100e) + row_sum(s.lease_qty)


def order_pressure(econ: Economy, before: State, after: State, alive: np.ndarray) -> float:
    """The log tightness the class's orders this quarter add to the next quarter's price."""
    m = econ.params.market
    if (not m.class_order_pressure or m.class_order_share is None
            or m.class_build_out_per_year is None or not alive.any()):
        return 0.0  # off, or content from before the shared market (base < 0.2.4)
    c0 = float(committed_h100e(before, econ)[alive].sum())
    c1 = float(committed_h100e(after, econ)[alive].sum())
    if c0 <= 0.0:
        return 0.0
    normal = m.class_build_out_per_year ** 0.25 - 1.0
    ratio = (c1 / c0 - 1.0) / normal
    if ratio <= 1.0:
        return 0.0
    return m.class_order_pressure * float(np.log1p(m.class_order_share * (ratio - 1.0)))


def leads(s: State, alive: np.ndarray) -> np.ndarray:
    """(W, R) True where some running lab of the class is ahead of the rival (one row for all)."""
    rows = s.capability[alive] if alive.any() else s.capability
    ahead = rows.max() > s.rival_capability[first_running(alive)]
    return np.broadcast_to(ahead, s.rival_capability.shape)
