"""The decision tabs: Procurement, Allocation, Training, Pricing, Finance & IPO.

Each field checks what is typed as it is typed and says what is wrong beside it; ``Decisions``
gathers the fields into the keyword arguments of a ``Plan``. Whether the lab can afford the plan
is the game's question (``Game.submit``), answered when the quarter is ended.
"""

from __future__ import annotations

import contextlib
from typing import Any

import numpy as np
from rich.table import Table
from textual import on
from textual.app import ComposeResult
from textual.containers import Grid, Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Checkbox, Input, Label, Select, Static, TabbedContent, TabPane

from game.engine import Plan
from game.engine.params import H100_FLOPS
from game.engine.training import capability, loss, optimal_size
from game.session.game import Game
from game.ui.charts import LineChart
from game.ui.dashboard import ComputePanel, FinancePanel, MarketPanel, ModelsPanel, NewsFeed
from game.ui.format import count, flop, money


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


class NumberField(Horizontal):
    """A label, an input and, beside it, what is wrong with the input (if anything)."""

    DEFAULT_CSS = """
    NumberField { height: 1; margin: 0 0 1 0; }
    NumberField Label.name { width: 24; }
    NumberField Input { width: 16; }
    NumberField .hint { width: 1fr; color: $text-muted; padding-left: 1; }
    NumberField .hint.-error { color: $error; }
    """

    def __init__(self, key: str, label: str, *, hint: str = "", signed: bool = False,
                 percent: bool = False) -> None:
        super().__init__(id=f"field-{key.replace('_', '-')}")
        self.key, self.label, self.hint = key, label, hint
        self.signed, self.percent = signed, percent
        self._shown_error: str | None = None

    def compose(self) -> ComposeResult:
        yield Label(self.label, classes="name")
        yield Input("0", compact=True, id=f"input-{self.key.replace('_', '-')}")
        yield Static(self.hint, classes="hint")

    @property
    def input(self) -> Input:
        return self.query_one(Input)

    def set_value(self, value: float) -> None:
        shown = value * 100 if self.percent else value
        text = f"{shown:g}" if abs(shown) < 1e6 or shown == 0 else f"{shown:.3g}"
        if self.input.value != text:  # unchanged fields stay quiet (no re-validation)
            self.input.value = text
            self._message(None)

    def value(self) -> float:
        """The parsed value; raises FieldError (and shows it) when the text is not valid."""
        try:
            v = parse_number(self.input.value, signed=self.signed, percent=self.percent)
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


class Decisions(Vertical):
    """The Overview tab (the dashboard) and the five decision tabs, which together are one form
    that makes a Plan."""

    class Edited(Message):
        """A field changed: previews and cross-field checks are redrawn."""

    DEFAULT_CSS = """
    Decisions { height: 1fr; }
    Decisions .status { color: $error; height: auto; }
    Decisions .preview { height: auto; margin-top: 1; }
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
            with Grid(id="panels"):
                yield ComputePanel("Compute", id="compute")
                yield MarketPanel("GPU market", id="market")
                yield ModelsPanel("Models", id="models")
                yield FinancePanel("Finance", id="finance")
            with Horizontal(id="charts"):
                yield LineChart("Capability: you vs rivals", id="chart-capability")
                yield LineChart("Cash and valuation/10 ($B)", id="chart-money")
            yield NewsFeed(id="news", wrap=True, markup=False)
        with TabPane("Procurement", id="tab-procurement"), VerticalScroll():
            for name in econ.gpu_names:
                yield NumberField(f"buy_{name}", f"Buy {name} GPUs", hint="")
            yield NumberField("lease_h100e", "Lease H100e", hint="locked price, ends on time")
            yield NumberField("lease_quarters", "Lease length (quarters)", hint="1–12")
            yield NumberField("break_lease_h100e", "Hand back leased H100e",
                              hint="penalty applies")
            yield NumberField("spot_h100e", "Spot H100e (this quarter)",
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
            yield Checkbox("Cancel the run in progress", id="cancel-run")
            yield Static("", classes="preview", id="scaling-preview")
            yield Static("", classes="preview", id="training-note")
        with TabPane("Pricing", id="tab-pricing"), VerticalScroll():
            yield NumberField("price", "Price × market", hint="0.1–10; 1 = the going rate")
            yield Static("", classes="preview", id="pricing-note")
        with TabPane("Finance & IPO", id="tab-finance"), VerticalScroll():
            yield NumberField("raise_equity", "Raise equity $B", hint="dilutes; can fail")
            yield NumberField("vendor_equity", "Vendor financing $B", hint="GPU credit")
            yield NumberField("draw_debt", "Draw debt $B", hint="interest each quarter")
            yield NumberField("repay_debt", "Repay debt $B")
            yield NumberField("hire", "Hire (negative: lay off)", signed=True)
            with Horizontal(classes="ipo-row"):
                yield Label("IPO", classes="name")
                yield Select([("hold", "hold"), ("file", "file"), ("withdraw", "withdraw")],
                             value="hold", allow_blank=False, compact=True, id="ipo")

    def _gpu_hints(self) -> None:
        """Each generation's price and lead this quarter, or when it goes on sale."""
        game = self.game
        econ = game.econ
        row = econ.row(game.quarter)
        for g, name in enumerate(econ.gpu_names):
            field = self.query_one(f"#field-buy-{name.replace('_', '-')}", NumberField)
            if econ.available[row, g]:
                lead = int(econ.lead[g])
                field.hint = (f"${econ.gpu_price[row, g] / 1000:,.0f}k each, "
                              f"{econ.h100e[g]:.1f} H100e, {lead}q lead")
            else:
                later = [q for q in range(game.quarter, econ.gpu_price.shape[0])
                         if econ.available[econ.row(q), g]]
                field.hint = (f"on sale from {game.calendar(later[0])}" if later
                              else "no longer sold")
            field.input.disabled = not bool(econ.available[row, g])
            field._shown_error = "?"  # redraw the hint
            field._message(None)

    def load(self, plan: Plan) -> None:
        """Show a plan in the fields (the standing decisions carried from last quarter)."""
        self._gpu_hints()
        values = {k: float(np.asarray(v)) for k, v in plan.model_dump().items()
                  if k not in ("gpu_orders", "ipo", "cancel_run")}
        for f in self.query(NumberField):
            if f.key.startswith("buy_"):
                f.set_value(float(np.asarray(plan.gpu_orders.get(f.key[4:], 0.0))))
            elif f.key in values:
                f.set_value(values[f.key])
        self.query_one("#cancel-run", Checkbox).value = bool(plan.cancel_run)
        self.query_one("#ipo", Select).value = str(plan.ipo)
        self.refresh_previews()

    def plan_kwargs(self) -> dict[str, Any]:
        """The fields as Plan arguments; raises FieldError naming the first bad field."""
        kwargs: dict[str, Any] = {"gpu_orders": {}}
        bad: list[str] = []
        for f in self.query(NumberField):
            try:
                v = f.value()
            except FieldError as exc:
                bad.append(f"{f.label}: {exc}")
                continue
            if f.key.startswith("buy_"):
                if v:
                    kwargs["gpu_orders"][f.key[4:]] = v
            elif f.key == "lease_quarters":
                kwargs[f.key] = round(v) if v else 4
            else:
                kwargs[f.key] = v
        if bad:
            raise FieldError(bad[0])
        kwargs["cancel_run"] = self.query_one("#cancel-run", Checkbox).value
        kwargs["ipo"] = self.query_one("#ipo", Select).value
        return kwargs

    @on(Edited)
    def refresh_previews(self) -> None:
        self._allocation_status()
        self._scaling_preview()
        self._pricing_note()

    def _field(self, key: str) -> float | None:
        try:
            return self.query_one(f"#field-{key.replace('_', '-')}", NumberField).value()
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
        """What 1×, 10× and 100× the proposed run buys: size, data, loss, capability, time."""
        game = self.game
        tp = game.params.training
        s = game.state
        proposed = self._field("start_run_flop") or float(s.run_target[0]) or 1e27
        train_share = self._field("training") or 0.0
        eff = 10.0 ** float(s.algo_log_eff[0])
        per_quarter = (float(s.capacity[0]) * max(train_share, 1e-9) * H100_FLOPS * tp.mfu
                       * 91.3 * 86400)
        t = Table(title="Scaling law: what more compute buys", expand=False, box=None,
                  padding=(0, 1))
        for col in ("compute", "params", "tokens", "loss", "capability", "quarters",
                    "rental value"):
            t.add_column(col, justify="right")
        for mult in (1, 10, 100):
            c = proposed * mult
            n, d = optimal_size(np.array([c]), tp)
            cap = float(capability(np.array([c * eff]), tp)[0])
            quarters = c / per_quarter if per_quarter > 0 else float("inf")
            gpu_hours = c / (H100_FLOPS * tp.mfu * 3600)
            cost = gpu_hours * float(s.rental_price[0]) / 1e9
            t.add_row(flop(c), count(float(n[0])), count(float(d[0])),
                      f"{float(loss(n, d, tp)[0]):.3f}", f"{cap:.0f}",
                      "∞" if not np.isfinite(quarters) else f"{quarters:.1f}", money(cost))
        note = (f"\nYour model now: capability {float(s.capability[0]):.0f}. Each 10× of "
                "compute buys a smaller drop in loss: the returns diminish, the bill does not.")
        self.query_one("#scaling-preview", Static).update(t)
        self.query_one("#training-note", Static).update(note)

    def _pricing_note(self) -> None:
        price = self._field("price")
        note = self.query_one("#pricing-note", Static)
        if price is None:
            note.update("")
        elif not 0.1 <= price <= 10:
            note.update("The price must be between 0.1× and 10× the market reference.")
        else:
            note.update(f"At {price:.2f}× the going rate: a higher price earns more per token "
                        "but the logit market share falls; rivals react to deep cuts.")
