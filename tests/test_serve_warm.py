"""``frontier-lab serve`` forks each tab's game from its warm game starter (game.commands.warm;
docs/CLASSROOM.md, "Capacity"): the starter is the games' parent and has loaded the class's packs
before any tab opens; two students' games are two processes with their own labs and saves; a
starter that dies leaves one line for the instructor and the next tab still gets its game
(cold); Ctrl+C leaves no process behind."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest

from benchmarks.processes import alive, children, cmdline, free_port
from game.cli import main
from game.session.saves.reader import read_save

TITLE, FORM, PLAYING = b"join code", b"Lab name", (b"enter answer", b"End quarter")


def _wait(check, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while not (value := check()):
        assert time.monotonic() < deadline, f"never: {what}"
        time.sleep(0.05)
    return value


@pytest.fixture
def klass(tmp_path: Path, capsys) -> tuple[Path, list[str]]:
    """A class of two students: (its folder, their join codes)."""
    folder = tmp_path / "period 5"
    assert main(["class", "new", str(folder), "--seed", "7"]) == 0
    assert main(["class", "roster", str(folder), "--add", "Ada", "--add", "Alan",
                 "--format", "json"]) == 0
    codes = [s["code"] for s in json.loads(capsys.readouterr().out.splitlines()[-1])["students"]]
    return folder, codes


@contextlib.contextmanager
def serving(folder: Path) -> Iterator[tuple[int, subprocess.Popen[str], int]]:
    """A ``frontier-lab serve``: (its port, its process, its game starter's pid)."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "game", "serve", "--class", str(folder), "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        def listening() -> bool:
            assert proc.poll() is None, proc.communicate()
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
                return True
            return False

        _wait(listening, 120, "serve listening")
        starter = [p for p in children(proc.pid) if b"__warm-games__" in cmdline(p)]
        assert len(starter) == 1, "serve listens once its game starter is ready"
        yield port, proc, starter[0]
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


class Tab:
    """A browser tab, as the page talks to the server."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws, self.seen = ws, b""

    async def until(self, *texts: bytes, seconds: float = 120) -> None:
        async with asyncio.timeout(seconds):
            while not any(t in self.seen for t in texts):
                message = await self.ws.receive()
                assert message.type is aiohttp.WSMsgType.BINARY, message
                self.seen += message.data

    async def type(self, text: str) -> None:
        self.seen = b""
        await self.ws.send_json(["stdin", text])


@contextlib.asynccontextmanager
async def tab(port: int):
    async with aiohttp.ClientSession() as session:
        ws = await session.ws_connect(f"http://127.0.0.1:{port}/ws?width=100&height=30",
                                      headers={"Origin": f"http://127.0.0.1:{port}"})
        yield Tab(ws)
        await ws.close()


def test_the_packs_are_loaded_once_for_every_game(monkeypatch, klass) -> None:
    """What the starter keeps answers each game's load: no pack is read again after the fork."""
    from game.commands.play import class_packs, keep_class_content
    from game.packs import sources

    folder, _ = klass
    monkeypatch.setattr(sources, "_kept", {})
    args = type("Args", (), {"class_dir": folder})()
    keep_class_content(args)
    packs = class_packs(folder)
    assert packs is not None
    kept = sources.load_with_mods(packs, exactly=True)[0]

    def reading(*_: object) -> None:
        raise AssertionError("a pack was read again")

    monkeypatch.setattr(sources, "load_content", reading)
    assert sources.load_with_mods(packs, exactly=True)[0] is kept


def test_served_games_run_without_animations_unless_the_instructor_sets_them(monkeypatch
                                                                             ) -> None:
    from game.commands.serve_web import game_environment

    monkeypatch.delenv("TEXTUAL_ANIMATIONS", raising=False)
    env = game_environment(100, 30)
    assert env["TEXTUAL_ANIMATIONS"] == "none"
    assert (env["COLUMNS"], env["ROWS"]) == ("100", "30")
    assert env["TEXTUAL_DRIVER"] == "textual.drivers.web_driver:WebDriver"
    monkeypatch.setenv("TEXTUAL_ANIMATIONS", "full")
    assert game_environment()["TEXTUAL_ANIMATIONS"] == "full"


def test_each_tab_is_a_game_forked_by_the_starter_and_two_students_play_apart(klass) -> None:
    folder, codes = klass
    with serving(folder) as (port, proc, starter):

        async def join(code: str, lab: str) -> None:
            async with tab(port) as t:
                await t.until(TITLE)
                await t.type(code + "\r")
                await t.until(FORM)
                await t.type("\x7f" * 20 + lab + "\r")
                await t.until(*PLAYING)
                games = children(starter)
                assert len(games) >= 1
                # forked: the starter's child, its command line the starter's own (no new
                # interpreter was started: it imported nothing and loaded no pack)
                assert all(cmdline(g) == cmdline(starter) for g in games), [
                    (g, cmdline(g), Path(f"/proc/{g}/stat").read_text()[:80]) for g in games]
                assert not [p for p in children(proc.pid) if p != starter], "a cold game"
                # without Textual's animations (their environment is the starter's)
                assert b"TEXTUAL_ANIMATIONS=none\0" in Path(f"/proc/{starter}/environ"
                                                             ).read_bytes()
                pids.append(set(games))

        async def both() -> None:
            await asyncio.gather(join(codes[0], "Analytical Engines"),
                                 join(codes[1], "Bombe Works"))

        pids: list[set[int]] = []
        asyncio.run(both())
        assert len(set.union(*pids)) == 2, "two tabs, two processes"
    played = [read_save(p) for p in folder.glob("*.toml")]
    saves = {save.signed.student: save.lab for save in played if save.signed is not None}
    assert saves == {"ada": "Analytical Engines", "alan": "Bombe Works"}


def test_a_starter_that_dies_costs_one_line_and_no_student_their_game(klass) -> None:
    folder, _ = klass
    with serving(folder) as (port, proc, starter):
        os.kill(starter, signal.SIGKILL)

        async def play() -> None:
            async with tab(port) as t:
                await t.until(TITLE)  # started cold
                cold = children(proc.pid)
                assert cold and not any(b"__warm-games__" in cmdline(p) for p in cold)

        asyncio.run(play())
        _wait(lambda: not alive(starter), 30, "the dead starter reaped (no zombie)")
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    said = [line for line in err.splitlines() if "warm game starter" in line]
    assert len(said) == 1 and "games start cold" in said[0], err
    assert "Traceback" not in err


def test_ctrl_c_stops_every_game_and_the_starter(klass) -> None:
    folder, _ = klass
    with serving(folder) as (port, proc, starter):

        async def open_and_stop() -> list[int]:
            async with tab(port) as first, tab(port) as second:
                await first.until(TITLE)
                await second.until(TITLE)
                games = children(starter)
                assert len(games) == 2
                proc.send_signal(signal.SIGINT)  # while both play
                await asyncio.to_thread(proc.wait, 60)
                return games

        games = asyncio.run(open_and_stop())
        out, err = proc.communicate(timeout=10)
    assert proc.returncode == 0 and "Press Ctrl+C to stop." in out and "Traceback" not in err
    for pid in [starter, *games]:
        assert not alive(pid), f"process {pid} was left behind"


def test_the_guide_and_the_help_size_a_class_as_the_server_does(capsys) -> None:
    from game.commands.serve_web import GAME_MB, GAMES_PER_CORE

    guide = (Path(__file__).parents[1] / "docs" / "CLASSROOM.md").read_text(encoding="utf-8")
    said = f"one per {GAME_MB} MB of the host's memory, at most {GAMES_PER_CORE} per processor core"
    assert said in " ".join(guide.split()), "docs/CLASSROOM.md: the default --max-games"
    with pytest.raises(SystemExit):
        main(["serve", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert f"one per {GAME_MB} MB of memory, at most {GAMES_PER_CORE} per core" in help_text
