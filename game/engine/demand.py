"""Demand: the market's adoption curve, logit shares of usage, serving, and the reference price.

Demand for frontier models U ($B/year at the reference price) follows a logistic adoption curve:
    U_{t+1} = U_t · exp(g₀ · (1 − U_t/K) / (1 − U₀/K) + σ ε)
Customers choose among the labs and an open-weight outside option that trails the frontier by a
logit (multinomial discrete choice) over usage:
    u_i = β_c · capability_i / 100 + brand_i − β_p · ℓ(price_i) · ln(price_i),
    s*_i = e^{u_i} / Σ_j e^{u_j}
Customers judge a price against the going rate, the rivals' average price p̄, and dislike paying
above it more than they like paying below it (loss aversion): the price term is
ℓ(p/p̄) · ln(p/p̄) with ℓ = λ_loss above the going rate and 1 below. When rivals cut, the going
rate falls and every price above it weighs more.
Brands are calibrated so that every lab's starting share is its real one (run-rate over demand);
the open-weight option's capability is the frontier's minus ``lag`` quarters of its pace. An event
that moves the lab's share from s to s' moves its customers' preference: its brand gains
    Δb = ln(s'/s) / (1 − s)
(what makes the logit give s'), which fades by ``brand_memory`` a quarter.
Winning customers is slow and losing them fast: each quarter a lab closes a share λ⁺ of the gap
to a higher logit share and λ⁻ ≥ λ⁺ of the gap to a lower one,
    s_{t+1} = s_t + λ^± (s*_i − s_t),
and the open-weight option holds the rest, 1 − Σ labs (customers between providers use it).
Customers a lab turns away for want of capacity go there too.

Money: every option's spending is its usage times its price, so the industry spends
    M = U · Σ_j s_j p_j
and the player's revenue is  U/4 · s · p · (1 − unserved)  a quarter: a share of M, never more.
A price rise loses customers within the quarter (λ⁻); a price cut wins them over quarters (λ⁺).

Serving. The reference price follows the industry's serving cost: competition passes cheaper
compute on to customers. So a reference dollar of usage takes, for the player's model,
    hours per $ = h₀ · (N / N_ind)^ε · anchor₀ / anchor_t
H100e-hours, where N is the active parameters of the player's model, N_ind the geometric mean of
the rivals' (≈ 2 N FLOP per token: ε = 1), and anchor_t the break-even rental price of an
H100e-hour (game.engine.market). A lab that keeps pace with the industry keeps its cost per
dollar, and its gross margin; one that serves a bigger model than its rivals, or pays more than
the market for compute, earns less per dollar. In $ per million tokens the frontier tier's
reference price is
    P_t = P₀ · (anchor_t / anchor₀) · (N_ind,t / N_ind,0)^ε / η^{t/4},
with η the yearly gain in serving a given model (batching, quantisation, speculative decoding):
frontier tokens cost about the same year after year while a fixed capability gets cheap, since
last year's frontier is soon served by smaller models and open weights.
What capacity cannot serve is lost revenue, and investors notice ("GPU-constrained").
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from game.engine.choice import price_utility
from game.engine.economy import Economy
from game.engine.params import HOURS_PER_QUARTER
from game.engine.rng import Rng
from game.engine.rows import row_max, row_sum
from game.engine.state import State


@dataclass(slots=True)
class DemandResult:
    demand: np.ndarray  # $B the player's customers wanted this quarter
    served: np.ndarray  # $B booked
    share: np.ndarray  # the player's share of usage (customers who chose it)
    rival_share: np.ndarray  # (W, R)
    hours_needed: np.ndarray  # H100e-hours to serve all demand
    spending: np.ndarray  # what the industry spent this quarter, annualised, $B/year


def advance_market(s: State, econ: Economy, rng: Rng, quarter: int) -> np.ndarray:
    d = econ.params.demand
    g0 = np.log(d.market_growth_start) / 4.0
    logistic = (1.0 - s.market / d.market_ceiling) / (1.0 - d.market_start / d.market_ceiling)
    growth = g0 * s.modifier("market_growth") * np.maximum(logistic, 0.0)
    factor = np.exp(growth + d.demand_noise * rng.normal(quarter, "demand.market"))
    s.market = s.market * factor
    return factor


def open_weight_capability(s: State, econ: Economy, alive: np.ndarray | None = None
                           ) -> np.ndarray:
    """The outside option trails the frontier by ``open_weight_lag_quarters`` of its pace (in a
    shared market, the frontier of every running lab of the class and the rivals)."""
    lag = econ.params.demand.open_weight_lag_quarters
    if alive is None:
        frontier = np.maximum(s.capability, s.rival_frontier)
    else:
        labs = s.capability[alive] if alive.any() else s.capability
        frontier = np.maximum(labs.max(), s.rival_frontier)
    return frontier - lag * econ.frontier_slope


def targets(s: State, econ: Economy, price: np.ndarray | None = None,
            alive: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(player, (W, R) rivals) logit shares of usage at this quarter's models and prices (the
    player's at ``price`` if given).

    With ``alive`` (a shared market: the worlds are the labs of one class, and those that run
    compete) the class's market is W solo markets pooled, each lab's weight e_p/W: the
    denominator is D = mean over labs of e_p (0 for a lab that ended) + Σ e_r + e_o, and lab i's
    target e_p(i)/D is its share of a solo-sized market (its share of the pooled one is that / W).
    """
    d = econ.params.demand
    going = s.rival_price.mean(axis=1)
    u_p = (d.capability_weight * s.capability / 100.0 + econ.player_brand + s.brand_shift
           + price_utility(d, (s.price if price is None else price) / going))
    u_r = (d.capability_weight * s.rival_capability / 100.0 + econ.rival_brand
           + price_utility(d, s.rival_price / going[:, None]))
    u_o = (d.capability_weight * open_weight_capability(s, econ, alive) / 100.0
           + d.open_weight_utility + price_utility(d, d.open_weight_price / going))
    if alive is not None:
        labs = u_p[alive] if alive.any() else u_p
        top = np.maximum(np.maximum(labs.max(), u_r.max()), u_o.max())
        e_p = np.where(alive, np.exp(u_p - top), 0.0)
        e_r, e_o = np.exp(u_r - top), np.exp(u_o - top)
        total = e_p.sum() / e_p.shape[0] + row_sum(e_r) + e_o
        return e_p / total, e_r / total[:, None]
    top = np.maximum(np.maximum(u_p, row_max(u_r)), u_o)
    e_p, e_r, e_o = np.exp(u_p - top), np.exp(u_r - top[:, None]), np.exp(u_o - top)
    total = e_p + row_sum(e_r) + e_o
    return e_p / total, e_r / total[:, None]


def adjust(current: np.ndarray, target: np.ndarray, gain: float, loss: float) -> np.ndarray:
    """A share's move towards its target: slow up, fast down."""
    return current + np.where(target > current, gain, loss) * (target - current)


def shares(s: State, econ: Economy, start_player: np.ndarray,
           start_rival: np.ndarray, alive: np.ndarray | None = None
           ) -> tuple[np.ndarray, np.ndarray]:
    """This quarter's shares of usage, moving from where the quarter started.

    With λ⁻ ≥ λ⁺ the labs' shares never sum above 1 (what the gainers gain, the losers and the
    outside option lost); a start above 1 (an event that moved a share) is scaled back first.
    In a shared market (``alive`` given) the sum is the class's: the mean of its labs' shares
    (a lab that ended has none) plus the rivals'.
    """
    d = econ.params.demand
    if alive is None:
        total = start_player + row_sum(start_rival)
    else:
        total = (np.where(alive, start_player, 0.0).sum() / start_player.shape[0]
                 + row_sum(start_rival))
    scale = np.where(total > 1.0, 1.0 / np.maximum(total, 1e-300), 1.0)
    target_p, target_r = targets(s, econ, alive=alive)
    player = adjust(start_player * scale, target_p, d.share_gain_speed, d.share_loss_speed)
    rival = adjust(start_rival * scale[:, None], target_r, d.share_gain_speed, d.share_loss_speed)
    return player, rival


def hours_per_dollar(s: State, econ: Economy, quarter: int,
                     model_params: np.ndarray | None = None) -> np.ndarray:
    """H100e-hours to serve a reference dollar of usage with the lab's model (or one of
    ``model_params`` active parameters)."""
    d = econ.params.demand
    n = s.model_params if model_params is None else model_params
    size = n / econ.industry_params(s.rival_release_flop)
    cheaper = econ.rental_anchor[0] / econ.rental_anchor[econ.row(quarter)]
    return (d.inference_hours_per_dollar * size**d.inference_size_elasticity * cheaper
            * s.modifier("inference_cost"))


def reference_price(s: State, econ: Economy, quarter: int) -> np.ndarray:
    """The frontier tier's reference list price, $ per million tokens."""
    d = econ.params.demand
    industry = econ.industry_params(s.rival_release_flop) / econ.start_industry_params
    anchor = econ.rental_anchor[econ.row(quarter)] / econ.rental_anchor[0]
    return (d.reference_price_start * anchor * industry**d.inference_size_elasticity
            / d.serving_efficiency_per_year ** (quarter / 4.0))


def serve(s: State, econ: Economy, quarter: int, inference_h100e: np.ndarray,
          player_share: np.ndarray, rival_share: np.ndarray,
          alive: np.ndarray | None = None) -> DemandResult:
    """Serve the player's customers with its inference capacity; what the industry spent (in a
    shared market, ``alive`` given: the pooled market's spending / W, the class's labs counted
    at the mean of what they served; the same in every row)."""
    d = econ.params.demand
    usage = s.market / 4.0 * player_share  # reference-$B of usage wanted this quarter
    demand = usage * s.price
    per_dollar = hours_per_dollar(s, econ, quarter)
    hours_needed = usage * 1e9 * per_dollar
    servable = inference_h100e * HOURS_PER_QUARTER / np.maximum(per_dollar, 1e-300) / 1e9
    served_usage = np.minimum(usage, servable)
    served = served_usage * s.price
    labs_share = player_share * (served_usage / np.maximum(usage, 1e-300))
    labs_spent = served_usage / np.maximum(s.market / 4.0, 1e-300) * s.price
    if alive is not None:
        W = player_share.shape[0]
        labs_share = np.where(alive, labs_share, 0.0).sum() / W
        labs_spent = np.where(alive, labs_spent, 0.0).sum() / W
    open_share = 1.0 - labs_share - row_sum(rival_share)
    spending = s.market * (labs_spent + row_sum(rival_share * s.rival_price)
                           + np.maximum(open_share, 0.0) * d.open_weight_price)
    return DemandResult(demand, served, player_share, rival_share, hours_needed, spending)


def brand_shift(given: State, after_events: State, memory: float) -> np.ndarray:
    """The lab's brand utility from events: last quarter's, faded, plus what this quarter's
    events did to its share, as the utility that makes the logit give the new share."""
    moved = np.log(np.maximum(after_events.share, 1e-12) / np.maximum(given.share, 1e-12))
    return memory * given.brand_shift + moved / np.maximum(1.0 - given.share, 0.05)
