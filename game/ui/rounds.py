"""A class in rounds, as a student's game follows it (game.classroom.rounds).

The game screen shows one line: the round, its countdown, or that the student waits for the
instructor to open the next quarter. `e` ends a quarter only inside the open round. When the
round's deadline passes (or the instructor closes it), a game short of the round plays its
standing plan: the plan as typed if the lab can carry it out, else as it last stood, with the
events' choices still open answered by their default; the student is told so.

In a shared market (game.classroom.market_rounds) `e` sends the plan instead, the line counts the
plans in, and once the round has closed the game plays the class's market from its records and
shows its own lab's quarter (game.classroom.market_play).
"""

from __future__ import annotations

import contextlib
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from textual.widgets import Static

from game.classroom import market_rounds
from game.classroom.folder import ClassError
from game.classroom.market_play import adopt_lab
from game.classroom.market_rounds import Entry
from game.classroom.rounds import RoundState, read_rounds, rounds_path
from game.session.game import Game, plan_to_dict
from game.text import printable
from game.ui.format import plain

TICK_S = 1.0  # how often the round is looked at (a stat of one file)


class GameScreen(Protocol):
    """What of the game screen (game.ui.screens) the round uses."""

    game: Game
    app: Any

    def query_one(self, selector: str, expect_type: type[Static]) -> Static: ...
    def keep_typed_plan(self) -> bool: ...
    def take_injections(self) -> None: ...
    def after_standing(self) -> None: ...


class RoundWatch:
    """The round of a class played in rounds, for one game screen."""

    def __init__(self, screen: GameScreen, class_dir: Path, mode: str) -> None:
        self.screen, self.class_dir, self.mode = screen, class_dir, mode
        self.state = RoundState()
        self._seen: tuple[float, int] | None = None  # the file's (mtime, size) last read
        self._said: dict[str, str] = {}  # what is wrong, by file kind, said once until fixed
        self.read()

    @property
    def game(self) -> Game:
        return self.screen.game

    def read(self) -> RoundState:
        """The round as the file says now (read again only when the file changed)."""
        try:
            st = rounds_path(self.class_dir).stat()
            seen: tuple[float, int] | None = (st.st_mtime, st.st_size)
        except OSError:
            seen = None
        if seen != self._seen or seen is None:
            try:
                self.state = read_rounds(self.class_dir)
                self._seen = seen
                self._said.pop("round", None)
            except ClassError as exc:  # the round stays as it was, and the student is told
                self._say_broken("round", str(exc))
        return self.state

    def may_end(self) -> bool:
        return self.read().may_end(len(self.game.log))

    def refusal(self) -> str:
        """Why `e` does not end the quarter now."""
        if self.state.paused:
            return "Your instructor has paused the class: the quarter ends when they resume."
        return (f"Quarter {len(self.game.log) + 1} is not open yet: your instructor opens it. "
                "Your plan for it is kept as you type it.")

    def tick(self) -> None:
        """Once a second: the round line, and the standing plan when the round has closed (in a
        shared market: the market's round, once it has played)."""
        state = self.read()
        game = self.game
        if self.mode == "market":
            self.follow_market()
        elif game.running and state.overdue(len(game.log)):
            self.play_standing()
        self.show()

    # --- a shared market (game.classroom.market_rounds) -----------------------------------

    def submit(self) -> tuple[str, bool]:
        """The student's plan for this round, sent to the market: what to tell them, and
        whether it was sent."""
        game, student = self.game, self.screen.app.student
        k = len(game.log) + 1
        entry = Entry(student.id, plan_to_dict(game.plan),
                      [(p.id, p.chosen) for p in game.pending if p.chosen is not None],
                      list(game.injected), lab=game.lab)
        try:
            market_rounds.submit(self.class_dir, k, entry)
        except ClassError as exc:
            return printable(str(exc)), False
        self.screen.app.autosave(game)
        self.follow_market()
        return (f"Your plan for quarter {k} is in: the market plays when every lab's plan is "
                "in or the round closes. Until then, e sends a new one."), True

    def follow_market(self) -> None:
        """Close the rounds that are due, and play the ones closed since (all the class's labs
        together), showing this lab's quarter."""
        try:
            market_rounds.close_due(self.class_dir)
            closed = market_rounds.closed_rounds(self.class_dir)
        except ClassError as exc:
            self._say_broken("market", str(exc))
            return
        game = self.game
        if not game.running or closed <= len(game.log):
            self._said.pop("market", None)
            return
        before = len(game.log)
        try:
            adopt_lab(game, self.class_dir, self.screen.app.student.id)
        except ClassError as exc:
            self._say_broken("market", str(exc))
            return
        self._said.pop("market", None)
        self.screen.take_injections()  # (it saves when it takes one)
        self.screen.app.autosave(game)
        played = ", ".join(str(q) for q in range(before + 1, len(game.log) + 1))
        self.screen.app.notify(f"The market played quarter {played}.", markup=False,
                               timeout=10)
        self.screen.after_standing()

    def _say_broken(self, kind: str, text: str) -> None:
        """What is wrong with the class's ``kind`` of files, once until they read again (the
        app keeps the server's paths out of it)."""
        if self._said.get(kind) != text:
            self._said[kind] = text
            self.screen.app.notify(printable(f"{text}. Tell your instructor."),
                                   severity="error", timeout=20, markup=False)

    def line(self, now: datetime | None = None) -> str:
        state, game = self.state, self.game
        played = len(game.log)
        if not game.running:
            return ""
        head = f"Round {state.open_through}"
        if state.paused:
            return f"{head} · paused by your instructor"
        if played >= state.open_through:
            return (f"{head} · your quarter is in: waiting for your instructor to open quarter "
                    f"{played + 1} (you can plan it now)")
        if self.mode == "market":
            return self._market_line(head, played, state.seconds_left(now))
        left = state.seconds_left(now)
        behind = state.open_through - played
        todo = (f"quarter {played + 1} open" if behind == 1 else
                f"quarters {played + 1}–{state.open_through} open (catch up)")
        if left is None:
            return f"{head} · {todo}"
        minutes, seconds = divmod(int(left), 60)
        return (f"{head} · {todo} · closes in {minutes}:{seconds:02d}: then your standing plan "
                "plays")

    def _market_line(self, head: str, played: int, left: float | None) -> str:
        k = played + 1
        try:
            sent = market_rounds.submissions(self.class_dir, k)
            labs = len(market_rounds.labs(self.class_dir))
        except ClassError:
            return f"{head} · the market's files cannot be read: tell your instructor"
        mine = self.screen.app.student is not None and self.screen.app.student.id in sent
        said = (f"{head} · market: {len(sent)} of {labs} labs' plans in"
                + (" (yours too: e sends a new one)" if mine else ""))
        if left is not None:
            minutes, seconds = divmod(int(left), 60)
            said += f" · closes in {minutes}:{seconds:02d}: then standing plans play"
        return said

    def show(self) -> None:
        with contextlib.suppress(Exception):  # (a screen being torn down)
            box = self.screen.query_one("#round", Static)
            text = self.line()
            box.update(plain(text))
            box.set_class(not text, "-hidden")

    def play_standing(self) -> None:
        """The round has closed on this game: its standing plan plays each quarter it is short
        of the round (dialogs over the game are closed first; their choices default)."""
        screen, app = self.screen, self.screen.app
        while app.screen is not screen and len(app.screen_stack) > 1:
            app.pop_screen()
        screen.keep_typed_plan()
        game, played = self.game, []
        while game.running and self.state.overdue(len(game.log)):
            played.append(len(game.log) + 1)
            game.end_quarter(auto_choose=True)
            screen.take_injections()
        app.autosave(game)
        which = ", ".join(str(q) for q in played)
        plural = "s" if len(played) > 1 else ""
        app.notify(printable(f"The round closed: your standing plan played quarter{plural} "
                             f"{which}."), markup=False, timeout=15)
        screen.after_standing()
