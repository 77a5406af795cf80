"""Investor sentiment (0–100) and the valuation multiples it drives.

Sentiment reverts towards a target set by fundamentals:
    S_{t+1} = S_t + κ (T − S_t) + shocks,
    T = neutral + w_g tanh(ln(growth / g_ref))
        − w_b·scrutiny·tanh(ln((burn multiple + 0.1) / (b_ref + 0.1)))
        + w_c tanh(gap / 100) + w_m tanh(10 Δ gross margin) + w_h h
(the 0.1 keeps a lab that burns nothing finite; the multiple is bounded to [0, 50])
where h is the log hype index. Each term, times κ, is a line of the sentiment ledger.

Private valuation = run-rate × m_priv,
    ln m_priv = ln m₀ + slope_s (S − 50)/50 + slope_g ln(growth / g_ref) + h   (clipped),
where 50 is the middle of the sentiment scale (not the neutral target).
Listed valuation = run-rate × m_pub, m_pub = per_x · (max(X, 10) / 100) · e^h with the "rule of X"
    X = w_x · growth% + free-cash-flow margin%   (Bessemer: growth weighs 2–3× margin).
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
    bm: np.ndarray,
    gap: np.ndarray,
    margin_change: np.ndarray,
    hype: np.ndarray,
    scrutiny: np.ndarray,
) -> dict[str, np.ndarray]:
    """The fundamentals' pull on sentiment, in points of target above neutral."""
    return {
        "revenue growth": vp.growth_weight * np.tanh(np.log(np.maximum(growth, 1e-6)
                                                           / vp.growth_reference)),
        "burn multiple": -vp.burn_weight * scrutiny * np.tanh(
            np.log((bm + 0.1) / (vp.burn_reference + 0.1))),
        "capability gap": vp.gap_weight * np.tanh(gap / 100.0),
        "margin trend": vp.margin_weight * np.tanh(10.0 * margin_change),
        "market hype": vp.hype_weight * hype,
    }


def private_log_multiple(
    vp: ValuationParams, sentiment: np.ndarray, growth: np.ndarray, hype: np.ndarray
) -> dict[str, np.ndarray]:
    """Components of ln(private multiple), before the floor and cap."""
    return {
        "base": np.log(vp.private_multiple),
        "sentiment": vp.multiple_sentiment_slope * (sentiment - 50.0) / 50.0,
        "growth": vp.multiple_growth_slope * np.log(np.maximum(growth, 1e-6)
                                                    / vp.growth_reference),
        "hype": hype,
    }


def public_multiple(
    vp: ValuationParams, growth: np.ndarray, fcf_margin: np.ndarray, hype: np.ndarray
) -> np.ndarray:
    rule_of_x = vp.rule_of_x_growth_weight * (growth - 1.0) * 100.0 + fcf_margin * 100.0
    m = vp.public_multiple_per_rule_of_x * np.maximum(rule_of_x, 10.0) / 100.0 * np.exp(hype)
    return np.minimum(np.maximum(m, vp.multiple_floor), vp.multiple_cap)
