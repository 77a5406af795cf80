"""The main game screen and the debrief."""

from __future__ import annotations

from collections import Counter
from functools import partial

from pydantic import ValidationError
from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Input, Label, Static

from game.classroom.inject import apply_injections
from game.engine import Plan, PlanError
from game.session.game import Game, GameError, PendingEvent, carry_over
from game.session.rules import why_it_ended
from game.text import money, printable
from game.ui.charts import LineChart
from game.ui.dashboard import (
    ComputePanel,
    FinancePanel,
    MarketPanel,
    MetricsBar,
    ModelsPanel,
    NewsFeed,
    WatchLine,
)
from game.ui.decisions import Decisions, FieldError
from game.ui.footer import SteadyFooter
from game.ui.format import plain
from game.ui.modals import (
    EventModal,
    GlossaryModal,
    NoticeModal,
    PreviewModal,
    WhyModal,
)
from game.ui.title import TitleScreen


def capability_series(game: Game, points: list[dict[str, float]]) -> dict[str, list[float]]:
    series = {"You": [h["capability"] for h in points]}
    for rival in game.params.rivals:
        series[rival.model_name] = [h[f"rival.{rival.id}"] for h in points]
    return series


def money_series(points: list[dict[str, float]]) -> dict[str, list[float]]:
    return {"cash": [h["cash"] for h in points],
            "equity value/10": [h["valuation"] / 10 for h in points]}


class GameScreen(Screen[None]):
    """The dashboard and the decision tabs; `e` ends the quarter."""

    DEFAULT_CSS = """
    GameScreen #body { height: 1fr; }
    GameScreen #panels {
        grid-size: 2; grid-columns: 1fr 1fr; height: auto; grid-gutter: 0 1;
    }
    GameScreen.-wide #panels { grid-size: 4; grid-columns: 1fr 1fr 1fr 1fr; }
    GameScreen #hint { height: auto; background: $boost; color: $warning; padding: 0 1; }
    GameScreen #hint.-hidden { display: none; }
    GameScreen #charts { height: 11; }
    GameScreen.-narrow #charts { display: none; }
    GameScreen #overview-scroll { height: 1fr; }
    GameScreen #status { height: auto; color: $error; padding: 0 1; }
    """
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (120, "-wide")]
    BINDINGS = [
        Binding("e", "end_quarter", "End quarter", id="game.end_quarter"),
        Binding("w", "why", "Why?", id="game.why"),
        Binding("g", "glossary", "Glossary", id="game.glossary"),
        Binding("ctrl+s", "save", "Save", id="game.save"),
        Binding("escape", "leave_field", "Leave the field", show=False, id="game.leave_field"),
        Binding("1", "tab('tab-overview')", "Overview", show=False, id="game.tab.overview"),
        Binding("2", "tab('tab-procurement')", "Procurement", show=False,
                id="game.tab.procurement"),
        Binding("3", "tab('tab-allocation')", "Allocation", show=False, id="game.tab.allocation"),
        Binding("4", "tab('tab-training')", "Training", show=False, id="game.tab.training"),
        Binding("5", "tab('tab-pricing')", "Pricing", show=False, id="game.tab.pricing"),
        Binding("6", "tab('tab-finance')", "Finance & IPO", show=False, id="game.tab.finance"),
        # alt+1–6 switch tabs even while a field has the cursor (a digit there is typed)
        *[Binding(f"alt+{n}", f"tab('tab-{tab}')", f"Tab {n}", show=False, priority=True,
                  id=f"game.tab.alt.{tab}")
          for n, tab in enumerate(("overview", "procurement", "allocation", "training",
                                   "pricing", "finance"), start=1)],
    ]

    def __init__(self, game: Game) -> None:
        super().__init__()
        self.game = game
        # A quarter has ended and the dashboard still shows the one before: it is brought up
        # to date behind the last dialog that covers it (the preview's, or an event's), so the
        # frame that uncovers it draws it once.
        self._stale = False

    def compose(self) -> ComposeResult:
        yield MetricsBar(id="metrics")
        yield Static("", id="hint", classes="-hidden")
        yield Decisions(self.game, id="decisions")
        yield Static("", id="status")
        yield SteadyFooter()

    def on_mount(self) -> None:
        self.take_injections()
        self.refresh_all()
        self.query_one(NewsFeed).write(Text(" ".join(self.game.scenario.briefing.split()),
                                            style="italic"))
        self.call_after_refresh(self.show_events)

    # --- redraw ------------------------------------------------------------------------

    def refresh_all(self) -> None:
        game = self.game
        self.query_one(MetricsBar).show(game)
        for panel in (WatchLine, ComputePanel, MarketPanel, ModelsPanel, FinancePanel):
            self.query_one(panel).show(game)
        labels, points = game.timeline()
        self.query_one("#chart-capability", LineChart).show(labels, capability_series(game, points))
        self.query_one("#chart-money", LineChart).show(labels, money_series(points))
        self.query_one(Decisions).load(game.plan)
        self._hint()
        self.query_one("#status", Static).update("")

    def _hint(self) -> None:
        hints = [h.text for h in getattr(self.game.scenario, "hints", [])
                 if h.quarter == self.game.quarter]
        box = self.query_one("#hint", Static)
        box.update(plain("Hint: " + " ".join(hints) if hints else ""))
        box.set_class(not hints, "-hidden")

    # --- events ------------------------------------------------------------------------

    def take_injections(self) -> None:
        """In a class: the instructor's live events due at this quarter start."""
        if self.app.class_dir is None or not self.game.running:
            return
        injected = apply_injections(self.game, self.app.class_dir)
        if injected:
            self.app.autosave(self.game)

    def show_events(self) -> None:
        """Show this quarter's events one after another (those with choices wait for one).
        After a quarter, the dashboard is brought up to date while the last dialog covers it, so
        the frame that uncovers it is drawn once, new."""
        p = self._next_dialog()
        if p is None:
            self._update_if_last()
            return
        concept = self.app.content.glossary.get(p.concept) if p.concept else None
        if p.needs_choice:
            self.app.push_screen(EventModal(p, concept, on_choice=partial(self._choose, p)),
                                 lambda _: self.show_events())
            return
        p._seen = 1  # type: ignore[attr-defined]
        self.app.push_screen(NoticeModal(p.title, p.text.strip(),
                                         f"Concept: {concept.term}" if concept else ""),
                             lambda _: self.show_events())
        self._update_if_last()  # behind the notice, if no dialog follows it

    def _next_dialog(self) -> PendingEvent | None:
        """The next event to show: news first (each once), then those awaiting a choice."""
        pending = self.game.pending
        return (next((p for p in pending if not p.choices and not getattr(p, "_seen", 0)), None)
                or next((p for p in pending if p.needs_choice), None))

    def _choose(self, pending: PendingEvent, choice: int) -> None:
        """The lab's choice, taken while its dialog still shows (``EventModal.on_choice``)."""
        try:
            self.game.choose(pending.id, choice)
        except GameError as exc:
            self.notify(printable(str(exc)), severity="error", markup=False)
            return
        self._update_if_last()

    def _update_if_last(self) -> None:
        """Bring the dashboard up to date after a quarter once no dialog is left to show."""
        if self._stale and self._next_dialog() is None:
            self._show_quarter()

    # --- actions -----------------------------------------------------------------------

    @on(Decisions.Edited)
    def _clear_status(self) -> None:
        """A field changed: what the last end-quarter said about the plan may no longer hold."""
        self.query_one("#status", Static).update("")

    def action_leave_field(self) -> None:
        """Out of a text field, so that e, w, g and 1–6 act again (in a field they are typed)."""
        self.set_focus(None)

    def action_tab(self, tab: str) -> None:
        self.set_focus(None)  # out of the last tab's field: digits switch tabs again
        self.query_one(Decisions).active = tab

    def action_end_quarter(self) -> None:
        if not self.game.running or self.app.screen is not self:  # a held e, a finished game
            return
        status = self.query_one("#status", Static)
        if any(p.needs_choice for p in self.game.pending):
            self.show_events()
            return
        try:
            plan = Plan(**self.query_one(Decisions).plan_kwargs())
            self.game.submit(plan)
        except FieldError as exc:
            status.update(plain(f"Fix the plan first: {exc}"))
            return
        except ValidationError as exc:
            first = exc.errors()[0]
            status.update(plain("Fix the plan first: " + str(first.get("msg", exc)).removeprefix(
                "Value error, ")))
            return
        except PlanError as exc:
            status.update(plain("The lab cannot do this: " + "; ".join(exc.problems)))
            return
        self.app.push_screen(PreviewModal(self.game, on_confirm=self.end_quarter_now),
                             self._after_quarter)

    def end_quarter_now(self) -> bool:
        """End the quarter (the preview's confirmation, while the preview still shows); returns
        whether it ended. When no event dialog follows, the dashboard is brought up to date
        behind the preview, so the frame that uncovers it draws it once, new."""
        try:
            self.game.end_quarter()
        except GameError as exc:
            self.notify(printable(str(exc)), severity="error", markup=False)
            return False
        self.take_injections()
        self.app.autosave(self.game)
        self._stale = True
        if self.game.running:  # (a finished game goes to the debrief instead)
            self._update_if_last()
        return True

    def _after_quarter(self, ended: bool | None) -> None:
        """Once the preview has closed: the quarter's events, or the debrief."""
        if not ended:
            return
        if not self.game.running:
            self.app.switch_screen(DebriefScreen(self.game))
            return
        self.show_events()

    def _show_quarter(self) -> None:
        """The dashboard after a quarter: its news, then every panel."""
        self._stale = False
        self.query_one(NewsFeed).report_quarter(self.game)
        self.refresh_all()

    def action_why(self) -> None:
        self.app.push_screen(WhyModal(self.game))

    def action_glossary(self) -> None:
        self.app.push_screen(GlossaryModal(self.app.content.glossary))

    def action_save(self) -> None:
        """Save now, the quarter in progress included: the plan as typed (when the lab can
        carry it out) and the events answered, so a reload comes back to this very screen."""
        self.keep_typed_plan()
        self.app.save(self.game, announce=True)

    def keep_typed_plan(self) -> bool:
        """Make the typed plan the game's (what a save keeps); False if it cannot be (a field is
        wrong, or the lab cannot carry it out), which the status line then says."""
        if not self.game.running:
            return False
        try:
            self.game.submit(Plan(**self.query_one(Decisions).plan_kwargs()))
        except (FieldError, ValidationError, PlanError) as exc:
            said = "; ".join(exc.problems) if isinstance(exc, PlanError) else str(exc)
            self.query_one("#status", Static).update(plain(
                f"Saved with the plan as it last stood: the one typed has a problem ({said})"))
            return False
        return True


class DebriefScreen(Screen[None]):
    """The end: outcome and score, the game's charts, the decisions that mattered, the
    concepts met, and a replay from any quarter with the same luck."""

    DEFAULT_CSS = """
    DebriefScreen #summary { height: auto; padding: 0 1; }
    DebriefScreen #debrief-charts { height: 14; }
    DebriefScreen .section { text-style: bold; margin-top: 1; padding: 0 1; }
    DebriefScreen #timeline, DebriefScreen #concepts, DebriefScreen #history {
        height: auto; padding: 0 1;
    }
    DebriefScreen #replay-row { height: 1; margin: 1 1; }
    DebriefScreen #replay-row Label { width: auto; margin-right: 1; }
    DebriefScreen #replay-row Input { width: 8; margin-right: 1; }
    DebriefScreen .error { color: $error; padding: 0 1; }
    """
    BINDINGS = [
        Binding("r", "replay", "Replay from quarter…", id="debrief.replay"),
        Binding("n", "new_game", "New game", id="debrief.new"),
        Binding("g", "glossary", "Glossary", id="debrief.glossary"),
    ]

    def __init__(self, game: Game) -> None:
        super().__init__()
        self.game = game

    def compose(self) -> ComposeResult:
        g = self.game
        with VerticalScroll():
            yield Static(self._summary(), id="summary")
            with Horizontal(id="debrief-charts"):
                yield LineChart("Capability", id="debrief-capability")
                yield LineChart("Money ($B)", id="debrief-money")
                yield LineChart("Sentiment", id="debrief-sentiment")
            if g.against_history():
                yield Label("You and history", classes="section")
                yield Static(self._history(), id="history")
            yield Label("Decisions that mattered", classes="section")
            yield Static(self._timeline(), id="timeline")
            yield Label("Concepts you met", classes="section")
            yield Static(self._concepts(), id="concepts")
            with Horizontal(id="replay-row"):
                # quarters counted from 1, as the header counts them
                yield Label(f"Replay from quarter (1–{len(g.log)}, {g.calendar(0)}–"
                            f"{g.calendar(len(g.log) - 1)}):")
                yield Input(str(max(1, len(g.log) - 3)), compact=True, id="replay-quarter")
                yield Button("Replay (r)", compact=True, id="replay")
            yield Static("", classes="error", id="replay-error")
        yield SteadyFooter()

    def on_mount(self) -> None:
        labels, points = self.game.timeline()
        self.query_one("#debrief-capability", LineChart).show(
            labels, capability_series(self.game, points))
        self.query_one("#debrief-money", LineChart).show(labels, money_series(points))
        self.query_one("#debrief-sentiment", LineChart).show(
            labels, {"sentiment": [h["sentiment"] for h in points]})

    def _summary(self) -> Text:
        g = self.game
        words = {"ipo": "You listed the company.", "bankrupt": "The cash ran out.",
                 "ousted": "The board lost patience and replaced you.",
                 "irrelevant": "The rivals left your models behind.",
                 "horizon": "Time ran out before an IPO.", "running": "The game goes on."}
        h = g.history[-1] if g.history else g.metrics()
        return Text.assemble(
            (printable(f"{g.lab} — {g.scenario.title}\n"), "bold"),
            (words[g.outcome], "bold"), f" ({g.outcome}, {g.calendar(len(g.log) - 1)})\n",
            plain(why_it_ended(g) + "\n"),
            f"Score {g.score:,.1f}  ·  equity value {money(h['valuation'])}  ·  your stake "
            f"{h['ownership']:.0%}  ·  cash {money(h['cash'])}  ·  seed {g.seed}")

    def _history(self) -> Table:
        """The scenario's record of what really happened beside this lab, quarter by quarter."""
        names = {"runrate": "run-rate, a year", "valuation": "private valuation",
                 "rental_price": "H100 rental, an hour"}
        t = Table(box=None, padding=(0, 1))
        t.add_column("end of", style="bold", no_wrap=True)
        t.add_column("figure")
        t.add_column("what happened", justify="right")
        t.add_column("your lab", justify="right")
        t.add_column("", justify="right")
        for row in self.game.against_history():
            shown = (lambda x: f"${x:,.2f}") if row.metric == "rental_price" else money
            t.add_row(row.quarter, names[row.metric], shown(row.recorded), shown(row.played),
                      f"{row.played / row.recorded:.2f}×" if row.recorded > 0 else "")
        return t

    def _timeline(self) -> Table:
        g = self.game
        t = Table(box=None, padding=(0, 1), expand=True)
        t.add_column("quarter", style="bold", no_wrap=True)
        t.add_column("what you decided")
        standing = carry_over(Plan())
        for record in g.log:
            plan = Plan(**record.plan)
            # what was decided this quarter: not the standing decisions carried from the last
            parts = [p for p in plan.parts() if p not in standing.parts()]
            standing = carry_over(plan)
            for event_id, choice in record.choices:
                ev = g.director.events[g.director.index[event_id]]
                parts.append(f"{ev.event.title}: {ev.choices[choice].choice.label}")
            if parts:
                t.add_row(g.calendar(record.quarter), plain("; ".join(parts)))  # pack text
        return t

    def _concepts(self) -> Text:
        g = self.game
        met = Counter()
        for record in g.log:
            for event_id in record.events:
                concept = g.director.events[g.director.index[event_id]].event.concept
                if concept:
                    met[concept] += 1
        glossary = self.app.content.glossary
        names = [glossary[c].term for c, _ in met.most_common() if c in glossary]
        return plain(", ".join(names) if names else "No events taught a concept this time.")

    @on(Button.Pressed, "#replay")
    @on(Input.Submitted, "#replay-quarter")
    def action_replay(self) -> None:
        text = self.query_one("#replay-quarter", Input).value.strip()
        error = self.query_one("#replay-error", Static)
        if not text.isdigit() or not 1 <= int(text) <= len(self.game.log):
            error.update(f"Give a quarter from 1 to {len(self.game.log)}.")
            return
        q = int(text) - 1
        forked = self.game.fork(q)
        # A branch of its own: it saves beside the original instead of over it.
        forked.lab = f"{self.game.lab} from {self.game.calendar(q)}"
        self.app.start_game(forked, replace=True)

    def action_new_game(self) -> None:
        self.app.switch_screen(TitleScreen())
        self.app.call_after_refresh(self.app.screen.action_new_game)

    def action_glossary(self) -> None:
        self.app.push_screen(GlossaryModal(self.app.content.glossary))
