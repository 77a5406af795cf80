"""A course served from two hosts (docs/CLASSROOM.md, "Serving a large course"): two
``frontier-lab serve`` processes on different ports share one class folder; students on both
join with their codes and play one shared market; one ranking verifies them all."""

from __future__ import annotations

import asyncio
import json
import re
import time
from pathlib import Path

import aiohttp

from game.classroom import market_rounds as mr
from game.classroom.roster import read_roster, student_save
from game.cli import main
from game.session.saves.reader import read_save
from tests.test_classroom_serve import serving

WAIT_S = 180.0  # a game process on a busy 2-core machine: generous, and left at once when met
ANSI = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Z0-9]|\x1b[=>]")


class Student:
    """One browser tab, as the page speaks to the server: a websocket of keys and frames, read
    all the time (as the page does: a tab that stops reading misses the server's pings, and
    the server closes it)."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws, self.screen, self.closed = ws, bytearray(), False
        self._reading = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for message in self.ws:
            if message.type == aiohttp.WSMsgType.BINARY:
                self.screen.extend(message.data)
        self.closed = True

    async def until(self, text: str, seconds: float = WAIT_S) -> None:
        """Wait until ``text`` has been drawn (escape codes aside)."""
        want = text.encode()
        deadline = time.monotonic() + seconds
        while want not in ANSI.sub(b"", bytes(self.screen)):
            if self.closed or time.monotonic() > deadline:
                shown = ANSI.sub(b"", bytes(self.screen[-3000:])).decode(errors="replace")
                raise AssertionError(
                    f"never drawn: {text!r}{' (the game closed)' if self.closed else ''}; "
                    f"the end of the screen: {shown}")
            await asyncio.sleep(0.1)

    async def type(self, keys: str) -> None:
        self.screen.clear()
        await self.ws.send_json(["stdin", keys])

    async def close(self) -> None:
        await self.ws.close()
        await self._reading


async def _play_a_round(port: int, code: str, lab: str, class_dir: Path, student: str) -> None:
    url = f"http://127.0.0.1:{port}"
    async with aiohttp.ClientSession() as session, session.ws_connect(
            f"{url}/ws?width=110&height=34", headers={"Origin": url}, max_msg_size=0) as ws:
        tab = Student(ws)
        await tab.until("Type your join code")
        await tab.type(code + "\r")
        await tab.until("Lab name")
        await tab.type(lab + "\r")
        save = student_save(class_dir, student, "ipo-window")
        deadline = time.monotonic() + WAIT_S
        while not save.exists():  # the game has begun (its first events may cover it)
            assert time.monotonic() < deadline, f"{student}'s game never began"
            await asyncio.sleep(0.2)
        for _ in range(20):  # the quarter's events first (enter closes each), then e, e
            if mr.submissions(class_dir, 1).get(student) is not None:
                break
            await tab.type("\r")
            await asyncio.sleep(0.5)
            await tab.type("\x1be")  # escape: out of any field; e: the preview
            await asyncio.sleep(1.0)
            await tab.type("e")
            await asyncio.sleep(1.0)
        assert mr.submissions(class_dir, 1).get(student) is not None, "the plan was not sent"
        deadline = time.monotonic() + WAIT_S
        while len(read_save(save).log) < 1:
            assert time.monotonic() < deadline, f"{student}'s game never played the round"
            await asyncio.sleep(0.2)


def test_two_hosts_serve_one_class_one_market_and_one_ranking(tmp_path, capsys):
    class_dir = tmp_path / "course"
    assert main(["class", "new", str(class_dir), "--rounds", "market", "--seed", "11"]) == 0
    assert main(["class", "roster", str(class_dir), "--add", "Ada", "--add", "Alan"]) == 0
    capsys.readouterr()
    ada, alan = read_roster(class_dir)
    with serving(class_dir) as (one, _), serving(class_dir) as (two, _):
        async def both() -> None:
            await asyncio.gather(
                _play_a_round(one, ada.code, "Ada Labs", class_dir, ada.id),
                _play_a_round(two, alan.code, "Alan Labs", class_dir, alan.id))
        asyncio.run(both())
    record = mr.read_record(class_dir, 1)
    assert record is not None and [(e.student, e.lab, e.submitted) for e in record] == [
        (ada.id, "Ada Labs", True), (alan.id, "Alan Labs", True)]
    assert mr.read_record(class_dir, 2) is None  # one round, closed once
    assert main(["class", "report", str(class_dir), "--out", str(tmp_path / "r"),
                 "--format", "json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["ranked"] == 2 and summary["flagged"] == 0 and summary["unsigned"] == 0
    assert {row["student"] for row in summary["leaderboard"]} == {ada.id, alan.id}
