"""The main game screen and the debrief."""

from __future__ import annotations

from functools import partial

from pydantic import ValidationError
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Static

from game.classroom.folder import ClassError, read_settings
from game.classroom.inject import apply_injections
from game.engine import Plan, PlanError
from game.engine.plan import plan_problems
from game.session.game import Game, GameError, PendingEvent
from game.text import printable
from game.ui.charts import LineChart, capability_series, money_series
from game.ui.dashboard import (
    ComputePanel,
    FinancePanel,
    MarketPanel,
    MetricsBar,
    ModelsPanel,
    NewsFeed,
    WatchLine,
)
from game.ui.debrief import DebriefScreen
from game.ui.decisions import ALT_DIGIT_KEYS, Decisions, FieldError
from game.ui.footer import SteadyFooter
from game.ui.format import plain
from game.ui.memory import give_back
from game.ui.modals import (
    EventModal,
    GlossaryModal,
    NoticeModal,
    PreviewModal,
    WhyModal,
)
from game.ui.rounds import TICK_S as ROUND_TICK_S
from game.ui.rounds import RoundWatch

DRAFT_SAVE_S = 1.0  # after the last edit: a reload then finds the plan as typed
TABS = ("overview", "procurement", "allocation", "training", "pricing", "finance")


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
    GameScreen #round { height: auto; background: $boost; color: $accent; padding: 0 1; }
    GameScreen #round.-hidden { display: none; }
    """
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (120, "-wide")]
    BINDINGS = [
        Binding("e", "end_quarter", "End quarter", id="game.end_quarter"),
        Binding("w", "why", "Why?", id="game.why"),
        Binding("g", "glossary", "Glossary", id="game.glossary"),
        Binding("ctrl+s", "save", "Save", id="game.save"),
        Binding("escape", "leave_field", "Leave the field", show=False, id="game.leave_field"),
        Binding("f2", "dev_console", "Console", id="game.dev_console"),
        Binding("1", "tab('tab-overview')", "Overview", show=False, id="game.tab.overview"),
        Binding("2", "tab('tab-procurement')", "Procurement", show=False,
                id="game.tab.procurement"),
        Binding("3", "tab('tab-allocation')", "Allocation", show=False, id="game.tab.allocation"),
        Binding("4", "tab('tab-training')", "Training", show=False, id="game.tab.training"),
        Binding("5", "tab('tab-pricing')", "Pricing", show=False, id="game.tab.pricing"),
        Binding("6", "tab('tab-finance')", "Finance & IPO", show=False, id="game.tab.finance"),
        # alt+1–6 switch tabs even while a field has the cursor (a digit there is typed); the
        # form most Linux terminals send is caught in on_key
        *[Binding(f"alt+{n}", f"tab('tab-{tab}')", f"Tab {n}", show=False, priority=True,
                  id=f"game.tab.alt.{tab}")
          for n, tab in enumerate(TABS, start=1)],
    ]

    def __init__(self, game: Game, *, spare: bool = False) -> None:
        super().__init__()
        self.game = game
        # Built ahead, unseen, for a game still to come (FrontierLab._build_spare): its widgets
        # are made and styled now, and filled with the game it is given when it is shown (bind).
        self.bound = not spare
        self._styled_in: str | None = None  # a spare: the theme its widgets were styled in
        # A quarter has ended and the dashboard still shows the one before: it is brought up
        # to date behind the last dialog that covers it (the preview's, or an event's), so the
        # frame that uncovers it draws it once.
        self._stale = False
        self._draft_timer: Timer | None = None  # saves the plan as typed (a class's student)
        self.rounds: RoundWatch | None = None  # a class played in rounds (game.ui.rounds)
        self._breakpoint_now()

    def _breakpoint_now(self) -> None:
        """The width's class (-narrow, -wide) from the start, as Textual would set it at the
        screen's first resize: set then, it restyled every widget of the screen a second time
        (a fifth of the main screen's build: 0.17 of 0.77 s of a core at 142 columns)."""
        try:
            width = self.app.size.width
        except RuntimeError:  # no app yet (Textual's NoActiveAppError): the resize sets it
            return
        reached = [name for least, name in sorted(self.HORIZONTAL_BREAKPOINTS) if width >= least]
        for _, name in self.HORIZONTAL_BREAKPOINTS:
            self.set_class(bool(reached) and name == reached[-1], name)

    def compose(self) -> ComposeResult:
        yield MetricsBar(id="metrics")
        yield Static("", id="hint", classes="-hidden")
        yield Static("", id="round", classes="-hidden")
        yield Decisions(self.game, id="decisions")
        yield Static("", id="status")
        yield SteadyFooter()

    def on_mount(self) -> None:
        if self.bound:
            self._fill()
        else:
            self._styled_in = self.app.theme
            self.call_after_refresh(self._lay_out_unseen)

    def _lay_out_unseen(self) -> None:
        """A spare's layout at the window's size, done before it is shown (Textual's own
        step: it paints nothing while the screen is not the one shown)."""
        if not self.bound:
            self._refresh_layout(self.app.size)

    def on_screen_resume(self, event: events.ScreenResume) -> None:
        """Shown: Textual styles every widget of a screen pushed again (a third of showing a
        spare); a spare's were styled when it was built, in the same theme, and need not be."""
        if self._styled_in is not None and self._styled_in == self.app.theme:
            event.refresh_styles = False  # (read by Screen's own handler, called after this)
        self._styled_in = None

    def bind(self, game: Game) -> None:
        """A spare screen's game, of the scenario it was built for: shown from now on."""
        assert not self.bound and game.scenario is self.game.scenario
        self.game, self.bound = game, True
        if self.is_mounted:  # (else its on_mount fills it)
            self._fill()

    def _fill(self) -> None:
        """The game's news, plan and panels, its round, and its live events due."""
        self.query_one(Decisions).game = self.game
        self._follow_rounds()
        self.take_injections()
        self.refresh_all()
        news = self.query_one(NewsFeed)
        news.write(plain(" ".join(self.game.scenario.briefing.split()), style="italic"))  # pack
        origin = self.game.continued_from
        if origin:  # an older save replayed anew: say so before its quarters
            news.write(plain(
                f"Continued anew from {origin['file']} (Frontier Lab {origin['game_version']}): "
                f"its {origin['quarters']} quarters of decisions played again under this "
                "version's rules, so the numbers are this version's."
                + (f" Left out: {'; '.join(origin['left_out'])}." if origin["left_out"] else ""),
                style="bold"))
        for k in range(len(self.game.log)):  # a loaded game: the news of the quarters played
            news.report_quarter(self.game, k)
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

    def _follow_rounds(self) -> None:
        """In a class played in rounds: its line, its clock, and its standing plans."""
        class_dir = self.app.class_dir
        if class_dir is None:
            return
        try:
            settings = read_settings(class_dir)
        except ClassError:
            return  # the class's own checks say why, when it starts
        if settings is None or settings.rounds == "free":
            return
        self.rounds = RoundWatch(self, class_dir, settings.rounds)
        self.set_interval(ROUND_TICK_S, self.rounds.tick)
        self.call_after_refresh(self.rounds.tick)

    def after_standing(self) -> None:
        """The round closed and the standing plan played: the quarter's news, or the end."""
        self._stale = True
        self._after_quarter(True)

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
                                         f"Concept: {concept.term}" if concept else "",
                                         (p.live_note,) if p.live else None),
                             lambda _: self.show_events())
        self._update_if_last()  # behind the notice, if no dialog follows it

    def _next_dialog(self) -> PendingEvent | None:
        """The next event to show: news first (each once), then those awaiting a choice."""
        pending = self.game.pending
        return (next((p for p in pending if not p.needs_choice and p.chosen is None
                      and not getattr(p, "_seen", 0)), None)
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
        """A field changed: what the last end-quarter said about the plan may no longer hold.
        In a class with a roster the plan as typed is saved a moment later, so a reload or a
        dropped connection comes back to it."""
        self.query_one("#status", Static).update("")
        if getattr(self.app, "student", None) is not None:
            if self._draft_timer is not None:
                self._draft_timer.stop()
            self._draft_timer = self.set_timer(DRAFT_SAVE_S, self._save_draft)

    def _save_draft(self) -> None:
        """Save the quarter in progress with the plan as typed, if the lab can carry it out
        (else as it last stood: the status line says why when the quarter is ended)."""
        self._draft_timer = None
        if not self.game.running:
            return
        try:
            self.game.submit(Plan(**self.query_one(Decisions).plan_kwargs()))
        except (FieldError, ValidationError, PlanError):
            return
        self.app.autosave(self.game)  # type: ignore[attr-defined]

    def action_leave_field(self) -> None:
        """Out of a text field, so that e, w, g and 1–6 act again (in a field they are typed)."""
        self.set_focus(None)

    def on_key(self, event: events.Key) -> None:
        """alt+digit as most Linux terminals and tmux send it (ESC, then the digit), which
        Textual reads as the character option+digit types on a Mac (ESC 5 is "∞"); a field
        lets it through untyped (game.ui.decisions.FieldInput)."""
        if event.key in ALT_DIGIT_KEYS:
            event.stop()
            self.action_tab(f"tab-{TABS[ALT_DIGIT_KEYS.index(event.key)]}")

    def action_tab(self, tab: str) -> None:
        self.set_focus(None)  # out of the last tab's field: digits switch tabs again
        self.query_one(Decisions).active = tab

    def action_end_quarter(self) -> None:
        if not self.game.running or self.app.screen is not self:  # a held e, a finished game
            return
        status = self.query_one("#status", Static)
        if self.rounds is not None and not self.rounds.may_end():
            self.keep_typed_plan()
            status.update(plain(self.rounds.refusal()))
            return
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
            status.update(plain("Fix the plan first: " + "; ".join(plan_problems(exc))))
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
        if self.rounds is not None and not self.rounds.may_end():  # paused while it showed
            self.notify(self.rounds.refusal(), markup=False)
            return False
        if self.rounds is not None and self.rounds.mode == "market":  # the class plays it
            said, sent = self.rounds.submit()
            self.notify(said, severity="information" if sent else "error", markup=False)
            return False
        try:
            self.game.end_quarter()
        except GameError as exc:
            self.notify(printable(str(exc)), severity="error", markup=False)
            return False
        self.take_injections()
        self.app.autosave(self.game)
        give_back()  # what the quarter's step and the preview's projection freed
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

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "dev_console":  # only in a game started with --dev
            return bool(getattr(self.app, "dev", False)) and self.game.running
        return True

    def action_dev_console(self) -> None:
        from game.ui.dev_console import DevConsole

        if getattr(self.app, "dev", False) and self.game.running:
            self.app.push_screen(DevConsole(self.game), self._after_console)

    def _after_console(self, played: int | None) -> None:
        """The console closed: the game as it left it (a quarter jumped to, an event fired)."""
        if self.game.dev_used:
            self.app.autosave(self.game)
        if not self.game.running:
            self.app.switch_screen(DebriefScreen(self.game))
            return
        if played:
            self._stale = True
        self.refresh_all()
        self.show_events()

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
            said = "; ".join(exc.problems if isinstance(exc, PlanError) else
                             plan_problems(exc) if isinstance(exc, ValidationError) else
                             [str(exc)])
            self.query_one("#status", Static).update(plain(
                f"Saved with the plan as it last stood: the one typed has a problem ({said})"))
            return False
        return True
