"""One quarter for a batch of worlds: ``step(state, plan, params, rng, quarter)``.

It returns ``(state, ledger)``: the next state and the named contributions to every change.

The order within a quarter is fixed (docs/ENGINE.md, "The order of a quarter"):
 0. hook       what happens to the lab before its plan plays out (the pack layer's events)
 1. market     rental price, tightness, lead times and spot rationing from last quarter's state
 2. financing  equity rounds, vendor financing, debt drawn or repaid
 3. fleet      GPU orders and deliveries, depreciation, leases, spot, data centers, power
 4. training   allocation, run progress and release, algorithmic efficiency
 5. rivals     compute growth, releases
 6. demand     adoption, logit shares, serving capped by capacity, revenue; rivals reprice
 7. finance    cash flow and P&L (kept apart), automatic credit draw
 8. IPO        filing, withdrawal, accepting the book's price range
 9. valuation  hype, sentiment, the private mark, listing, the book
10. outcome    bankrupt, ipo, ousted, irrelevant, horizon
Worlds whose game has ended keep their state; their ledger contributions are zero.

``shared=True`` plays the W worlds as the W labs of one class in one market (game.engine.coupling;
docs/ENGINE.md, "A shared market"): customers pooled, rivals, the demand curve and the GPU market
common, and the class's orders moving GPU prices and lead times. The caller gives every lab the
class's common luck (one world index for all). Off, the step is the solo one, number for number.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from game.engine import coupling, demand, finance, fleet, market, rivals, training, valuation
from game.engine.economy import Economy, compile_economy
from game.engine.ledger import Ledger
from game.engine.params import SECONDS_PER_QUARTER, EconomyParams
from game.engine.plan import Plan, PlanArrays, resolve
from game.engine.rng import Rng
from game.engine.rows import any_set, row_max, row_sum
from game.engine.state import (
    ARRAY_FIELDS,
    BANKRUPT,
    BOOK,
    FILED,
    HORIZON,
    IPO,
    IRRELEVANT,
    LISTED,
    NOT_FILED,
    OUSTED,
    RUNNING,
    State,
)


def ttm_growth(hist: np.ndarray) -> np.ndarray:
    """Trailing-twelve-month revenue over the twelve months before: the growth investors quote.

    With more than 8 quarters of history, the base is the highest twelve-month total of the year
    before (the totals ending 4 … 8 quarters ago): winning back revenue lost is not growth.
    """
    bases = [row_sum(hist[:, j:j + 4]) for j in range(hist.shape[1] - 7)]
    base = bases[0]
    for other in bases[1:]:
        base = np.maximum(base, other)
    return row_sum(hist[:, -4:]) / np.maximum(base, 1e-9)


def _split(total: np.ndarray, parts: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Share ``total`` among named log-changes in proportion; the rest goes to 'other'."""
    denom = sum(parts.values())
    ok = np.abs(denom) > 1e-12
    scale = np.where(ok, total / np.where(ok, denom, 1.0), 0.0)
    out = {k: scale * v for k, v in parts.items()}
    out["other"] = total - sum(out.values())
    return out


class QuarterHook(Protocol):
    """What happens to the worlds at the start of a quarter, before the plan plays out.

    It returns a new state (never writing into the one it is given), leaves worlds whose game
    has ended alone, and records every change of a ledger metric in ``ledger`` so that the
    quarter's contributions still sum to its changes exactly.

    A hook may also have a method ``ended(state, econ, rng, quarter, now) -> State``, called
    at the end of the quarter with the worlds whose game ended in it (``now``); it may change
    only its own extra arrays (the event director: events that tell the ending).
    """

    def __call__(self, state: State, econ: Economy, rng: Rng, quarter: int,
                 ledger: Ledger) -> State: ...


def step(
    state: State,
    plan: Plan | PlanArrays,
    params: EconomyParams | Economy,
    rng: Rng,
    quarter: int | None = None,
    hook: QuarterHook | None = None,
    shared: bool = False,
) -> tuple[State, Ledger]:
    """Advance every world by one quarter under the plan; returns the new state and the ledger.

    ``shared``: the worlds are the labs of one class in one market (see the module docstring).
    """
    econ = compile_economy(params) if isinstance(params, EconomyParams) else params
    p = econ.params
    q = state.quarter if quarter is None else quarter
    W = state.n_worlds
    pa = plan if isinstance(plan, PlanArrays) else resolve(
        plan, econ.gpu_names, W, p.training.tokens_per_parameter)
    given = state
    alive = given.outcome == RUNNING
    before = Ledger()
    if hook is not None:
        state = hook(given, econ, rng, q, before)
    class_alive = alive if shared else None
    if shared:  # what a lab's events did to the market, the class's market takes 1/W of
        state = coupling.common_market(state, alive)
    s = state.evolve()
    if hook is not None or any_set(given.brand_shift):
        s.brand_shift = demand.brand_shift(given, state, p.demand.brand_memory)
    ledger = Ledger()
    R = len(p.rivals)
    rng = rng.prefetch(  # one pass for every channel this quarter draws (same numbers)
        q,
        {"market.rental": 1, "training.mfu": 1, "rivals.compute": R, "demand.market": 1,
         "valuation.hype": 1, "valuation.sentiment": 1, "ipo.listing": 1},
        {"finance.round": 1, "rivals.release": R, "rivals.cadence": R},
    )

    # 1. market
    rental, tight = market.rental_price(econ, q, state)
    s.rental_price = rental
    lead = market.lead_times(econ, tight)
    ration = market.spot_ration(econ, tight)
    market.advance(s, econ, rng, q)  # where next quarter's price starts from

    # 2. financing (before procurement, so this quarter's raise can pay this quarter's orders)
    fin = finance.raise_and_borrow(s, pa, p.finance, rng.uniform(q, "finance.round"))
    s.headcount = np.maximum(s.headcount + pa.hire, 10.0)
    s.cash = state.cash + fin.equity + fin.drawn - fin.repaid

    # 3. fleet
    ff = fleet.procure(s, pa, econ, q, rental, lead, ration)
    if shared:  # the class's orders tighten next quarter's GPU market for every lab
        s.price_shock = s.price_shock + coupling.order_pressure(econ, state, s, alive)

    # 4. training
    cap_h = ff.capacity
    train_h, infer_h = cap_h * pa.alloc[:, 0], cap_h * pa.alloc[:, 1]
    tp = p.training
    # A step no world takes this quarter (cancel, start, progress or finish a run) is skipped:
    # it would leave every number as it is.
    if any_set(pa.cancel_run):
        s.run_target = np.where(pa.cancel_run, 0.0, s.run_target)
        s.run_done = np.where(pa.cancel_run, 0.0, s.run_done)
    if any_set(pa.start_run_flop):
        start = (pa.start_run_flop > 0) & (s.run_target <= 0)
        s.run_target = np.where(start, pa.start_run_flop, s.run_target)
        s.run_done = np.where(start, 0.0, s.run_done)
        s.run_efficiency = np.where(start, 10.0**s.algo_log_eff, s.run_efficiency)
        s.run_tpp = np.where(start, pa.tokens_per_parameter, s.run_tpp)
    active = s.run_target > 0
    if any_set(active):
        mfu = tp.mfu * s.modifier("mfu") * np.exp(tp.mfu_noise * rng.normal(q, "training.mfu")
                                                     - 0.5 * tp.mfu_noise**2)
        progress = training.training_flop(train_h, np.minimum(mfu, 0.95), SECONDS_PER_QUARTER
                                          ) * econ.training_gain[econ.row(q)]
        s.run_done = s.run_done + np.where(active, progress, 0.0)
        done = active & (s.run_done >= s.run_target)
    else:
        done = active
    if any_set(done):
        effective = s.run_target * s.run_efficiency
        k = np.where(done, s.run_tpp, 1.0)
        new_cap = econ.capability(effective, k, s.run_efficiency)
        better = done & (new_cap > s.capability)
        s.model_flop = np.where(better, effective, s.model_flop)
        s.model_params = np.where(better, training.size(s.run_target, k)[0], s.model_params)
        s.capability = np.where(better, new_cap, s.capability)
        s.run_target = np.where(done, 0.0, s.run_target)
        s.run_done = np.where(done, 0.0, s.run_done)
        s.run_tpp = np.where(done, 0.0, s.run_tpp)
    ledger.add("capability", "model release", s.capability - state.capability)
    industry = row_max(s.rival_log_eff)
    s.algo_log_eff = (
        s.algo_log_eff
        + training.algo_growth(pa.alloc[:, 2], s.headcount, tp)
        + tp.algo_spillover * np.maximum(industry - s.algo_log_eff, 0.0)
    )

    # 5. rivals
    old_rival_share = state.rival_share
    old_market_growth = ttm_growth(state.market_hist)  # the pace the rivals' build-out follows
    rivals.advance(s, econ, rng, q, old_market_growth,
                   coupling.leads(s, alive) if shared else None)

    # 6. demand: customers choose (those turned away last quarter start elsewhere), the lab
    # serves what its capacity can, and the rivals reprice for next quarter.
    demand.advance_market(s, econ, rng, q)
    if shared:  # a lab's market-growth modifier moves the class's market by 1/W of it
        s.market = coupling.common_rows(s.market, alive)
    s.price = pa.price.copy()
    share_p, share_r = demand.shares(s, econ, state.share * (1.0 - state.unserved),
                                     state.rival_share, class_alive)
    served = demand.serve(s, econ, q, infer_h, share_p, share_r, class_alive)
    revenue = served.served
    s.share = share_p
    s.rival_share = share_r
    s.spending = served.spending
    s.ref_price = demand.reference_price(s, econ, q)
    rivals.reprice(s, econ, old_rival_share)
    s.unserved = np.where(served.demand > 0, 1.0 - revenue / np.maximum(served.demand, 1e-300),
                          0.0)
    floor = 1e-12
    rev_parts = _split(
        revenue - state.revenue,
        {
            "market growth": np.log(s.market / state.market),
            "customers": np.log(np.maximum(share_p, floor) / np.maximum(state.share, floor)),
            "price": np.log(s.price / state.price),
            "capacity limit": np.log(np.maximum(1.0 - s.unserved, floor)
                                     / np.maximum(1.0 - state.unserved, floor)),
        },
    )
    for name, values in rev_parts.items():
        ledger.add("revenue", name, values)

    # 7. finance: cash flow (what moves the bank balance) ...
    fp = p.finance
    staff = s.headcount * fp.staff_cost_per_head_year / 4.0 * s.modifier("staff_cost")
    other_opex = fp.other_opex_share * revenue
    interest = s.debt * (fp.base_rate + fp.credit_spread) / 4.0
    flows = {
        "revenue": revenue,
        "leases": -ff.lease_cost,
        "spot compute": -ff.spot_cost,
        "power": -ff.power_cost,
        "data-center operations": -ff.dc_opex,
        "staff": -staff,
        "other opex": -other_opex,
        "GPU purchases": -ff.gpu_capex,
        "GPU sales": ff.gpu_sales,
        "data-center construction": -ff.dc_capex,
        "lease break penalty": -ff.lease_penalty,
        "interest": -interest,
        "equity raised": fin.equity,
        "debt drawn": fin.drawn,
        "debt repaid": -fin.repaid,
    }
    for name, values in flows.items():
        ledger.add("cash", name, values)
    flows_total = ledger.total("cash")
    before_auto = state.cash + flows_total
    headroom = np.maximum(finance.credit_limit(fp, revenue) - s.debt, 0.0)
    auto = np.minimum(np.maximum(-before_auto, 0.0), headroom)
    ledger.add("cash", "credit line (automatic)", auto)
    s.debt = s.debt + auto
    s.cash = state.cash + (flows_total + auto)  # ledger.total("cash"): the same sum, in order
    ledger.add("debt", "drawn", fin.drawn)
    ledger.add("debt", "repaid", -fin.repaid)
    ledger.add("debt", "automatic draw", auto)
    operating_costs = (ff.lease_cost + ff.spot_cost + ff.power_cost + ff.dc_opex + staff
                       + other_opex + interest + ff.lease_penalty)
    s.burn = (operating_costs + ff.gpu_capex + ff.vendor_used + ff.dc_capex - ff.gpu_sales
              - revenue)
    # ... and profit and loss (what investors read): capex becomes depreciation.
    compute_cost = (ff.lease_cost + ff.spot_cost + ff.power_cost + ff.dc_opex
                    + ff.gpu_depreciation + ff.dc_depreciation)
    cogs = compute_cost * pa.alloc[:, 1]
    s.gross_margin_prev = state.gross_margin.copy()
    s.gross_margin = np.where(revenue > 0, (revenue - cogs) / np.maximum(revenue, 1e-300), 0.0)
    s.net_income = (revenue - compute_cost - staff - other_opex - interest - ff.lease_penalty
                    + ff.gpu_sale_gain)

    # 8. IPO: filing, withdrawal, accepting the book's range
    ip = p.ipo
    stage0 = state.ipo_stage
    in_process = (stage0 == FILED) | (stage0 == BOOK)
    if any_set(pa.ipo):
        files = (pa.ipo == 1) & (stage0 == NOT_FILED)
        withdraws = (pa.ipo == 2) & in_process
        accepts = (pa.ipo == 3) & (stage0 == BOOK)
        s.ipo_stage = np.where(files, FILED, np.where(withdraws, NOT_FILED, stage0)).astype(
            np.int8)
        s.ipo_filed_quarter = np.where(files, q, np.where(withdraws, -1, s.ipo_filed_quarter)
                                       ).astype(np.int16)
    else:  # no world files, withdraws or accepts: stages and filing quarters stay as they are
        withdraws = accepts = np.zeros(W, dtype=bool)

    # 9. valuation: hype, sentiment, the private mark, the book and the listing
    vp = p.valuation
    s.hype = (1.0 - vp.hype_reversion) * state.hype + vp.hype_volatility * rng.normal(
        q, "valuation.hype")
    s.revenue_hist = np.concatenate([state.revenue_hist[:, 1:], revenue[:, None]], axis=1)
    s.burn_hist = np.concatenate([state.burn_hist[:, 1:], s.burn[:, None]], axis=1)
    s.market_hist = np.concatenate([state.market_hist[:, 1:], s.market[:, None]], axis=1)
    s.gross_profit_hist = np.concatenate(
        [state.gross_profit_hist[:, 1:], (revenue - cogs)[:, None]], axis=1)
    growth = ttm_growth(s.revenue_hist)
    market_growth = ttm_growth(s.market_hist)
    year_ago = s.revenue_hist[:, -5]
    bm = valuation.burn_multiple(4.0 * s.burn, 4.0 * (revenue - year_ago))
    s.revenue = revenue
    filed = (s.ipo_stage == FILED) | (s.ipo_stage == BOOK)
    scrutiny = np.where(filed, ip.scrutiny, 1.0)
    terms = valuation.target_terms(
        vp, growth, market_growth, bm, s.capability_vs_rivals,
        s.gross_margin - state.gross_margin,
        s.hype, scrutiny
    )
    k = vp.reversion
    for name, values in terms.items():
        ledger.add("sentiment", name, k * values)
    ledger.add("sentiment", "reversion to neutral", k * (vp.neutral - state.sentiment))
    ledger.add("sentiment", "GPU-constrained", -vp.constrained_hit * s.unserved)
    ledger.add("sentiment", "failed round", -fp.failed_round_hit * fin.failed)
    ledger.add("sentiment", "IPO withdrawn", -ip.withdraw_hit * withdraws)
    ledger.add("sentiment", "news flow", vp.noise * rng.normal(q, "valuation.sentiment"))
    raw = state.sentiment + ledger.total("sentiment")
    bounded = np.minimum(np.maximum(raw, 0.0), 100.0)
    ledger.add("sentiment", "bounds (0-100)", bounded - raw)
    s.sentiment = bounded

    # The private mark moves part of the way to what the fundamentals say, capped.
    ttm = s.ttm_revenue
    comps_new = valuation.private_log_multiple(vp, s.sentiment, market_growth, s.hype)
    comps_old = valuation.private_log_multiple(vp, state.sentiment, old_market_growth,
                                               state.hype)
    target = valuation.fundamental_ev(vp, ttm, s.ttm_gross_profit, s.sentiment, market_growth,
                                      s.hype)
    # GPUs sold leave the business: the mark loses what they were worth (the cash gains what
    # they fetched), so a sale is worth its haircut less, never a way to turn value into cash.
    ev_moved = valuation.move_mark(vp, given.enterprise_value, target)
    ev_private = np.maximum(ev_moved - ff.gpu_sold_value, 1e-9)
    net_cash = s.cash + s.vendor_credit - s.debt
    # A listing: the final price from this quarter's figures, within the range's band, and the
    # multiple's floor and cap applied after every noise term.
    lists = accepts & (s.sentiment >= ip.min_sentiment)
    pulled = accepts & ~lists  # the underwriters pull the deal; the book is built again
    fcf_margin = -row_sum(s.burn_hist) / np.maximum(ttm, 1e-9)
    if any_set(lists) or any_set(filed):
        m_pub = valuation.public_multiple(vp, market_growth, fcf_margin, s.sentiment, s.hype) * (
            1.0 - ip.ipo_discount)
    else:
        m_pub = np.zeros(W)
    if any_set(lists):
        pop = np.exp(ip.listing_noise * rng.normal(q, "ipo.listing"))
        equity = m_pub * pop * ttm + net_cash
        equity = np.minimum(np.maximum(equity, state.ipo_low * (1.0 - ip.price_band)),
                            state.ipo_high * (1.0 + ip.price_band))
        m_final = valuation.clip_multiple(vp, (equity - net_cash) / np.maximum(ttm, 1e-9))
        ev_new = np.where(lists, m_final * ttm, ev_private)
    else:
        ev_new = ev_private
    s.enterprise_value = ev_new

    rr_parts = {
        "revenue (trailing 12 months)": np.log(np.maximum(ttm, 1e-9)
                                               / np.maximum(given.ttm_revenue, 1e-9)),
        "sentiment (multiple)": comps_new["sentiment"] - comps_old["sentiment"],
        "market growth (multiple)": comps_new["growth"] - comps_old["growth"],
        "hype (multiple)": comps_new["hype"] - comps_old["hype"],
        "revenue quality (margin)": np.log(
            valuation.revenue_quality(vp, ttm, s.ttm_gross_profit)
            / valuation.revenue_quality(vp, given.ttm_revenue, given.ttm_gross_profit)),
        "mark catching up": np.log(np.maximum(valuation.fundamental_ev(
            vp, given.ttm_revenue, given.ttm_gross_profit, state.sentiment, old_market_growth,
            state.hype), 1e-9)) - np.log(np.maximum(given.enterprise_value, 1e-9)),
    }
    private = ~lists
    for name, values in _split((ev_moved - given.enterprise_value) * private, rr_parts).items():
        ledger.add("valuation", "multiple limits" if name == "other" else name, values)
    ledger.add("valuation", "GPUs sold", (ev_private - ev_moved) * private)
    ledger.add("valuation", "IPO pricing", (ev_new - given.enterprise_value) * lists)

    if any_set(lists):
        primary = np.where(lists, ip.primary_fraction, 0.0)
        s.ipo_stage = np.where(lists, LISTED, s.ipo_stage).astype(np.int8)
    else:
        primary = np.zeros(W)
    proceeds = primary * (ev_new + net_cash)
    ledger.add("cash", "IPO proceeds", proceeds)
    s.cash = s.cash + proceeds
    ledger.add("valuation", "cash", s.cash - given.cash)
    ledger.add("valuation", "vendor credit", s.vendor_credit - given.vendor_credit)
    ledger.add("valuation", "debt", -(s.debt - given.debt))
    s.valuation = given.valuation + ledger.total("valuation")
    s.ipo_valuation = np.where(lists, s.valuation, s.ipo_valuation)

    # The book: after the filing period, and again each quarter it stands, the underwriters
    # price a range on this quarter's trailing figures, if investors and revenue allow.
    ready = (((s.ipo_stage == FILED) & (q - s.ipo_filed_quarter >= ip.filing_quarters - 1))
             | (s.ipo_stage == BOOK) | pulled) & ~lists
    if any_set(ready):
        eligible = ready & (s.sentiment >= ip.min_sentiment) & (ttm >= ip.min_ttm_revenue)
        mid = valuation.clip_multiple(vp, m_pub) * ttm
        s.ipo_low = np.where(eligible, mid * (1.0 - ip.range_width) + net_cash, 0.0)
        s.ipo_high = np.where(eligible, mid * (1.0 + ip.range_width) + net_cash, 0.0)
        s.ipo_stage = np.where(ready, np.where(eligible, BOOK, FILED), s.ipo_stage).astype(
            np.int8)
    elif any_set(state.ipo_low):
        s.ipo_low = np.where(s.ipo_stage == BOOK, s.ipo_low, 0.0)
        s.ipo_high = np.where(s.ipo_stage == BOOK, s.ipo_high, 0.0)

    ledger.add("ownership", "equity round", fin.dilution)
    ledger.add("ownership", "vendor financing", fin.vendor_dilution)
    ledger.add("ownership", "IPO shares sold", s.ownership * (1.0 / (1.0 + primary) - 1.0))
    s.ownership = state.ownership + ledger.total("ownership")

    # 10. outcome
    op = p.scenario.outcome
    s.low_sentiment_quarters = np.where(s.sentiment < op.ousted_sentiment,
                                        state.low_sentiment_quarters + 1, 0.0)
    s.behind_quarters = np.where(s.capability_gap < -op.irrelevant_gap,
                                 state.behind_quarters + 1, 0.0)
    # Checked in reverse priority, so the first rule that holds wins: bankrupt, ipo, ousted,
    # irrelevant, horizon.
    outcome = np.full(W, HORIZON if q + 1 >= p.scenario.horizon_quarters else RUNNING, np.int8)
    outcome = np.where(s.behind_quarters >= op.irrelevant_quarters, IRRELEVANT, outcome)
    outcome = np.where(s.low_sentiment_quarters >= op.ousted_quarters, OUSTED, outcome)
    outcome = np.where(lists, IPO, outcome)
    outcome = np.where(s.cash < -1e-9, BANKRUPT, outcome).astype(np.int8)
    s.outcome = np.where(alive, outcome, state.outcome).astype(np.int8)
    s.quarter_ended = np.where(alive & (outcome != RUNNING), q, state.quarter_ended).astype(
        np.int16)
    s.quarter = q + 1
    # Temporary parameter modifiers run out.
    s.mod_left = np.maximum(s.mod_left - 1.0, 0.0)
    s.mod_factor = np.where(s.mod_left > 0, s.mod_factor, 1.0)

    ended = getattr(hook, "ended", None)
    if ended is not None:
        s = ended(s, econ, rng, q, alive & (s.outcome != RUNNING))
    if not alive.all():
        _freeze(s, given, alive)
        ledger.mask(alive)
    ledger.prepend(before)  # the hook left ended worlds alone: its lines need no mask
    return s, ledger


def _freeze(new: State, old: State, alive: np.ndarray) -> None:
    """Worlds that had already ended keep their old state."""
    ended = ~alive
    for name in ARRAY_FIELDS:
        if name in ("outcome", "quarter_ended"):
            continue
        a, b = getattr(new, name), getattr(old, name)
        if a is not b:  # a replaced array is new and ours to write; a shared one is unchanged
            np.copyto(a, b, where=ended.reshape((-1,) + (1,) * (a.ndim - 1)))
    for key, v in new.extra.items():
        if old.extra.get(key) is v:  # shared, so unchanged
            continue
        mask = ended.reshape((-1,) + (1,) * (v.ndim - 1))
        if key in old.extra:
            np.copyto(v, old.extra[key], where=mask)
        else:  # created this quarter: ended worlds never had it
            np.copyto(v, np.zeros_like(v), where=mask)
