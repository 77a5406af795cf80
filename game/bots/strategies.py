"""Scripted strategies: philosophies of running a lab, each a vectorised policy.

A policy reads the state of every world at once and returns one ``Plan`` whose numbers are arrays
over worlds (no Python loop over worlds). The same policies play balance runs, projections and
tests, and ``frontier-lab simulate --strategy NAME`` shows them.

Each strategy is a ``Stance`` (a handful of numbers saying what it believes) run through one
decision procedure, ``decide``, so their differences are readable side by side. The same stance,
as a vector of numbers, is the parametric family the adversary searches (``game.bots.adversary``).

- adaptive:   keeps pace with the rivals' compute (sizes each run to the frontier and buys the
              capacity to train it), prices where its customers' choice says profit is best,
              raises when the runway gets short, lists when the book is good.
- builder:    all-in on owned compute — buys the newest GPUs ahead of demand, builds data centers,
              lets cloud leases lapse, raises equity and takes vendor financing to pay for it.
- cloud:      cloud-only and flexible — never buys a GPU; short leases and spot capacity sized to
              this quarter's demand, handed back when demand falls.
- frugal:     IPO-first — lean capacity, small runs, a trimmed headcount and a premium price to
              show margins; files for the IPO as soon as it may.
- balanced:   owns the base load and leases the peaks; files when growth and sentiment allow.
- researcher: research-heavy efficiency — a large research share and more staff, modest runs,
              leased compute, over-trained models that are cheap to serve.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Protocol

import numpy as np

from game.engine import Economy, Plan, State, demand, finance
from game.engine import training as scaling
from game.engine.params import H100_FLOPS, HOURS_PER_QUARTER, SECONDS_PER_QUARTER
from game.engine.rows import per_world, slot_sum
from game.engine.state import BOOK, FILED, NOT_FILED


class Policy(Protocol):
    """What every bot offers: a name, a sentence, and a plan for a batch of worlds."""

    name: str
    description: str

    def plan(self, state: State, econ: Economy) -> Plan: ...


@dataclass(frozen=True)
class Stance:
    """What a strategy believes, as numbers: the parametric policy family."""

    training: float  # compute shares (inference gets the rest)
    research: float
    own_share: float  # share of the capacity gap met by buying GPUs (the rest by leases/spot)
    lease_quarters: int
    spot_share: float  # share of the remaining gap met by spot rather than a lease
    headroom: float  # capacity aimed for, relative to projected need
    lookahead: float  # quarters of demand growth bought ahead (owned GPUs arrive late)
    run_quarters: float  # a new run takes this many quarters of training capacity ...
    keep_pace: float  # ... and is sized to this multiple of the rivals' latest run (0: no aim)
    tokens_per_parameter: float  # of each new run (Chinchilla's optimum is 20)
    price: float  # the price, or a multiple of the best price when price_margin >= 0
    price_drift: float  # log change of that price per year of the game (a price path)
    price_margin: float  # < 0: a fixed price; 0..1: weight of serving cost in the best price
    price_when_short: float  # extra price per unit of unserved share
    hire_per_quarter: float
    raise_runway: float  # raise equity when runway falls below this many quarters
    raise_fraction: float  # of valuation
    vendor_fraction: float  # vendor financing asked per quarter, share of valuation
    file_quarter: float  # file for the IPO no earlier than this quarter ...
    file_ttm: float  # ... once trailing revenue ($B) reaches this ...
    file_sentiment: float  # ... with sentiment at least this
    accept_ratio: float  # accept a book whose midpoint is at least this × the private mark
    build_power: bool  # build data centers for owned GPUs


# The stance's numbers in order: the adversary's search space of policies.
STANCE_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(Stance))


@dataclass(frozen=True)
class Strategy:
    name: str
    description: str
    stance: Stance

    def plan(self, state: State, econ: Economy) -> Plan:
        return decide(self.stance, state, econ)


PRICE_GRID = np.linspace(0.5, 2.5, 21)  # the prices a pricing bot considers


def best_price(s: State, econ: Economy, cost_weight: float) -> np.ndarray:
    """(W,) the price, on PRICE_GRID, that maximises target share × (price − w · unit cost):
    revenue at w = 0, gross profit at w = 1, with the unit cost a reference dollar's serving
    hours at this quarter's rental price."""
    unit_cost = demand.hours_per_dollar(s, econ, s.quarter) * s.rental_price
    best, best_value = np.full(s.n_worlds, 1.0), np.full(s.n_worlds, -np.inf)
    for p in PRICE_GRID:
        share, _ = demand.targets(s, econ, np.full(s.n_worlds, p))
        value = share * (p - cost_weight * unit_cost)
        better = value > best_value
        best = np.where(better, p, best)
        best_value = np.where(better, value, best_value)
    return best


def decide(st: Stance, s: State, econ: Economy) -> Plan:
    """One decision procedure; the stance supplies the convictions."""
    p = econ.params
    q = s.quarter
    W = s.n_worlds
    level = st.price * np.exp(st.price_drift * q / 4.0)
    if st.price_margin < 0:
        base = np.full(W, level)
    else:
        base = level * best_price(s, econ, st.price_margin)
    price = np.clip(base + st.price_when_short * s.unserved, 0.3, 3.0)

    # Serving need next quarter, from the engine's own demand model: this quarter's customers
    # moving towards their choice at this price, in a market growing at its current pace.
    growth_q = p.demand.market_growth_start ** 0.25
    target, _ = demand.targets(s, econ, price)
    start = s.share * (1.0 - s.unserved)
    share = np.where(target > start, start + p.demand.share_gain_speed * (target - start), target)
    usage = s.market / 4.0 * share * growth_q
    # A run about to finish brings a model of its own size to serve.
    per_h100e = (H100_FLOPS * p.training.mfu * SECONDS_PER_QUARTER
                 * econ.training_gain[econ.row(q)])  # FLOP per H100e-quarter
    finishing = (s.run_target > 0) & (
        s.run_done + s.capacity * st.training * per_h100e >= s.run_target)
    next_params = np.where(finishing, scaling.size(s.run_target, np.maximum(s.run_tpp, 1.0))[0],
                           s.model_params)
    serving = st.headroom * usage * 1e9 * demand.hours_per_dollar(
        s, econ, q, np.maximum(next_params, s.model_params)) / HOURS_PER_QUARTER

    # Keeping pace (keep_pace > 0): each run the size of the rivals' latest times keep_pace, a
    # quarter of frontier growth ahead per quarter it takes, trained in run_quarters; the
    # allocation gives training what that needs and research its share of the whole.
    frontier = s.rival_release_flop.max(axis=1)
    pace = 10.0 ** (float(np.median(econ.rival_growth)) * (st.run_quarters + 1.0))
    paced_run = st.keep_pace * frontier * pace
    if st.keep_pace > 0:
        run = np.where(s.run_target > 0, s.run_target, paced_run)
        train_h = st.headroom * run / (max(st.run_quarters, 0.5) * per_h100e)
        total = (serving + train_h) / (1.0 - st.research)
        training = np.clip(train_h / np.maximum(total, 1.0), 0.02, 0.6)
        research = np.full(W, st.research)
        need_now = total
    else:
        training, research = np.full(W, st.training), np.full(W, st.research)
        need_now = serving / max(1.0 - st.training - st.research, 0.05)
    need_ahead = need_now * growth_q**st.lookahead

    # Capacity already secured for this quarter.
    owned_h = per_world(s.owned, econ.h100e)
    in_pipeline = slot_sum(s.pipeline)
    arriving = per_world(in_pipeline, econ.h100e)
    leased = s.lease_qty.sum(axis=1)
    P = s.pipeline.shape[1]
    have_now = owned_h * s.utilisation + per_world(s.pipeline[:, q % P, :], econ.h100e) + leased
    gap_now = np.maximum(need_now - have_now, 0.0)

    # Buying: the newest generation on sale, for the owned share of the future gap.
    row = econ.row(q)
    on_sale = econ.available[row]
    cost_per_h100e = np.where(on_sale, econ.gpu_price[row] / econ.h100e, np.inf)
    best = int(np.argmin(cost_per_h100e))
    own_gap = np.maximum(st.own_share * need_ahead - owned_h - arriving, 0.0)
    spend_cap = np.maximum(s.cash - 8.0, 0.0) * 0.5 + s.vendor_credit
    mw_per_gpu = econ.watts * p.fleet.pue / 1e6
    fleet_mw = per_world(s.owned + in_pipeline, mw_per_gpu)
    # Only buy what will have power when it lands: powered MW now plus what powers on by then.
    lead = int(econ.lead[best])
    mw_by_delivery = s.dc_mw + s.due(s.dc_pipeline, q, lead + 1)
    power_room = np.maximum(mw_by_delivery - fleet_mw, 0.0) / mw_per_gpu[best]
    wanted = own_gap / econ.h100e[best]
    units = np.floor(np.minimum(np.minimum(wanted, power_room),
                                spend_cap * 1e9 / econ.gpu_price[row, best]))

    # Build power for the fleet we want, ahead of time (data centers take quarters).
    mw_wanted = fleet_mw + wanted * mw_per_gpu[best]
    mw_coming = s.dc_mw + s.dc_pipeline.sum(axis=1)
    build = np.where(st.build_power, np.maximum(mw_wanted * 1.1 - mw_coming, 0.0), 0.0)
    committed = s.dc_capex_due.sum(axis=1)
    affordable_mw = np.maximum(spend_cap - committed, 0.0) * 1000.0 / p.fleet.dc_capex_per_gw
    build = np.minimum(build, affordable_mw)
    build = np.where(build > 20.0, np.floor(build / 50.0) * 50.0, 0.0)

    # The rest of this quarter's gap: leases and spot.
    spot = gap_now * st.spot_share
    lease = gap_now - spot
    surplus = np.maximum(have_now - 1.3 * need_now, 0.0)
    break_lease = np.where(st.spot_share >= 0.5, np.minimum(surplus, leased), 0.0)

    # Training: a new run when none is in progress. With more capacity than the plan needs (a
    # fleet bought for a bigger business), serving keeps what it needs and research gets the rest.
    capacity = have_now + spot + lease
    if st.keep_pace > 0:
        spare = np.maximum(capacity, 1.0)
        training = np.clip(train_h / spare, 0.02, 0.6)
        inference = np.clip(serving / spare, 0.05, 1.0 - training - 0.02)
        research = 1.0 - training - inference
    per_quarter = capacity * training * per_h100e
    start_run = np.where(s.run_target <= 0,
                         np.maximum(per_quarter * st.run_quarters, paced_run), 0.0)

    # Money: raise before the runway gets short, borrow a little when cash is thin.
    raise_eq = np.where((s.runway < st.raise_runway) & (s.sentiment > 38),
                        st.raise_fraction * s.valuation, 0.0)
    vendor = np.where(units > 0, st.vendor_fraction * s.valuation, 0.0)
    limit = finance.credit_limit(p.finance, s.revenue)
    draw = np.where(s.cash < 2.0 * np.maximum(s.burn, 0.0), np.maximum(limit - s.debt, 0.0), 0.0)

    # IPO: file when the stance's bar is cleared; accept a good enough book; withdraw when
    # sentiment sours.
    ready = ((q >= st.file_quarter) & (s.ttm_revenue >= max(st.file_ttm, p.ipo.min_ttm_revenue))
             & (s.sentiment >= st.file_sentiment) & (s.ipo_stage == NOT_FILED))
    in_process = (s.ipo_stage == FILED) | (s.ipo_stage == BOOK)
    sour = in_process & (s.sentiment < p.ipo.min_sentiment - 15)
    good_book = (s.ipo_stage == BOOK) & (
        (s.ipo_low + s.ipo_high) / 2.0 >= st.accept_ratio * s.valuation)
    ipo = np.where(ready, 1, np.where(sour, 2, np.where(good_book, 3, 0))).astype(np.int8)

    return Plan(
        gpu_orders={econ.gpu_names[best]: units},
        lease_h100e=lease,
        lease_quarters=st.lease_quarters,
        break_lease_h100e=break_lease,
        spot_h100e=spot,
        datacenter_mw=build,
        training=training,
        inference=1.0 - training - research,
        research=research,
        start_run_flop=start_run,
        tokens_per_parameter=st.tokens_per_parameter,
        price=price,
        hire=st.hire_per_quarter,
        raise_equity=raise_eq,
        vendor_equity=vendor,
        draw_debt=draw,
        ipo=ipo,
    )


STRATEGIES: dict[str, Strategy] = {
    s.name: s
    for s in (
        Strategy(
            "adaptive",
            "races the rivals' compute on leased GPUs with models cheap to serve, prices with "
            "the market, raises before the runway gets short, lists when the book opens",
            Stance(training=0.12, research=0.15, own_share=0.0, lease_quarters=4, spot_share=0.2,
                   headroom=1.05, lookahead=0, run_quarters=1.5, keep_pace=1.5,
                   tokens_per_parameter=200, price=1.0, price_drift=0.0, price_margin=0.6,
                   price_when_short=0.3, hire_per_quarter=150, raise_runway=8,
                   raise_fraction=0.1, vendor_fraction=0.0, file_quarter=0, file_ttm=0,
                   file_sentiment=50, accept_ratio=0.0, build_power=False),
        ),
        Strategy(
            "builder",
            "owns its compute: buys most of it, the newest GPUs a couple of quarters ahead, "
            "builds the power for them, races the rivals' runs",
            Stance(training=0.12, research=0.15, own_share=0.7, lease_quarters=2, spot_share=0.3,
                   headroom=1.1, lookahead=2, run_quarters=1.5, keep_pace=1.2,
                   tokens_per_parameter=200, price=1.0, price_drift=0.0, price_margin=-1,
                   price_when_short=0.3, hire_per_quarter=50, raise_runway=8,
                   raise_fraction=0.1, vendor_fraction=0.02, file_quarter=0, file_ttm=0,
                   file_sentiment=50, accept_ratio=0.0, build_power=True),
        ),
        Strategy(
            "cloud",
            "cloud-only and flexible: lease and rent spot to match demand, never own",
            Stance(training=0.1, research=0.3, own_share=0.0, lease_quarters=2, spot_share=0.5,
                   headroom=1.05, lookahead=0, run_quarters=2.0, keep_pace=0.5,
                   tokens_per_parameter=100, price=1.0, price_drift=0.0, price_margin=-1,
                   price_when_short=0.5, hire_per_quarter=0, raise_runway=6,
                   raise_fraction=0.08, vendor_fraction=0.0, file_quarter=0, file_ttm=45,
                   file_sentiment=55, accept_ratio=0.0, build_power=False),
        ),
        Strategy(
            "frugal",
            "frugal and IPO-first: lean capacity, small runs, small models, margins, file at once",
            Stance(training=0.08, research=0.2, own_share=0.3, lease_quarters=4, spot_share=0.2,
                   headroom=0.95, lookahead=1, run_quarters=1.5, keep_pace=0.25,
                   tokens_per_parameter=200, price=1.1, price_drift=0.0, price_margin=-1,
                   price_when_short=0.6, hire_per_quarter=-60, raise_runway=4,
                   raise_fraction=0.05, vendor_fraction=0.0, file_quarter=0, file_ttm=0,
                   file_sentiment=45, accept_ratio=0.0, build_power=True),
        ),
        Strategy(
            "balanced",
            "balanced: own the base load, lease the peaks, file when the numbers allow",
            Stance(training=0.1, research=0.35, own_share=0.5, lease_quarters=4, spot_share=0.2,
                   headroom=1.05, lookahead=2, run_quarters=2.0, keep_pace=0.5,
                   tokens_per_parameter=100, price=1.0, price_drift=0.0, price_margin=-1,
                   price_when_short=0.4, hire_per_quarter=20, raise_runway=6,
                   raise_fraction=0.08, vendor_fraction=0.01, file_quarter=0, file_ttm=40,
                   file_sentiment=52, accept_ratio=0.0, build_power=True),
        ),
        Strategy(
            "researcher",
            "research-heavy efficiency: big research share and staff, modest runs, leased "
            "compute, over-trained models that are cheap to serve",
            Stance(training=0.08, research=0.5, own_share=0.2, lease_quarters=4, spot_share=0.3,
                   headroom=1.05, lookahead=1, run_quarters=2.0, keep_pace=0.3,
                   tokens_per_parameter=250, price=1.0, price_drift=0.0, price_margin=-1,
                   price_when_short=0.4, hire_per_quarter=80, raise_runway=6,
                   raise_fraction=0.08, vendor_fraction=0.0, file_quarter=0, file_ttm=40,
                   file_sentiment=52, accept_ratio=0.0, build_power=True),
        ),
    )
}
