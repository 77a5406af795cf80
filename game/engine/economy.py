"""Parameters compiled into numpy tables once, so a quarter's step does no Python bookkeeping.

Everything here is a deterministic function of the parameters and the quarter: GPU prices and
availability, the rental price's cost anchor, rivals' cost per FLOP. Tables cover the scenario's
horizon plus a margin for projections past it.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass

import numpy as np

from game.engine import training
from game.engine.params import EconomyParams

MARGIN_QUARTERS = 24


@dataclass(frozen=True, slots=True)
class Economy:
    params: EconomyParams
    gpu_names: list[str]
    h100e: np.ndarray  # (G,) H100-equivalents per GPU
    watts: np.ndarray  # (G,)
    lead: np.ndarray  # (G,) calm-market lead quarters
    gpu_price: np.ndarray  # (Q, G) USD per GPU
    available: np.ndarray  # (Q, G) bool
    rental_anchor: np.ndarray  # (Q,) $/H100e-hour
    rival_cost_per_flop: np.ndarray  # (Q, R) $/FLOP
    rival_growth: np.ndarray  # (R,) log10 per quarter
    rival_volatility: np.ndarray  # (R,)
    rival_algo_growth: float  # log10 per quarter
    rival_cadence: np.ndarray  # (R,)
    rival_jitter: np.ndarray  # (R,)
    rival_stance: np.ndarray  # (R,)
    rival_cut: np.ndarray  # (R,)
    rival_reaction: np.ndarray  # (R,)
    rival_brand: np.ndarray  # (R,) logit utility calibrated to each rival's starting share
    reference_reducible_loss: float
    life_quarters: int
    frontier_slope: float  # capability points per quarter of a frontier at the rivals' median pace
    player_brand: float  # the same for the player's lab
    start_rival_share: np.ndarray  # (R,) rivals' logit shares at quarter 0

    @property
    def n_quarters(self) -> int:
        return self.gpu_price.shape[0]

    def row(self, quarter: int) -> int:
        return min(max(quarter, 0), self.n_quarters - 1)

    def capability(self, effective_flop: np.ndarray) -> np.ndarray:
        """training.capability with the reference loss computed once."""
        return training.capability(effective_flop, self.params.training,
                                   self.reference_reducible_loss)


def gpu_price_table(params: EconomyParams, n_quarters: int) -> tuple[np.ndarray, np.ndarray]:
    """USD per GPU by quarter and generation, and availability.

    A generation sells at its launch price until its successor ships; from then on its price falls
    by the hardware price-performance trend (Epoch AI: ≈1.4× more FLOP per dollar a year), down to
    a floor share of launch.
    """
    gpus = sorted(params.gpus, key=lambda g: g.available_quarter)
    order = [params.gpus.index(g) for g in gpus]
    q = np.arange(n_quarters, dtype=float)[:, None]
    launch = np.array([g.launch_price for g in params.gpus])[None, :]
    avail_q = np.array([g.available_quarter for g in params.gpus], dtype=float)[None, :]
    successor = np.full(len(params.gpus), np.inf)
    for pos, idx in enumerate(order[:-1]):
        successor[idx] = gpus[pos + 1].available_quarter
    years_old = np.maximum(q - successor[None, :], 0.0) / 4.0
    fall = params.market.price_performance_per_year ** (-years_old)
    price = launch * np.maximum(fall, params.market.price_floor_fraction)
    return price, q >= avail_q


def compile_economy(params: EconomyParams) -> Economy:
    """Build (once per parameter set) the tables the step reads."""
    cached = params._compiled
    if cached is not None:
        return cached
    n_q = params.scenario.horizon_quarters + MARGIN_QUARTERS
    price, available = gpu_price_table(params, n_q)
    h100e = np.array([g.h100e for g in params.gpus])
    per_h100e = np.where(available, price / h100e[None, :], np.inf).min(axis=1)
    m = params.market
    anchor = m.rental_anchor_2026 * (
        m.rental_anchor_gpu_share * per_h100e / per_h100e[0] + (1.0 - m.rental_anchor_gpu_share)
    )
    q = np.arange(n_q, dtype=float)[:, None]
    rivals = params.rivals
    cost0 = np.array([r.cost_per_flop_2026 for r in rivals])[None, :]
    fall = np.array([r.cost_per_flop_fall_per_year for r in rivals])[None, :]
    tp = params.training
    rival_growth = np.log10([r.compute_growth_per_year for r in rivals]) / 4.0
    algo_growth = float(np.log10(tp.algo_growth_per_year) / 4.0)
    ref = np.array([tp.reference_effective_flop])
    # The median as statistics computes it (the same arithmetic as numpy's, without the
    # masked-array module numpy's median imports on first use: 12 ms of loading the packs).
    per_quarter = 10 ** (statistics.median(rival_growth.tolist()) + algo_growth)
    slope = float(training.capability(ref * per_quarter, tp)[0] - training.capability(ref, tp)[0])
    player_brand, rival_brand, start_rival_share = _calibrate_brands(params, slope)
    econ = Economy(
        params=params,
        gpu_names=[g.name for g in params.gpus],
        h100e=h100e,
        watts=np.array([g.watts for g in params.gpus]),
        lead=np.array([g.lead_quarters for g in params.gpus], dtype=np.int64),
        gpu_price=price,
        available=available,
        rental_anchor=anchor,
        rival_cost_per_flop=cost0 * fall ** (-q / 4.0),
        rival_growth=rival_growth,
        rival_volatility=np.array([r.compute_volatility for r in rivals]),
        rival_algo_growth=algo_growth,
        rival_cadence=np.array([r.release_every_quarters for r in rivals]),
        rival_jitter=np.array([r.release_jitter for r in rivals]),
        rival_stance=np.array([r.price for r in rivals]),
        rival_cut=np.array([r.price_cut_when_behind for r in rivals]),
        rival_reaction=np.array([r.reaction_to_lead for r in rivals]),
        rival_brand=rival_brand,
        reference_reducible_loss=float(
            training.reducible_loss(np.array([tp.reference_effective_flop]), tp)[0]
        ),
        life_quarters=round(params.fleet.server_life_years * 4),
        frontier_slope=slope,
        player_brand=player_brand,
        start_rival_share=start_rival_share,
    )
    params._compiled = econ
    return econ


def _calibrate_brands(params: EconomyParams, slope: float) -> tuple[float, np.ndarray, np.ndarray]:
    """(player brand, rival brands, rival shares): the logit utilities of brand and distribution
    that make every lab's starting share its real one.

    Shares of usage follow from run-rates: s_i = run-rate_i / (market × price_i). The open-weight
    outside option keeps its stated utility; each lab's brand is whatever makes
    s_i / s_open = e^{u_i − u_open} hold at quarter 0. What is left is the open-weight share.
    """
    d, tp, st = params.demand, params.training, params.scenario.start
    rivals = params.rivals
    prices = np.array([st.price] + [r.price for r in rivals])
    runrates = np.array([st.runrate] + [r.runrate_2026 for r in rivals])
    shares = runrates / (d.market_2026 * prices)
    open_share = 1.0 - shares.sum()
    if open_share <= 0.01:
        raise ValueError(
            f"the labs' run-rates (${runrates.sum():g}B/year at their prices) leave no room for "
            f"open-weight models in a ${d.market_2026:g}B/year market; raise demand.market_2026 "
            "or lower a run-rate"
        )
    caps = training.capability(
        np.array([st.capability_flop] + [r.training_flop_2026 * r.algo_efficiency_2026
                                         for r in rivals]), tp)
    open_cap = float(caps.max()) - d.open_weight_lag_quarters * slope
    u_open = (d.capability_weight * open_cap / 100.0 + d.open_weight_utility
              - d.price_weight * np.log(d.open_weight_price))
    utility = np.log(shares / open_share) + u_open
    brands = utility - (d.capability_weight * caps / 100.0 - d.price_weight * np.log(prices))
    return float(brands[0]), brands[1:], shares[1:]
