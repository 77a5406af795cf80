"""The load dialog: the saves in the folder, with lab, scenario, quarter and outcome."""

from __future__ import annotations

from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Label, OptionList, Static
from textual.widgets.option_list import Option

from game.ui.dialog import DIALOG_CSS, Dialog
from game.ui.format import plain


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
            yield Label(plain(f"Load a game from {self.folder}"), classes="title")
            if rows:
                yield OptionList(*[
                    Option(plain(f"{r.path.name}: {r.error}"), id=str(r.path), disabled=True)
                    if r.error else
                    Option(plain(f"{r.lab} · {r.scenario} · quarter {r.quarter} · {r.outcome} · "
                                 f"{r.updated}"), id=str(r.path))
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
