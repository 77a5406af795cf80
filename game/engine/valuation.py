"""Investor sentiment (0–100), the private mark, and the public multiple at an IPO.

Sentiment reverts towards a target set by fundamentals:
    S_{t+1} = S_t + κ (T − S_t) + shocks,
    T = neutral + w_g tanh(ln(growth / market growth))
        − w_b·scrutiny·tanh(ln((burn multiple + 0.1) / (b_ref + 0.1)))
        + w_c tanh(gap / 100) + w_m tanh(10 Δ gross margin) + w_h h
(gap: the lab's capability minus the rivals' average, where it stands in the pack)
(the 0.1 keeps a lab that burns nothing finite; the multiple is bounded to [0, 50])
where growth is trailing-twelve-month revenue growth, judged against the market's own (a lab
that keeps its share grows with its market: neutral), and h is the log hype index. Each term,
times κ, is a line of the sentiment ledger.

Equity value = enterprise value + cash + vendor credit − debt: cash raised adds to it one for
one (post-money = pre-money + the raise), debt subtracts.

The enterprise value is a private *mark*: what the last round and the news say the business is
worth. The fundamentals' value is
    EV* = m_priv · TTM revenue · q,   q = max(1 − w + w · GM_ttm / GM_ref, q_min),
    ln m_priv = ln m₀ + slope_s (S − 50)/50 + slope_g ln(market growth / g_ref) + h   (clipped),
on trailing-twelve-month revenue (a quarter's jump moves TTM by a quarter of itself), discounted
for revenue that earns less than a typical lab's gross margin GM_ref (a dollar sold below cost is
not worth a dollar sold at a margin; w is the weight investors give the margin). Investors
pay for a fast-growing market through the multiple; what the lab itself does (share won or
lost, burn, its lead) reaches the multiple through sentiment, which is bounded and forgets, so a
lab cannot manufacture a multiple by timing its own growth. The mark
closes a share μ of its log gap to EV* each quarter, by at most ``mark_max_move`` either way:
    ln EV_{t+1} = ln EV_t + clip(μ (ln EV*_{t+1} − ln EV_t), −cap, cap).
So a private valuation never doubles or halves in a quarter on its own; rounds move it by what
they raise.

At an IPO the book prices the business on the public "rule of X" on trailing figures:
    X = w_x · (market growth − 1)% + free-cash-flow margin%   (Bessemer: growth weighs 2–3×)
    m_pub = per_x · max(X, 10) / 100 · e^{slope_s (S − 50)/50 + h},
with the growth the market's (public investors extrapolate the market a lab holds its share
of; its own momentum, share won or lost, reaches them through sentiment, as it reaches private
investors) and the free-cash-flow margin that of the last four quarters; the offer at a
discount to it (for the first-day pop), every noise term applied before the multiple is
clipped to [floor, cap].
"""

from __future__ import annotations

import numpy as np

from game.engine.params import ValuationParams


def burn_multiple(burn_year: np.ndarray, new_arr: np.ndarray) -> np.ndarray:
    """Net burn over net new annual run-rate, bounded to [0, 50] (50: burning with no growth)."""
    bm = np.where(new_arr > 1e-9, burn_year / np.maximum(new_arr, 1e-9), 50.0)
    return np.where(burn_year <= 0.0, 0.0, np.minimum(np.maximum(bm, 0.0), 50.0))


def target_terms(
    vp: ValuationParams,
    growth: np.ndarray,
    market_growth: np.ndarray,
    bm: np.ndarray,
    gap: np.ndarray,
    margin_change: np.ndarray,
    hype: np.ndarray,
    scrutiny: np.ndarray,
) -> dict[str, np.ndarray]:
    """The fundamentals' pull on sentiment, in points of target above neutral."""
    return {
        "revenue growth": vp.growth_weight * np.tanh(np.log(np.maximum(growth, 1e-6)
                                                           / np.maximum(market_growth, 1e-6))),
        "burn multiple": -vp.burn_weight * scrutiny * np.tanh(
            np.log((bm + 0.1) / (vp.burn_reference + 0.1))),
        "capability gap": vp.gap_weight * np.tanh(gap / 100.0),
        "margin trend": vp.margin_weight * np.tanh(10.0 * margin_change),
        "market hype": vp.hype_weight * hype,
    }


def private_log_multiple(
    vp: ValuationParams, sentiment: np.ndarray, growth: np.ndarray, hype: np.ndarray
) -> dict[str, np.ndarray]:
    """Components of ln(private EV / TTM revenue), before the floor and cap; ``growth`` is the
    market's."""
    return {
        "base": np.log(vp.private_multiple),
        "sentiment": vp.multiple_sentiment_slope * (sentiment - 50.0) / 50.0,
        "growth": vp.multiple_growth_slope * np.log(np.maximum(growth, 1e-6)
                                                    / vp.growth_reference),
        "hype": hype,
    }


def clip_multiple(vp: ValuationParams, m: np.ndarray) -> np.ndarray:
    return np.minimum(np.maximum(m, vp.multiple_floor), vp.multiple_cap)


def revenue_quality(vp: ValuationParams, ttm: np.ndarray, ttm_gross_profit: np.ndarray
                    ) -> np.ndarray:
    """q: what a dollar of the lab's revenue is worth against a typical lab's, by its margin."""
    margin = ttm_gross_profit / np.maximum(ttm, 1e-9)
    w = vp.margin_in_value
    return np.maximum(1.0 - w + w * margin / vp.gross_margin_reference, vp.quality_floor)


def fundamental_ev(vp: ValuationParams, ttm: np.ndarray, ttm_gross_profit: np.ndarray,
                   sentiment: np.ndarray, growth: np.ndarray, hype: np.ndarray) -> np.ndarray:
    """EV* ($B): what the fundamentals say the business is worth to private investors
    (``growth``: the market's)."""
    parts = private_log_multiple(vp, sentiment, growth, hype)
    return (clip_multiple(vp, np.exp(sum(parts.values()))) * np.maximum(ttm, 0.0)
            * revenue_quality(vp, ttm, ttm_gross_profit))


def move_mark(vp: ValuationParams, mark: np.ndarray, target: np.ndarray) -> np.ndarray:
    """The private mark after a quarter: a share of the way to the fundamentals, capped."""
    gap = np.log(np.maximum(target, 1e-9)) - np.log(np.maximum(mark, 1e-9))
    step = np.minimum(np.maximum(vp.mark_speed * gap, -vp.mark_max_move), vp.mark_max_move)
    return np.maximum(mark, 1e-9) * np.exp(step)


def public_multiple(
    vp: ValuationParams, market_growth: np.ndarray, fcf_margin: np.ndarray,
    sentiment: np.ndarray, hype: np.ndarray,
) -> np.ndarray:
    """Public EV / TTM revenue by the rule of X, before any discount, noise or clip; the book's
    demand follows sentiment as a private round's does."""
    rule_of_x = vp.rule_of_x_growth_weight * (market_growth - 1.0) * 100.0 + fcf_margin * 100.0
    mood = np.exp(vp.multiple_sentiment_slope * (sentiment - 50.0) / 50.0 + hype)
    return vp.public_multiple_per_rule_of_x * np.maximum(rule_of_x, 10.0) / 100.0 * mood
