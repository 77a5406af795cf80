"""Demand: the market's adoption curve, logit market shares, and serving capped by capacity.

Industry spending on frontier models M ($B/year) follows a logistic adoption curve:
    M_{t+1} = M_t · exp(g₀ · (1 − M_t/K) / (1 − M₀/K) + σ ε)
Labs (and an open-weight outside option that trails the frontier) split it by a logit
(multinomial discrete choice):
    u_i = β_c · capability_i / 100 + brand_i − β_p · ln(price_i),   s_i = e^{u_i} / Σ_j e^{u_j}
Brands are calibrated so that every lab's starting share is its real one (run-rate over market);
the open-weight option's capability is the frontier's minus ``lag`` quarters of its pace.
so last year's frontier loses value as open weights catch up (the price of a fixed capability
collapses). Customers move gradually (contracts, integrations): each quarter a lab's share closes
a fraction λ of the gap to its logit share,  s_{t+1} = s_t + λ (s*_i − s_t).
The player's demand is  M/4 · s · price  per quarter. Serving it needs
    hours per $ = h₀ · (N / N₀)^ε / price / η^{t/4}
H100e-hours (≈ 2 N FLOP per token, but labs serve distilled and sparse models, so cost grows
with the trained size N only as N^ε; η is the yearly gain in serving efficiency). What capacity
cannot serve is lost revenue, and investors notice ("GPU-constrained").
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from game.engine.economy import Economy
from game.engine.params import HOURS_PER_QUARTER
from game.engine.rng import Rng
from game.engine.rows import row_max, row_sum
from game.engine.state import State


@dataclass(slots=True)
class DemandResult:
    demand: np.ndarray  # $B the player's customers wanted this quarter
    served: np.ndarray  # $B booked
    share: np.ndarray  # the player's logit share
    hours_needed: np.ndarray  # H100e-hours to serve all demand


def advance_market(s: State, econ: Economy, rng: Rng, quarter: int) -> np.ndarray:
    d = econ.params.demand
    g0 = np.log(d.market_growth_2026) / 4.0
    logistic = (1.0 - s.market / d.market_ceiling) / (1.0 - d.market_2026 / d.market_ceiling)
    growth = g0 * s.modifier("market_growth") * np.maximum(logistic, 0.0)
    factor = np.exp(growth + d.demand_noise * rng.normal(quarter, "demand.market"))
    s.market = s.market * factor
    return factor


def open_weight_capability(s: State, econ: Economy) -> np.ndarray:
    """The outside option trails the frontier by ``open_weight_lag_quarters`` of its pace."""
    lag = econ.params.demand.open_weight_lag_quarters
    frontier = np.maximum(s.capability, s.rival_frontier)
    return frontier - lag * econ.frontier_slope


def shares(s: State, econ: Economy) -> tuple[np.ndarray, np.ndarray]:
    """(player share, (W, R) rival shares) of spending: the logit over all offers, approached
    gradually from last quarter's shares."""
    d = econ.params.demand
    u_p = (d.capability_weight * s.capability / 100.0 + econ.player_brand
           - d.price_weight * np.log(s.price))
    u_r = (d.capability_weight * s.rival_capability / 100.0 + econ.rival_brand
           - d.price_weight * np.log(s.rival_price))
    u_o = (d.capability_weight * open_weight_capability(s, econ) / 100.0 + d.open_weight_utility
           - d.price_weight * np.log(d.open_weight_price))
    top = np.maximum(np.maximum(u_p, row_max(u_r)), u_o)
    e_p, e_r, e_o = np.exp(u_p - top), np.exp(u_r - top[:, None]), np.exp(u_o - top)
    total = e_p + row_sum(e_r) + e_o
    lam = d.share_adjustment
    player = s.share + lam * (e_p / total - s.share)
    rival = s.rival_share + lam * (e_r / total[:, None] - s.rival_share)
    return player, rival


def hours_per_dollar(s: State, econ: Economy, quarter: int, price: np.ndarray) -> np.ndarray:
    """H100e-hours of serving per $ of revenue for the lab's current model at this price."""
    d = econ.params.demand
    size = s.model_params / econ.params.scenario.start.model_parameters
    return (d.inference_hours_per_dollar * size**d.inference_size_elasticity / price
            / d.inference_efficiency_per_year ** (quarter / 4.0) * s.modifier("inference_cost"))


def serve(
    s: State, econ: Economy, quarter: int, inference_h100e: np.ndarray, player_share: np.ndarray
) -> DemandResult:
    demand = s.market / 4.0 * player_share * s.price
    per_dollar = hours_per_dollar(s, econ, quarter, s.price)
    hours_needed = demand * 1e9 * per_dollar
    servable = inference_h100e * HOURS_PER_QUARTER / np.maximum(per_dollar, 1e-300) / 1e9
    served = np.minimum(demand, servable)
    return DemandResult(demand, served, player_share, hours_needed)
