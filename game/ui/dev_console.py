"""The developer console (``frontier-lab play --dev``, then F2): a modder's tools for trying a
pack in play. It fires events, sets flags and variables, reads any name and jumps quarters
ahead.

Its changes go into the action log (``Game.dev``), so a game that used it still saves, loads and
replays. The save is marked ``dev = true``, and the class report never ranks it.
"""

from __future__ import annotations

import numpy as np
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, Label, RichLog

from game.packs.names import format_value
from game.session.game import Game, GameError
from game.ui.dialog import DIALOG_CSS, Dialog
from game.ui.format import plain
from game.ui.inputs import InOrderInput

HELP = """fire EVENT          the event happens this quarter if its trigger holds (prefix optional)
flag NAME on|off    set or clear a flag; the quarter's events are rolled again
var NAME NUMBER     set a pack's variable (within its bounds); events rolled again
read NAME           a name's value now: cash, rival.gemini.lead, flag.NAME, var.NAME …
events [TEXT]       the events whose id contains TEXT
jump N              play N quarters, every event answered by its ai_weight
help                this list"""


class DevConsole(Dialog[int]):
    """Dismissed with the number of quarters it played (``jump``), for the screen to catch up."""

    DEFAULT_CSS = DIALOG_CSS.format(name="DevConsole") + """
    DevConsole RichLog { height: 14; border: round $primary 50%; }
    """
    BINDINGS = [Binding("escape", "close", "Close", id="dev.close")]

    def __init__(self, game: Game) -> None:
        super().__init__()
        self.game = game
        self.played = 0

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_subtitle = "enter runs a command · esc close"
            yield Label("Developer console: this game will be marked, and never ranked",
                        classes="title")
            yield RichLog(id="dev-log", wrap=True, markup=False)
            yield InOrderInput(placeholder="help", compact=True, id="dev-command")

    def on_mount(self) -> None:
        self.query_one(RichLog).write(HELP)
        self.query_one(Input).focus()

    @on(Input.Submitted, "#dev-command")
    def _run(self, message: Input.Submitted) -> None:
        command = message.value.strip()
        message.input.value = ""
        if not command:
            return
        log = self.query_one(RichLog)
        log.write(Text(f"> {command}", style="bold"))
        try:
            said = self.run_command(command)
        except GameError as exc:
            log.write(plain(str(exc), "red"))
            return
        log.write(plain(said))

    def run_command(self, command: str) -> str:
        """What a command did, as text; GameError when it cannot be done."""
        game = self.game
        verb, *rest = command.split()
        if verb == "help":
            return HELP
        if verb == "events":
            found = [e.event.id for e in game.director.events
                     if not rest or rest[0].lower() in e.event.id.lower()]
            more = f"\n… and {len(found) - 30} more" if len(found) > 30 else ""
            return "\n".join(found[:30]) + more if found else "no such event"
        if verb == "read" and len(rest) == 1:
            name = game.director.names.get(rest[0])
            if name is None:
                raise GameError(f"no state name '{rest[0]}' (MODDING.md lists them)")
            value = float(np.ravel(name.read(game.state, game.econ))[0])  # a float or (W,)
            return f"{rest[0]} = {format_value(name.unit, value)}"
        if verb == "jump" and len(rest) == 1 and rest[0].isdigit():
            n = int(rest[0])
            if not 1 <= n <= 40:
                raise GameError("jump 1 to 40 quarters")
            played = 0
            while played < n and game.running:
                game.dev_used = True
                game.end_quarter(auto_choose=True)
                played += 1
            self.played += played
            return (f"played {played} quarter{'s' * (played != 1)}: now "
                    + (game.calendar() if game.running else f"over ({game.outcome})"))
        if verb == "fire" and len(rest) == 1:
            return game.dev(f"fire {self._event_id(rest[0])}")
        if verb in ("flag", "var"):
            return game.dev(command)
        raise GameError(f"'{command}': not a command (help lists them)")

    def _event_id(self, text: str) -> str:
        """An event's id, its pack's prefix optional when only one pack has it."""
        ids = [e.event.id for e in self.game.director.events]
        if text in ids:
            return text
        matches = [i for i in ids if i.split(".", 1)[-1] == text]
        if len(matches) == 1:
            return matches[0]
        raise GameError(f"no event '{text}'" + (f" (which: {', '.join(matches)}?)" if matches
                                                else " (events TEXT lists them)"))

    def action_close(self) -> None:
        self.close(self.played)
