"""The Textual application: screens, themes, the command palette, saving and loading."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

if TYPE_CHECKING:  # the game's modules load behind the title screen (fast first frame)
    from game.packs import Content
    from game.session.game import Game

HELP_INTRO = ("Plan the quarter in the tabs (1–6 switch tabs), then press e: a preview of 1,000 "
              "worlds shows where the plan may lead; e again ends the quarter. Events ask for a "
              "choice; each choice says what it trades off. w explains what moved each number. "
              "In a text field keys are typed: escape leaves it.")


class FrontierLab(App[None]):
    """Frontier Lab in the terminal."""

    TITLE = "Frontier Lab"
    BINDINGS = [
        Binding("ctrl+q", "quit", "Quit", priority=True, id="app.quit"),
        Binding("question_mark,f1", "help", "Help", id="app.help"),
    ]
    CSS = """
    Screen { background: $background; }
    """

    def __init__(self, content: Content | None, saves: Path | None, *,
                 game: Game | None = None, theme: str = "textual-dark",
                 class_dir: Path | None = None, fixed: tuple[str, int] | None = None) -> None:
        super().__init__()
        self.class_dir = class_dir  # a class's folder: its saves, its live events
        self._written: set[Path] = set()  # the saves this session wrote (in a class: its own)
        self.fixed = fixed  # the class's (scenario, seed), fixed for every student
        self._content = content
        self._content_lock = threading.Lock()
        self._saves = saves
        self._first_game = game
        self.theme = theme

    @property
    def content(self) -> Content:
        """The loaded packs: loaded behind the title screen, or now if asked for first."""
        with self._content_lock:
            if self._content is None:
                from game.packs import load_content

                self._content = load_content()
            return self._content

    @property
    def saves(self) -> Path:
        """The saves folder: the --saves option, $FRONTIER_LAB_SAVES or ./saves."""
        from game.session.saves.folder import saves_dir

        return saves_dir(self._saves)

    def on_mount(self) -> None:
        from game.ui.title import TitleScreen

        self.call_after_refresh(gc.enable)  # paused until the first frame (game.ui.startup)
        self.push_screen(TitleScreen())
        if self._first_game is not None:
            from game.ui.screens import GameScreen

            self.push_screen(GameScreen(self._first_game))
            self.call_after_refresh(gc.freeze)
        else:
            self.call_after_refresh(self._warm_up)

    def _warm_up(self) -> None:
        """After the first frame: load the packs and the game's modules in a thread."""

        def load() -> None:
            import game.ui.screens  # noqa: F401  (the game's modules, numpy, pydantic)

            self.content  # noqa: B018
            # What is loaded now lives as long as the app: the garbage collector's full passes
            # need not walk it again (they took up to 240 ms each in a campaign, 120 ms after).
            gc.freeze()

        self.run_worker(load, thread=True, group="warm-up")

    # --- games -------------------------------------------------------------------------

    def start_game(self, game: Game, replace: bool = False) -> None:
        from game.ui.screens import GameScreen

        if replace:
            self.switch_screen(GameScreen(game))
        else:
            self.push_screen(GameScreen(game))
        self.autosave(game)

    def autosave(self, game: Game) -> None:
        self.save(game, announce=False)

    def save(self, game: Game, announce: bool) -> None:
        from game.session.saves.errors import SaveError
        from game.session.store import save_game

        try:
            path = save_game(game, self.saves)
        except (SaveError, OSError) as exc:
            self.notify(f"Could not save: {exc}", severity="error", timeout=8)
            return
        self._written.add(path)
        if announce:
            self.notify(f"Saved to {path}")

    def open_load_dialog(self) -> None:
        from game.ui.saves import LoadModal

        self.push_screen(LoadModal(self.saves), self._loaded)

    def _loaded(self, path: Path | None) -> None:
        if path is None:
            return
        from game.session.saves.errors import SaveError
        from game.session.store import load_game

        try:
            game = load_game(path, self.content)
        except SaveError as exc:
            self.notify(str(exc), severity="error", timeout=10)
            return
        if self.class_dir is not None and path not in self._written:
            # The server cannot tell students apart, so a save this session did not write
            # (a classmate's, or one's own from a closed tab) goes on in a copy: its file is
            # never written to from here.
            game.save_path, game.created = None, None
            self.notify(f"Continuing a copy of {path.name}: the original stays as it was.",
                        timeout=8)
        self.start_game(game)

    # --- help, glossary, themes, palette ----------------------------------------------

    def action_help(self) -> None:
        rows: list[tuple[str, str]] = []
        seen: set[str] = set()
        for binding in [*self.screen.BINDINGS, *self.BINDINGS]:
            if not isinstance(binding, Binding) or binding.id in seen:
                continue
            seen.add(binding.id or binding.key)
            keys = " / ".join(self.get_key_display(Binding(k.strip(), ""))
                              for k in binding.key.split(","))
            rows.append((keys, binding.description or binding.action))
        rows.append(("ctrl+p", "Command palette: every command by name"))
        from game.ui.modals import HelpModal

        self.push_screen(HelpModal(rows, HELP_INTRO))

    def action_toggle_dark(self) -> None:
        self.theme = "textual-light" if self.theme == "textual-dark" else "textual-dark"

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        from game.ui.modals import GlossaryModal

        yield from super().get_system_commands(screen)
        yield SystemCommand("Glossary", "Search every concept the game teaches",
                            lambda: self.push_screen(GlossaryModal(self.content.glossary)))
        yield SystemCommand("Help", "Every key on this screen", self.action_help)
        yield SystemCommand("Load a save", "Open a saved game", self.open_load_dialog)
        for name in ("textual-dark", "textual-light", "ansi-dark", "ansi-light"):
            yield SystemCommand(f"Theme: {name}", "Switch colours (ansi: 16-colour terminals)",
                                partial(setattr, self, "theme", name))
        game = getattr(screen, "game", None)
        if game is not None and hasattr(screen, "action_why"):
            yield SystemCommand("End quarter", "Preview, then end the quarter",
                                screen.action_end_quarter)
            yield SystemCommand("Why?", "What moved each number last quarter",
                                screen.action_why)
            yield SystemCommand("Save", "Save the game now", partial(self.save, game, True))
