"""Rival labs (Gemini and Claude in the base pack; packs add more), read from rivals.toml.

Each rival r prepares its next model on a stochastic compute trajectory and releases on a cadence:
    log10 C_{r,t+1} = log10 C_{r,t} + φ_t · log10(g_r)/4 + σ_r ε + reaction_r · [player leads r]
(in a shared market: [some lab of the class leads r], so the rivals stay one for the class)
    φ_t = clip(ln(market growth_t) / ln(market growth at start), 0, 1.5)^ε_r
(labs spend what their market funds: as its growth slows, so does their build-out; ε_r is the
rival's market elasticity)
    log10 e_{r,t+1} = log10 e_{r,t} + log10(algo growth)/4
At a release, its capability becomes capability(C · e) at its tokens per parameter (its models
are trained past the compute-optimal size, to serve cheaply) and the next release is due in
⌊cadence + U⌋ quarters (U uniform, so a cadence of 1.4 means 1 or 2 quarters, 1.4 on average),
plus one more with probability ``release_jitter``. Its training cost is C × its cost per
FLOP, which falls by ``cost_per_flop_fall_per_year``. Its price drifts back to its stance and is
cut while its market share falls.
"""

from __future__ import annotations

import numpy as np

from game.engine.economy import Economy
from game.engine.rng import Rng
from game.engine.state import State


def pace(econ: Economy, market_growth: np.ndarray) -> np.ndarray:
    """(W, R) φ: the share of its trend growth each rival builds out, given the market's."""
    start = np.log(econ.params.demand.market_growth_start)
    ratio = np.clip(np.log(np.maximum(market_growth, 1e-9)) / start, 0.0, 1.5)
    return ratio[:, None] ** econ.rival_market_elasticity


def advance(s: State, econ: Economy, rng: Rng, quarter: int,
            market_growth: np.ndarray, leads: np.ndarray | None = None) -> np.ndarray:
    """Grow, release and price the rivals; returns (W, R) True where a rival released.

    ``leads``: (W, R) where the player leads each rival (in a shared market: where some lab of
    the class leads it); by default the world's own lab against each rival.
    """
    R = econ.rival_growth.shape[0]
    z = rng.normal(quarter, "rivals.compute", R)
    if leads is None:
        leads = s.capability[:, None] > s.rival_capability
    s.rival_log_flop = (s.rival_log_flop + econ.rival_growth * pace(econ, market_growth)
                        + econ.rival_volatility * z + econ.rival_reaction * leads)
    s.rival_log_eff = s.rival_log_eff + econ.rival_algo_growth
    s.rival_next = s.rival_next - 1.0
    release = s.rival_next <= 0.0
    slip = rng.uniform(quarter, "rivals.release", R) < econ.rival_jitter
    rounding = rng.uniform(quarter, "rivals.cadence", R)
    if not release.any():
        return release
    flop = 10.0**s.rival_log_flop
    new_cap = econ.capability(10.0 ** (s.rival_log_flop + s.rival_log_eff), econ.rival_k,
                              10.0 ** s.rival_log_eff)
    s.rival_capability = np.where(release, np.maximum(new_cap, s.rival_capability),
                                  s.rival_capability)
    s.rival_release_flop = np.where(release, flop, s.rival_release_flop)
    cost = flop * econ.rival_cost_per_flop[econ.row(quarter)] / 1e9
    s.rival_release_cost = np.where(release, cost, s.rival_release_cost)
    s.rival_releases = s.rival_releases + release
    # A fractional cadence rounds up or down at random so its mean is the cadence.
    cadence = np.floor(econ.rival_cadence + rounding)
    s.rival_next = np.where(release, np.maximum(cadence, 1.0) + slip, s.rival_next)
    return release


def reprice(s: State, econ: Economy, old_share: np.ndarray) -> None:
    """Cut prices where share fell; otherwise drift a quarter of the way back to the stance."""
    falling = s.rival_share < old_share - 1e-9
    cut = s.rival_price * (1.0 - econ.rival_cut)
    drift = s.rival_price + 0.25 * (econ.rival_stance - s.rival_price)
    s.rival_price = np.maximum(np.where(falling, cut, drift), 0.2)
