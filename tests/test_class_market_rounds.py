"""A class in one shared market: plans collected per round, each round closed once (by whoever
comes first) into a record of every lab's plan, standing plans for the labs that sent none, and
every game showing its own lab of the market the records replay."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from game.classroom import market_rounds as mr
from game.classroom.folder import ClassError
from game.classroom.rounds import change_rounds
from game.cli import main
from game.engine import Plan
from game.session.game import plan_to_dict
from tests.class_ui import class_app, join, to_dashboard, until


@pytest.fixture
def market(tmp_path, capsys) -> Path:
    class_dir = tmp_path / "econ101"
    assert main(["class", "new", str(class_dir), "--rounds", "market", "--seed", "7"]) == 0
    for name in ("Ada", "Alan", "Grace"):
        assert main(["class", "roster", str(class_dir), "--add", name]) == 0
    capsys.readouterr()
    return class_dir


def _entry(student: str, price: float) -> mr.Entry:
    return mr.Entry(student, plan_to_dict(Plan(price=price)))


def test_a_round_closes_once_everyone_is_in_and_never_twice(market):
    ids = [s.id for s in mr.labs(market)]
    assert ids == ["ada", "alan", "grace"]
    assert mr.close_due(market) == []  # nobody is in: round 1 stays open
    for student in ids[:2]:
        mr.submit(market, 1, _entry(student, 2.0))
    mr.submit(market, 1, _entry("ada", 3.0))  # a second plan replaces the first
    assert mr.close_due(market) == []
    mr.submit(market, 1, _entry("grace", 1.5))
    assert mr.close_due(market) == [1]
    record = mr.read_record(market, 1)
    assert [(e.student, e.plan["price"], e.submitted) for e in record] == [
        ("ada", 3.0, True), ("alan", 2.0, True), ("grace", 1.5, True)]
    with pytest.raises(ClassError, match="round 1 has closed"):
        mr.submit(market, 1, _entry("ada", 9.0))
    assert mr.close_due(market) == []  # round 2 is not open
    assert mr.closed_rounds(market) == 1


def test_the_deadline_plays_standing_plans_for_the_labs_that_sent_none(market):
    mr.submit(market, 1, _entry("ada", 2.5))
    change_rounds(market, "close")
    assert mr.close_due(market) == [1]
    by = {e.student: e for e in mr.read_record(market, 1)}
    assert by["ada"].submitted and not by["alan"].submitted
    assert by["alan"].plan == plan_to_dict(Plan())  # no game, no earlier round: the default
    change_rounds(market, "open")
    mr.submit(market, 2, _entry("grace", 1.9))
    change_rounds(market, "open")  # round 3 opens: round 2 is over, its standing plans play
    assert mr.close_due(market) == [2]
    by = {e.student: e for e in mr.read_record(market, 2)}
    assert by["ada"].plan["price"] == 2.5 and not by["ada"].submitted  # carried over
    students, logs = mr.class_logs(market)
    assert students == ["ada", "alan", "grace"] and [len(log) for log in logs] == [2, 2, 2]
    assert [r.quarter for r in logs[0]] == [0, 1]


def test_two_closers_at_once_write_one_record(market):
    for student in ("ada", "alan", "grace"):
        mr.submit(market, 1, _entry(student, 2.0))
    closed: list[list[int]] = []
    threads = [threading.Thread(target=lambda: closed.append(mr.close_due(market)))
               for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(map(tuple, closed)) == [(), (), (), (1,)]


def test_a_broken_or_hostile_submission_is_passed_over(market):
    folder = mr.market_dir(market) / "round-001"
    folder.mkdir(parents=True)
    (folder / "ada.toml").write_text("student = 'ada'\nplan = {price = 'free'}\n")
    (folder / "alan.toml").write_text("not toml [")
    (folder / "grace.toml").write_text("student = 'ada'\nplan = {price = 0.5}\n")  # not hers
    with pytest.raises(ClassError, match="not a roster id"):
        mr.submission_path(market, 1, "../../etc/passwd")
    assert mr.submissions(market, 1) == {}
    change_rounds(market, "close")
    entries, wrote = mr.close(market, 1)
    assert wrote and all(not e.submitted for e in entries)


def test_a_market_needs_a_roster(tmp_path, capsys):
    bare = tmp_path / "bare"
    assert main(["class", "new", str(bare), "--rounds", "market"]) == 0
    with pytest.raises(ClassError, match="a shared market plays the roster's labs"):
        mr.labs(bare)
    assert main(["class", "round", str(bare)]) == 1
    assert "roster.toml: a shared market plays the roster's labs" in capsys.readouterr().err


# --- in the student's game ----------------------------------------------------------------


@pytest.fixture(scope="module")
def content():
    from game.packs import load_content

    return load_content()


async def test_a_student_plays_the_market_with_classmates_and_comes_back(content, market):
    from textual.widgets import Static

    from game.classroom.market_play import class_market, verify_lab
    from game.classroom.roster import read_roster
    from game.ui.modals import PreviewModal

    ada = read_roster(market)[0]
    app = class_app(content, market)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await join(pilot, app, ada.code, "Analytical")
        game = screen.game
        await until(pilot, lambda: "0 of 3 labs' plans in" in str(
            screen.query_one("#round", Static).render()), "the market's line")
        await pilot.press("escape", "e")
        await until(pilot, lambda: isinstance(app.screen, PreviewModal), "the preview")
        await pilot.press("enter")
        screen = await to_dashboard(pilot, app)
        assert len(game.log) == 0  # sent, not played: the class plays it
        assert any("Your plan for quarter 1 is in" in n.message for n in app._notifications)
        await pilot.press(*"e" * 30)  # held e: sent again and again, never played alone
        await pilot.pause()
        assert len(game.log) == 0 and app.is_running
        await to_dashboard(pilot, app)
        assert mr.submissions(market, 1).keys() == {"ada"}
        mr.submit(market, 1, _entry("alan", 0.9))  # a classmate undercuts
        change_rounds(market, "close")  # grace sent nothing: her standing plan plays
        await until(pilot, lambda: len(game.log) == 1, "the market's round")
        scenario, seed = app.fixed
        _, cls = class_market(market, content, scenario, seed)
        assert game.history == cls.lab(0).history  # the lab as the market played it
        assert cls.lab(1).history[0]["share"] != game.history[0]["share"]
        await to_dashboard(pilot, app)
    # the save verifies against the class's market, not alone
    assert verify_lab(game.save_path, content, market, scenario, seed).problems == []
    # away for two rounds: the standing plan played; coming back shows them
    change_rounds(market, "open")
    change_rounds(market, "open")
    change_rounds(market, "close")
    assert mr.close_due(market) == [2, 3]
    again = class_app(content, market)
    async with again.run_test(size=(100, 30)) as pilot:
        screen = await join(pilot, again, ada.code)
        await until(pilot, lambda: len(screen.game.log) == 3, "the catch-up")
    _, cls = class_market(market, content, scenario, seed)
    assert screen.game.history == cls.lab(0).history


async def test_classmates_show_as_rivals_with_their_lab_capability_price_and_share(content,
                                                                                   market):
    from game.classroom.roster import read_roster
    from game.ui.dashboard import MarketPanel, ModelsPanel
    from tests.test_ui import plain

    ada = read_roster(market)[0]
    hostile = "[/b][@click=app.quit]"
    mr.submit(market, 1, mr.Entry("alan", plan_to_dict(Plan(price=0.8)), lab=hostile))
    app = class_app(content, market)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await join(pilot, app, ada.code, "Analytical")
        mr.submit(market, 1, _entry("ada", 1.0))
        change_rounds(market, "close")
        await until(pilot, lambda: len(screen.game.log) == 1, "the market's round")
        screen = await to_dashboard(pilot, app)
        mates = {m.lab: m for m in screen.game.classmates}
        assert set(mates) == {hostile, ""} and mates[hostile].price == pytest.approx(0.8)
        shown = plain(screen.query_one(ModelsPanel).content)
        assert "Classmates" in shown and hostile in shown and "×0.80" in shown
        assert "a lab yet to begin" in shown and app.is_running
        market_panel = plain(screen.query_one(MarketPanel).content)  # the class's units
        mine = screen.game.state.share[0] / 3
        assert "Class's market $B/yr" in market_panel and f"{mine:.1%}" in market_panel


def test_the_market_s_story_names_who_took_customers_from_whom(content):
    from game.session.game import QuarterRecord
    from game.session.market import ClassMarket
    from game.session.market_story import shares, story, told

    def log(price: float) -> list[QuarterRecord]:
        return [QuarterRecord(q, plan_to_dict(Plan(price=price)), []) for q in range(4)]

    cls = ClassMarket(content, "ipo-window", 7, [log(0.5), log(1.0), log(2.5)]).play()
    for state in [cls.start, *cls.states]:
        assert shares(state, 3).sum() == pytest.approx(1.0)
    moves = story(cls, ["Cheap", "Middling", "Dear"], ["Gemini", "Claude"])
    # the dear lab's customers leave for the open-weight models at once
    assert moves[0].quarter == 0 and moves[0].winner == "open-weight models"
    assert moves[0].losers[0][0] == "Dear" and moves[0].losers[0][1] > 5
    assert told(moves[0], "2026Q1").startswith(
        "2026Q1: open-weight models gained 9.8 points of the class's market (to 37.7%), from "
        "Dear (−9.8)")


def test_the_report_verifies_every_market_game_against_the_class_s_market(content, market,
                                                                          tmp_path, capsys):
    import json

    from game.classroom.market_play import class_market
    from game.classroom.roster import student_save
    from game.commands.play import class_settings
    from game.session.saves.reader import read_save
    from game.session.store import save_game

    prices = {"ada": 0.7, "alan": 1.0, "grace": 1.6}
    for k in (1, 2, 3):
        for student, price in prices.items():
            mr.submit(market, k, mr.Entry(student, plan_to_dict(Plan(price=price)),
                                          lab=f"{student.title()} Labs"))
        assert mr.close_due(market) == [k]
        if k < 3:
            change_rounds(market, "open")
    scenario, seed, key, _ = class_settings(market, None, None)
    students, cls = class_market(market, content, scenario, seed)
    for i, student in enumerate(students):
        game = cls.game(i, f"{student.title()} Labs")
        game.student = student
        save_game(game, market, path=student_save(market, student, scenario), key=key)
    # a game of Ada's played alone, with her plans, signed by the class: not the market's lab
    from game.session.game import Game

    alone = Game(content, scenario, seed, "Ada Labs")
    alone.student = "ada"
    for record in cls.lab(0).log:
        alone.apply_record(record)
    save_game(alone, market, path=student_save(market, "ada", scenario), key=key)
    assert main(["class", "report", str(market), "--out", str(tmp_path / "r"), "--format",
                 "json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["ranked"] == 2 and summary["flagged"] == 1
    assert "differs from the replay" in summary["flagged_saves"][0]["reason"]
    assert summary["market_story"] and "of the class's market" in summary["market_story"][0]
    assert main(["replay", str(student_save(market, "alan", scenario))]) == 0
    assert "verified" in capsys.readouterr().out
    assert len(read_save(student_save(market, "alan", scenario)).log) == 3


def test_the_server_closes_a_round_at_its_deadline_with_no_game_open(market):
    import time

    from tests.test_classroom_serve import serving

    mr.submit(market, 1, _entry("ada", 1.2))
    with serving(market):
        change_rounds(market, "deadline", minutes=0.01)
        for _ in range(600):
            if mr.read_record(market, 1) is not None:
                break
            time.sleep(0.05)
        record = mr.read_record(market, 1)
    assert record is not None and [e.submitted for e in record] == [True, False, False]
    assert "round 1 closed" in (market / ".class" / "serve.log").read_text()


def test_any_round_file_is_read_or_refused_in_one_line(tmp_path):
    from hypothesis import given, settings
    from hypothesis import strategies as st

    leaves = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8)
    values = st.recursive(leaves, lambda inner: st.lists(inner, max_size=3)
                          | st.dictionaries(st.text(max_size=8), inner, max_size=3),
                          max_leaves=12)
    keys = st.sampled_from(["student", "plan", "choices", "injected", "submitted", "lab",
                            "price", "event", "choice", "x"])
    rows = st.dictionaries(keys, values | st.dictionaries(keys, values, max_size=4),
                           max_size=6)

    @settings(max_examples=300, deadline=None)
    @given(rows)
    def read(row: dict) -> None:
        try:
            entry = mr._entry(row, tmp_path / "round-001.toml")
        except ClassError as exc:
            assert "round-001.toml: " in str(exc) and "\n" not in str(exc)
        else:
            assert isinstance(entry.plan, dict) and isinstance(entry.lab, str)
            Plan(**entry.plan)

    read()


def test_the_dashboard_counts_the_plans_in_and_closes_what_is_due(market):
    from game.commands.dashboard_web import Dashboard

    board = Dashboard(market, "t0ken", [])
    assert board.snapshot(False)["round"]["market"] == {"played": 0, "labs": 3, "plans_in": 0}
    for student in ("ada", "alan"):
        mr.submit(market, 1, _entry(student, 1.0))
    assert board.snapshot(False)["round"]["market"]["plans_in"] == 2
    mr.submit(market, 1, _entry("grace", 1.0))
    assert board.snapshot(False)["round"]["market"] == {"played": 1, "labs": 3, "plans_in": 0}


def test_the_market_s_labs_are_the_roster_s_when_its_first_round_closed(market):
    for student in ("ada", "alan", "grace"):
        mr.submit(market, 1, _entry(student, 1.0))
    assert mr.close_due(market) == [1]
    assert main(["class", "roster", str(market), "--add", "Latecomer"]) == 0
    assert [s.id for s in mr.labs(market)] == ["ada", "alan", "grace"]
    students, logs = mr.class_logs(market)
    assert students == ["ada", "alan", "grace"] and len(logs) == 3
    from game.classroom.market_play import lab_index

    with pytest.raises(ClassError, match="has no lab in this class's market"):
        lab_index(students, "latecomer")
