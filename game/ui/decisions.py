"""The decision tabs: Procurement, Allocation, Training, Pricing, Finance & IPO.

Each field checks what is typed as it is typed and says what is wrong beside it; ``Decisions``
gathers the fields into the keyword arguments of a ``Plan``. Whether the lab can afford the plan
is the game's question (``Game.submit``), answered when the quarter is ended.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable
from typing import Any

import numpy as np
from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Grid, Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Checkbox, Input, Label, Select, Static, TabbedContent, TabPane

from game.engine import Plan, demand, finance, fleet, market, training
from game.engine.params import H100_FLOPS
from game.engine.plan import IPO_ACTIONS
from game.engine.plan_check import check_plan
from game.session.game import Game
from game.session.rules import ipo_checklist
from game.text import count, flop, money, money_range, runway, signed_money
from game.ui.charts import LineChart
from game.ui.dashboard import (
    ComputePanel,
    FinancePanel,
    MarketPanel,
    ModelsPanel,
    NewsFeed,
    WatchLine,
)
from game.ui.format import plain


class FieldError(ValueError):
    """What is wrong with one field's text, in words for the player."""


def parse_number(text: str, *, signed: bool = False, percent: bool = False) -> float:
    """'1,000', '2e27', '35%' or '35' (percent fields) → a float."""
    raw = text.strip().replace(",", "").replace("_", "").removesuffix("%").strip()
    if not raw:
        return 0.0
    try:
        value = float(raw)
    except ValueError:
        raise FieldError(f"'{text.strip()[:20]}' is not a number") from None
    if not np.isfinite(value):
        raise FieldError("must be a finite number")
    if value < 0 and not signed:
        raise FieldError("must be zero or more")
    if percent:
        if value > 100:
            raise FieldError("a share is at most 100%")
        value /= 100.0
    return value


def field_id(key: str) -> str:
    """A widget id for a field's key: letters, digits and hyphens as they are ('sell_H100' is
    'sell-H100'), anything else as _hex_, since a pack may call a GPU 'H100 NVL'."""
    return re.sub(r"[^A-Za-z0-9-]", lambda m: f"_{ord(m.group()):x}_", key.replace("_", "-"))


class NumberField(Horizontal):
    """A label, an input and, beside it, a hint or what is wrong with the input (if anything).

    ``check`` may refuse a number that parses (a range, say) with a sentence. A long hint wraps
    under itself, so nothing is cut at 80 columns."""

    DEFAULT_CSS = """
    NumberField { height: auto; margin: 0 0 1 0; }
    NumberField Label.name { width: 24; }
    NumberField Input { width: 16; }
    NumberField .hint { width: 1fr; height: auto; color: $text-muted; padding-left: 1; }
    NumberField .hint.-error { color: $error; }
    """

    def __init__(self, key: str, label: str, *, hint: str = "", signed: bool = False,
                 percent: bool = False, check: Callable[[float], str | None] | None = None
                 ) -> None:
        super().__init__(id=f"field-{field_id(key)}")
        self.key, self.label, self.hint = key, label, hint
        self.signed, self.percent, self.check = signed, percent, check
        self._shown_error: str | None = None
        self.locked: str | None = None  # why the field cannot be changed, if it cannot

    def refuse(self, reason: str) -> None:
        """Greyed out, with the reason where the hint was (a scenario's disabled action)."""
        self.locked = reason
        self.input.disabled = True
        self.query_one(".hint", Static).update(reason)

    def compose(self) -> ComposeResult:
        yield Label(plain(self.label), classes="name")  # a pack's GPU name, say
        yield Input("0", compact=True, id=f"input-{field_id(self.key)}")
        yield Static(self.hint, classes="hint", markup=False)

    @property
    def input(self) -> Input:
        return self.query_one(Input)

    def set_value(self, value: float | None) -> None:
        """Show a number (None: a blank field, which reads as 0)."""
        if value is None:
            text = ""
        else:
            shown = value * 100 if self.percent else value
            text = f"{shown:g}" if abs(shown) < 1e6 or shown == 0 else f"{shown:.3g}"
        if self.input.value != text:  # unchanged fields stay quiet (no re-validation)
            self.input.value = text
            self._message(None)

    def set_hint(self, hint: str) -> None:
        """A new hint (shown unless an error or the reason for a lock is)."""
        if hint != self.hint:
            self.hint = hint
            if self._shown_error is None and self.locked is None:
                self.query_one(".hint", Static).update(hint)

    def value(self) -> float:
        """The parsed value; raises FieldError (and shows it) when the text is not valid."""
        try:
            v = parse_number(self.input.value, signed=self.signed, percent=self.percent)
            problem = self.check(v) if self.check is not None else None
            if problem:
                raise FieldError(problem)
        except FieldError as exc:
            self._message(str(exc))
            raise
        self._message(None)
        return v

    def _message(self, error: str | None) -> None:
        if error == self._shown_error:
            return
        self._shown_error = error
        hint = self.query_one(".hint", Static)
        hint.update(error or self.hint)
        hint.set_class(error is not None, "-error")

    @on(Input.Changed)
    def _check(self, event: Input.Changed) -> None:
        event.stop()
        with contextlib.suppress(FieldError):  # value() shows the error beside the field
            self.value()
        self.post_message(Decisions.Edited())


def _tokens_per_parameter(value: float) -> str | None:
    """0 (blank) or a k the engine accepts."""
    if value and not 1 <= value <= 2000:
        return "1–2,000, or blank for the industry's practice"
    return None


def _each(usd: float) -> str:
    """A price per GPU: '$35k', '$4.3k', '$800'."""
    if usd >= 10_000:
        return f"${usd / 1000:,.0f}k"
    if usd >= 1000:
        return f"${usd / 1000:.1f}k"
    return f"${usd:,.0f}"


class Decisions(Vertical):
    """The Overview tab (the dashboard) and the five decision tabs, which together are one form
    that makes a Plan."""

    class Edited(Message):
        """A field changed: previews and cross-field checks are redrawn."""

    DEFAULT_CSS = """
    Decisions { height: 1fr; }
    Decisions .status { color: $error; height: auto; }
    Decisions .preview { height: auto; margin-top: 1; }
    Decisions .note { height: auto; margin: 0 0 1 0; color: $text-muted; }
    Decisions .ipo-row { height: 1; }
    Decisions .ipo-row Label.name { width: 24; }
    Decisions .ipo-row Select { width: 16; }
    """

    def __init__(self, game: Game, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.game = game

    @property
    def active(self) -> str:
        return self.query_one(TabbedContent).active

    @active.setter
    def active(self, tab: str) -> None:
        self.query_one(TabbedContent).active = tab

    def compose(self) -> ComposeResult:
        with TabbedContent(id="tabs"):
            yield from self._panes()

    def _panes(self) -> ComposeResult:
        econ = self.game.econ
        with TabPane("Overview", id="tab-overview"), VerticalScroll(id="overview-scroll"):
            yield WatchLine(id="watch")
            with Grid(id="panels"):
                yield ComputePanel("Compute", id="compute")
                yield MarketPanel("GPU market", id="market")
                yield ModelsPanel("Models", id="models")
                yield FinancePanel("Finance", id="finance")
            with Horizontal(id="charts"):
                yield LineChart("Capability: you vs rivals", id="chart-capability")
                yield LineChart("Cash and equity value/10 ($B)", id="chart-money")
            yield NewsFeed(id="news", wrap=True, markup=False)
        with TabPane("Procurement", id="tab-procurement"), VerticalScroll():
            yield Static("", classes="preview", id="procurement-summary")
            for name in econ.gpu_names:
                yield NumberField(f"buy_{name}", f"Buy {name} GPUs", hint="")
            # A sale field shows for each generation the lab has GPUs of in service.
            for name in econ.gpu_names:
                yield NumberField(f"sell_{name}", f"Sell {name} GPUs", hint="")
            yield Static("You have no GPUs of your own in service to sell.", classes="note",
                         id="sell-note")
            yield NumberField("lease_h100e", "Lease H100e", hint="locked price, ends on time")
            yield NumberField("lease_quarters", "Lease length (quarters)", hint="1–12")
            yield NumberField("break_lease_h100e", "Hand back leased H100e",
                              hint="penalty applies")
            yield NumberField("spot_h100e", "Spot H100e this quarter",
                              hint="rationed when tight")
            yield NumberField("datacenter_mw", "Start data center MW", hint="capex over quarters")
        with TabPane("Allocation", id="tab-allocation"), VerticalScroll():
            yield NumberField("training", "Training %", percent=True, hint="the next model")
            yield NumberField("inference", "Serving customers %", percent=True,
                              hint="revenue needs capacity")
            yield NumberField("research", "Research %", percent=True,
                              hint="algorithmic efficiency")
            yield Static("", classes="status", id="allocation-status")
        with TabPane("Training", id="tab-training"), VerticalScroll():
            yield NumberField("start_run_flop", "Start run (FLOP)", hint="e.g. 5e27")
            tp = self.game.params.training
            yield NumberField(
                "tokens_per_parameter", "Tokens per parameter",
                hint=f"blank: the industry's {tp.tokens_per_parameter:g}; "
                     f"{tp.optimal_tokens_per_parameter:g} = compute-optimal (Chinchilla); "
                     "more: smaller, cheaper to serve",
                check=_tokens_per_parameter)
            yield Checkbox("Cancel the run in progress", id="cancel-run")
            yield Static("", classes="preview", id="scaling-preview")
            yield Static("", classes="preview", id="size-preview")
            yield Static("", classes="preview", id="training-note")
        with TabPane("Pricing", id="tab-pricing"), VerticalScroll():
            yield NumberField("price", "Price × market", hint="0.1–10; 1 = the going rate")
            yield Static("", classes="preview", id="pricing-note")
        with TabPane("Finance & IPO", id="tab-finance"), VerticalScroll():
            yield Static("", classes="preview", id="finance-summary")
            yield NumberField("raise_equity", "Raise equity $B", hint="dilutes; can fail")
            yield NumberField("vendor_equity", "Vendor financing $B", hint="GPU credit")
            yield NumberField("draw_debt", "Draw debt $B", hint="interest each quarter")
            yield NumberField("repay_debt", "Repay debt $B")
            yield NumberField("hire", "Hire (− to lay off)", signed=True, hint="staff")
            with Horizontal(classes="ipo-row"):
                yield Label("IPO", classes="name")
                yield Select([(a, a) for a in IPO_ACTIONS], value="hold", allow_blank=False,
                             compact=True, id="ipo")
            yield Static("", classes="note", id="ipo-status")

    def _gpu_hints(self) -> None:
        """Each generation's price and lead this quarter, or when it goes on sale; what a used
        one fetches and how many the lab has in service (a sale field only for those)."""
        game = self.game
        econ = game.econ
        s = game.state
        q = game.quarter
        row = econ.row(q)
        rental, _ = market.rental_price(econ, q, s)
        left = fleet.life_left(s, q, econ.life_quarters)
        resale = fleet.resale_price(econ, q, rental, left)[0]
        any_sale = False
        for g, name in enumerate(econ.gpu_names):
            field = self._field_widget(f"buy_{name}")
            if econ.available[row, g]:
                lead = int(econ.lead[g])
                field.set_hint(f"{_each(econ.gpu_price[row, g])} each, "
                               f"{econ.h100e[g]:.1f} H100e, {lead}q lead")
            else:
                later = [t for t in range(q, econ.gpu_price.shape[0])
                         if econ.available[econ.row(t), g]]
                field.set_hint(f"on sale from {game.calendar(later[0])}" if later
                               else "no longer sold")
            field.input.disabled = not bool(econ.available[row, g])
            sell = self._field_widget(f"sell_{name}")
            owned = float(s.owned[0, g])
            sell.set_hint(f"{_each(resale[g])} each used ({left[0, g]:.0%} of life left); "
                          f"{count(owned)} in service")
            sell.display = owned > 0 or sell.input.value.strip() not in ("", "0")
            any_sale = any_sale or bool(sell.display)
        self.query_one("#sell-note", Static).display = not any_sale

    def _field_widget(self, key: str) -> NumberField:
        return self.query_one(f"#field-{field_id(key)}", NumberField)

    def on_mount(self) -> None:
        """Grey out what the scenario does not allow, saying so (check_plan refuses it too)."""
        disabled = set(self.game.params.scenario.disabled_actions)
        if not disabled:
            return
        reason = "not in this scenario"
        groups = {"buy_": "gpu_orders", "sell_": "sell_gpus"}
        for f in self.query(NumberField):
            group = next((g for prefix, g in groups.items() if f.key.startswith(prefix)), f.key)
            if group in disabled:
                f.refuse(reason)
        if "ipo" in disabled:
            self.query_one("#ipo", Select).disabled = True
        if "cancel_run" in disabled:
            self.query_one("#cancel-run", Checkbox).disabled = True

    def load(self, plan: Plan) -> None:
        """Show a plan in the fields (the standing decisions carried from last quarter)."""
        tables = {"buy_": plan.gpu_orders, "sell_": plan.sell_gpus}
        values = {k: float(np.asarray(v)) for k, v in plan.model_dump().items()
                  if k not in ("gpu_orders", "sell_gpus", "ipo", "cancel_run") and v is not None}
        for f in self.query(NumberField):
            prefix = f.key[:f.key.index("_") + 1] if "_" in f.key else ""
            if prefix in tables:
                f.set_value(float(np.asarray(tables[prefix].get(f.key[len(prefix):], 0.0))))
            elif f.key == "tokens_per_parameter":
                f.set_value(values.get(f.key))  # None (unset) shows as a blank field
            elif f.key in values:
                f.set_value(values[f.key])
        self._gpu_hints()
        self.query_one("#cancel-run", Checkbox).value = bool(plan.cancel_run)
        self.query_one("#ipo", Select).value = str(plan.ipo)
        self.refresh_previews()

    def plan_kwargs(self) -> dict[str, Any]:
        """The fields as Plan arguments; raises FieldError naming the first bad field."""
        kwargs: dict[str, Any] = {"gpu_orders": {}, "sell_gpus": {}}
        tables = {"buy_": kwargs["gpu_orders"], "sell_": kwargs["sell_gpus"]}
        bad: list[str] = []
        for f in self.query(NumberField):
            try:
                v = f.value()
            except FieldError as exc:
                bad.append(f"{f.label}: {exc}")
                continue
            prefix = f.key[:f.key.index("_") + 1] if "_" in f.key else ""
            if prefix in tables:
                if v:
                    tables[prefix][f.key[len(prefix):]] = v
            elif f.key == "lease_quarters":
                kwargs[f.key] = round(v) if v else 4
            elif f.key == "tokens_per_parameter":
                kwargs[f.key] = v or None  # blank or 0: the industry's practice
            else:
                kwargs[f.key] = v
        if bad:
            raise FieldError(bad[0])
        kwargs["cancel_run"] = self.query_one("#cancel-run", Checkbox).value
        kwargs["ipo"] = self.query_one("#ipo", Select).value
        return kwargs

    @on(Edited)
    @on(Select.Changed, "#ipo")
    def refresh_previews(self) -> None:
        self._allocation_status()
        self._scaling_preview()
        self._pricing_note()
        self._round_note()
        self._ipo_status()
        self._procurement_summary()
        self._finance_summary()

    def _field(self, key: str) -> float | None:
        try:
            return self.query_one(f"#field-{field_id(key)}", NumberField).value()
        except FieldError:
            return None

    def _allocation_status(self) -> None:
        parts = [self._field(k) for k in ("training", "inference", "research")]
        status = self.query_one("#allocation-status", Static)
        if None in parts:
            status.update("")
            return
        total = sum(p for p in parts if p is not None)
        status.update("" if abs(total - 1.0) < 1e-6 else
                      f"The shares make {total:.0%}: training + serving + research must make "
                      "100%.")

    def _scaling_preview(self) -> None:
        """What 1×, 10× and 100× the proposed run buys at the chosen tokens per parameter (size,
        data, loss, capability, serving cost, time, rent), and the same compute sized at the
        compute-optimal k, the chosen k and 5× it: capability against serving cost."""
        game = self.game
        econ = game.econ
        tp = game.params.training
        s = game.state
        q = game.quarter
        proposed = self._field("start_run_flop") or float(s.run_target[0]) or 1e27
        k = self._field("tokens_per_parameter") or tp.tokens_per_parameter
        train_share = self._field("training") or 0.0
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
        self.query_one("#scaling-preview", Static).update(t)
        self.query_one("#size-preview", Static).update(z)
        self.query_one("#training-note", Static).update(Text(note))

    def _orders(self) -> np.ndarray:
        """(1, G) the GPUs the Procurement fields order (what cannot be read counts as none)."""
        names = self.game.econ.gpu_names
        return np.array([[self._field(f"buy_{n}") or 0.0 for n in names]])

    def _upfront(self) -> tuple[float, float]:
        """What the plan pays at once: (GPU orders, the first data-center instalment), $B."""
        game = self.game
        fl = game.params.fleet
        orders = self._orders() * game.econ.available[game.econ.row(game.quarter)][None, :]
        build = (self._field("datacenter_mw") or 0.0) * fl.dc_capex_per_gw / 1000.0 / \
            fl.dc_build_quarters
        return float(fleet.order_cost(game.econ, game.quarter, orders)[0]), build

    def _procurement_summary(self) -> None:
        """What the Procurement tab's decisions cost and need: the orders' price and delivery,
        power needed against power built, and when leased capacity ends."""
        game = self.game
        econ, s, q = game.econ, game.state, game.quarter
        p = game.params.fleet
        out = Text()
        orders = self._orders()
        cost, build = self._upfront()
        if orders.sum() > 0:
            _, tight = market.rental_price(econ, q, s)
            lead = market.lead_times(econ, tight)[0]
            arrive = ", ".join(f"{econ.gpu_names[g]} in service from {game.calendar(q + lead[g])}"
                               for g in range(len(econ.gpu_names)) if orders[0, g] > 0)
            out.append(f"Orders: {money(cost)} paid now; {arrive}.\n")
        coming = s.pipeline[0].sum(axis=0)
        need = float(((s.owned[0] + coming + orders[0]) * econ.watts).sum()) * p.pue / 1e6
        built = float(s.dc_mw[0])
        building = float(s.dc_pipeline[0].sum()) + (self._field("datacenter_mw") or 0.0)
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
        self.query_one("#procurement-summary", Static).update(out)

    def _finance_summary(self) -> None:
        """Cash after what the plan pays and raises at once, the runway it leaves at last
        quarter's burn, and the debt, staff and stake the lab carries."""
        game = self.game
        s = game.state
        cost, build = self._upfront()
        raised = sum(self._field(k) or 0.0 for k in ("raise_equity", "draw_debt"))
        repaid = self._field("repay_debt") or 0.0
        cash = float(s.cash[0])
        after = cash - cost - build + raised - repaid
        burn = float(s.burn[0])
        runway_after = runway(max(after, 0.0) / burn) if burn > 1e-12 else "∞"
        flows = [(w, v) for w, v in (("orders", -cost), ("building", -build),
                                      ("raised and borrowed", raised), ("repaid", -repaid)) if v]
        out = Text.assemble("Cash ", (money(cash), "bold"))
        if flows:
            out.append(" → ")
            out.append(money(after), "bold")
            out.append(" after this plan's " + ", ".join(f"{w} {signed_money(v)}" for w, v in flows)
                       + " (before the quarter's operations)")
        out.append(f"; at last quarter's burn of {money(burn)}, a runway of {runway_after}.\n"
                   f"Debt {money(float(s.debt[0]))}; staff {float(s.headcount[0]):,.0f}; your "
                   f"stake {float(s.ownership[0]):.1%}.")
        self.query_one("#finance-summary", Static).update(out)

    def _round_note(self) -> None:
        """Beside "Raise equity": what a round costs the holders at this quarter's sentiment."""
        game = self.game
        s, fp = game.state, game.params.finance
        value = max(float(s.valuation[0]), 1e-9)
        sentiment = s.sentiment[:1]
        discount = float(finance.round_discount(fp, sentiment)[0])
        odds = float(finance.round_success_probability(fp, sentiment)[0]
                     * s.modifier("round_success")[0])
        cap = min(fp.max_round_fraction * value, fp.max_round_size)
        ask = self._field("raise_equity") or 0.0
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
            note = f"investors fund at most {money(cap)} this quarter; " + note
        self._field_widget("raise_equity").set_hint(note)

    def _ipo_status(self) -> None:
        """Under the IPO choice: where the listing stands, and whether the choice can be made."""
        game = self.game
        s, ip = game.state, game.params.ipo
        stage = game.ipo_stage
        sentiment, ttm = float(s.sentiment[0]), float(s.ttm_revenue[0])
        bar = (f"sentiment of at least {ip.min_sentiment:g} and trailing revenue of at least "
               f"{money(ip.min_ttm_revenue)} (now {sentiment:.0f} and {money(ttm)})")
        if stage == "none":
            text = (f"Not filed. {ip.filing_quarters} quarters after filing, the underwriters "
                    "build a book, if the conditions above hold then.")
        elif stage == "filed":
            filed = int(s.ipo_filed_quarter[0])
            due = filed + ip.filing_quarters - game.quarter
            if due >= 1:
                when = ("at the end of this quarter" if due == 1
                        else f"in {due} quarters")
                text = (f"Filed in {game.calendar(filed)}. The book comes {when}, given a "
                        f"{bar}.")
            else:
                text = (f"Filed in {game.calendar(filed)}. No book yet: it needs a {bar}. The "
                        "underwriters try again at the end of each quarter.")
        elif stage == "book":
            text = (f"The book: {money_range(float(s.ipo_low[0]), float(s.ipo_high[0]))} "
                    f"equity; accept to list this quarter at a final price within "
                    f"±{ip.price_band:.0%} of it, unless sentiment ends the quarter below "
                    f"{ip.min_sentiment:g}. Hold: it is rebuilt next quarter. Equity value at the "
                    f"private mark: {money(float(s.valuation[0]))}.")
        else:
            text = f"Listed at {money(float(s.ipo_valuation[0]))}."
        out = Text()
        if stage != "listed":
            for check in ipo_checklist(game):
                out.append("✓ " if check.met else "✗ ", "bold green" if check.met else "bold red")
                out.append(f"{check.condition}: ")
                out.append(check.now, "bold")
                out.append("\n")
        out.append(text)
        choice = self.query_one("#ipo", Select).value
        if isinstance(choice, str) and choice != "hold":
            problems = check_plan(Plan(ipo=choice), s, game.econ)
            if problems:
                said = "; ".join(problems)
                out.append(f"\n{said[:1].upper()}{said[1:]}.", style="bold red")
        self.query_one("#ipo-status", Static).update(out)

    def _pricing_note(self) -> None:
        price = self._field("price")
        note = self.query_one("#pricing-note", Static)
        if price is None:
            note.update("")
        elif not 0.1 <= price <= 10:
            note.update("The price must be between 0.1× and 10× the market reference.")
        else:
            share, target, revenue = self._at_price(price)
            now = float(self.game.state.share[0])
            note.update(
                f"At {price:.2f}×: customers' share heads to {target:.1%} (now {now:.1%}): "
                f"about {share:.1%} this quarter, {money(revenue)} of revenue if your capacity "
                "serves it all. Customers leave at once and come back slowly; the market, "
                "rivals and events move too.")

    def _at_price(self, price: float) -> tuple[float, float, float]:
        """(this quarter's share, the share it heads to, the quarter's revenue) at a price,
        from demand's own logit, on this quarter's market and rivals."""
        game = self.game
        s, d = game.state, game.params.demand
        target = float(demand.targets(s, game.econ, price=np.array([price]))[0][0])
        share = float(demand.adjust(s.share, np.array([target]), d.share_gain_speed,
                                    d.share_loss_speed)[0])
        return share, target, float(s.market[0]) / 4.0 * share * price
