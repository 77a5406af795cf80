"""The debrief: why the game ended, its charts, the decisions that mattered (each weighed by
playing the game again without it, game.session.hindsight), every decision by quarter, the
concepts met, and a replay from any quarter with the same luck."""

from __future__ import annotations

import contextlib
from collections import Counter

from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.widgets import Button, Input, Label, Static

from game.engine import Plan
from game.session.game import Game, carry_over
from game.session.hindsight import Decision, weigh
from game.session.rules import why_it_ended
from game.text import money, printable
from game.ui.charts import LineChart, capability_series, money_series
from game.ui.footer import SteadyFooter
from game.ui.format import plain
from game.ui.inputs import InOrderInput
from game.ui.modals import GlossaryModal
from game.ui.title import TitleScreen

# How a game without a decision would have ended, in the debrief's words.
ENDINGS = {"ipo": "listed", "bankrupt": "bankrupt", "ousted": "ousted",
           "irrelevant": "left behind", "horizon": "out of time", "running": "still playing"}
# How many weighed decisions the debrief lists (the rest are counted).
SHOWN = 12


class DebriefScreen(Screen[None]):
    """The end: outcome and score, the game's charts, the decisions that mattered, the
    concepts met, and a replay from any quarter with the same luck."""

    DEFAULT_CSS = """
    /* a scrollbar from the start: the decisions weighed later lengthen the page, and a bar
       appearing then would narrow (and redraw) the charts under the reader's eyes */
    DebriefScreen > VerticalScroll { overflow-y: scroll; }
    DebriefScreen #summary { height: auto; padding: 0 1; }
    DebriefScreen #debrief-charts { height: 14; }
    DebriefScreen .section { text-style: bold; margin-top: 1; padding: 0 1; }
    DebriefScreen #timeline, DebriefScreen #concepts, DebriefScreen #history,
    DebriefScreen #mattered {
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
            if g.market_story:
                yield Label("The class's market: who took customers from whom",
                            classes="section")
                yield Static(plain("\n".join(g.market_story)), id="market-story")
            yield Label("Decisions that mattered"
                        + (" (weighed as if your lab had played alone)" if g.classmates
                           else ""), classes="section")
            yield Static("Weighing each decision: the game played again without it…",
                         id="mattered")
            yield Label("Every decision, quarter by quarter", classes="section")
            yield Static(self._timeline(), id="timeline")
            yield Label("Concepts you met", classes="section")
            yield Static(self._concepts(), id="concepts")
            with Horizontal(id="replay-row"):
                # quarters counted from 1, as the header counts them
                yield Label(f"Replay from quarter (1–{len(g.log)}, {g.calendar(0)}–"
                            f"{g.calendar(len(g.log) - 1)}):")
                yield InOrderInput(str(max(1, len(g.log) - 3)), compact=True, id="replay-quarter")
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
        self._weigh()

    @work(thread=True, exclusive=True, group="hindsight")
    def _weigh(self) -> None:
        def progress(done: int, total: int) -> None:
            if done % 5 == 0 and self.is_attached:  # (the query itself on the app's thread)
                self.app.call_from_thread(self._say_mattered, "Weighing each decision: the "
                                          f"game played again without it… {done}/{total}")
        weighed = weigh(self.game, progress)
        if self.is_attached:
            self.app.call_from_thread(self._show_mattered, weighed)

    def _show_mattered(self, weighed: list[Decision]) -> None:
        self._say_mattered(mattered_table(self.game, weighed))

    def _say_mattered(self, said: str | Table | Text) -> None:
        """What the weighing says, unless the debrief has gone meanwhile (left, or the app
        closing: its widgets are being removed)."""
        if not self.is_attached:
            return
        with contextlib.suppress(NoMatches):
            self.query_one("#mattered", Static).update(said)

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
            f"{h['ownership']:.0%}  ·  cash {money(h['cash'])}"
            + ("" if getattr(self.app, "secret_seed", False) else f"  ·  seed {g.seed}"))

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


def mattered_table(game: Game, weighed: list[Decision]) -> Table | Text:
    """The weighed decisions, largest effect first: what each changed in the score, and what
    differed by the end (capability, sentiment, and the cash lines that moved most over the
    game). Names come from packs: shown as written."""
    if not weighed:
        return Text("No decisions to weigh: the game kept its opening course.")
    more = len(weighed) - SHOWN
    t = Table(box=None, padding=(0, 1), expand=True, caption_justify="left",
              caption="Each against the same game, with the same luck, without it"
                      + (f" ({more} more decision{'s' if more > 1 else ''} weighed less)"
                         if more > 0 else "")
                      + ". One world: another draw of the luck may differ.")
    t.add_column("quarter", style="bold", no_wrap=True)
    t.add_column("decision", ratio=3)
    t.add_column("score", justify="right", no_wrap=True)
    t.add_column("what differed by the end", ratio=2)
    for d in weighed[:SHOWN]:
        words = d.words + (f" (not '{d.against}')" if d.against else "")
        if d.outcome_without != game.outcome:
            words += f"; without it: {ENDINGS[d.outcome_without]}"
        change = d.score_change if abs(d.score_change) >= 0.05 else 0.0
        score = Text(f"{change:+,.1f}" if change else "±0",
                     style="green" if change > 0 else "red" if change < 0 else "")
        said = [f"{name} {'+' if v > 0 else '−'}{abs(v):.0f}" for name, v in d.end_lines]
        said += [f"{name} {'+' if v > 0 else '−'}{money(abs(v))}" for name, v in d.cash_lines]
        t.add_row(game.calendar(d.quarter), plain(words), score, plain(", ".join(said)))
    return t
