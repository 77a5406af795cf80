"""The load dialog: the saves in the folder, each with what tells it apart (file, lab,
scenario, quarters played, outcome, when saved)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.css.query import NoMatches
from textual.widgets import Button, Label, OptionList, Static
from textual.widgets.option_list import Option

from game.text import short_path
from game.ui.dialog import DIALOG_CSS, Dialog
from game.ui.format import plain

if TYPE_CHECKING:
    from game.session.saves.folder import SaveSummary


@dataclass(frozen=True)
class Anew:
    """The Load dialog's answer for a save to be continued anew (its decisions played again
    under this version's rules: ``game.session.store.continue_anew``)."""

    path: Path


class LoadModal(Dialog[Path | Anew | None]):
    """Pick a save; dismissed with its path, or None. Each save is replayed in the background
    and marked verified, edited, made with other content or damaged; only verified ones can be
    picked, and a damaged one with a ``.bak`` can have that last good version restored (r)."""

    DEFAULT_CSS = DIALOG_CSS.format(name="LoadModal") + """
    LoadModal OptionList { height: auto; max-height: 14; }
    LoadModal #checking { height: auto; color: $text-muted; }
    """
    BINDINGS = [Binding("escape", "cancel", "Back", id="load.cancel"),
                Binding("r", "restore", "Restore the .bak", id="load.restore"),
                Binding("c", "anew", "Continue anew", id="load.anew")]

    def __init__(self, folder: Path, student: str | None = None) -> None:
        super().__init__()
        self.folder = folder
        self.student = student  # in a class with a roster: only this student's own games
        self.rows: dict[str, SaveSummary] = {}
        self.other_content: set[str] = set()  # rows that can only be continued anew (c)

    def compose(self) -> ComposeResult:
        from game.session.saves.errors import SaveError
        from game.session.saves.folder import list_saves

        try:
            rows, problem = list_saves(self.folder), None
        except SaveError as exc:
            rows, problem = [], str(exc)
        if self.student is not None:  # a classmate's game is theirs: neither shown nor opened
            rows = [r for r in rows if r.student == self.student]
        self.rows = {str(r.path): r for r in rows}
        with Vertical():
            shown = getattr(self.app, "shown", str)  # in a class: no path of the server
            yield Label(plain(f"Load a game from {shown(short_path(self.folder))}"),
                        classes="title")
            if rows:
                yield OptionList(*[
                    Option(damaged_row(r), id=str(r.path), disabled=not _has_backup(r))
                    if r.error else
                    Option(plain(row(r) + " · checking…"), id=str(r.path), disabled=True)
                    for r in rows], id="saves")
                yield Static("", id="checking")
            elif problem:
                yield Static(plain(problem), classes="note")
            else:
                yield Static("No saves yet: a game saves itself every quarter.", classes="note")
            with Horizontal(classes="buttons"):
                yield Button("Back", id="back")

    def on_mount(self) -> None:
        if any(not r.error for r in self.rows.values()):
            self._check()

    @work(thread=True, exclusive=True, group="load-check")
    def _check(self) -> None:
        """Replay each save (about 50 ms for 16 quarters) and mark it, without holding up the
        dialog: a save can be picked as soon as it is verified."""
        from game.session.store import status

        good = [r for r in self.rows.values() if not r.error]
        content = self.app.content
        for n, r in enumerate(good, 1):
            checked = status(r.path, content)
            if not self.is_attached:
                return
            self.app.call_from_thread(self._mark, r, checked, n, len(good))

    def _mark(self, r: SaveSummary, checked: tuple[str, str], n: int, total: int) -> None:
        if not self.is_attached:
            return
        state, why = checked
        saves = self.query_one("#saves", OptionList)
        if state == "verified":
            saves.replace_option_prompt(str(r.path), plain(row(r) + " · verified ✓"))
            saves.enable_option(str(r.path))
            if saves.highlighted is None:  # the first save that can be picked, ready for enter
                saves.highlighted = saves.get_option_index(str(r.path))
        elif state == "other content":  # loading would be refused; continuing anew is not
            self.other_content.add(str(r.path))
            saves.replace_option_prompt(str(r.path), Text.assemble(
                plain(row(r) + " · "), plain(f"OTHER CONTENT: {why}", "bold yellow"),
                (" — c continues it anew: its decisions played again under this version's "
                 "rules, as a new game", "bold")))
            saves.enable_option(str(r.path))
        else:  # shown for what it is; loading it would be refused
            saves.replace_option_prompt(str(r.path), Text.assemble(
                plain(row(r) + " · "), plain(f"{state.upper()}: {why}", "bold red")))
        self.query_one("#checking", Static).update(
            "" if n == total else f"Replaying each save from its seed… {n}/{total}")

    @on(OptionList.OptionSelected, "#saves")
    def _picked(self, message: OptionList.OptionSelected) -> None:
        r = self.rows.get(message.option.id or "")
        if r is not None and r.error:
            self.action_restore()
            return
        if (message.option.id or "") in self.other_content:
            self.notify("This save cannot replay with this version's content: press c to "
                        "continue it anew.", markup=False)
            return
        self.close(Path(message.option.id or ""))

    def action_anew(self) -> None:
        """The highlighted save, made with other content, to be played again anew."""
        chosen = self._highlighted()
        if chosen in self.other_content:
            self.close(Anew(Path(chosen)))

    def action_restore(self) -> None:
        """Put a damaged save's .bak back (the highlighted row), and list the folder again."""
        from game.session.saves.errors import SaveError
        from game.session.store import restore_backup

        r = self.rows.get(self._highlighted())
        if r is None or not r.error or not _has_backup(r):
            return
        try:
            kept = restore_backup(r.path)
        except SaveError as exc:
            self.notify(plain(str(exc)).plain, severity="error", markup=False)
            return
        self.notify(plain(f"{r.file} restored from its .bak; the damaged file is kept as "
                          f"{kept.name}").plain, markup=False)
        self.refresh(recompose=True)
        self.call_after_refresh(self.on_mount)

    def _highlighted(self) -> str:
        """The highlighted row's path ('' when no save is listed or none is highlighted)."""
        try:
            saves = self.query_one("#saves", OptionList)
        except NoMatches:
            return ""
        if saves.highlighted is None:
            return ""
        return saves.get_option_at_index(saves.highlighted).id or ""

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


def _has_backup(r: SaveSummary) -> bool:
    return r.path.with_name(r.path.name + ".bak").is_file()


def damaged_row(r: SaveSummary) -> Text:
    """A damaged save: what is wrong, and whether its last good version can be restored."""
    said = plain(bad_row(r), "red")
    if _has_backup(r):
        said.append(f" — r (or enter) restores {r.file}.bak, its last good version", "bold")
    return said


def bad_row(r: SaveSummary) -> str:
    """A file that is not a loadable save: its name and what is wrong (without its folder,
    which the dialog's title names)."""
    said = (r.error or "").replace(str(r.path), r.file)
    return said if r.file in said else f"{r.file}: {said}"
