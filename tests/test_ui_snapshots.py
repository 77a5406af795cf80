"""Snapshots of the key screens at a fixed seed and size (pytest-textual-snapshot).

After a deliberate change of the UI, review the new pictures and run
``pytest tests/test_ui_snapshots.py --snapshot-update``.
"""

from __future__ import annotations

import pytest

from game.packs import DEFAULT_SCENARIO, load_content
from game.session.game import Game
from game.ui.app import FrontierLab
from game.ui.debrief import DebriefScreen
from game.ui.modals import EventModal, NoticeModal, PreviewModal
from game.ui.screens import GameScreen

SIZE = (80, 24)


@pytest.fixture(scope="module")
def content():
    return load_content()


def app_for(content, tmp_path, seed: int = 5) -> FrontierLab:
    return FrontierLab(content, tmp_path, game=Game(content, DEFAULT_SCENARIO, seed, "Snapshot"))


async def settle(pilot) -> None:
    """Workers finished and the layout settled (charts are drawn at their final size)."""
    await pilot.app.workers.wait_for_complete()
    await pilot.wait_for_scheduled_animations()
    for _ in range(3):
        await pilot.pause()


async def to_main(pilot) -> None:
    """Answer whatever the quarter opens with, until the dashboard is in front."""
    for _ in range(20):
        if isinstance(pilot.app.screen, GameScreen):
            break
        await pilot.press("enter")
        await pilot.pause()
    await settle(pilot)


async def play_quarters(pilot, n: int) -> None:
    app = pilot.app
    game = next(s for s in app.screen_stack if isinstance(s, GameScreen)).game
    target = game.quarter + n
    for _ in range(200):
        if game.quarter >= target or isinstance(app.screen, DebriefScreen):
            break
        if isinstance(app.screen, EventModal | NoticeModal):
            await pilot.press("enter")
        elif isinstance(app.screen, PreviewModal):
            await settle(pilot)
            await pilot.press("e")
        else:
            await pilot.press("e")
        await pilot.pause()


def test_title(snap_compare, content, tmp_path) -> None:
    assert snap_compare(FrontierLab(content, tmp_path), terminal_size=SIZE)


def test_main(snap_compare, content, tmp_path) -> None:
    async def run_before(pilot) -> None:
        await to_main(pilot)
        await play_quarters(pilot, 2)
        await to_main(pilot)

    assert snap_compare(app_for(content, tmp_path), terminal_size=SIZE, run_before=run_before)


def test_event(snap_compare, content, tmp_path) -> None:
    async def run_before(pilot) -> None:
        for _ in range(40):
            if isinstance(pilot.app.screen, EventModal):
                break
            if isinstance(pilot.app.screen, NoticeModal):
                await pilot.press("enter")
            else:
                await play_quarters(pilot, 1)
            await pilot.pause()
        assert isinstance(pilot.app.screen, EventModal)

    assert snap_compare(app_for(content, tmp_path), terminal_size=SIZE, run_before=run_before)


def test_why(snap_compare, content, tmp_path) -> None:
    async def run_before(pilot) -> None:
        await to_main(pilot)
        await play_quarters(pilot, 1)
        await to_main(pilot)
        await pilot.press("w")
        await settle(pilot)

    assert snap_compare(app_for(content, tmp_path), terminal_size=SIZE, run_before=run_before)


def test_preview(snap_compare, content, tmp_path) -> None:
    async def run_before(pilot) -> None:
        await to_main(pilot)
        await pilot.press("e")
        await settle(pilot)

    assert snap_compare(app_for(content, tmp_path), terminal_size=SIZE, run_before=run_before)


def test_debrief(snap_compare, content, tmp_path) -> None:
    async def run_before(pilot) -> None:
        await play_quarters(pilot, 40)
        assert isinstance(pilot.app.screen, DebriefScreen)
        await settle(pilot)

    assert snap_compare(app_for(content, tmp_path), terminal_size=SIZE, run_before=run_before)


async def to_dashboard(pilot) -> None:
    """The dashboard in front once the quarter's dialogs (shown after it mounts) are answered."""
    for _ in range(3):
        await settle(pilot)
        await to_main(pilot)


def test_training(snap_compare, content, tmp_path) -> None:
    """The Training tab at 80×24: a run sized at the compute-optimal k, scrolled to its
    scaling-law tables (capability against serving cost)."""
    async def run_before(pilot) -> None:
        await to_dashboard(pilot)
        await pilot.press("4")
        screen = pilot.app.screen
        screen.query_one("#input-start-run-flop").value = "5e26"
        screen.query_one("#input-tokens-per-parameter").value = "20"
        await settle(pilot)
        screen.query_one("#tab-training VerticalScroll").scroll_end(animate=False)
        await settle(pilot)

    assert snap_compare(app_for(content, tmp_path), terminal_size=SIZE, run_before=run_before)


def test_finance_book(snap_compare, content, tmp_path) -> None:
    """The Finance & IPO tab at 80×24 with the book's price range, a round's cost beside the
    raise, and accept chosen (a game whose IPO asks for no trailing revenue, to have a book
    within two quarters)."""
    from test_ui import listing_game

    async def run_before(pilot) -> None:
        await to_dashboard(pilot)
        game = next(s for s in pilot.app.screen_stack if isinstance(s, GameScreen)).game
        pilot.app.screen.query_one("#ipo").value = "file"
        await pilot.pause()
        await play_quarters(pilot, game.params.ipo.filing_quarters)
        await to_dashboard(pilot)
        assert game.ipo_stage == "book"
        await pilot.press("6")
        screen = pilot.app.screen
        screen.query_one("#input-raise-equity").value = "20"
        screen.query_one("#ipo").value = "accept"
        await settle(pilot)
        screen.query_one("#tab-finance VerticalScroll").scroll_end(animate=False)
        await settle(pilot)

    app = FrontierLab(content, tmp_path, game=listing_game(content, min_sentiment=None))
    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
