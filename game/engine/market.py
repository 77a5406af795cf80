"""The GPU market: purchase prices, the rental price cycle, lead times and spot rationing.

Rental price of an H100e-hour (a mean-reverting log process around a cost anchor):
    e_t = premium + push · h_t + x_t + shock_t
    log p_t = log anchor_t + max(e_t, 0) + d · min(e_t, 0)
    x_{t+1} = (1 − κ) x_t + σ ε_t,   shock_{t+1} = decay · shock_t (+ event jumps)
where anchor_t is the break-even rental cost, of which a share falls with hardware
price-performance (the rest — buildings, power, operations — does not), ``premium`` is the long-run
excess of demand over supply and h_t the log hype index. Supply answers asymmetrically: below
break-even, providers idle capacity and pause builds, so only a share d of a fall below the anchor
reaches the price (the 2025 trough held at $1.70 against a $1.65 break-even), while spikes last
because new supply takes quarters to arrive. Tightness is the part of the log price
above its normal level, τ = max(0, push · h + x + shock); it lengthens purchase lead times and
rations spot capacity.
"""

from __future__ import annotations

import numpy as np

from game.engine.economy import Economy
from game.engine.rng import Rng
from game.engine.state import MAX_LEAD, State


def rental_price(econ: Economy, quarter: int, state: State) -> tuple[np.ndarray, np.ndarray]:
    """($/H100e-hour, tightness) this quarter from the state's market variables."""
    m = econ.params.market
    excess = m.rental_demand_premium + m.rental_demand_push * state.hype + state.rental_x + (
        state.price_shock)
    passed = np.maximum(excess, 0.0) + m.rental_below_cost_pass_through * np.minimum(excess, 0.0)
    tightness = np.maximum(excess - m.rental_demand_premium, 0.0)
    return econ.rental_anchor[econ.row(quarter)] * np.exp(passed), tightness


def advance(state: State, econ: Economy, rng: Rng, quarter: int) -> None:
    """Move the price deviation and decay shocks (in place, on the new state)."""
    m = econ.params.market
    state.rental_x = (1.0 - m.rental_reversion) * state.rental_x + m.rental_volatility * rng.normal(
        quarter, "market.rental"
    )
    state.price_shock = m.shock_decay * state.price_shock


def lead_times(econ: Economy, tightness: np.ndarray) -> np.ndarray:
    """(W, G) delivery lead in quarters: calm lead plus extra quarters when the market is tight."""
    extra = np.rint(econ.params.market.lead_per_tightness * tightness).astype(np.int64)
    return np.minimum(econ.lead[None, :] + extra[:, None], MAX_LEAD)


def spot_ration(econ: Economy, tightness: np.ndarray) -> np.ndarray:
    """Share of a spot request granted."""
    m = econ.params.market
    return np.minimum(np.maximum(1.0 - m.ration_per_tightness * tightness, m.ration_floor), 1.0)
