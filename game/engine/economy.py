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
from game.engine.choice import price_utility
from game.engine.params import EconomyParams
from game.engine.rows import row_sum

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
    training_gain: np.ndarray  # (Q,) training FLOP per H100e-second, relative to quarter 0
    rival_growth: np.ndarray  # (R,) log10 per quarter
    rival_volatility: np.ndarray  # (R,)
    rival_algo_growth: float  # log10 per quarter
    rival_cadence: np.ndarray  # (R,)
    rival_jitter: np.ndarray  # (R,)
    rival_stance: np.ndarray  # (R,)
    rival_cut: np.ndarray  # (R,)
    rival_reaction: np.ndarray  # (R,)
    rival_market_elasticity: np.ndarray  # (R,)
    rival_brand: np.ndarray  # (R,) logit utility calibrated to each rival's starting share
    rival_k: np.ndarray  # (R,) tokens per parameter of each rival's models
    reference_reducible_loss: float
    life_quarters: int
    frontier_slope: float  # capability points per quarter of a frontier at the rivals' median pace
    player_brand: float  # the same for the player's lab
    start_rival_share: np.ndarray  # (R,) rivals' logit shares at quarter 0
    start_industry_params: float  # geometric mean of the rivals' active parameters at quarter 0

    @property
    def n_quarters(self) -> int:
        return self.gpu_price.shape[0]

    def row(self, quarter: int) -> int:
        return min(max(quarter, 0), self.n_quarters - 1)

    def capability(self, effective_flop: np.ndarray, k: np.ndarray | float | None = None,
                   efficiency: np.ndarray | float = 1.0) -> np.ndarray:
        """training.capability with the reference loss computed once."""
        return training.capability(effective_flop, self.params.training,
                                   self.reference_reducible_loss, k, efficiency)

    def industry_params(self, rival_release_flop: np.ndarray) -> np.ndarray:
        """(W,) geometric mean of the active parameters of the rivals' released models: the
        model size the market's reference price is set for."""
        log_n = np.log(training.size(rival_release_flop, self.rival_k)[0])
        return np.exp(row_sum(log_n) / log_n.shape[1])


def gpu_price_table(params: EconomyParams, n_quarters: int) -> tuple[np.ndarray, np.ndarray]:
    """USD per GPU by quarter and generation, and availability.

    A generation sells at its launch price until its successor ships; from then on its price falls
    by the hardware price-performance trend (Epoch AI: ≈1.4× more FLOP per dollar a year), down to
    a floor share of launch. The price is deployed: the chip's plus ``server_overhead`` of it for
    the servers, networking and storage around it.
    """
    start = params.start_index
    gpus = sorted(params.gpus, key=lambda g: g.available_index)
    order = [params.gpus.index(g) for g in gpus]
    q = np.arange(n_quarters, dtype=float)[:, None]
    launch = np.array([g.launch_price for g in params.gpus])[None, :]
    avail_q = np.array([g.available_index - start for g in params.gpus], dtype=float)[None, :]
    successor = np.full(len(params.gpus), np.inf)
    for pos, idx in enumerate(order[:-1]):
        successor[idx] = gpus[pos + 1].available_index - start
    years_old = np.maximum(q - successor[None, :], 0.0) / 4.0
    fall = params.market.price_performance_per_year ** (-years_old)
    price = launch * np.maximum(fall, params.market.price_floor_fraction) * (
        1.0 + params.fleet.server_overhead)
    return price, q >= avail_q


def compile_economy(params: EconomyParams) -> Economy:
    """Build (once per parameter set) the tables the step reads."""
    cached = params._compiled
    if cached is not None:
        return cached
    n_q = params.scenario.horizon_quarters + MARGIN_QUARTERS
    price, available = gpu_price_table(params, n_q)
    h100e = np.array([g.h100e for g in params.gpus])
    # The break-even rental of an H100e-hour, served on the generation that is cheapest per
    # H100e: its hardware share falls with the price per H100e, the rest (power, buildings,
    # operations) with the watts per H100e.
    # Each generation's cost of an H100e-hour relative to the H100 (the unit) at quarter 0; the
    # market rents on whichever is cheapest.
    m = params.market
    share = m.rental_anchor_gpu_share
    unit = params.gpus[params.gpu_index("H100")] if "H100" in [g.name for g in params.gpus] \
        else params.gpus[0]
    unit_price = price[0, params.gpus.index(unit)] / unit.h100e
    watts_per = np.array([g.watts for g in params.gpus]) / h100e
    index = (share * price / h100e[None, :] / unit_price
             + (1.0 - share) * watts_per[None, :] / (unit.watts / unit.h100e))
    best = np.where(available, index, np.inf).min(axis=1)
    # A new generation sets the price only as its supply ramps up: the anchor closes a share of
    # the gap to the best generation's cost each quarter.
    ramped = best.copy()
    for t in range(1, n_q):
        ramped[t] = ramped[t - 1] + m.new_generation_ramp * (best[t] - ramped[t - 1])
    anchor = m.rental_anchor_start * ramped / ramped[0]
    q = np.arange(n_q, dtype=float)[:, None]
    rivals = params.rivals
    cost0 = np.array([r.cost_per_flop for r in rivals])[None, :]
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
    rival_k = np.array([r.tokens_per_parameter for r in rivals])
    r_flop = np.array([[r.training_flop for r in rivals]])
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
        training_gain=tp.precision_gain_per_year ** (q[:, 0] / 4.0),
        rival_growth=rival_growth,
        rival_volatility=np.array([r.compute_volatility for r in rivals]),
        rival_algo_growth=algo_growth,
        rival_cadence=np.array([r.release_every_quarters for r in rivals]),
        rival_jitter=np.array([r.release_jitter for r in rivals]),
        rival_stance=np.array([r.price for r in rivals]),
        rival_cut=np.array([r.price_cut_when_behind for r in rivals]),
        rival_reaction=np.array([r.reaction_to_lead for r in rivals]),
        rival_market_elasticity=np.array([r.market_elasticity for r in rivals]),
        rival_brand=rival_brand,
        rival_k=rival_k,
        reference_reducible_loss=training.reference_loss(tp),
        life_quarters=round(params.fleet.server_life_years * 4),
        frontier_slope=slope,
        player_brand=player_brand,
        start_rival_share=start_rival_share,
        start_industry_params=float(np.exp(np.log(training.size(r_flop, rival_k)[0]).mean())),
    )
    params._compiled = econ
    return econ


def start_tokens_per_parameter(params: EconomyParams) -> float:
    """Tokens per parameter of the player's starting model: its training FLOP (effective FLOP
    over efficiency) and its active parameters, C = 6 N · kN."""
    st = params.scenario.start
    return float(training.tokens_per_parameter(st.capability_flop / st.algo_efficiency,
                                               st.model_parameters))


def start_capabilities(params: EconomyParams) -> np.ndarray:
    """(1 + R,) capability of the player's and each rival's model at quarter 0."""
    st, tp = params.scenario.start, params.training
    flop = np.array([st.capability_flop] + [r.training_flop * r.algo_efficiency
                                            for r in params.rivals])
    k = np.array([start_tokens_per_parameter(params)]
                 + [r.tokens_per_parameter for r in params.rivals])
    eff = np.array([st.algo_efficiency] + [r.algo_efficiency for r in params.rivals])
    return training.capability(flop, tp, k=k, efficiency=eff)


def _calibrate_brands(params: EconomyParams, slope: float) -> tuple[float, np.ndarray, np.ndarray]:
    """(player brand, rival brands, rival shares): the logit utilities of brand and distribution
    that make every lab's starting share its real one.

    Shares of usage follow from run-rates: s_i = run-rate_i / (market × price_i). The open-weight
    outside option keeps its stated utility; each lab's brand is whatever makes
    s_i / s_open = e^{u_i − u_open} hold at quarter 0. What is left is the open-weight share.
    """
    d, st = params.demand, params.scenario.start
    rivals = params.rivals
    prices = np.array([st.price] + [r.price for r in rivals])
    runrates = np.array([st.runrate] + [r.runrate for r in rivals])
    shares = runrates / (d.market_start * prices)
    open_share = 1.0 - shares.sum()
    if open_share <= 0.01:
        raise ValueError(
            f"the labs' run-rates (${runrates.sum():g}B/year at their prices) leave no room for "
            f"open-weight models in a ${d.market_start:g}B/year market; raise "
            "demand.market_start or lower a run-rate"
        )
    caps = start_capabilities(params)
    open_cap = float(caps.max()) - d.open_weight_lag_quarters * slope
    going = float(np.mean([r.price for r in rivals]))  # the rivals' average price
    u_open = (d.capability_weight * open_cap / 100.0 + d.open_weight_utility
              + price_utility(d, d.open_weight_price / going))
    utility = np.log(shares / open_share) + u_open
    brands = utility - (d.capability_weight * caps / 100.0 + price_utility(d, prices / going))
    return float(brands[0]), brands[1:], shares[1:]
