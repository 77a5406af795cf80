"""One writer per save, across processes: a game's save is locked while the game is open, new
names are claimed atomically, and a second writer is refused or goes on in a copy."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from game.packs import DEFAULT_SCENARIO, load_content
from game.session.game import Game
from game.session.saves import lock
from game.session.saves.errors import SaveError
from game.session.store import load_game, save_game

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def content():
    return load_content()


def holder(path: Path) -> subprocess.Popen:
    """Another process that holds ``path``'s lock until killed (it says when it has it)."""
    code = textwrap.dedent(f"""
        import sys, time
        from pathlib import Path
        from game.session.saves.lock import hold
        assert hold(Path({str(path)!r}))
        print("held", flush=True)
        time.sleep(600)
    """)
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True,
                            cwd=ROOT)
    assert proc.stdout.readline().strip() == "held"
    return proc


def test_a_save_open_in_another_process_is_not_written_until_it_lets_go(content,
                                                                          tmp_path) -> None:
    game = Game(content, DEFAULT_SCENARIO, 1, "Locked Labs")
    path = save_game(game, tmp_path)
    lock.release(path)  # as if this game had been closed here
    before = path.read_bytes()
    other = holder(path)
    try:
        game.end_quarter(auto_choose=True)
        with pytest.raises(SaveError, match="open in another Frontier Lab"):
            save_game(game, tmp_path)
        assert path.read_bytes() == before
    finally:
        other.kill()  # however the other game ends, the OS lets go of its lock
        other.wait()
    save_game(game, tmp_path)
    assert load_game(path, content).quarter == 1
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_new_games_started_together_never_take_the_same_file(tmp_path) -> None:
    """Twenty processes start a game of the same lab and save it at the same moment: twenty
    files (the name is claimed by its lock before it is checked), and no temporary file."""
    code = textwrap.dedent(f"""
        import sys
        from pathlib import Path
        from game.packs import DEFAULT_SCENARIO, load_content
        from game.session.game import Game
        from game.session.store import save_game
        content = load_content()
        game = Game(content, DEFAULT_SCENARIO, 1, "Same Name")
        print("ready", flush=True)
        sys.stdin.readline()  # the start signal
        print(save_game(game, Path({str(tmp_path)!r})).name, flush=True)
    """)
    procs = [subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True, cwd=ROOT) for _ in range(20)]
    for p in procs:
        assert p.stdout.readline().strip() == "ready"
    for p in procs:  # all loaded and waiting: go at once
        p.stdin.write("go\n")
        p.stdin.flush()
    names = [p.communicate(timeout=120)[0].strip() for p in procs]
    assert all(p.returncode == 0 for p in procs)
    assert len(set(names)) == 20, names
    assert sorted(p.name for p in tmp_path.glob("*.toml")) == sorted(names)
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_a_name_another_process_is_claiming_is_skipped(content, tmp_path) -> None:
    taken = tmp_path / "claimed-labs.ipo-window.toml"
    other = holder(taken)  # claimed, not written yet
    try:
        path = save_game(Game(content, DEFAULT_SCENARIO, 1, "Claimed Labs"), tmp_path)
    finally:
        other.kill()
        other.wait()
    assert path.name == "claimed-labs-2.ipo-window.toml"


async def test_loading_a_save_open_elsewhere_goes_on_in_a_copy(content, tmp_path) -> None:
    from game.ui.app import FrontierLab
    from game.ui.screens import GameScreen

    game = Game(content, DEFAULT_SCENARIO, 2, "Twice Open")
    game.end_quarter(auto_choose=True)
    path = save_game(game, tmp_path)
    lock.release(path)
    before = path.read_bytes()
    other = holder(path)
    try:
        app = FrontierLab(content, tmp_path, game=load_game(path, content))
        async with app.run_test(size=(100, 30)) as pilot:
            for _ in range(40):
                if isinstance(app.screen, GameScreen):
                    break
                await pilot.press("enter")
                await pilot.pause()
            copy = app.screen.game
            assert copy.save_path is None  # it saves beside the original, not over it
            copy.end_quarter(auto_choose=True)
            app.autosave(copy)
            assert app.save_failure is None
            assert copy.save_path != path and copy.save_path.parent == tmp_path
    finally:
        other.kill()
        other.wait()
    assert path.read_bytes() == before


def test_simulate_never_replaces_another_games_save_unless_told(tmp_path) -> None:
    theirs = tmp_path / "theirs.toml"
    theirs.write_text("a player's save\n")
    cmd = [sys.executable, "-m", "game", "simulate", "--strategy", "frugal",
           "--quarters", "2", "--save", str(theirs)]
    refused = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    assert refused.returncode == 1
    assert "holds another game's save" in refused.stderr and "--replace" in refused.stderr
    assert theirs.read_text() == "a player's save\n"
    replaced = subprocess.run([*cmd, "--replace"], capture_output=True, text=True, cwd=ROOT)
    assert replaced.returncode == 0, replaced.stderr
    assert theirs.read_text().startswith("format_version")
