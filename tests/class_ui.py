"""A student's game of a class in Textual's Pilot: the app as the class's server starts it, and
the steps every class test takes (join with a code, reach the dashboard, wait on the screen)."""

from __future__ import annotations

from pathlib import Path


def new_class(folder: Path, capsys, *options: str,
              students: tuple[str, ...] = ("Ada Lovelace",)) -> Path:
    """A class made as an instructor makes one: ``class new FOLDER OPTIONS``, then its roster
    (what the commands print is let go)."""
    from game.cli import main

    assert main(["class", "new", str(folder), *options]) == 0
    assert main(["class", "roster", str(folder),
                 *[a for name in students for a in ("--add", name)]]) == 0
    capsys.readouterr()
    return folder


def class_app(content, klass: Path):
    """The game as ``frontier-lab play --class DIR`` makes it (its roster, key and seed)."""
    from game.commands.play import class_roster, class_settings
    from game.ui.app import FrontierLab

    scenario, seed, key, hidden = class_settings(klass, None, None)
    return FrontierLab(content, klass, class_dir=klass, fixed=(scenario, seed), class_key=key,
                       secret_seed=hidden, roster=class_roster(klass))


async def until(pilot, ok, what: str, tries: int = 600) -> None:
    """Wait (generously: a busy machine) until ``ok()``."""
    for _ in range(tries):
        if ok():
            return
        await pilot.pause(0.05)
    raise AssertionError(f"never: {what}")


async def to_dashboard(pilot, app):
    """The game's main screen, past the quarter's news and events (enter answers each)."""
    from game.ui.modals import EventModal, NoticeModal
    from game.ui.screens import GameScreen

    for _ in range(400):
        if isinstance(app.screen, GameScreen):
            return app.screen
        if isinstance(app.screen, EventModal | NoticeModal):
            await pilot.press("enter")
        await pilot.pause(0.05)
    raise AssertionError(f"no dashboard: {app.screen}")


async def join(pilot, app, code: str, lab: str | None = None):
    """Type a join code on the title screen (and a new game's lab name), then the dashboard."""
    from textual.widgets import Input

    from game.ui.new_game import NewGameModal

    await pilot.pause()
    app.screen.query_one("#join-code", Input).value = code
    await pilot.press("enter")
    if lab is not None:
        await until(pilot, lambda: isinstance(app.screen, NewGameModal), "the new-game form")
        await pilot.press(*lab, "enter")
    return await to_dashboard(pilot, app)
