"""What the decision tabs say a plan costs and does before the quarter ends: the scaling tables,
the orders' price and delivery, power and leases, serving capacity against demand and the run's
finish, cash after the plan, what a round costs, and the share and revenue a price brings. Each
is computed from the engine's own formulas on the game's state, given the values typed in the
fields (None where a field cannot be read).
"""

from __future__ import annotations

import math

import numpy as np
from rich.table import Table
from rich.text import Text

from game.engine import demand, finance, fleet, market, training
from game.engine.params import H100_FLOPS, HOURS_PER_QUARTER, SECONDS_PER_QUARTER
from game.session.game import Game
from game.text import count, flop, money, runway, signed_money


def scaling_preview(game: Game, start_run_flop: float | None, k: float | None,
                    train_share: float | None) -> tuple[Table, Table, Text]:
    """What 1×, 10× and 100× the proposed run buys at the chosen tokens per parameter (size,
    data, loss, capability, serving cost, time, rent), and the same compute sized at the
    compute-optimal k, the chosen k and 5× it: capability against serving cost."""
    econ = game.econ
    tp = game.params.training
    s = game.state
    q = game.quarter
    proposed = start_run_flop or float(s.run_target[0]) or 1e27
    k = k or tp.tokens_per_parameter
    train_share = train_share or 0.0
    eff = 10.0 ** float(s.algo_log_eff[0])
    per_quarter = (float(s.capacity[0]) * max(train_share, 1e-9) * H100_FLOPS * tp.mfu
                   * 91.3 * 86400)
    today = float(demand.hours_per_dollar(s, econ, q)[0])
    wall = tp.max_epochs * tp.data_stock_tokens

    def run(c: float, kk: float) -> tuple[float, float, float, float, float]:
        """(params, tokens, loss, capability, serving cost per dollar against today's)."""
        n, d = training.size(c, kk)
        effective = np.array([c * eff])
        cap = float(econ.capability(effective, kk, eff)[0])
        lost = tp.chinchilla_E + float(training.reducible_loss(effective, tp, kk, eff)[0])
        serve = float(demand.hours_per_dollar(s, econ, q, np.array([float(n)]))[0])
        return float(n), float(d), lost, cap, serve / max(today, 1e-300)

    walled = False
    t = Table(title=f"At {k:g} tokens per parameter: what more compute buys",
              expand=False, box=None, padding=(0, 1))
    for col in ("compute", "params", "tokens", "loss", "capability", "serving",
                "quarters", "rent cost"):
        t.add_column(col, justify="right")
    for mult in (1, 10, 100):
        c = proposed * mult
        n, d, lost, cap, serve = run(c, k)
        quarters = c / per_quarter if per_quarter > 0 else float("inf")
        gpu_hours = c / (H100_FLOPS * tp.mfu * 3600)
        cost = gpu_hours * float(s.rental_price[0]) / 1e9
        walled = walled or d > wall
        t.add_row(flop(c), count(n), count(d) + ("*" if d > wall else ""), f"{lost:.3f}",
                  f"{cap:.0f}", f"{serve:.2f}×",
                  "∞" if not np.isfinite(quarters) else f"{quarters:.1f}", money(cost))

    optimal = tp.optimal_tokens_per_parameter
    sizes = sorted({optimal, k, min(5.0 * k, 2000.0)})
    z = Table(title=f"The same {flop(proposed)} FLOP, sized differently", expand=False,
              box=None, padding=(0, 1))
    for col, justify in (("tokens/param", "left"), ("params", "right"),
                         ("tokens", "right"), ("capability", "right"),
                         ("serving", "right")):
        z.add_column(col, justify=justify)
    for kk in sizes:
        n, d, _, cap, serve = run(proposed, kk)
        walled = walled or d > wall
        label = f"{kk:g}" + (" optimal" if kk == optimal else "") + (
            " industry" if kk == tp.tokens_per_parameter else "") + (
            " (yours)" if kk == k else "")
        z.add_row(label, count(n), count(d) + ("*" if d > wall else ""), f"{cap:.0f}",
                  f"{serve:.2f}×")

    note = (f"Your model now: capability {float(s.capability[0]):.0f}, "
            f"{count(float(s.model_params[0]))} active parameters. Serving: compute per "
            "dollar of usage against it (1.00×); a bigger model costs more to serve for as "
            "long as it sells. Each 10× of compute buys a smaller drop in loss: the returns "
            "diminish, the bill does not.")
    if walled:
        note += (f"\n* more tokens than {tp.max_epochs:g} passes over the "
                 f"{count(tp.data_stock_tokens)} tokens of good text: the excess adds nothing "
                 "(the data wall).")
    return t, z, Text(note)


def upfront(game: Game, orders: np.ndarray, datacenter_mw: float) -> tuple[float, float]:
    """What the plan pays at once: (GPU orders (1, G), the first data-center instalment), $B."""
    fl = game.params.fleet
    on_sale = orders * game.econ.available[game.econ.row(game.quarter)][None, :]
    build = datacenter_mw * fl.dc_capex_per_gw / 1000.0 / fl.dc_build_quarters
    return float(fleet.order_cost(game.econ, game.quarter, on_sale)[0]), build


def procurement_summary(game: Game, orders: np.ndarray, datacenter_mw: float) -> Text:
    """The orders' price and delivery, power needed against power built, and when leased
    capacity ends (with a warning when capacity falls next quarter)."""
    econ, s, q = game.econ, game.state, game.quarter
    p = game.params.fleet
    out = Text()
    cost, build = upfront(game, orders, datacenter_mw)
    if orders.sum() > 0:
        _, tight = market.rental_price(econ, q, s)
        lead = market.lead_times(econ, tight)[0]
        arrive = ", ".join(f"{econ.gpu_names[g]} in service from {game.calendar(q + lead[g])}"
                           for g in range(len(econ.gpu_names)) if orders[0, g] > 0)
        out.append(f"Orders: {money(cost)} paid now; {arrive}.\n")
    coming = s.pipeline[0].sum(axis=0)
    need = float(((s.owned[0] + coming + orders[0]) * econ.watts).sum()) * p.pue / 1e6
    built = float(s.dc_mw[0])
    building = float(s.dc_pipeline[0].sum()) + datacenter_mw
    out.append(f"Power: your GPUs, those on order included, need {need:,.0f} MW; "
               f"{built:,.0f} MW built, {building:,.0f} MW being built")
    if build > 0:
        out.append(f" (the new build costs {money(build)} a quarter for "
                   f"{p.dc_build_quarters} quarters)")
    if need > built + building + 1e-9:
        out.append(f"\n⚠ {need - built - building:,.0f} MW short: GPUs without power serve "
                   "and train nothing", "bold red")
    K = s.lease_qty.shape[1]
    leased = float(s.lease_qty[0].sum())
    if leased > 0:
        ending = [(t, float(s.lease_qty[0, t % K])) for t in range(q, q + K)]
        shown = [f"{count(n)} after {game.calendar(t)}" for t, n in ending if n > 0][:3]
        out.append(f"\nLeases: {count(leased)} H100e, ending " + ", ".join(shown) + ".")
        if ending[0][1] > 0:
            out.append(f"\n⚠ {count(ending[0][1])} H100e of leases end after this quarter: "
                       "capacity falls next quarter unless you lease more.", "bold yellow")
    return out


def finance_summary(game: Game, orders: np.ndarray, datacenter_mw: float, raised: float,
                    repaid: float, lease: float = 0.0, hire: float = 0.0) -> Text:
    """Cash after what the plan pays and raises at once (``raised``: a round counted up to
    ``round_cap``, and debt drawn), the runway it leaves at last quarter's burn plus the new
    leases' and hires' cost a quarter, and the debt, staff and stake the lab carries."""
    s, p = game.state, game.params
    cost, build = upfront(game, orders, datacenter_mw)
    cash = float(s.cash[0])
    after = cash - cost - build + raised - repaid
    # what the plan adds to every quarter's costs: new leases at today's rental, new staff
    added = (lease * float(s.rental_price[0]) * HOURS_PER_QUARTER / 1e9
             + hire * p.finance.staff_cost_per_head_year / 4.0)
    burn = float(s.burn[0]) + added
    runway_after = runway(max(after, 0.0) / burn) if burn > 1e-12 else "∞"
    flows = [(w, v) for w, v in (("orders", -cost), ("building", -build),
                                  ("raised and borrowed", raised), ("repaid", -repaid)) if v]
    out = Text.assemble("Cash ", (money(cash), "bold"))
    if flows:
        out.append(" → ")
        out.append(money(after), "bold")
        out.append(" after this plan's " + ", ".join(f"{w} {signed_money(v)}" for w, v in flows)
                   + " (before the quarter's operations)")
    said = (f"last quarter's burn {signed_money(added)} for the new leases and staff"
            if abs(added) >= 0.005 else "last quarter's burn")
    out.append(f"; at {said}, {money(burn)} a quarter, a runway of {runway_after}.\n"
               f"Debt {money(float(s.debt[0]))}; staff {float(s.headcount[0]):,.0f}; your "
               f"stake {float(s.ownership[0]):.1%}.")
    return out


def round_cap(game: Game) -> float:
    """The most investors fund in one round this quarter ($B), as the plan's check has it."""
    fp = game.params.finance
    return min(fp.max_round_fraction * float(game.state.valuation[0]), fp.max_round_size)


def round_note(game: Game, ask: float) -> str:
    """Beside "Raise equity": what a round costs the holders at this quarter's sentiment."""
    s, fp = game.state, game.params.finance
    value = max(float(s.valuation[0]), 1e-9)
    sentiment = s.sentiment[:1]
    discount = float(finance.round_discount(fp, sentiment)[0])
    odds = float(finance.round_success_probability(fp, sentiment)[0]
                 * s.modifier("round_success")[0])
    cap = round_cap(game)
    raised = min(ask, cap)
    pre = value * (1.0 - discount)
    cost = value - pre / (pre + raised) * (value + raised)  # the holders' stake, before/after
    note = (f"at sentiment {float(sentiment[0]):.0f}, new investors buy {discount:.0%} "
            "below the mark")
    if raised > 0:
        note += (f": raising {money(raised)} costs the holders {money(cost)} of value; "
                 f"{odds:.0%} odds it closes")
    else:
        note += f"; {odds:.0%} odds a round closes"
    if ask > cap + 1e-9:
        # rounded down: the amount said is one the plan's check accepts
        note = f"investors fund at most ${math.floor(cap * 100) / 100:,.2f}B this quarter; " + note
    return note


def pricing_note(game: Game, price: float | None) -> str:
    """Beside the price: the share it heads to, this quarter's share and revenue."""
    if price is None:
        return ""
    if not 0.1 <= price <= 10:
        return "The price must be between 0.1× and 10× the market reference."
    share, target, revenue = at_price(game, price)
    now = float(game.state.share[0])
    return (f"At {price:.2f}×: customers' share heads to {target:.1%} (now {now:.1%}): about "
            f"{share:.1%} this quarter, {money(revenue)} of revenue if your capacity serves it "
            "all. Customers leave at once and come back slowly; the market, rivals and events "
            "move too.")


def at_price(game: Game, price: float) -> tuple[float, float, float]:
    """(this quarter's share, the share it heads to, the quarter's revenue) at a price, from
    demand's own logit, on this quarter's market and rivals."""
    s, d = game.state, game.params.demand
    target = float(demand.targets(s, game.econ, price=np.array([price]))[0][0])
    share = float(demand.adjust(s.share, np.array([target]), d.share_gain_speed,
                                d.share_loss_speed)[0])
    return share, target, float(s.market[0]) / 4.0 * share * price


def allocation_note(game: Game, training_share: float | None, serving: float | None,
                    research: float | None, price: float | None) -> str:
    """Beside the split: the serving capacity against what customers will want at the price,
    when the run in progress finishes at this training share, and the research's pace."""
    if None in (training_share, serving, research):
        return ""
    s, econ, q = game.state, game.econ, game.quarter
    tp = game.params.training
    capacity = float(s.capacity[0])
    lines = []
    share, _, _ = at_price(game, price or 1.0)
    usage = float(s.market[0]) / 4.0 * share  # reference-$B customers want this quarter
    needed = usage * 1e9 * float(demand.hours_per_dollar(s, econ, q)[0]) / HOURS_PER_QUARTER
    serving_h = capacity * serving
    if needed > 0:
        cover = serving_h / needed
        said = (f"room for {cover:.1f}× it" if cover >= 1 else
                f"about {1 - cover:.0%} of it would go unserved (and investors see a "
                "GPU-constrained lab)")
        lines.append(f"Serving {serving:.0%}: {count(serving_h)} H100e for about "
                     f"{count(needed)} H100e of demand at {price or 1.0:.2f}×: {said}.")
    target, done = float(s.run_target[0]), float(s.run_done[0])
    if target > 0:
        per_q = float(training.training_flop(np.array([capacity * training_share]), tp.mfu,
                                             SECONDS_PER_QUARTER)[0]) * float(
            econ.training_gain[econ.row(q)])
        left = max(target - done, 0.0)
        n = max(1, math.ceil(left / per_q)) if per_q > 0 else 0
        when = (f"finishes in about {n} quarter{'s' if n > 1 else ''}" if n
                else "does not advance with no training share")
        lines.append(f"Training {training_share:.0%}: the run in progress ({done / target:.0%} "
                     f"done) {when}.")
    else:
        lines.append(f"Training {training_share:.0%}: no run in progress; the share trains "
                     "nothing until one starts (Training tab).")
    gain = float(training.algo_growth(np.array([research]), s.headcount, tp)[0])
    lines.append(f"Research {research:.0%}: your algorithms need {10 ** (-4 * gain):.2f}× the "
                 "compute a year from now for the same result (the field's pace is "
                 f"{1 / tp.algo_growth_per_year:.2f}×).")
    return "\n".join(lines)
