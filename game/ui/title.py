"""The title screen: drawn before the game's modules are even imported, so it appears fast."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Button, Static

from game.ui.footer import SteadyFooter
from game.ui.join import JoinForm
from game.ui.new_game import NewGameModal

LOGO = r"""
  ___            _   _             _         _
 | __| _ ___ _ _| |_(_)___ _ _    | |   __ _| |__
 | _| '_/ _ \ ' \  _| / -_) '_|   | |__/ _` | '_ \
 |_||_| \___/_||_\__|_\___|_|     |____\__,_|_.__/
"""


class TitleScreen(Screen[None]):
    """New game, load, settings, quit."""

    DEFAULT_CSS = """
    TitleScreen { align: center middle; }
    TitleScreen > Vertical { width: 60; height: auto; }
    TitleScreen #logo { color: $accent; }
    TitleScreen .tagline { color: $text-muted; margin-bottom: 1; }
    TitleScreen Button { width: 100%; margin-bottom: 1; }
    """
    BINDINGS = [
        Binding("n", "new_game", "New game", id="title.new"),
        Binding("l", "load_game", "Load", id="title.load"),
        Binding("m", "mods", "Mods", id="title.mods"),
        Binding("t", "toggle_theme", "Theme", id="title.theme"),
        Binding("q", "app.quit", "Quit", id="title.quit"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(LOGO, id="logo")
            yield Static("Run a frontier AI lab's compute budget until the IPO.",
                         classes="tagline")
            if getattr(self.app, "roster", None) is not None:  # a class: join with a code
                yield JoinForm()
            yield Button("New game (n)", variant="primary", compact=True, id="new")
            yield Button("Load a save (l)", compact=True, id="load")
            yield Button("Mods (m)", compact=True, id="mods")
            yield Button("Theme: dark / light (t)", compact=True, id="theme")
            yield Button("Quit (q)", compact=True, id="quit")
        yield SteadyFooter()

    @on(Button.Pressed, "#new")
    def action_new_game(self) -> None:
        if getattr(self.app, "roster", None) is not None:  # a student's one game of the class
            if self.app.student is None:  # type: ignore[attr-defined]
                self.query_one("#join-code").focus()
                self.app.notify("Type your join code first.", markup=False)
            else:
                self.app.join(self.app.student)  # type: ignore[attr-defined]
            return
        self.app.push_screen(NewGameModal(self.app.content, self.app.fixed,
                                          self.app.class_dir, self.app.secret_seed),
                             self._start)

    def _start(self, choice: tuple[str, str, int] | None) -> None:
        if choice is not None:
            from game.session.game import Game

            scenario, lab, seed = choice
            self.app.start_game(Game(self.app.content, scenario, seed, lab))

    @on(Button.Pressed, "#load")
    def action_load_game(self) -> None:
        self.app.open_load_dialog()

    @on(Button.Pressed, "#mods")
    def action_mods(self) -> None:
        self.app.open_mods_dialog()

    @on(Button.Pressed, "#theme")
    def action_toggle_theme(self) -> None:
        self.app.action_toggle_dark()

    @on(Button.Pressed, "#quit")
    def _quit(self) -> None:
        self.app.exit()
