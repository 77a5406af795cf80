"""A class with a roster: each student joins with their code and always comes back to their own
game — after a reload, a closed tab or a lost connection — at the quarter in progress, with the
plan as typed; the Load dialog shows only their own games, and the report names them."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from game.classroom.roster import add_students, find, normal_code, read_csv, read_roster
from game.cli import main
from game.commands.play import class_settings
from game.packs import load_content
from game.session.saves.reader import read_save
from tests.class_ui import class_app, join, to_dashboard


@pytest.fixture(scope="module")
def content():
    return load_content()


@pytest.fixture
def klass(tmp_path, capsys) -> Path:
    class_dir = tmp_path / "period4"
    assert main(["class", "new", str(class_dir), "--name", "Period 4"]) == 0
    roster = tmp_path / "students.csv"
    roster.write_text("\ufeffStudent ID;Name\ns01;Ada Lovelace\ns02;Alan Turing\n",
                      encoding="utf-8")
    assert main(["class", "roster", str(class_dir), "--import", str(roster)]) == 0
    capsys.readouterr()
    return class_dir


def test_a_roster_comes_from_a_spreadsheet_and_codes_are_forgiving(klass, tmp_path, capsys):
    students = read_roster(klass)
    assert [(s.id, s.name) for s in students] == [("s01", "Ada Lovelace"),
                                                   ("s02", "Alan Turing")]
    code = students[0].code
    assert len(code) == 9 and code[4] == "-" and not set(code) & set("01OI")
    typed = code.replace("-", "").lower()
    assert normal_code(f" {typed[:3]} {typed[3:]} ") == code
    assert find(students, typed) is students[0]
    assert find(students, "AAAA-AAAA") is None
    # adding again keeps everyone's code; a name alone gets an id made from it
    again, added = add_students(klass, [("s01", "Ada King"), (None, "Émile Borel")])
    assert again[0].code == code and again[0].name == "Ada King"
    assert [s.id for s in added] == ["emile-borel"]
    assert (klass / ".class" / "roster.toml").stat().st_mode & 0o777 == 0o600
    bad = tmp_path / "bad.csv"
    bad.write_text("email\nx@y.z\n")
    with pytest.raises(Exception, match=r"bad.csv:1: no name column"):
        read_csv(bad)
    assert main(["class", "roster", str(klass), "--format", "json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert [s["id"] for s in shown["students"]] == ["s01", "s02", "emile-borel"]


async def test_a_student_joins_plays_and_comes_back_to_the_quarter_in_progress(content, klass):
    from textual.widgets import Input, Static

    from game.ui.decisions import Decisions, NumberField
    from game.ui.new_game import NewGameModal
    from game.ui.screens import GameScreen

    ada = read_roster(klass)[0]
    app = class_app(content, klass)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert app.focused is app.screen.query_one("#join-code", Input)  # from the first key
        await pilot.press(*"nope", "enter")  # n and l are typed, not taken for keys
        await pilot.pause()
        said = str(app.screen.query_one("#join-error", Static).render())
        assert "No student of this class has the code 'nope'" in said
        field = app.screen.query_one("#join-code", Input)
        field.value = "[/b][@click=app.quit]\x1b"  # what is typed is text, never markup
        await pilot.press("enter")
        await pilot.pause()
        said = str(app.screen.query_one("#join-error", Static).render())
        assert "the code '[/b][@click=app.quit'" in said and app.is_running  # (20 shown)
        field.value = ada.code.lower().replace("-", " ")
        await pilot.press("enter")
        for _ in range(100):
            if isinstance(app.screen, NewGameModal):
                break
            await pilot.pause(0.05)
        await pilot.press(*"Analytical", "enter")
        await to_dashboard(pilot, app)
        game = app.screen.game
        assert game.student == "s01" and game.save_path == klass / f"s01.{game.scenario_id}.toml"
        game.end_quarter(auto_choose=True)
        game.end_quarter(auto_choose=True)
        app.autosave(game)
        # the plan being typed when the tab closes: saved a moment after the edit
        decisions = app.screen.query_one(Decisions)
        price = decisions.query_one("#field-price", NumberField).query_one(Input)
        price.focus()
        price.value = "1.37"
        for _ in range(200):
            draft = read_save(game.save_path).draft
            if draft is not None and draft.plan.get("price") == pytest.approx(1.37):
                break
            await pilot.pause(0.05)
        else:
            raise AssertionError("the typed plan was not saved")
    # a reload: a new page, a new game process; the code brings the same game back
    again = class_app(content, klass)
    async with again.run_test(size=(100, 30)) as pilot:
        await join(pilot, again, ada.code)
        game = again.screen.game
        assert isinstance(again.screen, GameScreen)
        assert game.quarter == 2 and game.plan.price == pytest.approx(1.37)
        assert game.save_path == klass / f"s01.{game.scenario_id}.toml"  # the game, not a copy
        await pilot.press("escape", "ctrl+s")
        await pilot.pause()
        save = read_save(game.save_path)
        assert save.signed is not None and save.signed.student == "s01" and len(save.log) == 2


async def test_the_load_dialog_shows_only_the_student_s_own_games(content, klass):
    from textual.widgets import OptionList

    from game.session.game import Game
    from game.session.store import save_game
    from game.ui.saves import LoadModal

    ada, alan = read_roster(klass)
    scenario, seed, key, _ = class_settings(klass, None, None)
    for student, lab in ((ada, "Ada's"), (alan, "Alan's")):
        game = Game(content, scenario, seed, lab)
        game.student = student.id
        save_game(game, klass, path=klass / f"{student.id}.{scenario}.toml", key=key)
    app = class_app(content, klass)
    async with app.run_test(size=(100, 30)) as pilot:
        await join(pilot, app, alan.code)
        app.open_load_dialog()
        await pilot.pause()
        assert isinstance(app.screen, LoadModal)
        listed = app.screen.query_one("#saves", OptionList)
        assert [listed.get_option_at_index(i).id for i in range(listed.option_count)] == [
            str(klass / f"s02.{scenario}.toml")]


def test_the_report_knows_each_student_and_ranks_finished_games_first(content, klass, tmp_path,
                                                                     capsys):
    from game.bots.strategies import STRATEGIES
    from game.session.game import Game
    from game.session.store import save_game

    ada, alan = read_roster(klass)
    scenario, seed, key, _ = class_settings(klass, None, None)
    finished = Game(content, scenario, seed, "Slow and steady")
    finished.student = ada.id
    finished.autoplay(STRATEGIES["frugal"])
    save_game(finished, klass, path=klass / f"s01.{scenario}.toml", key=key)
    left = Game(content, scenario, seed, "Quick exit")
    left.student = alan.id
    left.autoplay(STRATEGIES["adaptive"], quarters=3)
    save_game(left, klass, path=klass / f"s02.{scenario}.toml", key=key)
    # a second game of Ada's, begun later: never ranked, whatever its lab is called
    other = Game(content, scenario, seed, "Another try")
    other.student = ada.id
    other.autoplay(STRATEGIES["adaptive"])
    other.created = read_save(klass / f"s01.{scenario}.toml").created + dt.timedelta(minutes=5)
    save_game(other, klass, path=klass / "another.toml", key=key)
    assert main(["class", "report", str(klass), "--out", str(tmp_path / "r"),
                 "--format", "json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    board = [(row["student"], row["lab"], row["outcome"]) for row in summary["leaderboard"]]
    assert board[0][:2] == ("s01", "Slow and steady") and board[0][2] != "running"
    assert board[1] == ("s02", "Quick exit", "running")  # below every finished game
    flagged = {Path(f["file"]).name: f["reason"] for f in summary["flagged_saves"]}
    assert "a later game of student s01" in flagged["another.toml"]
    csv = (tmp_path / "r" / "leaderboard.csv").read_text(encoding="utf-8-sig")
    assert csv.startswith("rank,student,name,lab,") and "s01,Ada Lovelace,Slow and steady" in csv
