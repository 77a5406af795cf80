"""The fleet: owned GPUs, leases, spot capacity, data centers and power.

Functions here work on the step's own copy of the state (never on the caller's) and return the
quarter's money flows in $B, one array per world.

- Owned GPUs are paid on order, arrive after a lead time and depreciate straight-line over the
  server life from delivery:  depreciation = Σ_cohorts cost / life_quarters.
- Power: owned GPUs need  Σ_g n_g · watts_g · PUE  of data-center capacity; without it the excess
  stands idle (utilisation < 1). Power costs MW · hours · $/MWh.
- Leases lock a price for their term; breaking one costs a share of the remaining payments.
- Spot capacity is rented a quarter at a time at the spot price and rationed in a tight market.
- Data centers cost capex per GW, paid evenly over the build, and power on when finished.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from game.engine.economy import Economy
from game.engine.params import HOURS_PER_QUARTER
from game.engine.plan import PlanArrays
from game.engine.rows import any_set, per_world
from game.engine.state import DC_SLOTS, State


@dataclass(slots=True)
class FleetFlows:
    gpu_capex: np.ndarray  # cash paid for GPU orders
    vendor_used: np.ndarray  # part of the order paid with vendor credit
    dc_capex: np.ndarray
    lease_cost: np.ndarray
    lease_penalty: np.ndarray
    spot_cost: np.ndarray
    power_cost: np.ndarray
    dc_opex: np.ndarray
    gpu_depreciation: np.ndarray
    dc_depreciation: np.ndarray
    capacity: np.ndarray  # H100e usable this quarter
    spot_granted: np.ndarray
    delivered_h100e: np.ndarray


def order_cost(econ: Economy, quarter: int, orders: np.ndarray) -> np.ndarray:
    """$B cost of (W, G) GPU orders at this quarter's prices."""
    return per_world(orders, econ.gpu_price[econ.row(quarter)]) / 1e9


def procure(
    s: State,
    plan: PlanArrays,
    econ: Economy,
    quarter: int,
    rental: np.ndarray,
    lead: np.ndarray,
    ration: np.ndarray,
) -> FleetFlows:
    p = econ.params
    row = econ.row(quarter)
    # A part below that no world takes this quarter (an order, a delivery, a broken or new
    # lease, spot rental, a new data center) is skipped: it would add exactly zero. A live
    # game's quarter often takes only a few of them.

    # GPU orders: only generations on sale; trimmed to what cash and vendor credit can pay.
    orders = plan.gpu_orders * econ.available[row][None, :]
    if any_set(orders):
        cost = order_cost(econ, quarter, orders)
        budget = np.maximum(s.cash, 0.0) + s.vendor_credit
        scale = np.where(cost > budget, budget / np.maximum(cost, 1e-300), 1.0)
        orders = orders * scale[:, None]
        cost = cost * scale
        vendor_used = np.minimum(s.vendor_credit, cost)
        s.vendor_credit = s.vendor_credit - vendor_used
        gpu_capex = cost - vendor_used
        s.gpu_book = s.gpu_book + cost
        _order(s, orders, quarter, lead)
    else:
        vendor_used, gpu_capex = np.zeros(s.n_worlds), np.zeros(s.n_worlds)
    P = s.pipeline.shape[1]
    delivered = s.pipeline[:, quarter % P, :].copy()

    # Depreciation: each delivered cohort adds cost / life to the quarterly charge, for life
    # quarters; the ring slot (q mod S) holds the charge that ends after quarter q. A cohort is
    # valued at the delivery quarter's price (a simplification when prices fall in between).
    life = econ.life_quarters
    S = s.dep_schedule.shape[1]
    if any_set(delivered):
        s.pipeline[:, quarter % P, :] = 0.0
        s.owned = s.owned + delivered
        new_rate = per_world(delivered, econ.gpu_price[row] / 1e9) / life
        s.dep_rate = s.dep_rate + new_rate
        s.dep_schedule[:, (quarter + life - 1) % S] += new_rate
        delivered_h100e = per_world(delivered, econ.h100e)
    else:
        delivered_h100e = np.zeros(s.n_worlds)
    gpu_dep = np.minimum(s.dep_rate, s.gpu_book)
    s.gpu_book = s.gpu_book - gpu_dep
    s.dep_rate = np.maximum(s.dep_rate - s.dep_schedule[:, quarter % S], 0.0)
    s.dep_schedule[:, quarter % S] = 0.0

    # Leases live in a ring keyed by their last quarter in force: slot (q mod K) holds what is
    # leased until quarter q. Contracts ending together merge at their quantity-weighted price,
    # which keeps every payment exact. Break first (a penalty on the remaining payments), then
    # sign the new lease, pay the quarter, and let the slot ending now expire.
    K = s.lease_qty.shape[1]
    if any_set(plan.break_lease_h100e):
        leased = s.lease_qty.sum(axis=1)
        shed = np.minimum(plan.break_lease_h100e / np.maximum(leased, 1e-300), 1.0)
        remaining = per_world(s.lease_qty * s.lease_price, s.lease_quarters_left()) * (
            HOURS_PER_QUARTER / 1e9)
        penalty = shed * remaining * p.fleet.lease_break_penalty
        s.lease_qty *= (1.0 - shed)[:, None]
    else:
        penalty = np.zeros(s.n_worlds)
    if any_set(plan.lease_h100e):
        end = (quarter + min(plan.lease_quarters, p.fleet.max_lease_quarters) - 1) % K
        old_qty = s.lease_qty[:, end]
        total = old_qty + plan.lease_h100e
        s.lease_price[:, end] = np.where(  # only where a lease is signed: (q·p)/q ≠ p exactly
            plan.lease_h100e > 0,
            (old_qty * s.lease_price[:, end] + plan.lease_h100e * rental) / np.maximum(total,
                                                                                      1e-300),
            s.lease_price[:, end])
        s.lease_qty[:, end] = total
    leased = s.lease_qty.sum(axis=1)
    lease_cost = (s.lease_qty * s.lease_price).sum(axis=1) * HOURS_PER_QUARTER / 1e9
    s.lease_qty[:, quarter % K] = 0.0

    # Spot capacity, rationed when tight.
    if any_set(plan.spot_h100e):
        spot = plan.spot_h100e * ration
        spot_cost = spot * rental * p.market.spot_premium * HOURS_PER_QUARTER / 1e9
    else:
        spot, spot_cost = np.zeros(s.n_worlds), np.zeros(s.n_worlds)

    # Data centers: start new projects, pay this quarter's instalments, power on finished ones.
    # Rings again: slot (q mod B) holds the MW powering on, and the capex due, in quarter q.
    # A project started in quarter q pays in quarters q … q+b−1 and powers on in q+b−1.
    b = p.fleet.dc_build_quarters
    B = s.dc_pipeline.shape[1]
    if any_set(plan.datacenter_mw):
        capex_total = (plan.datacenter_mw * p.fleet.dc_capex_per_gw / 1000.0
                       * s.modifier("dc_capex"))
        s.dc_capex_due[:, (quarter + np.arange(b)) % B] += (capex_total / b)[:, None]
        s.dc_pipeline[:, (quarter + b - 1) % B] += plan.datacenter_mw
    dc_capex = s.dc_capex_due[:, quarter % B].copy()
    s.dc_capex_due[:, quarter % B] = 0.0
    s.dc_mw = s.dc_mw + s.dc_pipeline[:, quarter % B]
    s.dc_pipeline[:, quarter % B] = 0.0
    s.dc_book = s.dc_book + dc_capex
    s.dc_dep_rate = s.dc_dep_rate + dc_capex / (p.fleet.dc_life_years * 4.0)
    dc_dep = np.minimum(s.dc_dep_rate, s.dc_book)
    s.dc_book = s.dc_book - dc_dep

    # Power: owned GPUs run only where there are powered megawatts for them.
    need_mw = per_world(s.owned, econ.watts) * p.fleet.pue / 1e6
    used_mw = np.minimum(need_mw, s.dc_mw)
    s.utilisation = np.where(need_mw > 0, used_mw / np.maximum(need_mw, 1e-300), 1.0)
    owned_h100e = per_world(s.owned, econ.h100e) * s.utilisation
    power_cost = (used_mw * HOURS_PER_QUARTER * p.fleet.power_price_mwh / 1e9
                  * s.modifier("power_price"))
    dc_opex = s.dc_mw * p.fleet.dc_opex_per_mw_quarter
    s.capacity = owned_h100e + leased + spot

    return FleetFlows(
        gpu_capex=gpu_capex,
        vendor_used=vendor_used,
        dc_capex=dc_capex,
        lease_cost=lease_cost,
        lease_penalty=penalty,
        spot_cost=spot_cost,
        power_cost=power_cost,
        dc_opex=dc_opex,
        gpu_depreciation=gpu_dep,
        dc_depreciation=dc_dep,
        capacity=s.capacity,
        spot_granted=spot,
        delivered_h100e=delivered_h100e,
    )


def _order(s: State, orders: np.ndarray, quarter: int, lead: np.ndarray) -> None:
    """Put (W, G) orders into the delivery pipeline. The pipeline is a ring: slot (q mod P)
    holds what arrives in quarter q, and an order with lead L arrives in quarter q + L (lead 0:
    at once)."""
    W, P, G = s.pipeline.shape
    if not s.pipeline.flags.c_contiguous:
        s.pipeline = np.ascontiguousarray(s.pipeline)
    # Scattered by flat index into the (worlds, slots, generations) ring: each (world,
    # generation) has one slot, and one flat index is twice as fast as three index arrays.
    flat = (quarter + lead) % P * G
    flat += (np.arange(W) * (P * G))[:, None]
    flat += np.arange(G)
    s.pipeline.reshape(-1)[flat.ravel()] += orders.ravel()


assert DC_SLOTS >= 15  # the longest build (fleet.dc_build_quarters ≤ 15) must fit the pipeline
