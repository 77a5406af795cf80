"""Financing: equity rounds that can fail, vendor financing, and the credit line.

A round of size F succeeds with probability  1 / (1 + e^{−(S − mid)/width}).  New investors buy
at a discount d to the equity mark V (the cost of equity the holders see; deeper when sentiment
is low):
    d = d₀ + d_low · max(0, 50 − S) / 50,   holders keep  V(1 − d) / (V(1 − d) + F),
and the company's equity value becomes V + F (post-money = pre-money + the raise). The holders'
stake is worth  V(1 − d)/(V(1 − d) + F) · (V + F) ≤ V: the difference is what the round costs
them. Vendor financing (GPUs for equity, as in a GPU maker investing in its customer) cannot fail,
is priced at a discount of its own, and arrives as credit that only GPU orders can spend. The
credit line is a multiple of run-rate; interest is (base + spread) / 4 a quarter on what is drawn.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from game.engine.params import FinanceParams
from game.engine.plan import PlanArrays
from game.engine.rows import any_set
from game.engine.state import State


@dataclass(slots=True)
class Financing:
    equity: np.ndarray  # cash raised
    failed: np.ndarray  # bool: a round was attempted and failed
    dilution: np.ndarray  # ownership change from the equity round (negative)
    vendor_dilution: np.ndarray  # ownership change from vendor financing (negative)
    vendor: np.ndarray  # vendor credit granted
    drawn: np.ndarray
    repaid: np.ndarray


def round_success_probability(fp: FinanceParams, sentiment: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-(sentiment - fp.round_sentiment_mid) / fp.round_sentiment_width))


def round_discount(fp: FinanceParams, sentiment: np.ndarray) -> np.ndarray:
    """The discount to the mark at which new investors buy."""
    return fp.round_discount + fp.round_discount_low_sentiment * np.maximum(
        50.0 - sentiment, 0.0) / 50.0


def credit_limit(fp: FinanceParams, revenue_quarter: np.ndarray) -> np.ndarray:
    return fp.credit_line_runrate * 4.0 * revenue_quarter


def raise_and_borrow(s: State, plan: PlanArrays, fp: FinanceParams, u: np.ndarray) -> Financing:
    # A part no world asks for this quarter is skipped: it would change nothing (keep = 1,
    # drawn = repaid = 0 exactly).
    W = s.n_worlds
    pre = np.maximum(s.valuation, 1e-9)
    cap = np.minimum(fp.max_round_fraction * pre, fp.max_round_size)
    if any_set(plan.raise_equity):
        ask = np.minimum(plan.raise_equity, cap)
        attempted = ask > 0
        ok = attempted & (u < round_success_probability(fp, s.sentiment)
                          * s.modifier("round_success"))
        equity = np.where(ok, ask, 0.0)
        failed = attempted & ~ok
    else:
        equity, failed = np.zeros(W), np.zeros(W, dtype=bool)
    vendor = (np.minimum(plan.vendor_equity, cap) if any_set(plan.vendor_equity)
              else np.zeros(W))
    if any_set(equity) or any_set(vendor):
        round_pre = pre * (1.0 - round_discount(fp, s.sentiment))
        vendor_pre = pre * (1.0 - fp.vendor_equity_discount)
        after_round = s.ownership * (round_pre / (round_pre + equity))
        new_ownership = after_round * (vendor_pre / (vendor_pre + vendor))
        dilution = after_round - s.ownership
        vendor_dilution = new_ownership - after_round
        s.ownership = new_ownership
        s.vendor_credit = s.vendor_credit + vendor
    else:
        dilution = vendor_dilution = np.zeros(W)
    if any_set(plan.draw_debt) or any_set(plan.repay_debt):
        headroom = np.maximum(credit_limit(fp, s.revenue) - s.debt, 0.0)
        drawn = np.minimum(plan.draw_debt, headroom)
        repaid = np.minimum(np.minimum(plan.repay_debt, s.debt + drawn),
                            np.maximum(s.cash + equity + drawn, 0.0))
        s.debt = s.debt + drawn - repaid
    else:
        drawn, repaid = np.zeros(W), np.zeros(W)
    return Financing(equity, failed, dilution, vendor_dilution, vendor, drawn, repaid)
