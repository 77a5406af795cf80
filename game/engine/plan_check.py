"""Whether a world can carry out a plan: every reason it cannot, as a sentence for the player.

``Plan(...)`` checks a plan's own shape (game.engine.plan); this checks it against a state: what
an order costs against the cash, vendor credit and credit line, what is on sale, what can be sold,
handed back or repaid, the size of a round, and where the IPO stands. The live game and the
command line call it before a quarter; ``step`` itself trims instead, so a batch never stops
half-way. A scenario's disabled actions are refused here too, as they are for the bots
(``restrict_plan``).
"""

from __future__ import annotations

import math
from typing import Any

from game.engine import finance
from game.engine.fleet import order_cost
from game.engine.plan import Plan, disabled_problems, resolve


def check_plan(plan: Plan, state: Any, econ: Any, world: int = 0) -> list[str]:
    """What a world cannot do of this plan, as sentences for the player (empty: all is well)."""
    p = econ.params
    q = state.quarter
    k = world
    arrays = resolve(plan, econ.gpu_names, state.n_worlds, p.training.tokens_per_parameter)
    problems: list[str] = disabled_problems(plan, p.scenario.disabled_actions)
    row = econ.row(q)
    cash = float(state.cash[k])
    limit = float(finance.credit_limit(p.finance, state.revenue)[k])
    headroom = max(limit - float(state.debt[k]), 0.0)
    vendor = float(state.vendor_credit[k])

    for g, name in enumerate(econ.gpu_names):
        if arrays.gpu_orders[k, g] > 0 and not econ.available[row, g]:
            first = next(i for i in range(econ.n_quarters) if econ.available[i, g])
            problems.append(f"{name} is not on sale until {p.calendar(first)}")
    cost = float(order_cost(econ, q, arrays.gpu_orders * econ.available[row][None, :])[k])
    cash_after = cash + float(arrays.draw_debt[k]) + float(arrays.raise_equity[k])
    if cost > cash_after + vendor + 1e-9:
        units = ", ".join(f"{arrays.gpu_orders[k, g]:,.0f} {n}"
                          for g, n in enumerate(econ.gpu_names) if arrays.gpu_orders[k, g] > 0)
        vendor_txt = f", ${vendor:.1f}B of vendor credit" if vendor > 0 else ""
        problems.append(f"an order of {units} costs ${cost:.1f}B; you have ${cash:.1f}B cash"
                        f"{vendor_txt} and a ${headroom:.1f}B credit line")
    first_instalment = (float(arrays.datacenter_mw[k]) * p.fleet.dc_capex_per_gw / 1000.0
                        / p.fleet.dc_build_quarters)
    if first_instalment > 0 and cost + first_instalment > cash_after + vendor + 1e-9:
        problems.append(
            f"building {arrays.datacenter_mw[k]:,.0f} MW costs ${first_instalment:.1f}B a quarter "
            f"for {p.fleet.dc_build_quarters} quarters; this quarter's cash does not cover it")
    if arrays.draw_debt[k] > headroom + 1e-9:
        problems.append(f"the credit line has ${headroom:.1f}B left (limit ${limit:.1f}B, "
                        f"drawn ${float(state.debt[k]):.1f}B); you asked for "
                        f"${float(arrays.draw_debt[k]):.1f}B")
    if arrays.repay_debt[k] > float(state.debt[k]) + 1e-9:
        problems.append(f"you owe ${float(state.debt[k]):.1f}B and cannot repay "
                        f"${float(arrays.repay_debt[k]):.1f}B")
    cap = min(p.finance.max_round_fraction * float(state.valuation[k]), p.finance.max_round_size)
    for label, ask in (("a round", arrays.raise_equity[k]), ("vendor financing",
                                                             arrays.vendor_equity[k])):
        if ask > cap + 1e-9:
            # the cap rounded down, so that the amount said is one the check accepts
            problems.append(f"investors will fund at most ${math.floor(cap * 100) / 100:,.2f}B "
                            f"of {label} this quarter ({p.finance.max_round_fraction:.0%} of the "
                            f"valuation, ${p.finance.max_round_size:.0f}B at most); you asked "
                            f"${ask:,.2f}B")
    leased = float(state.lease_qty[k].sum())
    if arrays.break_lease_h100e[k] > leased + 1e-9:
        problems.append(f"you lease {leased:,.0f} H100e and cannot hand back "
                        f"{arrays.break_lease_h100e[k]:,.0f}")
    if arrays.lease_quarters > p.fleet.max_lease_quarters:
        problems.append(f"the longest lease on offer is {p.fleet.max_lease_quarters} quarters")
    # (a run cancelled this quarter makes way for a new one: the engine cancels, then starts)
    if arrays.start_run_flop[k] > 0 and state.run_target[k] > 0 and not arrays.cancel_run[k]:
        done = float(state.run_done[k] / state.run_target[k])
        problems.append(f"a run of {state.run_target[k]:.1e} FLOP is in progress ({done:.0%} done);"
                        " cancel it to start another")
    for g, name in enumerate(econ.gpu_names):
        owned = float(state.owned[k, g])
        if arrays.sell_gpus[k, g] > owned + 1e-9:
            problems.append(f"you have {owned:,.0f} {name} in service and cannot sell "
                            f"{arrays.sell_gpus[k, g]:,.0f}")
    stage = int(state.ipo_stage[k])
    action = int(arrays.ipo[k])
    if action == 1 and stage != 0:
        problems.append("the company has already filed for its IPO" if stage in (1, 2)
                        else "the company is already listed")
    if action == 2 and stage not in (1, 2):
        problems.append("there is no IPO filing to withdraw")
    if action == 3 and stage != 2:
        problems.append("there is no price range to accept yet: file, then wait for the book "
                        f"({p.ipo.filing_quarters} quarters after filing)" if stage < 2
                        else "the company is already listed")
    return problems
