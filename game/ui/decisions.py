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
from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.containers import Grid, Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Checkbox, Input, Label, Select, Static, TabbedContent, TabPane

from game.engine import Plan, finance, fleet, market
from game.engine.plan import IPO_ACTIONS, field_problem
from game.engine.plan_check import check_plan
from game.session.game import Game
from game.session.rules import ipo_checklist
from game.text import count, money, money_range
from game.ui.charts import LineChart
from game.ui.consequences import (
    allocation_note,
    finance_summary,
    pricing_note,
    procurement_summary,
    round_cap,
    round_note,
    scaling_preview,
)
from game.ui.dashboard import (
    ComputePanel,
    FinancePanel,
    MarketPanel,
    ModelsPanel,
    NewsFeed,
    WatchLine,
)
from game.ui.format import plain
from game.ui.inputs import InOrderInput


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


# What alt+1 … alt+6 arrive as from most Linux terminals and tmux (ESC and the digit), as
# Textual reads them: the characters option+digit types on a Mac ("¡™£¢∞§").
ALT_DIGIT_KEYS = ("inverted_exclamation_mark", "trade_mark_sign", "pound_sign", "cent_sign",
                  "infinity", "section_sign")


class FieldInput(InOrderInput):
    """A field's input: alt+digit switches tabs (the screen's binding) and types nothing."""

    async def _on_key(self, event: events.Key) -> None:
        # (Textual runs the parents' handlers after this one unless the default is prevented)
        if event.key in ALT_DIGIT_KEYS:
            event.prevent_default()


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
    NumberField.-focused Label.name { color: $accent; text-style: bold; }
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
        yield FieldInput("0", compact=True, id=f"input-{field_id(self.key)}")
        yield Static(self.hint, classes="hint", markup=False)

    @property
    def input(self) -> Input:
        return self.query_one(Input)

    # The field's name marked while its input has focus (part of the focus ring; a class set
    # here, as Textual does not restyle a child when :focus-within changes).
    def on_descendant_focus(self) -> None:
        self.add_class("-focused")

    def on_descendant_blur(self) -> None:
        self.remove_class("-focused")

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
            # the plan's own bounds, said as typed (no 1e300 GPUs wait for the quarter's end)
            problem = problem or field_problem(_plan_field(self.key), v)
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


IPO_CHOICES = {"hold": "hold", "file": "file: begin the listing",
               "withdraw": "withdraw the filing", "accept": "accept the book"}


def _plan_field(key: str) -> str:
    """The Plan field a NumberField fills ('buy_H100' fills gpu_orders)."""
    for prefix, name in (("buy_", "gpu_orders"), ("sell_", "sell_gpus")):
        if key.startswith(prefix):
            return name
    return key


def _tokens_per_parameter(value: float) -> str | None:
    """0 (blank) or a k the engine accepts."""
    if value and not 1 <= value <= 2000:
        return "1–2,000, or blank for the industry's practice"
    return None


def _headcount(value: float) -> str | None:
    """Within what the plan accepts (game.engine.plan), said as typed."""
    return "within ±1,000,000 people a quarter" if abs(value) > 1e6 else None


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

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, Decisions.Edited)  # one redraw for a burst of keys

    DEFAULT_CSS = """
    Decisions { height: 1fr; }
    Decisions .status { color: $error; height: auto; }
    Decisions .preview { height: auto; margin-top: 1; }
    Decisions .note { height: auto; margin: 0 0 1 0; color: $text-muted; }
    Decisions .ipo-row { height: 1; }
    Decisions .ipo-row Label.name { width: 24; }
    Decisions .ipo-row Select { width: 28; }
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
        with TabPane("Overview", id="tab-overview"):
            yield WatchLine(id="watch")  # the countdowns stay in view: above the scrolling part
            with VerticalScroll(id="overview-scroll"):
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
            yield Static("", classes="preview", id="allocation-note", markup=False)
        with TabPane("Training", id="tab-training"), VerticalScroll():
            yield NumberField("start_run_flop", "Start run (FLOP)", hint="e.g. 5e27",
                              check=self._run_problem)
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
            yield NumberField("draw_debt", "Draw debt $B")
            yield NumberField("repay_debt", "Repay debt $B")
            yield NumberField("hire", "Hire (− to lay off)", signed=True, hint="staff",
                              check=_headcount)
            with Horizontal(classes="ipo-row"):
                yield Label("IPO", classes="name")
                yield Select([("hold", "hold")], value="hold", allow_blank=False,
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
        for f in self.query(NumberField):
            if _plan_field(f.key) in disabled:
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
        self._debt_hints()
        self._run_hints()
        self.query_one("#cancel-run", Checkbox).value = bool(plan.cancel_run)
        ipo = self.query_one("#ipo", Select)
        ipo.set_options(self._ipo_choices(str(plan.ipo)))
        ipo.value = str(plan.ipo)
        self.refresh_previews()

    def _debt_hints(self) -> None:
        """The credit line left and what is owed, beside the debt fields, and both checked as
        typed (the plan's check says the same at the quarter's end)."""
        s, fp = self.game.state, self.game.params.finance
        limit = float(finance.credit_limit(fp, s.revenue)[0])
        owed = float(s.debt[0])
        headroom = max(limit - owed, 0.0)
        draw, repay = self._field_widget("draw_debt"), self._field_widget("repay_debt")
        draw.set_hint(f"{money(headroom)} left of a {money(limit)} line "
                      f"({(fp.base_rate + fp.credit_spread):.1%} a year)")
        draw.check = lambda v: (f"the credit line has {money(headroom)} left"
                                if v > headroom + 1e-9 else None)
        repay.set_hint(f"you owe {money(owed)}")
        repay.check = lambda v: f"you owe {money(owed)}" if v > owed + 1e-9 else None

    def _ipo_choices(self, chosen: str) -> list[tuple[str, str]]:
        """The IPO steps open at the listing's stage (and the plan's own, so that its check can
        say what is wrong with it)."""
        open_at = {"none": ("hold", "file"), "filed": ("hold", "withdraw"),
                   "book": ("hold", "accept", "withdraw"), "listed": ("hold",)}
        steps = open_at[self.game.ipo_stage]
        return [(IPO_CHOICES[a], a) for a in IPO_ACTIONS if a in steps or a == chosen]

    def _run_problem(self, flop: float) -> str | None:
        """A second run cannot start while one is in progress (the plan's check, as typed)."""
        s = self.game.state
        boxes = self.query("#cancel-run")
        cancelled = bool(boxes) and boxes.first(Checkbox).value
        if flop > 0 and float(s.run_target[0]) > 0 and not cancelled:
            return (f"a run is in progress ({float(s.run_done[0] / s.run_target[0]):.0%} done): "
                    "tick 'Cancel the run in progress' below to start another now")
        return None

    @on(Checkbox.Changed, "#cancel-run")
    def _cancel_changed(self) -> None:
        with contextlib.suppress(FieldError):  # shown beside the field
            self._field_widget("start_run_flop").value()
        self.post_message(Decisions.Edited())

    def _run_hints(self) -> None:
        """The run in progress beside the fields that act on it (or that there is none)."""
        s = self.game.state
        target = float(s.run_target[0])
        start = self._field_widget("start_run_flop")
        cancel = self.query_one("#cancel-run", Checkbox)
        if target > 0:
            start.set_hint(f"a run of {target:.1e} FLOP is {float(s.run_done[0]) / target:.0%} "
                           "done; another can start once it ends")
            cancel.label = "Cancel the run in progress"
        else:
            start.set_hint("no run in progress; e.g. 5e27")
            cancel.label = "Cancel the run in progress (there is none)"
        if "cancel_run" not in self.game.params.scenario.disabled_actions:
            cancel.disabled = target <= 0

    def plan_kwargs(self) -> dict[str, Any]:
        """The fields as Plan arguments; raises FieldError naming every bad field."""
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
            raise FieldError("; ".join(bad))
        kwargs["cancel_run"] = self.query_one("#cancel-run", Checkbox).value
        kwargs["ipo"] = self.query_one("#ipo", Select).value
        return kwargs

    @on(Edited)
    @on(Select.Changed, "#ipo")
    def refresh_previews(self) -> None:
        self._allocation_status()
        self._ipo_status()
        game = self.game
        orders = np.array([[self._field(f"buy_{n}") or 0.0 for n in game.econ.gpu_names]])
        build = self._field("datacenter_mw") or 0.0
        self._field_widget("raise_equity").set_hint(
            round_note(game, self._field("raise_equity") or 0.0))
        self.query_one("#procurement-summary", Static).update(
            procurement_summary(game, orders, build))
        raised = (min(self._field("raise_equity") or 0.0, round_cap(game))
                  + (self._field("draw_debt") or 0.0))
        self.query_one("#finance-summary", Static).update(
            finance_summary(game, orders, build, raised, self._field("repay_debt") or 0.0,
                            self._field("lease_h100e") or 0.0, self._field("hire") or 0.0))
        self.query_one("#pricing-note", Static).update(pricing_note(game, self._field("price")))
        scaling, sizes, note = scaling_preview(game, self._field("start_run_flop"),
                                               self._field("tokens_per_parameter"),
                                               self._field("training"))
        self.query_one("#scaling-preview", Static).update(scaling)
        self.query_one("#size-preview", Static).update(sizes)
        self.query_one("#training-note", Static).update(note)

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
        if abs(total - 1.0) >= 1e-6:
            status.update(f"The shares make {total:.0%}: training + serving + research must "
                          "make 100%.")
            note = ""
        else:
            status.update("")
            note = allocation_note(self.game, *parts, self._field("price"))
        self.query_one("#allocation-note", Static).update(note)

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
