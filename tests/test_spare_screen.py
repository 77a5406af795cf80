"""In a class, a student's game screen is built behind the title while they type their join code
and lab name (game.ui.app: the spare), and the key that starts or resumes their game fills it
and shows it. What it shows is what a screen built at that key would show, for a new game and a
resumed one, at the window's size when it is shown."""

from __future__ import annotations

from pathlib import Path

import pytest

from game.packs import load_content
from game.ui.screens import GameScreen
from tests.class_ui import class_app, join, new_class, to_dashboard, until


@pytest.fixture(scope="module")
def content():
    return load_content()


@pytest.fixture
def klass(tmp_path, capsys) -> Path:
    return new_class(tmp_path / "period5", capsys, "--seed", "7",
                     students=("Ada Lovelace", "Alan Turing"))


def _code(klass: Path, n: int) -> str:
    from game.classroom.roster import read_roster

    return read_roster(klass)[n].code


async def _spare(pilot, app) -> GameScreen:
    await until(pilot, lambda: app._spare is not None and app._spare.is_mounted,
                "the game screen built behind the title")
    return app._spare


async def _same_as_built_now(pilot, app) -> None:
    """The screen shown draws what a screen built now for its game draws."""
    shown = app.screen
    before = app.export_screenshot()
    app.switch_screen(GameScreen(shown.game))
    await until(pilot, lambda: app.screen is not shown and app.screen.is_mounted, "a new screen")
    await pilot.pause()
    assert app.export_screenshot() == before


async def test_a_new_game_shows_the_screen_built_behind_the_title(content, klass) -> None:
    app = class_app(content, klass)
    async with app.run_test(size=(100, 30)) as pilot:
        spare = await _spare(pilot, app)
        assert not spare.bound and spare not in app.screen_stack
        # typed key by key: the screen built behind the title took no focus from the title
        await pilot.press(*_code(klass, 0), "enter")
        await until(pilot, lambda: type(app.screen).__name__ == "NewGameModal", "the form")
        await pilot.press(*"[/b] Nova [@click=app.quit]", "enter")  # (hostile text)
        shown = await to_dashboard(pilot, app)
        assert shown is spare and spare.bound and app._spare is None
        assert shown.game.lab == "[/b] Nova [@click=app.quit]"
        assert shown.game.student == "ada-lovelace"
        await _same_as_built_now(pilot, app)


async def test_a_resumed_game_and_a_resized_window_show_the_same(content, klass) -> None:
    code = _code(klass, 1)
    first = class_app(content, klass)
    async with first.run_test(size=(100, 30)) as pilot:
        screen = await join(pilot, first, code, "Bombe Works")
        await pilot.press("2")
        await pilot.press("e")
        await until(pilot, lambda: type(first.screen).__name__ == "PreviewModal", "the preview")
        await pilot.press("e")
        await until(pilot, lambda: screen.game.quarter == 1, "a quarter played")
        await pilot.press("ctrl+s")
        await pilot.pause()
    again = class_app(content, klass)  # a reload: a new tab, the same student
    async with again.run_test(size=(100, 30)) as pilot:
        spare = await _spare(pilot, again)
        await pilot.resize_terminal(130, 40)  # the window is larger when the game is shown
        shown = await join(pilot, again, code)
        assert shown is spare and shown.game.quarter == 1 and shown.game.lab == "Bombe Works"
        assert shown.has_class("-wide") and not shown.has_class("-narrow")
        await _same_as_built_now(pilot, again)


async def test_a_spare_not_yet_mounted_is_filled_when_it_is(content, klass) -> None:
    from game.session.game import Game

    app = class_app(content, klass)
    async with app.run_test(size=(100, 30)) as pilot:
        await _spare(pilot, app)
        app._spare = None
        app._build_spare()  # and, in the same moment, a game to show
        spare = app._spare
        assert spare is not None and not spare.is_mounted
        game = Game(content, *app.fixed, "Difference Engines")
        app.start_game(game, save=False)
        await until(pilot, lambda: app.screen is spare and spare.is_mounted, "the spare shown")
        await pilot.pause()
        assert spare.game is game and spare.bound
        await _same_as_built_now(pilot, app)


async def test_no_spare_outside_a_class(content, tmp_path) -> None:
    from game.ui.app import FrontierLab

    app = FrontierLab(content, tmp_path / "saves")  # the scenario is chosen in the form
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: not app.workers, "the packs loaded behind the title")
        await pilot.pause()
        assert app._spare is None


async def test_a_theme_changed_behind_the_title_restyles_the_spare(content, klass) -> None:
    app = class_app(content, klass)
    async with app.run_test(size=(100, 30)) as pilot:
        spare = await _spare(pilot, app)
        app.theme = "textual-light"  # (ctrl+p → theme, before joining)
        await pilot.pause()
        shown = await join(pilot, app, _code(klass, 0), "Nova Labs")
        assert shown is spare
        await _same_as_built_now(pilot, app)


async def test_a_tab_closed_as_the_screen_is_built_closes_cleanly(content, klass) -> None:
    """A student who closes the tab (or reloads) while their game screen is being built behind
    the title: the app ends without an error from the screen's widgets (Textual closed them in no
    order, while their mount still ran: one run in three or so failed)."""
    for _ in range(8):
        app = class_app(content, klass)
        async with app.run_test(size=(100, 30)) as pilot:
            await until(pilot, lambda app=app: app._spare is not None, "the screen started")
        assert app.return_code in (0, None) and app._exception is None
