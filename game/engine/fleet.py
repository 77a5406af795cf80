"""The fleet: owned GPUs, leases, spot capacity, data centers and power.

Functions here work on the step's own copy of the state (never on the caller's) and return the
quarter's money flows in $B, one array per world.

- Owned GPUs are paid on order, arrive after a lead time and depreciate straight-line over the
  server life from delivery, on the price paid:  depreciation = Σ_cohorts cost / life_quarters.
  A cohort retires at the end of its life (its book value is then zero).
- Owned GPUs can be sold on the secondary market, in proportion across a generation's cohorts.
  A used GPU fetches today's new price of its generation × its remaining life share × (1 −
  haircut), less when rentals are cheap:
      resale = price_new · (life left / life) · (1 − h) · clip(rental / normal rental, floor, 1)
  The gain or loss against book value goes to the P&L. GPUs sold leave the business: its
  enterprise value loses what they were worth before the haircut, the cash gains the proceeds.
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
from game.engine.rows import any_set, per_world, row_sum
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
    gpu_sales: np.ndarray  # cash from GPUs sold on the secondary market
    gpu_sale_gain: np.ndarray  # proceeds less the book value sold (P&L)
    gpu_sold_value: np.ndarray  # what the GPUs sold were worth before the haircut
    capacity: np.ndarray  # H100e usable this quarter
    spot_granted: np.ndarray
    delivered_h100e: np.ndarray


def order_cost(econ: Economy, quarter: int, orders: np.ndarray) -> np.ndarray:
    """$B cost of (W, G) GPU orders at this quarter's prices."""
    return per_world(orders, econ.gpu_price[econ.row(quarter)]) / 1e9


def life_left(s: State, quarter: int, life: int) -> np.ndarray:
    """(W, G) average share of the server life left, this quarter included, of each
    generation's GPUs in service."""
    S = s.cohort_qty.shape[1]
    # Slot (q + k) mod S retires after quarter q + k: k + 1 quarters of service left.
    left = (np.arange(S)[None, :, None] - quarter) % S + 1.0
    qty = s.cohort_qty.sum(axis=1)
    return np.where(qty > 0, (s.cohort_qty * left).sum(axis=1) / np.maximum(qty, 1e-300), 0.0
                    ) / life


def resale_price(econ: Economy, quarter: int, rental: np.ndarray, left: np.ndarray) -> np.ndarray:
    """(W, G) USD a used GPU fetches on the secondary market."""
    m = econ.params.market
    normal = econ.rental_anchor[econ.row(quarter)] * np.exp(m.rental_demand_premium)
    market = np.minimum(np.maximum(rental / normal, m.resale_rental_floor), 1.0)
    return econ.gpu_price[econ.row(quarter)][None, :] * left * (1.0 - m.resale_haircut) * (
        market[:, None])


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
    W = s.n_worlds
    life = econ.life_quarters
    S = s.cohort_qty.shape[1]
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
        _order(s, orders, orders * (econ.gpu_price[row] / 1e9)[None, :], quarter, lead)
    else:
        vendor_used, gpu_capex = np.zeros(W), np.zeros(W)

    # Sales on the secondary market: a share of each generation's GPUs in service, taken
    # evenly from its cohorts (so their ages, book values and retirements stay in proportion).
    sell = np.minimum(plan.sell_gpus, s.owned)
    if any_set(sell):
        shed = np.where(s.owned > 0, sell / np.maximum(s.owned, 1e-300), 0.0)  # (W, G)
        price = resale_price(econ, quarter, rental, life_left(s, quarter, life))
        gpu_sales = row_sum(sell * price) / 1e9
        gpu_sold_value = gpu_sales / (1.0 - p.market.resale_haircut)
        book_sold = row_sum(s.gpu_book * shed)
        gpu_sale_gain = gpu_sales - book_sold
        keep = 1.0 - shed
        s.owned = s.owned * keep
        s.gpu_book = s.gpu_book * keep
        s.dep_rate = s.dep_rate * keep
        s.cohort_qty *= keep[:, None, :]
        s.cohort_dep *= keep[:, None, :]
    else:
        gpu_sales = gpu_sale_gain = gpu_sold_value = np.zeros(W)

    # Deliveries join the fleet as a cohort: depreciated on what was paid, over the server
    # life from delivery, retiring after its last charge. The ring slot (q mod S) holds the
    # cohorts that retire, and whose charges end, after quarter q.
    P = s.pipeline.shape[1]
    delivered = s.pipeline[:, quarter % P, :].copy()
    if any_set(delivered):
        paid = s.pipeline_cost[:, quarter % P, :].copy()
        s.pipeline[:, quarter % P, :] = 0.0
        s.pipeline_cost[:, quarter % P, :] = 0.0
        s.owned = s.owned + delivered
        s.gpu_book = s.gpu_book + paid
        s.dep_rate = s.dep_rate + paid / life
        last = (quarter + life - 1) % S
        s.cohort_qty[:, last, :] += delivered
        s.cohort_dep[:, last, :] += paid / life
        delivered_h100e = per_world(delivered, econ.h100e)
    else:
        delivered_h100e = np.zeros(W)
    dep = np.minimum(s.dep_rate, s.gpu_book)
    gpu_dep = row_sum(dep)
    s.gpu_book = s.gpu_book - dep
    # Cohorts at the end of their life retire: their charge ends and they leave the fleet.
    ending = quarter % S
    s.dep_rate = np.maximum(s.dep_rate - s.cohort_dep[:, ending, :], 0.0)
    retiring = s.cohort_qty[:, ending, :]
    if any_set(retiring):
        s.owned = np.maximum(s.owned - retiring, 0.0)
        s.gpu_book = np.where(s.owned > 0, s.gpu_book, 0.0)
    s.cohort_qty[:, ending, :] = 0.0
    s.cohort_dep[:, ending, :] = 0.0

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
        terms = np.minimum(plan.lease_quarters, p.fleet.max_lease_quarters)
        # One term for the batch, or one per world (a class's labs): a column, or a slot each.
        end = (quarter + terms - 1) % K if np.ndim(terms) else (
            quarter + min(plan.lease_quarters, p.fleet.max_lease_quarters) - 1) % K
        at = (slice(None), end) if np.ndim(end) == 0 else (np.arange(W), end)
        old_qty = s.lease_qty[at]
        total = old_qty + plan.lease_h100e
        s.lease_price[at] = np.where(  # only where a lease is signed: (q·p)/q ≠ p exactly
            plan.lease_h100e > 0,
            (old_qty * s.lease_price[at] + plan.lease_h100e * rental) / np.maximum(total,
                                                                                   1e-300),
            s.lease_price[at])
        s.lease_qty[at] = total
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
        gpu_sales=gpu_sales,
        gpu_sale_gain=gpu_sale_gain,
        gpu_sold_value=gpu_sold_value,
        capacity=s.capacity,
        spot_granted=spot,
        delivered_h100e=delivered_h100e,
    )


def _order(s: State, orders: np.ndarray, cost: np.ndarray, quarter: int,
           lead: np.ndarray) -> None:
    """Put (W, G) orders, and what they cost ($B), into the delivery pipeline. The pipeline is a
    ring: slot (q mod P) holds what arrives in quarter q, and an order with lead L arrives in
    quarter q + L (lead 0: at once)."""
    W, P, G = s.pipeline.shape
    # Scattered by flat index into the (worlds, slots, generations) ring: each (world,
    # generation) has one slot, and one flat index is twice as fast as three index arrays.
    flat = (quarter + lead) % P * G
    flat += (np.arange(W) * (P * G))[:, None]
    flat += np.arange(G)
    s.pipeline.reshape(-1)[flat.ravel()] += orders.ravel()
    s.pipeline_cost.reshape(-1)[flat.ravel()] += cost.ravel()


assert DC_SLOTS >= 15  # the longest build (fleet.dc_build_quarters ≤ 15) must fit the pipeline
