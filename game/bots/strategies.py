"""Scripted strategies: five philosophies of running a lab, each a vectorised policy.

A policy reads the state of every world at once and returns one ``Plan`` whose numbers are arrays
over worlds (no Python loop over worlds). The same policies play balance runs, projections and
tests, and ``frontier-lab simulate --strategy NAME`` shows them.

Each strategy is a ``Stance`` (a handful of numbers saying what it believes) run through one
decision procedure, so their differences are readable side by side:

- builder:    all-in on owned compute — buys the newest GPUs ahead of demand, builds data centers,
              lets cloud leases lapse, raises equity and takes vendor financing to pay for it.
- cloud:      cloud-only and flexible — never buys a GPU; short leases and spot capacity sized to
              this quarter's demand, handed back when demand falls.
- frugal:     IPO-first — lean capacity, small runs, a trimmed headcount and a premium price to
              show margins; files for the IPO at once.
- balanced:   owns the base load and leases the peaks; files when growth and sentiment allow.
- researcher: research-heavy efficiency — a large research share and more staff, modest runs,
              leased compute; bets that algorithms beat brute force.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from game.engine import Economy, Plan, State, demand, finance
from game.engine.params import H100_FLOPS, SECONDS_PER_QUARTER
from game.engine.rows import per_world, slot_sum


class Policy(Protocol):
    """What every bot offers: a name, a sentence, and a plan for a batch of worlds."""

    name: str
    description: str

    def plan(self, state: State, econ: Economy) -> Plan: ...


@dataclass(frozen=True)
class Stance:
    training: float  # compute shares (inference gets the rest)
    research: float
    own_share: float  # share of the capacity gap met by buying GPUs (the rest by leases/spot)
    lease_quarters: int
    spot_share: float  # share of the remaining gap met by spot rather than a lease
    headroom: float  # capacity aimed for, relative to projected serving need
    lookahead: float  # quarters of demand growth bought ahead (owned GPUs arrive late)
    run_quarters: float  # a new run's size in quarters of today's training capacity
    price: float
    price_when_short: float  # extra price per unit of unserved share
    hire_per_quarter: float
    raise_runway: float  # raise equity when runway falls below this many quarters
    raise_fraction: float  # of valuation
    vendor_fraction: float  # vendor financing asked per quarter, share of valuation
    file_runrate: float  # file for the IPO once run-rate ($B/yr) reaches this ...
    file_sentiment: float  # ... with sentiment at least this
    build_power: bool  # build data centers for owned GPUs


@dataclass(frozen=True)
class Strategy:
    name: str
    description: str
    stance: Stance

    def plan(self, state: State, econ: Economy) -> Plan:
        return decide(self.stance, state, econ)


def decide(st: Stance, s: State, econ: Economy) -> Plan:
    """One decision procedure; the stance supplies the convictions."""
    p = econ.params
    q = s.quarter
    inference = 1.0 - st.training - st.research
    price = np.clip(st.price + st.price_when_short * s.unserved, 0.5, 3.0)

    # Serving need next quarter, from the engine's own demand model.
    growth_q = p.demand.market_growth_2026 ** 0.25
    expected = s.market / 4.0 * s.share * price * growth_q
    hours = expected * 1e9 * demand.hours_per_dollar(s, econ, q, price)
    need_now = st.headroom * hours / (2191.5 * inference)
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
    per_h100e = np.where(on_sale, econ.gpu_price[row] / econ.h100e, np.inf)
    best = int(np.argmin(per_h100e))
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
    rent_gap = gap_now
    spot = rent_gap * st.spot_share
    lease = rent_gap - spot
    surplus = np.maximum(have_now - 1.3 * need_now, 0.0)
    break_lease = np.where(st.spot_share >= 0.5, np.minimum(surplus, leased), 0.0)

    # Training: a new run when none is in progress, sized in quarters of training capacity.
    capacity = have_now + spot + lease
    per_quarter = capacity * st.training * H100_FLOPS * p.training.mfu * SECONDS_PER_QUARTER
    start_run = np.where(s.run_target <= 0, per_quarter * st.run_quarters, 0.0)

    # Money: raise before the runway gets short, borrow a little when cash is thin.
    runway = s.runway
    raise_eq = np.where((runway < st.raise_runway) & (s.sentiment > 40),
                        st.raise_fraction * s.valuation, 0.0)
    vendor = np.where(units > 0, st.vendor_fraction * s.valuation, 0.0)
    limit = finance.credit_limit(p.finance, s.revenue)
    draw = np.where(s.cash < 2.0 * np.maximum(s.burn, 0.0), np.maximum(limit - s.debt, 0.0), 0.0)

    # IPO: file when run-rate and sentiment clear the stance's bar; withdraw when sentiment sours.
    runrate = 4.0 * s.revenue
    ready = (runrate >= st.file_runrate) & (s.sentiment >= st.file_sentiment) & (s.ipo_stage == 0)
    sour = (s.ipo_stage == 1) & (s.sentiment < p.ipo.min_sentiment - 15)
    ipo = np.where(ready, 1, np.where(sour, 2, 0)).astype(np.int8)

    return Plan(
        gpu_orders={econ.gpu_names[best]: units},
        lease_h100e=lease,
        lease_quarters=st.lease_quarters,
        break_lease_h100e=break_lease,
        spot_h100e=spot,
        datacenter_mw=build,
        training=st.training,
        inference=inference,
        research=st.research,
        start_run_flop=start_run,
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
            "builder",
            "all-in on owned compute: buy the newest GPUs ahead of demand, build data centers",
            Stance(training=0.38, research=0.12, own_share=1.0, lease_quarters=2, spot_share=1.0,
                   headroom=1.1, lookahead=6, run_quarters=3.0, price=1.0, price_when_short=0.3,
                   hire_per_quarter=50, raise_runway=8, raise_fraction=0.1, vendor_fraction=0.02,
                   file_runrate=50, file_sentiment=50, build_power=True),
        ),
        Strategy(
            "cloud",
            "cloud-only and flexible: lease and rent spot to match demand, never own",
            Stance(training=0.33, research=0.12, own_share=0.0, lease_quarters=2, spot_share=0.5,
                   headroom=1.05, lookahead=0, run_quarters=2.0, price=1.0, price_when_short=0.5,
                   hire_per_quarter=0, raise_runway=6, raise_fraction=0.08, vendor_fraction=0.0,
                   file_runrate=40, file_sentiment=55, build_power=False),
        ),
        Strategy(
            "frugal",
            "frugal and IPO-first: lean capacity, small runs, margins, file at once",
            Stance(training=0.25, research=0.08, own_share=0.3, lease_quarters=4, spot_share=0.2,
                   headroom=0.95, lookahead=1, run_quarters=1.5, price=1.12, price_when_short=0.6,
                   hire_per_quarter=-60, raise_runway=4, raise_fraction=0.05, vendor_fraction=0.0,
                   file_runrate=20, file_sentiment=45, build_power=True),
        ),
        Strategy(
            "balanced",
            "balanced: own the base load, lease the peaks, file when the numbers allow",
            Stance(training=0.33, research=0.15, own_share=0.5, lease_quarters=4, spot_share=0.2,
                   headroom=1.05, lookahead=2, run_quarters=2.0, price=1.0, price_when_short=0.4,
                   hire_per_quarter=20, raise_runway=6, raise_fraction=0.08, vendor_fraction=0.01,
                   file_runrate=35, file_sentiment=52, build_power=True),
        ),
        Strategy(
            "researcher",
            "research-heavy efficiency: big research share and staff, modest runs, leased compute",
            Stance(training=0.25, research=0.3, own_share=0.2, lease_quarters=4, spot_share=0.3,
                   headroom=1.05, lookahead=1, run_quarters=2.0, price=1.0, price_when_short=0.4,
                   hire_per_quarter=80, raise_runway=6, raise_fraction=0.08, vendor_fraction=0.0,
                   file_runrate=35, file_sentiment=52, build_power=True),
        ),
    )
}
