"""Leaving the game: a question before quitting with a game in play, and, when the game meets an
error nobody foresaw, the game saved, the details in a log, a dialog that says where both are, and
a non-zero exit.

No traceback reaches the screen. The log goes to ``$FRONTIER_LAB_LOGS`` if set, else to the
user's log folder (platformdirs: ``~/.local/state/frontier-lab/log`` on Linux), one file per
crash, with the versions needed to reproduce it.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import sys
import traceback
from pathlib import Path

import platformdirs
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Label, Static

from game import __version__
from game.text import without_paths
from game.ui.dialog import DIALOG_CSS, Dialog
from game.ui.format import plain

LOGS_ENV = "FRONTIER_LAB_LOGS"


def logs_dir() -> Path:
    chosen = os.environ.get(LOGS_ENV)
    return Path(chosen) if chosen else platformdirs.user_log_path("frontier-lab", appauthor=False)


def write_crash_log(error: BaseException, saved: str) -> Path | None:
    """The traceback and the versions in a new file of the logs folder (None: none could be
    written, and the dialog says so)."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    text = (f"Frontier Lab {__version__} crashed at {stamp}\n"
            f"Python {sys.version.split()[0]} on {platform.platform()}\n"
            f"The game: {saved}\n\n"
            + "".join(traceback.format_exception(error)))
    try:
        folder = logs_dir()
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"crash-{stamp}-{os.getpid()}.log"
        path.write_text(text, encoding="utf-8")
    except OSError:
        return None
    return path


class CrashDialog(Dialog[None]):
    """What happened, where the game and the details are; closing it quits (exit code 1)."""

    DEFAULT_CSS = DIALOG_CSS.format(name="CrashDialog") + """
    CrashDialog > Vertical { border: thick $error; }
    """
    BINDINGS = [Binding("enter,escape,q", "dismiss", "Quit", id="crash.quit")]

    def __init__(self, error: BaseException, saved: str, log: Path | None,
                 in_class: bool = False) -> None:
        super().__init__()
        self.error, self.saved, self.log_path = error, saved, log
        self.in_class = in_class  # played in a browser: no path of the server is shown

    def compose(self) -> ComposeResult:
        said = f"{type(self.error).__name__}: {self.error}"
        if self.in_class:
            said = without_paths(said)
            where = ("The details are in a crash log on the class's server: tell your "
                     "instructor the time it happened.")
        elif self.log_path is not None:
            where = (f"The details are in {self.log_path}: please attach that file to a bug "
                     "report.")
        else:
            where = (f"The details could not be written to {logs_dir()} ({LOGS_ENV} chooses "
                     "another folder).")
        with Vertical():
            yield Label("Frontier Lab stopped on an unexpected error", classes="title")
            # (the error, a save's path and the log's may carry a pack's or a player's text)
            yield Static(plain(said[:300]))
            yield Static(plain(self.saved))
            yield Static(plain(where), classes="note")
            with Horizontal(classes="buttons"):
                yield Button("Quit (enter)", variant="error", id="quit")

    def on_mount(self) -> None:
        self.query_one("#quit", Button).focus()

    def on_button_pressed(self) -> None:
        self.close(None)


class QuitDialog(Dialog[bool | str]):
    """Quit with a game in play? Says what would be lost; dismissed with True to quit, "save" to
    save first, False to stay."""

    DEFAULT_CSS = DIALOG_CSS.format(name="QuitDialog")
    BINDINGS = [Binding("q,y,ctrl+q", "answer(True)", "Quit", id="quit.yes"),
                Binding("s", "save_and_quit", "Save and quit", id="quit.save"),
                Binding("escape,n", "answer(False)", "Back", id="quit.no")]

    def __init__(self, save_failure: str | None, save_path: Path | str | None) -> None:
        super().__init__()
        self.save_failure, self.save_path = save_failure, save_path

    def compose(self) -> ComposeResult:
        if self.save_failure is not None:
            lost = plain(f"The last save failed ({self.save_failure}): quitting now loses what "
                         "was played since the last good save.", style="bold")
        elif self.save_path is None:
            lost = plain("The game has not been saved yet: quitting now loses it, unless you "
                         "save and quit.")
        else:
            lost = plain(f"The game is saved in {self.save_path} as of its last save; what you "
                         "have typed or answered since is not, unless you save and quit.")
        with Vertical():
            yield Label("Quit Frontier Lab?", classes="title")
            yield Static(lost)
            with Horizontal(classes="buttons"):
                yield Button("Save and quit (s)", variant="primary", id="save")
                yield Button("Quit (q)", variant="error", id="yes")
                yield Button("Back (esc)", id="no")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    def action_answer(self, quit_now: bool) -> None:
        self.close(quit_now)

    def action_save_and_quit(self) -> None:
        self.close("save")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "save":
            self.action_save_and_quit()
        else:
            self.close(event.button.id == "yes")
