"""Dialogs over the game: an event's choices, "Why?", the glossary, help, the preview."""

from __future__ import annotations

from collections.abc import Callable

from rich.table import Table
from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Input, Label, OptionList, Select, Static
from textual.widgets.option_list import Option

from game.engine import METRICS
from game.packs.schema import Concept
from game.session.game import Game, PendingEvent
from game.session.projection import Projection, project
from game.ui.charts import FanChart
from game.ui.dialog import DIALOG_CSS, Dialog
from game.ui.format import plain
from game.ui.inputs import InOrderInput
from game.ui.memory import give_back


class EventModal(Dialog[int]):
    """An event and its choices; dismissed with the chosen index. Each choice's teaching note
    shows as the choice is highlighted."""

    DEFAULT_CSS = DIALOG_CSS.format(name="EventModal") + """
    EventModal OptionList { height: auto; max-height: 8; }
    EventModal .text { margin-bottom: 1; }
    """
    BINDINGS = [Binding("g", "glossary", "Glossary", id="event.glossary")]

    def __init__(self, event: PendingEvent, concept: Concept | None,
                 on_choice: Callable[[int], None] | None = None) -> None:
        super().__init__()
        self.event = event
        self.concept = concept
        # Called with the choice before the dialog closes, so that what the choice changes is
        # drawn in the same frame as the screen the dialog uncovers.
        self.on_choice = on_choice

    def compose(self) -> ComposeResult:
        ev = self.event
        with Vertical() as box:
            # the keys in the border (a dialog has no footer)
            box.border_subtitle = "↑↓ choose · enter answer" + (
                " · g concept" if self.concept is not None else "")
            yield Label(plain(("⚠ " if ev.major else "") + ev.title), classes="title")
            if ev.live:
                yield live_line(ev.live_note)
            yield Static(plain(ev.text.strip()), classes="text")
            yield OptionList(*[
                Option(plain(c.label + ("" if c.available else "  (not open to you now)")),
                       id=str(c.index), disabled=not c.available)
                for c in ev.choices], id="choices")
            # The note of the choice highlighted first, so highlighting it changes nothing
            # (no second layout before the dialog's first frame).
            self._shown_note = (ev.choices[self._first()].note or "") if ev.choices else ""
            yield Static(plain(self._shown_note), classes="note", id="choice-note")
            if self.concept is not None:
                yield Static(Text.assemble(("Concept: ", "bold"), plain(self.concept.term), " — ",
                                           plain(self.concept.definition)), classes="note")

    def _first(self) -> int:
        """The choice highlighted when the dialog opens: the first one open to the lab."""
        return next((c.index for c in self.event.choices if c.available), 0)

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        options.highlighted = self._first()
        options.focus()

    @on(OptionList.OptionHighlighted)
    def _note(self, message: OptionList.OptionHighlighted) -> None:
        note = self.event.choices[int(message.option.id or 0)].note or ""
        if note != self._shown_note:
            self._shown_note = note
            self.query_one("#choice-note", Static).update(plain(note))

    @on(OptionList.OptionSelected)
    def _chosen(self, message: OptionList.OptionSelected) -> None:
        choice = int(message.option.id or 0)
        if not self.is_open:  # a held Enter selects again before the dialog has gone
            return
        if self.on_choice is not None:
            self.on_choice(choice)
        self.close(choice)

    def action_glossary(self) -> None:
        if self.concept is not None:
            self.app.push_screen(GlossaryModal(self.app.content.glossary, self.concept.id))


def live_line(note: str) -> Static:
    """What marks a class's live event: sent by the instructor, with what they said of it."""
    said = Text.assemble(("Live event from your instructor", "bold reverse"))
    if note.strip():
        said.append_text(Text.assemble(": ", plain(note.strip())))
    return Static(said, classes="live")


class NoticeModal(Dialog[None]):
    """An event without choices: what happened, and its lesson."""

    DEFAULT_CSS = DIALOG_CSS.format(name="NoticeModal")
    BINDINGS = [Binding("escape,enter", "dismiss", "Close", id="notice.close")]

    def __init__(self, title: str, body: str, note: str = "",
                 live: tuple[str] | None = None) -> None:
        super().__init__()
        self.title_text, self.body, self.note = title, body, note
        self.live = live  # a class's live event: (the instructor's note,)

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(plain(self.title_text), classes="title")
            if self.live is not None:
                yield live_line(self.live[0])
            yield Static(plain(self.body))
            if self.note:
                yield Static(plain(self.note), classes="note")
            with Horizontal(classes="buttons"):
                yield Button("OK", variant="primary", id="ok")

    def on_mount(self) -> None:
        self.query_one("#ok", Button).focus()

    @on(Button.Pressed, "#ok")
    def _ok(self) -> None:
        self.close(None)


# Each ledger metric's unit in Why?: (words, scale, decimals). The ledger keeps $B and points;
# the stake is a share, shown in percentage points.
WHY_UNITS = {"cash": ("$B", 1.0, 3), "valuation": ("$B", 1.0, 3), "revenue": ("$B", 1.0, 3),
             "debt": ("$B", 1.0, 3), "sentiment": ("points of 100", 1.0, 2),
             "capability": ("points", 1.0, 2), "ownership": ("percentage points", 100.0, 3)}


class WhyModal(Dialog[None]):
    """Why a headline metric moved last quarter: the ledger's contributions, which sum to the
    change exactly."""

    DEFAULT_CSS = DIALOG_CSS.format(name="WhyModal")
    BINDINGS = [Binding("escape,w", "close", "Close", id="why.close")]

    def __init__(self, game: Game, metric: str = "cash") -> None:
        super().__init__()
        self.game, self.metric = game, metric

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Why? What moved each number last quarter", classes="title")
            yield Select([(m, m) for m in METRICS], value=self.metric, allow_blank=False,
                         compact=True, id="metric")
            with VerticalScroll():
                yield Static(id="breakdown")
            with Horizontal(classes="buttons"):
                yield Button("Close", id="close")

    def on_mount(self) -> None:
        self._show()

    @on(Select.Changed, "#metric")
    def _pick(self, message: Select.Changed) -> None:
        self.metric = str(message.value)
        self._show()

    def _show(self) -> None:
        out = self.query_one("#breakdown", Static)
        if not self.game.ledgers:
            out.update("Nothing has happened yet: end a quarter first.")
            return
        rows = self.game.ledgers[-1].for_world(0, self.metric)
        unit, scale, digits = WHY_UNITS[self.metric]
        t = Table(box=None, expand=True, padding=(0, 1))
        t.add_column("contribution")
        t.add_column(f"change, {unit}", justify="right")
        for name, v in rows:
            t.add_row(plain(name), f"{v * scale:+,.{digits}f}")
        t.add_row(Text("total change", style="bold"),
                  Text(f"{sum(v for _, v in rows) * scale:+,.{digits}f}", style="bold"))
        out.update(t if rows else f"No change in {self.metric} last quarter.")

    @on(Button.Pressed, "#close")
    def action_close(self) -> None:
        self.close(None)


class GlossaryModal(Dialog[None]):
    """Every concept the packs teach, searchable."""

    DEFAULT_CSS = DIALOG_CSS.format(name="GlossaryModal") + """
    GlossaryModal OptionList { height: 8; }
    GlossaryModal #definition { height: auto; margin-top: 1; }
    """
    BINDINGS = [Binding("escape", "close", "Close", id="glossary.close"),
                Binding("down", "move(1)", show=False, id="glossary.down"),
                Binding("up", "move(-1)", show=False, id="glossary.up")]

    def __init__(self, glossary: dict[str, Concept], selected: str | None = None) -> None:
        super().__init__()
        self.glossary, self.selected = glossary, selected

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_subtitle = "type to search · ↑↓ terms · esc close"
            yield Label("Glossary", classes="title")
            yield InOrderInput(placeholder="search: e.g. burn, lease, chinchilla", compact=True,
                        id="search")
            yield OptionList(id="terms")
            yield Static(id="definition")

    def on_resize(self, event: events.Resize) -> None:
        # the definition in full at 80×24 (up to ten lines): fewer terms shown at once there
        self.query_one("#terms", OptionList).styles.height = (
            8 if event.size.height >= 30 else max(3, event.size.height - 20))

    def on_mount(self) -> None:
        self._filter("")
        if self.selected in self.glossary:
            self._show(self.selected)
        self.query_one("#search", Input).focus()

    @on(Input.Changed, "#search")
    def _search(self, message: Input.Changed) -> None:
        self._filter(message.value)

    def _filter(self, text: str) -> None:
        words = text.lower().split()
        terms = self.query_one("#terms", OptionList)
        terms.clear_options()
        for cid, c in sorted(self.glossary.items(), key=lambda kv: kv[1].term.lower()):
            blob = f"{c.term} {c.definition} {c.why_it_matters}".lower()
            if all(w in blob for w in words):
                terms.add_option(Option(plain(c.term), id=cid))
        if terms.option_count:
            # the concept it was opened on (an event's), while it matches; else the first
            ids = [terms.get_option_at_index(i).id for i in range(terms.option_count)]
            terms.highlighted = ids.index(self.selected) if self.selected in ids else 0

    def action_move(self, step: int) -> None:
        """↑↓ from the search field move through the terms (the list's own keys when it has
        focus)."""
        terms = self.query_one("#terms", OptionList)
        if terms.option_count:
            now = terms.highlighted if terms.highlighted is not None else -step
            terms.highlighted = min(max(now + step, 0), terms.option_count - 1)

    @on(OptionList.OptionHighlighted, "#terms")
    def _highlight(self, message: OptionList.OptionHighlighted) -> None:
        self._show(message.option.id or "")

    def _show(self, cid: str) -> None:
        c = self.glossary.get(cid)
        if c is None:
            return
        self.query_one("#definition", Static).update(Text.assemble(
            plain(c.term, "bold"), "\n", plain(c.definition.strip()), "\n\n",
            ("Why it matters: ", "bold"), plain(c.why_it_matters.strip())))

    def action_close(self) -> None:
        self.close(None)


class HelpModal(Dialog[None]):
    """Every key of the screen underneath, read from its bindings (so it is never stale)."""

    DEFAULT_CSS = DIALOG_CSS.format(name="HelpModal")
    BINDINGS = [Binding("escape,question_mark,f1", "close", "Close", id="help.close")]

    def __init__(self, rows: list[tuple[str, str]], intro: str,
                 hints: list[tuple[str, str]] | None = None) -> None:
        super().__init__()
        self.rows, self.intro = rows, intro
        self.hints = hints or []  # (quarter, text): the scenario's hints shown so far

    def compose(self) -> ComposeResult:
        t = Table(box=None, padding=(0, 2))
        t.add_column("key", style="bold")
        t.add_column("does")
        for key, what in self.rows:
            t.add_row(key, what)
        with Vertical():
            yield Label("Help", classes="title")
            yield Static(self.intro, classes="note")
            with VerticalScroll():
                yield Static(t)
                if self.hints:
                    yield Label("Hints so far", classes="title")
                    for when, text in self.hints:
                        yield Static(Text.assemble((f"{when}: ", "bold"), plain(text)))

    def action_close(self) -> None:
        self.close(None)


class PreviewModal(Dialog[bool]):
    """Before the quarter ends: where the plan may lead, over 1,000 worlds (computed in a
    worker thread, so keys keep working). Dismissed with True to end the quarter."""

    DEFAULT_CSS = DIALOG_CSS.format(name="PreviewModal") + """
    PreviewModal > Vertical { height: 95%; }
    PreviewModal #charts { height: 1fr; }
    PreviewModal #charts.-waiting { display: none; }
    PreviewModal FanChart { width: 1fr; }
    """
    BINDINGS = [
        Binding("e,enter", "confirm", "End quarter", id="preview.confirm"),
        Binding("escape", "cancel", "Back to the plan", id="preview.cancel"),
    ]
    WORLDS = 1000

    def __init__(self, game: Game, on_confirm: Callable[[], bool] | None = None) -> None:
        super().__init__()
        self.game = game
        self.projection: Projection | None = None
        # Ends the quarter while this dialog still covers the dashboard (so the dashboard can
        # be brought up to date unseen); its answer, whether the quarter ended, is the result.
        self.on_confirm = on_confirm

    def compose(self) -> ComposeResult:
        with Vertical():
            # wraps (a Label would cut it at 80 columns); the plan names a pack's GPUs
            yield Static(plain(f"End {self.game.calendar()}? The plan: "
                               f"{self.game.plan.explain()}"), classes="title")
            yield Static(f"Projecting {self.WORLDS:,} worlds…", id="summary", classes="note")
            with Horizontal(id="charts", classes="-waiting"):  # drawn once the worlds are in
                yield FanChart("Cash $B", id="fan-cash")
                yield FanChart("Equity value $B", id="fan-valuation")
                yield FanChart("Runway (quarters)", id="fan-runway")
            with Horizontal(classes="buttons"):
                yield Button("End quarter (e)", variant="primary", id="confirm")
                yield Button("Back (esc)", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#confirm", Button).focus()
        self._project()

    @work(thread=True, exclusive=True, group="projection")
    def _project(self) -> None:
        projection = project(self.game, worlds=self.WORLDS)
        give_back()  # the worlds played: some 20 MB freed
        self.app.call_from_thread(self._show, projection)

    def _show(self, p: Projection) -> None:
        if self._answered or not self.is_attached:  # answered before the worlds were in
            return
        self.projection = p
        self.query_one("#charts").remove_class("-waiting")
        for metric in ("cash", "valuation", "runway"):
            q = p.quantiles[metric]
            self.query_one(f"#fan-{metric}", FanChart).show(
                p.labels, q[:, 0], q[:, 1], q[:, 2], q[:, 3], q[:, 4])
        mix = ", ".join(f"{o} {share:.0%}" for o, share in p.outcomes.items())
        self.query_one("#summary", Static).update(
            f"{p.worlds:,} worlds, this plan then its standing decisions: by "
            f"{p.labels[-1]}: {mix}. Bands: 10–90% and 25–75%.")

    @on(Button.Pressed, "#confirm")
    def action_confirm(self) -> None:
        if not self.is_open:  # a second e before the dialog has gone ends no second quarter
            return
        self.set_focus(None)  # its button's blur now, not as a repaint after the dashboard's
        self.close(self.on_confirm() if self.on_confirm is not None else True)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.close(False)
