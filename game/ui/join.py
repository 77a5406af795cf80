"""Joining a class with a roster: the student types their join code and is always brought back
to their own game (docs/CLASSROOM.md, "4. Students join").

A student's graded game has one file, ``DIR/<student id>.<scenario>.toml``, signed with their
id by the class's server. Joining opens it where it stands — the quarter in progress with its
plan as last typed (the game saves a typed plan a moment after each edit) — or, the first time,
opens the New game dialog for their lab's name. After a reload or a closed tab the old tab's
game may still be closing: its lock on the file is waited for (``WAIT_S``) before the student
is told the game is open elsewhere.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Label, Static

from game.text import printable
from game.ui.format import plain
from game.ui.inputs import InOrderInput

WAIT_S = 10.0  # for the lock of a game whose tab was just closed or reloaded


class JoinForm(Vertical):
    """The join code field of the title screen, focused from the first key."""

    DEFAULT_CSS = """
    JoinForm { height: auto; margin-bottom: 1; }
    JoinForm Input { width: 100%; }
    JoinForm #join-error { color: $error; height: auto; }
    """

    def compose(self) -> ComposeResult:
        yield Label("Type your join code (your instructor has it), then enter:")
        yield InOrderInput(placeholder="e.g. K7MQ-3XPA", max_length=20, compact=True,
                           id="join-code")
        yield Static("", id="join-error")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted, "#join-code")
    def _submitted(self, message: Input.Submitted) -> None:
        from game.classroom.roster import find

        student = find(self.app.roster or [], message.value)  # type: ignore[attr-defined]
        error = self.query_one("#join-error", Static)
        if student is None:
            shown = printable(message.value.strip())[:20]
            error.update(plain(f"No student of this class has the code '{shown}': check it, "
                               "or ask your instructor."))
            return
        error.update("")
        self.app.join(student)  # type: ignore[attr-defined]


def in_market(class_dir: Path) -> bool:
    """Whether the class plays one shared market (game.classroom.market_rounds)."""
    from game.classroom.folder import ClassError, read_settings

    try:
        settings = read_settings(class_dir)
    except ClassError:
        return False
    return settings is not None and settings.rounds == "market"


def open_own_game(app: Any, path: Path) -> None:
    """In a worker thread: load the student's game once its lock is free (a closing tab's game
    lets it go), then show it; else say it is open elsewhere. ``app`` is the FrontierLab."""
    from game.classroom.folder import ClassError
    from game.classroom.market_play import load_lab
    from game.session.saves import lock
    from game.session.saves.errors import SaveError
    from game.session.store import load_game

    deadline = time.monotonic() + WAIT_S
    while not lock.hold(path):
        if time.monotonic() > deadline:
            app.call_from_thread(app.notify, "Your game is open in another tab or window: "
                                 "close it, then type your code again.", severity="warning",
                                 timeout=15, markup=False)
            app.call_from_thread(app.unjoin)
            return
        time.sleep(0.2)
    try:
        game = (load_lab(path, app.content, app.class_dir, *app.fixed) if in_market(app.class_dir)
                else load_game(path, app.content))
    except (SaveError, ClassError) as exc:
        app.call_from_thread(app.notify, printable(str(exc)), severity="error", timeout=15,
                             markup=False)
        app.call_from_thread(app.unjoin)
        return
    app.call_from_thread(app.resume_own_game, game)
