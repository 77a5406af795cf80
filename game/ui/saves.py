"""The load dialog: the saves in the folder, each with what tells it apart (file, lab,
scenario, quarters played, outcome, when saved)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Label, OptionList, Static
from textual.widgets.option_list import Option

from game.text import short_path
from game.ui.dialog import DIALOG_CSS, Dialog
from game.ui.format import plain

if TYPE_CHECKING:
    from game.session.saves.folder import SaveSummary


class LoadModal(Dialog[Path | None]):
    """Pick a save; dismissed with its path, or None. Unreadable saves are listed with what is
    wrong and cannot be picked."""

    DEFAULT_CSS = DIALOG_CSS.format(name="LoadModal") + """
    LoadModal OptionList { height: auto; max-height: 14; }
    """
    BINDINGS = [Binding("escape", "cancel", "Back", id="load.cancel")]

    def __init__(self, folder: Path) -> None:
        super().__init__()
        self.folder = folder

    def compose(self) -> ComposeResult:
        from game.session.saves.folder import list_saves

        rows = list_saves(self.folder)
        with Vertical():
            yield Label(plain(f"Load a game from {short_path(self.folder)}"), classes="title")
            if rows:
                yield OptionList(*[
                    Option(plain(bad_row(r)), id=str(r.path), disabled=True)
                    if r.error else
                    Option(plain(row(r)), id=str(r.path))
                    for r in rows], id="saves")
            else:
                yield Static("No saves yet: a game saves itself every quarter.", classes="note")
            with Horizontal(classes="buttons"):
                yield Button("Back", id="back")

    @on(OptionList.OptionSelected, "#saves")
    def _picked(self, message: OptionList.OptionSelected) -> None:
        self.close(Path(message.option.id or ""))

    @on(Button.Pressed, "#back")
    def action_cancel(self) -> None:
        self.close(None)


def row(r: SaveSummary) -> str:
    """What tells one save from another: its file, lab, scenario, how far it went, how it
    stands and when it was last saved."""
    played = f"{r.quarter} quarter{'s' if r.quarter != 1 else ''} played"
    state = "in play" if r.outcome == "running" else r.outcome
    when = (r.updated or "").replace("T", " ").removesuffix("Z")[:16]
    return f"{r.file} · {r.lab} · {r.scenario} · {played} · {state} · {when} UTC"


def bad_row(r: SaveSummary) -> str:
    """A file that is not a loadable save: its name and what is wrong (without its folder,
    which the dialog's title names)."""
    said = (r.error or "").replace(str(r.path), r.file)
    return said if r.file in said else f"{r.file}: {said}"
