"""The main screen's read-only parts: the metrics bar, the four panels and the news feed.

Every widget here is redrawn from the ``Game`` by ``show(game)``; none keeps state of its own.
"""

from __future__ import annotations

import numpy as np
from rich.table import Table
from rich.text import Text
from textual.widgets import RichLog, Sparkline, Static

from game.engine.state import IPO_STAGES
from game.session.game import Game
from game.session.rules import watch
from game.text import IPO_WORDS, count, money, money_range, runway, signed, signed_money
from game.ui.format import plain

OPERATING = ("revenue", "leases", "spot compute", "power", "data-center operations", "staff",
             "other opex", "interest", "lease break penalty")
INVESTING = ("GPU purchases", "data-center construction")
FINANCING = ("equity raised", "debt drawn", "debt repaid", "credit line (automatic)",
             "IPO proceeds")


class MetricsBar(Static):
    """Quarter, cash, runway, sentiment, equity value and IPO stage: always in view, in the
    longest wording that fits the terminal's width."""

    DEFAULT_CSS = """
    MetricsBar { height: 1; background: $panel; color: $text; padding: 0 1; }
    """
    # (labels of sentiment and equity value, separator), longest first
    # (labels of cash, runway, sentiment and equity value; separator), longest first: the IPO's
    # stage is the last thing cut, never dropped (80 columns fit the shortest with room)
    WORDINGS = ((("Cash", "Runway", "Sentiment", "Equity value"), "  "),
                (("Cash", "Runway", "Sentiment", "Equity"), "  "),
                (("Cash", "Runway", "Sentiment", "Equity"), " "),
                (("Cash", "Runway", "Sent.", "Equity"), " "),
                (("Cash", "Run", "Sent.", "Eq."), " "))

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._wordings: list[Text] = []

    def show(self, game: Game) -> None:
        m = game.metrics()
        state = game.state
        sentiment = m["sentiment"]
        mood = "green" if sentiment >= 55 else "yellow" if sentiment >= 35 else "red"
        self._wordings = []
        for (cash, run, sent, equity), sep in self.WORDINGS:
            self._wordings.append(Text.assemble(
                (f"{game.calendar()} ", "bold"),
                f"Q{min(game.quarter + 1, game.horizon)}/{game.horizon}{sep}",
                f"{cash} ", (money(m["cash"]), "bold"), sep,
                f"{run} ", (runway(float(state.runway[0])), "bold"), sep,
                f"{sent} ", (f"{sentiment:.0f}", f"bold {mood}"), sep,
                f"{equity} ", (money(m["valuation"]), "bold"), sep,
                "IPO ", (IPO_WORDS.get(game.ipo_stage, game.ipo_stage), "bold"),
            ))
        self._fit()

    def on_resize(self) -> None:
        self._fit()

    def _fit(self) -> None:
        if not self._wordings:
            return
        width = self.content_region.width
        text = next((t for t in self._wordings if not width or t.cell_len <= width),
                    self._wordings[-1])
        self.update(text)


class WatchLine(Static):
    """The two slow ways to lose, always in view on the Overview: the board's patience and the
    rivals' lead, with a countdown when one is running (game.session.rules)."""

    DEFAULT_CSS = """
    WatchLine { height: auto; padding: 0 1; color: $text-muted; }
    """

    def show(self, game: Game) -> None:
        lines = []
        for c in watch(game):
            if c.danger:
                lines.append(Text.assemble(("⚠ ", "bold red"), plain(c.text, "bold")))
            else:
                lines.append(plain(c.text))  # names a pack's rival
        self.update(Text("\n").join(lines))


CLASSMATES_SHOWN = 5  # in a shared market, the Models panel's classmates


class Panel(Static):
    """A bordered panel whose body is a Rich renderable."""

    DEFAULT_CSS = """
    Panel { border: round $primary 50%; padding: 0 1; height: auto; }
    """

    def __init__(self, title: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.border_title = title


def _table() -> Table:
    # Labels that come from the packs (GPU and model names) go in as Text: data, never markup.
    # The figures take the width they need; the labels the rest (so a narrow panel wraps no
    # label that could fit).
    t = Table.grid(padding=(0, 1), expand=True)
    t.add_column(ratio=1)
    t.add_column(justify="right", no_wrap=True)
    return t


class ComputePanel(Panel):
    def show(self, game: Game) -> None:
        s, econ = game.state, game.econ
        t = _table()
        for g, name in enumerate(econ.gpu_names):
            owned = float(s.owned[0, g])
            coming = float(s.pipeline[0, :, g].sum())
            if owned or coming:
                t.add_row(plain(f"{name} owned"), count(owned) + (f" (+{count(coming)})"
                                                                if coming else ""))
        t.add_row("Leased H100e", count(float(s.lease_qty[0].sum())))
        t.add_row("Capacity H100e", count(float(s.capacity[0])))
        t.add_row("Utilisation", f"{float(s.utilisation[0]):.0%}")
        t.add_row("Power MW", f"{float(s.dc_mw[0]):,.0f}")
        coming_mw = float(s.dc_pipeline[0].sum())
        if coming_mw:  # a row of its own: beside the power, it squeezed the labels at 120 columns
            t.add_row("  being built", f"{coming_mw:,.0f}")
        self.update(t)


class MarketPanel(Panel):
    def show(self, game: Game) -> None:
        econ = game.econ
        row = econ.row(game.quarter)
        t = _table()
        t.add_row("Rental $/H100e-h", f"${float(game.state.rental_price[0]):.2f}")
        for g, name in enumerate(econ.gpu_names):
            if econ.available[row, g]:
                t.add_row(plain(f"{name} price"), f"${econ.gpu_price[row, g] / 1000:,.0f}k")
        # A shared market pools the class's labs' customers (W solo markets): its figures
        # are the class's, as the classmates' shares are (game.session.market).
        labs = len(game.classmates) + 1
        t.add_row("Market $B/yr" if labs == 1 else "Class's market $B/yr",
                  f"{float(game.state.market[0]) * labs:,.0f}")
        t.add_row("Your share", f"{float(game.state.share[0]) / labs:.1%}")
        self.update(t)


class ModelsPanel(Panel):
    def show(self, game: Game) -> None:
        s = game.state
        t = _table()
        t.add_row(Text("You", style="bold cyan"), f"{float(s.capability[0]):.0f}")
        t.add_row("  active params", count(float(s.model_params[0])))
        for r, rival in enumerate(game.params.rivals):
            t.add_row(plain(rival.model_name), f"{float(s.rival_capability[0, r]):.0f}")
        if game.classmates:  # a shared market: the class's labs, the biggest first
            mates = sorted(game.classmates, key=lambda m: -m.share)
            t.add_row(Text("Classmates", style="bold"), "capability · price · share")
            for mate in mates[:CLASSMATES_SHOWN]:
                t.add_row(plain(f"  {mate.lab or 'a lab yet to begin'}"),
                          f"{mate.capability:.0f} · ×{mate.price:.2f} · {mate.share:.1%}")
            if len(mates) > CLASSMATES_SHOWN:
                t.add_row(f"  and {len(mates) - CLASSMATES_SHOWN} more", "")
        if s.run_target[0] > 0:
            done = float(s.run_done[0] / s.run_target[0])
            t.add_row("Run in progress", f"{done:.0%}")
        else:
            t.add_row("Run in progress", "none")
        self.update(t)


class FinancePanel(Panel):
    """P&L (what was earned) and cash flow (what moved the bank balance), kept apart; then what
    the company is worth (equity value = enterprise value + cash + vendor credit − debt) and
    the IPO's book."""

    def show(self, game: Game) -> None:
        s = game.state
        t = _table()
        t.add_row(Text("P&L last quarter", style="bold"), "")
        t.add_row("Revenue", money(float(s.revenue[0])))
        t.add_row("Gross margin", f"{float(s.gross_margin[0]):.0%}")
        t.add_row("Net income", money(float(s.net_income[0])))
        t.add_row(Text("Cash flow", style="bold"), "")
        if game.ledgers:
            lines = dict(game.ledgers[-1].for_world(0, "cash"))
            op = sum(v for k, v in lines.items() if k in OPERATING)
            inv = sum(v for k, v in lines.items() if k in INVESTING)
            fin = sum(v for k, v in lines.items() if k in FINANCING)
            events = sum(v for k, v in lines.items()
                         if k not in OPERATING + INVESTING + FINANCING)
            t.add_row("Operating", money(op))
            t.add_row("Investing", money(inv))
            t.add_row("Financing", money(fin))
            if events:
                t.add_row("Events", money(events))
        else:
            t.add_row("Burn", money(float(s.burn[0])))
        t.add_row(Text("Value", style="bold"), "")
        t.add_row("Equity value", money(float(s.valuation[0])))
        t.add_row("Enterprise value", money(float(s.enterprise_value[0])))
        if game.ipo_stage == "book":
            t.add_row("IPO book", money_range(float(s.ipo_low[0]), float(s.ipo_high[0])))
        self.update(t)


class History(Sparkline):
    """A metric's path over the game so far."""

    DEFAULT_CSS = """
    History { height: 1; margin: 0 1; }
    """

    def __init__(self, metric: str, *, id: str | None = None) -> None:
        super().__init__([], id=id)
        self.metric = metric

    def show(self, game: Game) -> None:
        values = [h[self.metric] for h in game.history]
        self.data = values if len(values) >= 2 else [0.0, 0.0]


class NewsFeed(RichLog):
    """Events and notable changes, newest at the bottom."""

    DEFAULT_CSS = """
    NewsFeed { height: 1fr; min-height: 6; border: round $primary 50%; }
    """

    def on_mount(self) -> None:
        self.border_title = "News"

    def report_quarter(self, game: Game, k: int = -1) -> None:
        """What happened in a quarter played (by default the one just played)."""
        if not game.log:
            return
        k %= len(game.log)
        record, h = game.log[k], game.history[k]
        before = game.history[k - 1] if k > 0 else None
        lines = [Text(game.calendar(record.quarter), style="bold")]
        for event_id, choice in record.choices:
            ev = game.director.events[game.director.index[event_id]]
            lines.append(plain(f"  {ev.event.title} → {ev.choices[choice].choice.label}"))
        for event_id in record.events:
            if event_id not in dict(record.choices):
                ev = game.director.events[game.director.index[event_id]]
                lines.append(plain(f"  {ev.event.title}"))
        if before is not None:
            lines.append(Text(f"  cash {signed_money(h['cash'] - before['cash'])}, sentiment "
                              f"{signed(h['sentiment'] - before['sentiment'])}, equity value "
                              f"{money(h['valuation'])}", style="dim"))
        start = (before or game.start)["ipo_stage"]
        if (record.plan.get("ipo") == "accept" and IPO_STAGES[int(h["ipo_stage"])] != "listed"
                and IPO_STAGES[int(start)] == "book"):  # a book accepted, and no listing
            bar = game.params.ipo.min_sentiment
            lines.append(Text(
                f"  The listing was pulled: sentiment ended the quarter at {h['sentiment']:.0f}"
                + (f", below the {bar:g} a listing needs" if h["sentiment"] < bar else "")
                + ". The filing stands; a new book comes when the conditions hold again.",
                style="bold yellow"))
        if h["unserved"] > 0.05:
            lines.append(Text(f"  GPU-constrained: {h['unserved']:.0%} of demand unserved",
                              style="yellow"))
        for rival in game.params.rivals:
            key = f"rival.{rival.id}"
            if before is not None and h[key] > before[key] + 1e-9:
                lines.append(plain(f"  {rival.model_name} released a new model "
                                  f"({h[key]:.0f})", style="magenta"))
        # Scrolled to the newest at once, not after the next frame (RichLog's way), so the
        # quarter's dashboard is drawn in one frame, not two.
        self.write(Text("\n").join(lines), scroll_end=False)
        self.scroll_end(animate=False, immediate=True, x_axis=False)


def quantile_text(values: np.ndarray) -> str:
    return " · ".join(f"{v:,.1f}" for v in values)
