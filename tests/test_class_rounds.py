"""A class played in lockstep rounds: every game waits at the end of a quarter until the
instructor opens the next; at a round's deadline a game short of it plays its standing plan, in
the tab or when the student comes back."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from game.classroom.roster import read_roster
from game.classroom.rounds import change_rounds, read_rounds
from game.cli import main
from game.packs import load_content
from game.session.saves.reader import read_save
from tests.class_ui import class_app, join, new_class, to_dashboard, until


@pytest.fixture(scope="module")
def content():
    return load_content()


@pytest.fixture
def klass(tmp_path, capsys) -> Path:
    return new_class(tmp_path / "period5", capsys, "--rounds", "lockstep")


async def _end_quarter(pilot, app) -> None:
    from game.ui.modals import PreviewModal

    await pilot.press("escape", "e")
    await until(pilot, lambda: isinstance(app.screen, PreviewModal), "the preview")
    await pilot.press("enter")


def _said(screen, widget: str) -> str:
    from textual.widgets import Static

    return str(screen.query_one(widget, Static).render())


def test_the_instructor_moves_the_round(klass, capsys):
    assert read_rounds(klass).open_through == 1  # the first round is open from the start
    assert main(["class", "round", str(klass), "--open", "--minutes", "5", "--format",
                 "json"]) == 0
    said = json.loads(capsys.readouterr().out)
    assert said["open_through"] == 2 and said["deadline"] and not said["paused"]
    assert main(["class", "round", str(klass), "--pause"]) == 0
    assert "paused" in capsys.readouterr().out and read_rounds(klass).paused
    assert main(["class", "round", str(klass), "--close"]) == 0  # closing ends a pause
    state = read_rounds(klass)
    assert not state.paused and state.overdue(1) and not state.overdue(2)
    assert main(["class", "round", str(klass), "--close", "--minutes", "3"]) == 1
    assert "--minutes goes with --open" in capsys.readouterr().err
    assert main(["class", "round", str(klass), "--open", "--minutes", "0"]) == 1
    assert "deadline must be from 0" in capsys.readouterr().err
    (klass / ".class" / "rounds.toml").write_text("open_through = 'three'\n")
    assert main(["class", "round", str(klass)]) == 1
    assert "rounds.toml: 'open_through' must be a whole number" in capsys.readouterr().err


def test_a_class_at_its_own_pace_has_no_rounds(tmp_path, capsys):
    free = tmp_path / "free"
    assert main(["class", "new", str(free)]) == 0
    assert main(["class", "round", str(free), "--open"]) == 1
    assert "not played in rounds" in capsys.readouterr().err


async def test_a_student_waits_for_the_round_and_the_deadline_plays_the_standing_plan(
        content, klass):
    ada = read_roster(klass)[0]
    app = class_app(content, klass)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await join(pilot, app, ada.code, "Analytical")
        game = screen.game
        await until(pilot, lambda: "quarter 1 open" in _said(screen, "#round"), "round 1")
        await _end_quarter(pilot, app)
        screen = await to_dashboard(pilot, app)
        assert len(game.log) == 1
        await until(pilot, lambda: "waiting for your instructor" in _said(screen, "#round"),
                     "the waiting line")
        await pilot.press("e")  # the next quarter is not open: refused, said why
        await pilot.pause()
        assert len(game.log) == 1 and "not open yet" in _said(screen, "#status")
        await pilot.press(*"e" * 40, "escape", *"e5e" * 10)  # held e, at machine speed
        await pilot.pause()
        assert len(game.log) == 1 and app.is_running
        change_rounds(klass, "open")
        change_rounds(klass, "pause")
        await until(pilot, lambda: "paused" in _said(screen, "#round"), "the pause")
        await pilot.press("e")
        await pilot.pause()
        assert len(game.log) == 1 and "paused the class" in _said(screen, "#status")
        change_rounds(klass, "resume")
        change_rounds(klass, "deadline", minutes=0.01)  # the round closes in under a second
        await until(pilot, lambda: len(game.log) == 2, "the standing plan")
        save = read_save(game.save_path)
        assert len(save.log) == 2  # saved as played
        screen = await to_dashboard(pilot, app)
        await until(pilot, lambda: "waiting for your instructor" in _said(screen, "#round"),
                     "waiting for round 3")


async def test_a_student_away_at_the_deadline_catches_up_on_return(content, klass):
    ada = read_roster(klass)[0]
    app = class_app(content, klass)
    async with app.run_test(size=(100, 30)) as pilot:
        game = (await join(pilot, app, ada.code, "Away")).game
        assert len(game.log) == 0
    change_rounds(klass, "open")
    change_rounds(klass, "open")
    change_rounds(klass, "close")  # rounds 1–3 are over: the absent game plays three quarters
    again = class_app(content, klass)
    async with again.run_test(size=(100, 30)) as pilot:
        screen = await join(pilot, again, ada.code)
        await until(pilot, lambda: len(screen.game.log) == 3, "the catch-up")
        assert len(read_save(screen.game.save_path).log) == 3
