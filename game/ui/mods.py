"""The Mods dialog (m on the title screen): the packs in the player's mods folder, each turned on
or off with space, and why a mod that is on was left out of the last load.

The packs are loaded again, with the new choice, when the next game starts.
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Label, SelectionList, Static

from game.text import short_path
from game.ui.dialog import DIALOG_CSS, Dialog
from game.ui.format import plain


class ModsModal(Dialog[bool]):
    """Dismissed with whether a mod was turned on or off."""

    DEFAULT_CSS = DIALOG_CSS.format(name="ModsModal") + """
    ModsModal SelectionList { height: auto; max-height: 12; }
    ModsModal #mods-problems { height: auto; color: $warning; margin-top: 1; }
    """
    BINDINGS = [Binding("escape", "close", "Close", id="mods.close")]

    def __init__(self, left_out: list[str], exact: bool = False) -> None:
        super().__init__()
        self.left_out = left_out  # what the last load said of mods it left out
        self.exact = exact  # a class's game: mods do not play
        self.changed = False

    def compose(self) -> ComposeResult:
        from game.packs.sources import ModsError, mods, mods_dir

        try:
            found, problem = mods(), None
        except ModsError as exc:
            found, problem = [], str(exc)
        with Vertical() as box:
            box.border_subtitle = "space turns a mod on or off · esc close"
            yield Label("Mods", classes="title")
            yield Static(plain(f"Every pack folder in {short_path(mods_dir())} plays in every "
                               "game, unless it is off here. (frontier-lab packs mods, "
                               "enable and disable do the same.)"), classes="note")
            if self.exact:
                yield Static("This is a class's game: it plays the packs the class was made "
                             "with, and no mods.", classes="note")
            if problem:
                yield Static(plain(problem), id="mods-problems")
            elif found:
                yield SelectionList[str](*[(plain(m.name), m.name, m.enabled) for m in found],
                                         id="mods")
            else:
                yield Static("No mods yet: `frontier-lab packs new NAME --dir FOLDER` makes a "
                             "pack; put its folder here.", classes="note")
            if self.left_out:
                yield Static(Text("\n").join(plain(line) for line in self.left_out),
                             id="mods-problems")
            with Horizontal(classes="buttons"):
                yield Button("Close", id="close")

    def on_mount(self) -> None:
        for widget in self.query(SelectionList):
            widget.focus()

    @on(SelectionList.SelectionToggled, "#mods")
    def _toggled(self, message: SelectionList.SelectionToggled) -> None:
        from game.packs.sources import ModsError, set_enabled

        name = str(message.selection.value)
        enabled = name in message.selection_list.selected
        try:
            set_enabled(name, enabled)
        except ModsError as exc:
            self.notify(plain(str(exc)).plain, severity="error", markup=False)
            return
        self.changed = True

    @on(Button.Pressed, "#close")
    def action_close(self) -> None:
        self.close(self.changed)
