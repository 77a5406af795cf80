"""Snapshots of every screen at a fixed seed, at 80×24 and 160×48 (pytest-textual-snapshot).

80×24 is a first-class size: every screen must read there. After a deliberate change of the
UI, review the new pictures and run ``pytest tests/test_ui_snapshots.py --snapshot-update``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.containers import VerticalScroll

from game.packs import DEFAULT_SCENARIO, load_content
from game.session.game import Game
from game.ui.app import FrontierLab
from game.ui.debrief import DebriefScreen
from game.ui.modals import EventModal, NoticeModal, PreviewModal
from game.ui.screens import GameScreen

SIZES = {"80x24": (80, 24), "160x48": (160, 48)}


@pytest.fixture(scope="module")
def content():
    return load_content()


@pytest.fixture(params=list(SIZES.values()), ids=list(SIZES))
def size(request) -> tuple[int, int]:
    return request.param


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


def test_title(snap_compare, content, tmp_path, size) -> None:
    assert snap_compare(FrontierLab(content, tmp_path), terminal_size=size)


def test_main(snap_compare, content, tmp_path, size) -> None:
    async def run_before(pilot) -> None:
        await to_main(pilot)
        await play_quarters(pilot, 2)
        await to_main(pilot)

    assert snap_compare(app_for(content, tmp_path), terminal_size=size, run_before=run_before)


def test_event(snap_compare, content, tmp_path, size) -> None:
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
        await settle(pilot)

    assert snap_compare(app_for(content, tmp_path), terminal_size=size, run_before=run_before)


def test_why(snap_compare, content, tmp_path, size) -> None:
    async def run_before(pilot) -> None:
        await to_main(pilot)
        await play_quarters(pilot, 1)
        await to_main(pilot)
        await pilot.press("w")
        await settle(pilot)

    assert snap_compare(app_for(content, tmp_path), terminal_size=size, run_before=run_before)


def test_preview(snap_compare, content, tmp_path, size) -> None:
    async def run_before(pilot) -> None:
        await to_dashboard(pilot)
        await pilot.press("e")
        await settle(pilot)
        assert isinstance(pilot.app.screen, PreviewModal)

    assert snap_compare(app_for(content, tmp_path), terminal_size=size, run_before=run_before)


def test_debrief(snap_compare, content, tmp_path, size) -> None:
    async def run_before(pilot) -> None:
        await play_quarters(pilot, 40)
        assert isinstance(pilot.app.screen, DebriefScreen)
        await settle(pilot)

    assert snap_compare(app_for(content, tmp_path), terminal_size=size, run_before=run_before)


async def to_dashboard(pilot) -> None:
    """The dashboard in front once the quarter's dialogs (shown after it mounts) are answered."""
    for _ in range(3):
        await settle(pilot)
        await to_main(pilot)


def test_training(snap_compare, content, tmp_path, size) -> None:
    """The Training tab: a run sized at the compute-optimal k, scrolled to its
    scaling-law tables (capability against serving cost)."""
    async def run_before(pilot) -> None:
        await to_dashboard(pilot)
        await pilot.press("4")
        screen = pilot.app.screen
        screen.query_one("#cancel-run").value = True  # (to start another run now)
        screen.query_one("#input-start-run-flop").value = "5e26"
        screen.query_one("#input-tokens-per-parameter").value = "20"
        await settle(pilot)
        screen.query_one("#tab-training VerticalScroll").scroll_end(animate=False)
        await settle(pilot)

    assert snap_compare(app_for(content, tmp_path), terminal_size=size, run_before=run_before)


def test_finance_book(snap_compare, content, tmp_path, size) -> None:
    """The Finance & IPO tab with the book's price range, a round's cost beside the
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
    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("tab", ["2", "3", "5"], ids=["procurement", "allocation", "pricing"])
def test_tab(snap_compare, content, tmp_path, size, tab) -> None:
    """The decision tabs not pictured above, as the first quarter opens (Training and Finance
    & IPO have pictures of their own, with a plan typed)."""
    async def run_before(pilot) -> None:
        await to_dashboard(pilot)
        await pilot.press(tab)
        await settle(pilot)

    assert snap_compare(app_for(content, tmp_path), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("key", ["question_mark", "g", "ctrl+q"], ids=["help", "glossary", "quit"])
def test_dialog_over_the_game(snap_compare, content, tmp_path, size, key) -> None:
    async def run_before(pilot) -> None:
        await to_dashboard(pilot)
        await pilot.press(key)
        await settle(pilot)

    assert snap_compare(app_for(content, tmp_path), terminal_size=size, run_before=run_before)


def test_new_game_dialog(snap_compare, content, tmp_path, size) -> None:
    async def run_before(pilot) -> None:
        await pilot.press("n")
        await settle(pilot)

    assert snap_compare(FrontierLab(content, tmp_path), terminal_size=size,
                        run_before=run_before)


def test_load_dialog(snap_compare, content, tmp_path, size, monkeypatch) -> None:
    """Two saves of one lab (a game in play and a finished one) and a file that is not a save:
    the rows tell them apart (file, lab, scenario, quarters played, outcome, when)."""
    import re

    from game.bots import STRATEGIES
    from game.session.store import save_game

    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "saves"  # shown as "saves": the title bar does not depend on tmp_path
    folder.mkdir()
    for n, quarters in enumerate((3, None)):
        game = Game(content, DEFAULT_SCENARIO, 5 + n, "Twin Labs")
        game.autoplay(STRATEGIES["cloud"], quarters=quarters)
        path = save_game(game, folder)
        when = f"2026-0{n + 3}-0{n + 1}T10:1{n}:00Z"  # fixed times (outside the seals)
        path.write_text(re.sub(r"(?m)^(created|updated) = .*$", rf"\1 = {when}",
                               path.read_text()))
    (folder / "notes.toml").write_text("this is = not a save\n")

    async def run_before(pilot) -> None:
        await pilot.press("l")
        await settle(pilot)

    assert snap_compare(FrontierLab(content, Path("saves")), terminal_size=size,
                        run_before=run_before)


def test_debrief_decisions(snap_compare, content, tmp_path, size) -> None:
    """The debrief scrolled to its end: the decisions weighed (a bot's game, so there are
    many), every decision by quarter, the concepts met and the replay row."""
    from game.bots import STRATEGIES

    game = Game(content, DEFAULT_SCENARIO, 5, "Snapshot")
    game.autoplay(STRATEGIES["frugal"], quarters=6)

    async def run_before(pilot) -> None:
        await play_quarters(pilot, 40)
        assert isinstance(pilot.app.screen, DebriefScreen)
        await settle(pilot)
        pilot.app.screen.query_one(VerticalScroll).scroll_end(animate=False)
        await settle(pilot)

    assert snap_compare(FrontierLab(content, tmp_path, game=game), terminal_size=size,
                        run_before=run_before)
