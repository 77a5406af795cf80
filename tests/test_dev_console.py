"""The developer console (``play --dev``, F2): its changes go into the action log, so a game that
used it saves, loads and replays exactly; the save is marked, and the class report never ranks
it."""

from __future__ import annotations

import pytest

from game.classroom import report as rp
from game.packs import DEFAULT_SCENARIO, load_content
from game.session.game import Game, GameError
from game.session.saves.reader import read_save
from game.session.store import load_game, save_game, verify


@pytest.fixture(scope="module")
def content():
    return load_content()


def test_console_changes_replay_exactly_and_mark_the_save(content, tmp_path) -> None:
    game = Game(content, DEFAULT_SCENARIO, 3, "Modder")
    game.end_quarter(auto_choose=True)
    assert "is on" in game.dev("flag second_source on")
    assert float(game.state.extra["flag.second_source"][0]) == 1.0
    said = game.dev("fire base.churn_wave")
    assert "churn_wave" in said
    for _ in range(3):
        game.end_quarter(auto_choose=True)
    path = save_game(game, tmp_path)
    save = read_save(path)
    assert save.dev and save.log[1].dev == ["flag second_source on"]
    assert "base.churn_wave" in save.log[1].injected
    result = verify(path, content)
    assert result.verified, result.problems
    assert load_game(path, content).dev_used
    # a quarter without console changes seals as before: older saves keep verifying
    assert all(not r.dev for r in save.log if r.quarter != 1)


def test_console_changes_it_cannot_make_are_refused_in_a_sentence(content) -> None:
    game = Game(content, DEFAULT_SCENARIO, 3, "Modder")
    with pytest.raises(GameError, match=r"no flag 'nope'.*second_source"):
        game.dev("flag nope on")
    with pytest.raises(GameError, match=r"no event 'base\.nope'"):
        game.dev("fire base.nope")
    with pytest.raises(GameError, match="'flag x maybe'"):
        game.dev("flag x maybe")
    assert not game.dev_used


def test_the_report_never_ranks_a_console_game(content, tmp_path) -> None:
    honest = Game(content, DEFAULT_SCENARIO, 3, "Honest")
    for _ in range(3):
        honest.end_quarter(auto_choose=True)
    save_game(honest, tmp_path)
    modder = Game(content, DEFAULT_SCENARIO, 3, "Modder")
    modder.dev("flag vendor_deal_cut on")
    for _ in range(3):
        modder.end_quarter(auto_choose=True)
    save_game(modder, tmp_path)
    report = rp.build([tmp_path], content)
    assert [e.lab for e in report.ranked] == ["Honest"]
    assert "developer console" in (report.flagged[0].reason or "")


async def test_f2_opens_the_console_only_with_dev_and_its_commands_play(content, tmp_path):
    from textual.widgets import RichLog

    from game.ui.app import FrontierLab
    from game.ui.dev_console import DevConsole
    from game.ui.modals import EventModal, NoticeModal
    from game.ui.screens import GameScreen

    async def to_dashboard(pilot, app) -> None:
        for _ in range(30):
            if isinstance(app.screen, GameScreen):
                return
            if isinstance(app.screen, EventModal | NoticeModal):
                await pilot.press("enter")
            await pilot.pause()

    plain = FrontierLab(content, tmp_path, game=Game(content, DEFAULT_SCENARIO, 3, "Player"))
    async with plain.run_test(size=(100, 30)) as pilot:
        await to_dashboard(pilot, plain)
        await pilot.press("f2")
        await pilot.pause()
        assert not isinstance(plain.screen, DevConsole)

    game = Game(content, DEFAULT_SCENARIO, 3, "Modder")
    app = FrontierLab(content, tmp_path, game=game, dev=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await to_dashboard(pilot, app)
        await pilot.press("f2")
        await pilot.pause()
        assert isinstance(app.screen, DevConsole)
        for command in ("read cash", "flag second_source on", "jump 2", "bogus"):
            await pilot.press(*command, "enter")
            await pilot.pause()
        text = "\n".join("".join(seg.text for seg in line)
                         for line in app.screen.query_one(RichLog).lines)
        assert "cash = $" in text and "flag second_source is on" in text
        assert "played 2 quarters" in text and "'bogus': not a command" in text
        await pilot.press("escape")
        await to_dashboard(pilot, app)
        assert game.quarter == 2 and game.dev_used
    save = read_save(game.save_path)
    assert save.dev and verify(game.save_path, content).verified
