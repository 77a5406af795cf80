"""Packs from anywhere: ``--pack DIR``, ``$FRONTIER_LAB_PACKS`` and the mods folder, as a modder
tries them (`packs new`, then play, simulate and packs stats with the pack), a broken mod left out
with its problem said, and a class that records the packs it plays."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from game.cli import main
from game.packs.sources import load_with_mods, mods, set_enabled
from game.session.saves.reader import read_save

EVENT = "smuggling.first_customer"


@pytest.fixture
def pack(tmp_path, capsys) -> Path:
    """A modder's first pack, made as MODDING.md makes it, outside the install."""
    assert main(["packs", "new", "smuggling", "--dir", str(tmp_path / "mine")]) == 0
    capsys.readouterr()
    return tmp_path / "mine" / "smuggling"


def _stats(capsys, *argv: str) -> dict:
    main(["packs", "stats", "--worlds", "100", "--format", "json", *argv])  # (1: a rare event)
    return json.loads(capsys.readouterr().out)


def _events(stats: dict) -> set[str]:
    """The events the packs stats played, in any scenario."""
    return {event for row in stats["scenarios"] for event in row["events"]}


def test_a_pack_outside_the_install_plays_through_pack(pack, tmp_path, capsys):
    assert EVENT in _events(_stats(capsys, "--pack", str(pack)))
    assert EVENT not in _events(_stats(capsys))
    save = tmp_path / "bot.toml"
    assert main(["simulate", "--pack", str(pack), "--quarters", "6", "--save", str(save),
                 "--format", "json"]) == 0
    capsys.readouterr()
    assert {p.id for p in read_save(save).packs} == {"base", "smuggling"}
    assert main(["replay", str(save), "--pack", str(pack)]) == 0
    capsys.readouterr()


def test_the_environment_names_packs_too(pack, capsys, monkeypatch):
    monkeypatch.setenv("FRONTIER_LAB_PACKS", str(pack))
    assert EVENT in _events(_stats(capsys))


def test_the_mods_folder_plays_what_is_enabled(pack, tmp_path, capsys, monkeypatch):
    folder = tmp_path / "mods"
    monkeypatch.setenv("FRONTIER_LAB_MODS", str(folder))
    folder.mkdir()
    pack.rename(folder / "smuggling")
    assert [m.name for m in mods()] == ["smuggling"] and mods()[0].enabled
    assert EVENT in _events(_stats(capsys))
    assert main(["packs", "disable", "smuggling"]) == 0
    assert "does not play" in capsys.readouterr().out
    assert EVENT not in _events(_stats(capsys))
    assert main(["packs", "mods", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["mods"] == [
        {"name": "smuggling", "path": str(folder / "smuggling"), "enabled": False}]
    assert main(["packs", "enable", "smugling"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no mod 'smugling'" in err and "smuggling" in err
    set_enabled("smuggling", True)
    assert EVENT in _events(_stats(capsys))


def test_a_broken_mod_is_left_out_and_said_a_named_pack_stops_the_command(
        pack, tmp_path, capsys, monkeypatch):
    folder = tmp_path / "mods"
    folder.mkdir()
    monkeypatch.setenv("FRONTIER_LAB_MODS", str(folder))
    pack.rename(folder / "smuggling")
    broken = folder / "broken"
    broken.mkdir()
    (broken / "pack.toml").write_text('id = "broken"\nname = "Broken"\nversion = "1.0.0"\n'
                                      'depends = ["nosuchpack"]\n')
    content, said = load_with_mods()
    assert {p.id for p in content.packs} == {"base", "smuggling"}
    assert len(said) == 1 and "mod 'broken' left out" in said[0] and "nosuchpack" in said[0]
    assert "packs disable broken" in said[0]
    assert main(["simulate", "--quarters", "2"]) == 0  # the game starts; stderr says why
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "mod 'broken' left out" in err
    assert main(["packs", "validate"]) == 1  # where a modder looks: the problem, not skipped
    assert "nosuchpack" in capsys.readouterr().out
    assert main(["simulate", "--quarters", "2", "--pack", str(broken)]) == 1  # asked for
    capsys.readouterr()


def test_a_class_plays_exactly_the_packs_it_was_made_with(pack, tmp_path, capsys, monkeypatch):
    from game.classroom.folder import read_settings
    from game.commands.play import class_packs

    klass = tmp_path / "period3"
    assert main(["class", "new", str(klass), "--pack", str(pack)]) == 0
    capsys.readouterr()
    assert read_settings(klass).packs == (str(pack.resolve()),)
    assert class_packs(klass) == [pack.resolve()]
    assert main(["play", "--class", str(klass), "--pack", str(pack)]) == 1
    assert "drop --pack" in capsys.readouterr().err
    # the class's benchmark bot plays the class's packs, not this account's mods
    monkeypatch.setenv("FRONTIER_LAB_MODS", str(tmp_path / "nothing"))
    bot = klass / "bot.ipo-window.toml"
    assert main(["simulate", "--class", str(klass), "--save", str(bot), "--format",
                 "json"]) == 0
    capsys.readouterr()
    assert {p.id for p in read_save(bot).packs} == {"base", "smuggling"}


async def test_the_mods_dialog_turns_mods_on_and_off_and_says_what_was_left_out(
        pack, tmp_path, monkeypatch):
    from textual.widgets import SelectionList, Static

    from game.ui.app import FrontierLab
    from game.ui.mods import ModsModal

    folder = tmp_path / "mods"
    folder.mkdir()
    monkeypatch.setenv("FRONTIER_LAB_MODS", str(folder))
    pack.rename(folder / "smuggling")
    (folder / "broken").mkdir()
    (folder / "broken" / "pack.toml").write_text('id = "broken"\nname = "B"\nversion = "1.0.0"\n'
                                                 'depends = ["nosuchpack"]\n')
    app = FrontierLab(None, tmp_path / "saves")
    async with app.run_test(size=(100, 30)) as pilot:
        await app.workers.wait_for_complete()
        assert {p.id for p in app.content.packs} == {"base", "smuggling"}
        await pilot.press("m")
        await pilot.pause()
        assert isinstance(app.screen, ModsModal)
        listed = app.screen.query_one("#mods", SelectionList)
        assert listed.selected == ["broken", "smuggling"]  # both on; one did not load
        said = str(app.screen.query_one("#mods-problems", Static).render())
        assert "mod 'broken' left out" in said and "nosuchpack" in said
        listed.highlighted = 1
        await pilot.press("space")  # smuggling off
        await pilot.pause()
        assert [m.enabled for m in mods()] == [True, False]
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, ModsModal)
        assert {p.id for p in app.content.packs} == {"base"}  # loaded again, without it


@pytest.mark.parametrize("kind", ["link to /dev/zero", "fifo", "folder"])
def test_a_disabled_list_that_is_not_a_file_is_said_and_never_read(tmp_path, capsys, monkeypatch,
                                                                   kind):
    import os

    folder = tmp_path / "mods"
    folder.mkdir()
    monkeypatch.setenv("FRONTIER_LAB_MODS", str(folder))
    listed = folder / "disabled.toml"
    if kind == "fifo":
        os.mkfifo(listed)  # opening it to read would wait for a writer for ever
    elif kind == "folder":
        listed.mkdir()
    else:
        listed.symlink_to("/dev/zero")  # reading it whole never ends
    assert main(["packs", "mods"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"{listed}: cannot be read" in err
    assert "delete it to enable every mod" in err


HOSTILE = "[/b][@click=app.quit]x[/]\x1b[31m"


async def test_the_mods_dialog_and_the_console_show_hostile_text_as_written(tmp_path,
                                                                          monkeypatch):
    """A mod's folder name and its problems, and whatever is typed in the developer console,
    are text: shown as written, never read as markup, and nothing crashes."""
    from textual.widgets import Input, RichLog, SelectionList, Static

    from game.packs import load_content
    from game.session.game import Game
    from game.ui.app import FrontierLab
    from game.ui.dev_console import DevConsole
    from game.ui.modals import EventModal, NoticeModal
    from game.ui.mods import ModsModal
    from game.ui.screens import GameScreen

    folder = tmp_path / "mods"
    monkeypatch.setenv("FRONTIER_LAB_MODS", str(folder))
    evil = folder / "[b]evil[@click=app.quit]"
    evil.mkdir(parents=True)
    (evil / "pack.toml").write_text('id = "evil"\nname = "[/b]x[/]"\nversion = "1.0.0"\n'
                                    'depends = ["nosuch"]\n')
    app = FrontierLab(None, tmp_path / "saves")
    async with app.run_test(size=(100, 30)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.press("m")
        await pilot.pause()
        assert isinstance(app.screen, ModsModal)
        listed = app.screen.query_one("#mods", SelectionList)
        assert [str(listed.get_option_at_index(0).prompt)] == ["[b]evil[@click=app.quit]"]
        said = str(app.screen.query_one("#mods-problems", Static).render())
        assert "[b]evil[@click=app.quit]" in said and "nosuch" in said
        await pilot.press("escape")
        await pilot.pause()
        assert app.is_running

    content = load_content()
    game = Game(content, "openai-2023", 3, "[/]")
    app = FrontierLab(content, tmp_path, game=game, dev=True)
    async with app.run_test(size=(100, 30)) as pilot:
        for _ in range(30):  # past the quarter's first events, to the dashboard
            if isinstance(app.screen, GameScreen):
                break
            if isinstance(app.screen, EventModal | NoticeModal):
                await pilot.press("enter")
            await pilot.pause()
        await pilot.press("f2")
        await pilot.pause()
        assert isinstance(app.screen, DevConsole)
        typed = app.screen.query_one("#dev-command", Input)
        for command in (f"read {HOSTILE}", f"events {HOSTILE}", f"fire {HOSTILE}",
                        f"var {HOSTILE} 1", f"flag {HOSTILE} on", HOSTILE):
            typed.value = command
            await pilot.press("enter")
            await pilot.pause()
        text = "\n".join("".join(seg.text for seg in line)
                         for line in app.screen.query_one(RichLog).lines)
        assert text.count("[@click=app.quit]x[/]") >= 6 and "no such event" in text
        assert app.is_running and isinstance(app.screen, DevConsole)
