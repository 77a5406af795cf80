"""The Textual application: screens, themes, the command palette, saving and loading."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import threading
from collections.abc import Iterable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from textual import events
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from game.text import printable, without_paths
from game.ui.crash import CrashDialog, QuitDialog, write_crash_log
from game.ui.memory import plug_textual_leaks

if TYPE_CHECKING:  # the game's modules load behind the title screen (fast first frame)
    from collections.abc import Mapping

    from textual.actions import ActionParseResult
    from textual.dom import DOMNode
    from textual.notifications import SeverityLevel
    from textual.widget import AwaitMount

    from game.classroom.roster import Student
    from game.packs import Content
    from game.session.game import Game
    from game.ui.class_live import ClassLive
    from game.ui.saves import Anew
    from game.ui.screens import GameScreen

SPARE_MOUNT_WAIT = 5.0  # seconds a closing app waits for the spare's widgets to be mounted
HELP_INTRO = ("Plan the quarter in the tabs (1–6 switch tabs; alt+1–6 from a text field), then "
              "press e: a preview of 1,000 worlds shows where the plan may lead; e again ends the "
              "quarter. Events ask for a choice; each choice says what it trades off. w explains "
              "what moved each number. In a text field keys are typed: escape leaves it.")


class FrontierLab(App[None]):
    """Frontier Lab in the terminal."""

    TITLE = "Frontier Lab"
    BINDINGS = [
        Binding("ctrl+q", "quit", "Quit", priority=True, id="app.quit"),
        Binding("question_mark,f1", "help", "Help", id="app.help"),
    ]
    CSS = """
    Screen { background: $background; }
    /* A focus ring one sees at a glance: the field being typed into on the accent colour (a
       compact input alone shows only a cursor); a NumberField also marks its name. */
    Input:focus { background: $accent 45%; color: $text; text-style: bold; }
    Select:focus > SelectCurrent { background: $accent 45%; text-style: bold; }
    """

    def __init__(self, content: Content | None, saves: Path | None, *,
                 game: Game | None = None, theme: str = "textual-dark",
                 class_dir: Path | None = None, fixed: tuple[str, int] | None = None,
                 class_key: bytes | None = None, secret_seed: bool = False,
                 packs: list[Path] | None = None, exact_packs: bool = False,
                 dev: bool = False, lang: str | None = None,
                 roster: list[Student] | None = None) -> None:
        plug_textual_leaks()
        super().__init__()
        self.roster = roster  # a class's students: each joins with a code, to their own game
        self.student: Student | None = None  # who joined, in a class with a roster
        self.lang = lang  # --lang: the packs' text in this language (else $FRONTIER_LAB_LANG)
        self.dev = dev  # play --dev: the developer console (F2) in every game
        self.packs = packs or []  # --pack folders (with $FRONTIER_LAB_PACKS and the mods)
        self.exact_packs = exact_packs  # a class's: these packs only
        self.mods_left_out: list[str] = []  # what the last load said of mods it left out
        self.class_dir = class_dir  # a class's folder: its saves, its live events
        self.class_key = class_key  # signs every save (the class's server holds it)
        self.secret_seed = secret_seed  # the class's seed is secret: never shown
        self._written: set[Path] = set()  # the saves this session wrote (in a class: its own)
        self.fixed = fixed  # the class's (scenario, seed), fixed for every student
        self._content = content
        self._content_lock = threading.Lock()
        self._saves = saves
        self._first_game = game
        self.theme = theme
        self.crash_log: Path | None = None  # after an unexpected error: where its details are
        self.save_failure: str | None = None  # why the last save failed, until one succeeds
        self._crashed = False
        self.live: ClassLive | None = None  # a class's: status for the dashboard, broadcasts
        self._spare: GameScreen | None = None  # a class's game screen, built ahead (below)
        self._spare_mounted: AwaitMount | None = None

    @property
    def content(self) -> Content:
        """The loaded packs, their text in the language asked for: loaded behind the title
        screen, or now if asked for first. A mod left out because it does not load, or a
        language no pack translates into, is said in a notification."""
        said: list[str] = []
        with self._content_lock:
            if self._content is None:
                from game.packs.locales import language, language_note
                from game.packs.sources import load_with_mods

                loaded, said = load_with_mods(self.packs, exactly=self.exact_packs)
                self.mods_left_out = list(said)
                lang = language(self.lang)
                note = language_note(loaded.locales, lang)
                said = [*said, *([note] if note else [])]
                self._content = loaded.translated(lang)
            content = self._content
        for line in said:  # (outside the lock: the main thread may be waiting on it)
            say = partial(self.notify, printable(line), severity="warning", timeout=20,
                          markup=False)
            if threading.current_thread() is threading.main_thread():
                say()
            else:  # loaded behind the title screen
                self.call_from_thread(say)
        return content

    def open_mods_dialog(self) -> None:
        from game.ui.mods import ModsModal

        self.content  # noqa: B018  (what the last load left out, said in the dialog)
        self.push_screen(ModsModal(self.mods_left_out, self.exact_packs), self._mods_closed)

    def _mods_closed(self, changed: bool | None) -> None:
        if changed:  # the packs load again, with the new choice, when the next game starts
            with self._content_lock:
                self._content = None
            self.notify("The mods you chose play from the next game on.", markup=False)

    def shown(self, text: str) -> str:
        """Text for the player. A class's game is played in a browser, away from the server it
        runs on: no path of the server reaches its player (a save is named by its file)."""
        return text if self.class_dir is None else without_paths(text, self.class_dir)

    def notify(self, message: str, *, title: str = "",
               severity: SeverityLevel = "information", timeout: float | None = None,
               markup: bool = True) -> None:
        """Every notification, as ``shown`` (a save failure's, a load's, a mod's)."""
        super().notify(self.shown(message), title=self.shown(title), severity=severity,
                       timeout=timeout, markup=markup)

    @property
    def saves(self) -> Path:
        """The saves folder: the --saves option, $FRONTIER_LAB_SAVES or ./saves."""
        from game.session.saves.folder import saves_dir

        return saves_dir(self._saves)

    def on_mount(self) -> None:
        from game.ui.title import TitleScreen

        self.call_after_refresh(gc.enable)  # paused until the first frame (game.ui.startup)
        if self.class_dir is not None:
            from game.ui.class_live import ClassLive

            self.live = ClassLive(self)
        self.push_screen(TitleScreen())
        if self._first_game is not None:
            self._claim(self._first_game)
            self.push_screen(self._screen_for(self._first_game))
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
            if self.fixed is not None:
                self.call_from_thread(self._build_spare)

        self.run_worker(load, thread=True, group="warm-up")

    def _build_spare(self) -> None:
        """In a class, behind the title: the game screen built for the class's scenario, unseen,
        while the student types their join code and lab name. The key that then starts or
        resumes their game fills it and shows it: built at that key, it took 0.4–0.6 s of a
        core, and a class joining together waited for thirty of them on two cores."""
        from game.session.game import Game, GameError
        from game.ui.debrief import DebriefScreen
        from game.ui.screens import GameScreen

        if (self._spare is not None or self.fixed is None
                or any(isinstance(shown, GameScreen | DebriefScreen)
                       for shown in self.screen_stack)):
            return  # (a game is already shown: none is needed)
        scenario, seed = self.fixed
        try:
            spare = GameScreen(Game(self.content, scenario, seed, "spare"), spare=True)
        except (GameError, KeyError):
            return  # (the class's scenario is not in these packs: the game itself says so)
        # Textual composes and styles a screen when it is first pushed; _get_screen (Textual
        # is pinned exactly) does that part alone, with the screen kept off the stack.
        _, self._spare_mounted = self._get_screen(spare)
        self._load_screen_css(spare)
        self._spare = spare

    async def _close_all(self) -> None:
        # The screen built behind the title is on no stack: Textual would close its widgets one
        # by one, in no order, while their messages still ran (a tab closed as it was built).
        # Closed first, once mounted (a widget's mount ran on after its children had gone), as a
        # screen on a stack is: its children before it.
        spare, self._spare = self._spare, None
        if spare is not None and spare.is_running:
            if self._spare_mounted is not None:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._spare_mounted(), SPARE_MOUNT_WAIT)
            await self._prune(spare)
        await super()._close_all()

    # --- games -------------------------------------------------------------------------

    def start_game(self, game: Game, replace: bool = False, save: bool = True) -> None:
        """Show a game: its dashboard, or its debrief if it is over. ``save``: write it now (a
        new game or a branch; a game just loaded is saved when something is played)."""
        self._claim(game)
        screen = self._screen_for(game)
        if replace:
            self.switch_screen(screen)
        else:
            self.push_screen(screen)
        if save:
            self.autosave(game)

    def _claim(self, game: Game) -> None:
        """One writer per save: the game's save is locked while it is open here (the games
        left behind are let go); a save another process has open goes on in a copy."""
        from game.session.saves import lock

        lock.release_all(but=game.save_path)
        if game.save_path is not None and not lock.hold(game.save_path):
            name = game.save_path.name
            game.save_path, game.created, game.game_id = None, None, None
            self.notify(printable(f"{name} is open in another Frontier Lab: you are playing a "
                                  "copy, saved beside it; the original stays as it is there."),
                        markup=False, timeout=12)
        if self.live is not None:
            self.live.shown(game)

    def _screen_for(self, game: Game) -> Screen:
        from game.ui.debrief import DebriefScreen
        from game.ui.screens import GameScreen

        if not game.running:
            return DebriefScreen(game)
        spare, self._spare, self._spare_mounted = self._spare, None, None
        if spare is not None and spare.game.scenario is game.scenario:
            spare.bind(game)
            return spare
        return GameScreen(game)

    def autosave(self, game: Game) -> None:
        self.save(game, announce=False)

    def save(self, game: Game, announce: bool) -> None:
        from game.session.saves.errors import SaveError
        from game.session.store import save_game

        try:
            path = save_game(game, self.saves, key=self.class_key)
        except (SaveError, OSError) as exc:
            # shown until a save succeeds: a player must not quit unaware of it
            self.save_failure = printable(str(exc))
            self.notify(f"Could not save: {self.save_failure}", severity="error",
                        timeout=24 * 3600, markup=False)
            return
        if self.save_failure is not None:
            self.save_failure = None
            self.clear_notifications()
        self._written.add(path)
        if self.live is not None:
            self.live.shown(game)
        if announce:
            self.notify(printable(f"Saved to {path}"), markup=False)

    def open_load_dialog(self) -> None:
        from game.ui.saves import LoadModal

        if self.roster is not None and self.student is None:
            self.notify("Type your join code first.", markup=False)
            return
        own = self.student.id if self.student is not None else None
        self.push_screen(LoadModal(self.saves, student=own), self._loaded)

    # --- a class with a roster (game.ui.join) ------------------------------------------

    def join(self, student: Student) -> None:
        """A student typed their code: their own game where it stands, or a new one."""
        from game.classroom.roster import student_save
        from game.ui.join import open_own_game
        from game.ui.new_game import NewGameModal

        assert self.class_dir is not None and self.fixed is not None
        self.student = student
        path = student_save(self.class_dir, student.id, self.fixed[0])
        if path.exists():
            self.run_worker(partial(open_own_game, self, path), thread=True, exclusive=True,
                            group="join")
            return
        self.push_screen(NewGameModal(self.content, self.fixed, self.class_dir,
                                      self.secret_seed), partial(self._start_own, path))

    def _start_own(self, path: Path, choice: tuple[str, str, int] | None) -> None:
        if choice is None or self.student is None:
            return
        from game.session.game import Game

        scenario, lab, seed = choice
        game = Game(self.content, scenario, seed, lab)
        game.student, game.save_path = self.student.id, path
        self.start_game(game)

    def resume_own_game(self, game: Game) -> None:
        self.start_game(game, save=False)

    def unjoin(self) -> None:
        """Back to the join code (the student's game could not be opened)."""
        self.student = None

    def _loaded(self, choice: Path | Anew | None) -> None:
        if choice is None:
            return
        from game.session.saves.errors import SaveError
        from game.session.store import continue_anew, load_game
        from game.ui.saves import Anew

        path = choice.path if isinstance(choice, Anew) else choice
        try:
            game = (continue_anew(path, self.content)[0] if isinstance(choice, Anew)
                    else load_game(path, self.content))
        except SaveError as exc:
            self.notify(printable(str(exc)), severity="error", timeout=10, markup=False)
            return
        if isinstance(choice, Anew):  # a new game: saved as one, beside the older save
            self.start_game(game)
            return
        own = self.student is not None and game.student == self.student.id
        if self.class_dir is not None and path not in self._written and not own:
            # The server cannot tell students apart, so a save this session did not write
            # (a classmate's, or one's own from a closed tab) goes on in a copy: its file is
            # never written to from here.
            game.save_path, game.created, game.game_id = None, None, None
            self.notify(printable(f"Continuing a copy of {path.name}: the original stays as "
                                  "it was."), markup=False,
                        timeout=8)
        self.start_game(game, save=False)  # loading alone rewrites nothing

    async def action_quit(self) -> None:
        """ctrl+q: at once from the title or a debrief; with a game in play (behind any dialog),
        after a question that says what would be lost, and offers to save first."""
        if isinstance(self.screen, QuitDialog):  # ctrl+q twice quits
            self.exit()
            return
        playing = next((s for s in reversed(self.screen_stack)
                        if getattr(s, "game", None) is not None), None)
        game = getattr(playing, "game", None)
        if self.save_failure is None and (game is None or not game.running):
            self.exit()
            return
        path = getattr(game, "save_path", None)
        self.push_screen(QuitDialog(self.save_failure and self.shown(self.save_failure),
                                    None if path is None else self.shown(str(path))),
                         lambda answer: self._quit_answer(answer, playing))

    def _quit_answer(self, answer: bool | str | None, playing: Screen | None) -> None:
        if answer == "save" and playing is not None:
            if hasattr(playing, "keep_typed_plan"):
                playing.keep_typed_plan()
            self.save(playing.game, announce=False)  # type: ignore[attr-defined]
            if self.save_failure is not None:  # it failed: say so, and stay
                return
        if answer:
            self.exit()

    async def on_event(self, event: events.Event) -> None:
        if self.live is not None and isinstance(event, events.Key):
            self.live.key()  # the instructor's dashboard: when this student last did something
        await super().on_event(event)

    # --- the unforeseen ------------------------------------------------------------------

    async def run_action(self, action: str | ActionParseResult,
                         default_namespace: DOMNode | None = None,
                         namespaces: Mapping[str, DOMNode] | None = None) -> bool:
        """Textual's, except that an action that raises (a key's, most often) is handled here.
        Let through, it would stop the app's own message loop: the crash dialog would be drawn
        half, answer no key, and the game would never exit (in a browser: a frozen tab)."""
        try:
            return await super().run_action(action, default_namespace, namespaces)
        except Exception as error:
            self._handle_exception(error)
            return True

    def _handle_exception(self, error: Exception) -> None:
        """An error nobody foresaw, anywhere in the app: save the game, write the details to a
        log, say so in a dialog, and exit with code 1 once it is closed (Textual's own handling,
        a traceback over the terminal, only if this fails too)."""
        if self._crashed:
            super()._handle_exception(error)
            return
        self._crashed = True
        self._return_code = 1
        if self._exception is None:  # what run_test re-raises: a crash still fails a test
            self._exception = error
        try:
            saved = self._save_after_crash()
            self.crash_log = write_crash_log(error, saved)
            self.push_screen(CrashDialog(error, saved, self.crash_log,
                                         in_class=self.class_dir is not None),
                             lambda _: self.exit(return_code=1))
        except Exception:  # the dialog itself failed: fall back to Textual's
            super()._handle_exception(error)

    def _save_after_crash(self) -> str:
        """The game on screen saved, in a sentence for the crash dialog."""
        game = next((s.game for s in reversed(self.screen_stack)
                     if getattr(s, "game", None) is not None), None)
        if game is None:
            return "No game was open."
        from game.session.store import save_game

        try:
            path = save_game(game, self.saves, key=self.class_key)
            return self.shown(f"Your game is saved in {path}.")
        except Exception as exc:  # whatever broke may break saving too
            return self.shown(f"Your game could not be saved now ({exc}); its last autosave, "
                              "from the start of this quarter, is in the saves folder.")

    # --- help, glossary, themes, palette ----------------------------------------------

    def action_help(self) -> None:
        rows: list[tuple[str, str]] = []
        seen: set[str] = set()
        for binding in [*self.screen.BINDINGS, *self.BINDINGS]:
            if not isinstance(binding, Binding) or binding.id in seen:
                continue
            if self.screen.check_action(binding.action, ()) is False:
                continue  # a key that does nothing here (the console outside --dev)
            seen.add(binding.id or binding.key)
            keys = " / ".join(self.get_key_display(Binding(k.strip(), ""))
                              for k in binding.key.split(","))
            rows.append((keys, binding.description or binding.action))
        rows.append(("ctrl+p", "Command palette: every command by name"))
        from game.ui.modals import HelpModal

        game = next((s.game for s in reversed(self.screen_stack)
                     if getattr(s, "game", None) is not None), None)
        hints = [(game.calendar(h.quarter), h.text)
                 for h in getattr(game.scenario, "hints", []) if h.quarter <= game.quarter
                 ] if game is not None else []
        self.push_screen(HelpModal(rows, HELP_INTRO, hints))

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
