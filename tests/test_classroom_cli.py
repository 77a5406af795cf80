"""``frontier-lab class new|show|events|inject``, a class game in the UI taking a live event, and
the report's one-game-per-lab rule for replays."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from game.classroom import folder
from game.classroom import report as rp
from game.classroom.inject import current_injected
from game.classroom.secret import read_secret
from game.cli import main
from game.commands.play import class_settings
from game.packs import load_content
from game.session.game import Game
from game.session.store import save_game, verify

EVENT = "base.vendor_allocation_cut"


@pytest.fixture(scope="module")
def content():
    return load_content()


def test_class_new_writes_the_settings_play_reads(tmp_path, capsys):
    class_dir = tmp_path / "period3"
    assert main(["class", "new", str(class_dir), "--seed", "42", "--name", "Period 3"]) == 0
    out = capsys.readouterr().out
    assert "frontier-lab serve --class" in out and "class report" in out
    settings = folder.read_settings(class_dir)
    assert settings is not None
    assert (settings.name, settings.scenario, settings.seed) == ("Period 3", "ipo-window", 42)
    scenario, seed, key, hidden = class_settings(class_dir, None, None)
    assert (scenario, seed, hidden) == ("ipo-window", 42, False) and key is not None
    # a class is not replaced by accident
    assert main(["class", "new", str(class_dir), "--seed", "1"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "already a class" in err and "--force" in err
    assert main(["class", "new", str(class_dir), "--seed", "1", "--force"]) == 0
    assert folder.read_settings(class_dir).seed == 1


def test_class_new_checks_the_scenario(tmp_path, capsys):
    assert main(["class", "new", str(tmp_path / "c"), "--scenario", "ipo-windw"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "did you mean 'ipo-window'" in err
    assert not (tmp_path / "c").exists()
    with pytest.raises(SystemExit) as exc:
        main(["class", "new", str(tmp_path / "c"), "--seed", "-3"])
    assert exc.value.code == 2
    (tmp_path / "file").write_text("x", encoding="utf-8")
    assert main(["class", "new", str(tmp_path / "file")]) == 1
    assert "not a folder" in capsys.readouterr().err


def test_class_inject_validates_the_event_and_records_it(tmp_path, capsys):
    class_dir = tmp_path / "c"
    assert main(["class", "new", str(class_dir)]) == 0
    capsys.readouterr()
    assert main(["class", "inject", "vendor_allocaton_cut", "--class", str(class_dir)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"did you mean '{EVENT}'" in err
    assert main(["class", "inject", "zzz", "--class", str(class_dir)]) == 1
    assert "class events" in capsys.readouterr().err
    assert main(["class", "inject", EVENT, "--class", str(tmp_path / "nope")]) == 1
    assert "no such class folder" in capsys.readouterr().err
    assert folder.read_injections(class_dir) == []

    # the pack's namespace may be left out when the name is unambiguous
    assert main(["class", "inject", "vendor_allocation_cut", "--class", str(class_dir),
                 "--note", "the vendor halves allocations", "--format", "json"]) == 0
    made = json.loads(capsys.readouterr().out)
    assert made["event"] == EVENT and made["id"].startswith("inj-")
    assert [i.id for i in folder.read_injections(class_dir)] == [made["id"]]
    assert main(["class", "inject", EVENT, "--class", str(class_dir)]) == 0
    assert "next quarter start" in capsys.readouterr().out

    assert main(["class", "show", str(class_dir)]) == 0
    shown = capsys.readouterr().out
    assert "Live events: 2" in shown and "the vendor halves allocations" in shown
    assert main(["class", "show", str(class_dir), "--format", "json"]) == 0
    assert len(json.loads(capsys.readouterr().out)["injections"]) == 2


def test_class_events_lists_what_can_be_injected(capsys):
    assert main(["class", "events", "--category", "supply"]) == 0
    out = capsys.readouterr().out
    assert EVENT in out and "Lead time" in out
    assert main(["class", "events", "--category", "suply"]) == 1
    assert "did you mean 'supply'" in capsys.readouterr().err
    assert main(["class", "events", "--format", "json"]) == 0
    events = json.loads(capsys.readouterr().out)["events"]
    assert any(e["id"] == EVENT for e in events)


def test_a_broken_class_folder_is_a_one_line_error(tmp_path, capsys):
    class_dir = tmp_path / "c"
    folder.meta_dir(class_dir).mkdir(parents=True)
    folder.settings_path(class_dir).write_text("scenario = [", encoding="utf-8")
    assert main(["class", "show", str(class_dir)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "not valid TOML" in err
    folder.settings_path(class_dir).write_text('scenario = "ipo-window"\nseed = -1\n',
                                               encoding="utf-8")
    assert main(["class", "show", str(class_dir)]) == 1
    assert "seed" in capsys.readouterr().err


def test_replays_from_the_debrief_are_not_ranked_in_a_class(content, tmp_path, capsys):
    from game.bots.strategies import STRATEGIES

    class_dir = tmp_path / "c"
    assert main(["class", "new", str(class_dir), "--seed", "3"]) == 0
    key = read_secret(class_dir).key  # the class's server signs its games
    game = Game(content, "ipo-window", 3, "Ada")
    game.autoplay(STRATEGIES["builder"])
    first = save_game(game, class_dir, key=key)
    replay = game.fork(2)  # what the debrief's "replay from quarter 2" makes
    replay.autoplay(STRATEGIES["frugal"])
    second = save_game(replay, class_dir, key=key)
    assert second != first and verify(second, content).verified
    capsys.readouterr()
    assert main(["class", "report", str(class_dir), "--out", str(tmp_path / "r"),
                 "--format", "json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert [Path(r["file"]).name for r in summary["leaderboard"]] == [first.name]
    assert "a later game of 'Ada'" in summary["flagged_saves"][0]["reason"]
    # --no-one-per-lab ranks both; so does a report on loose files
    assert main(["class", "report", str(class_dir), "--out", str(tmp_path / "r"),
                 "--no-one-per-lab", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["ranked"] == 2
    assert len(rp.build([first, second], content).ranked) == 2


async def test_a_class_game_in_the_ui_takes_a_live_event_at_its_next_quarter(content, tmp_path):
    from game.ui.app import FrontierLab
    from game.ui.modals import EventModal, NoticeModal, PreviewModal
    from game.ui.screens import GameScreen

    class_dir = tmp_path / "c"
    folder.write_settings(class_dir, folder.ClassSettings("c", "ipo-window", 11))
    game = Game(content, "ipo-window", 11, "Ada")
    app = FrontierLab(content, class_dir, game=game, class_dir=class_dir,
                      fixed=("ipo-window", 11))

    async def advance(pilot) -> None:
        if isinstance(app.screen, EventModal | NoticeModal):
            await pilot.press("enter")
        elif isinstance(app.screen, PreviewModal | GameScreen):
            await pilot.press("e")
        await pilot.pause()

    async with app.run_test(size=(100, 30)) as pilot:
        for _ in range(60):
            if game.quarter >= 1:
                break
            await advance(pilot)
        assert game.quarter == 1
        folder.add_injection(class_dir, EVENT)  # the instructor, mid-quarter
        assert current_injected(game) == []  # not before the next quarter starts
        for _ in range(60):
            if game.quarter >= 2:
                break
            await advance(pilot)
        assert game.quarter == 2 and current_injected(game) == [EVENT]
        for _ in range(60):
            if game.quarter >= 3 or not game.running:
                break
            await advance(pilot)
    assert game.log[2].injected == [EVENT]
    saves = list(class_dir.glob("*.toml"))
    assert len(saves) == 1
    result = verify(saves[0], content)
    assert result.verified, result.problems
    assert result.save.log[2].injected == [EVENT]
