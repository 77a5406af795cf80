"""Issue 18's acceptance, as a class would live it: 30 simulated students (the page's websocket)
and 3 Chromium tabs join a shared-market class together and play lockstep rounds; one student
drops mid-quarter and comes back; the instructor pauses, injects an event with a note and opens
the next round from the dashboard; the report then ranks every student once and verifies every
game against the class's market."""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from pathlib import Path

import aiohttp
import pytest

from game.classroom import market_rounds as mr
from game.classroom.roster import read_roster, student_save
from game.cli import main
from game.commands.dashboard_web import COOKIE, instructor_token
from game.session.saves.reader import read_save
from tests.test_class_two_hosts import ANSI, WAIT_S, Student
from tests.test_classroom_serve import CHROMIUM, serving

SOCKETS, BROWSERS = 30, 3
SCENARIO = "ipo-window"


async def _wait(check, what: str, seconds: float = WAIT_S) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, f"never: {what}"
        await asyncio.sleep(0.2)


class Instructor:
    """The dashboard's API, as its page calls it (the token's cookie, the page's Origin)."""

    def __init__(self, session: aiohttp.ClientSession, url: str) -> None:
        self.session, self.url = session, url

    async def post(self, what: str, body: dict) -> str:
        async with self.session.post(f"{self.url}/instructor/api/{what}", json=body,
                                     headers={"Origin": self.url}) as answer:
            said = await answer.json()
            assert answer.status == 200, said
            return said["said"]

    async def state(self) -> dict:
        async with self.session.get(f"{self.url}/instructor/api/state") as answer:
            assert answer.status == 200
            return await answer.json()


async def _send_plan(keys, class_dir: Path, k: int, student: str) -> None:
    """Answer the quarter's events (enter), then e, e: the plan sent for round ``k``."""
    deadline = time.monotonic() + WAIT_S
    while mr.submissions(class_dir, k).get(student) is None:
        assert time.monotonic() < deadline, f"{student} never sent a plan for round {k}"
        for key in ("\r", "\x1b", "e", "e"):
            await keys(key)
            await asyncio.sleep(0.4)


async def _socket_student(url: str, code: str, class_dir: Path, student: str,
                          rounds: asyncio.Event, drop: bool) -> None:
    save = student_save(class_dir, student, SCENARIO)

    async def tab(session: aiohttp.ClientSession):
        ws = await session.ws_connect(f"{url}/ws?width=110&height=34",
                                      headers={"Origin": url}, max_msg_size=0)
        student_tab = Student(ws)
        await student_tab.until("Type your join code")
        await student_tab.type(code + "\r")
        return student_tab

    async with aiohttp.ClientSession() as session:
        student_tab = await tab(session)
        await student_tab.until("Lab name")
        await student_tab.type(f"Lab {student}\r")
        await student_tab.until("Runway")  # the game's metrics bar (its events may cover the rest)
        await _wait(save.exists, f"{student}'s game")
        if drop:  # the tab dies mid-quarter; the student opens the page again, same code
            await student_tab.close()
            student_tab = await tab(session)
            await student_tab.until("Runway")  # the same game, at the quarter in progress
            assert len(read_save(save).log) == 0
        await rounds.wait()  # the instructor's pause is over
        await _send_plan(student_tab.type, class_dir, 1, student)
        await _wait(lambda: len(read_save(save).log) >= 1, f"{student}'s first quarter")
        await _wait(lambda: mr.read_record(class_dir, 2) is not None or _open(class_dir, 2),
                    "round 2")
        await _send_plan(student_tab.type, class_dir, 2, student)
        await _wait(lambda: len(read_save(save).log) >= 2, f"{student}'s second quarter")
        await student_tab.close()


def _open(class_dir: Path, k: int) -> bool:
    from game.classroom.rounds import read_rounds

    return read_rounds(class_dir).open_through >= k


async def _browser_student(browser, url: str, code: str, class_dir: Path, student: str,
                           rounds: asyncio.Event) -> None:
    save = student_save(class_dir, student, SCENARIO)
    page = await browser.new_page(viewport={"width": 1280, "height": 800})
    screen = bytearray()
    page.on("websocket", lambda ws: ws.on(
        "framereceived",
        lambda data: screen.extend(data if isinstance(data, bytes) else data.encode())))

    async def drawn(text: bytes) -> None:
        await _wait(lambda: text in ANSI.sub(b"", bytes(screen)), f"{student}'s {text!r}")
        screen.clear()

    await page.goto(url + "/")  # (without ?delay, the page connects at once)
    await page.wait_for_selector("body.-first-byte", timeout=WAIT_S * 1000)

    async def press(key: str) -> None:
        await page.keyboard.press({"\r": "Enter", "\x1b": "Escape"}.get(key, key))

    await drawn(b"Type your join code")
    await page.keyboard.type(code)
    await press("\r")
    await drawn(b"Lab name")
    await page.keyboard.type(f"Lab {student}")
    await press("\r")
    await _wait(save.exists, f"{student}'s game in the browser")
    await rounds.wait()
    await _send_plan(press, class_dir, 1, student)
    await _wait(lambda: len(read_save(save).log) >= 1, f"{student}'s first quarter")
    await _wait(lambda: _open(class_dir, 2), "round 2")
    await _send_plan(press, class_dir, 2, student)
    await _wait(lambda: len(read_save(save).log) >= 2, f"{student}'s second quarter")
    await page.close()


def test_a_class_of_33_plays_a_shared_market_in_rounds(tmp_path, capsys):
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (apt-get install -y chromium)")
    async_api = pytest.importorskip("playwright.async_api",
                                    reason="the playwright Python package is not installed")
    class_dir = tmp_path / "period6"
    assert main(["class", "new", str(class_dir), "--rounds", "market", "--seed", "3"]) == 0
    names = [f"Student {n:02d}" for n in range(1, SOCKETS + BROWSERS + 1)]
    assert main(["class", "roster", str(class_dir), *[a for n in names for a in ("--add", n)]]
                ) == 0
    capsys.readouterr()
    students = read_roster(class_dir)
    with serving(class_dir, "--max-games", "40") as (port, _):
        url = f"http://127.0.0.1:{port}"
        token = instructor_token(class_dir)

        async def lesson() -> None:
            rounds = asyncio.Event()
            jar = aiohttp.CookieJar(unsafe=True)
            jar.update_cookies({COOKIE: token})
            async with aiohttp.ClientSession(cookie_jar=jar) as session, \
                    async_api.async_playwright() as p:
                teacher = Instructor(session, url)
                browser = await p.chromium.launch(executable_path=str(CHROMIUM),
                                                  args=["--no-sandbox"])
                players: list[asyncio.Task] = []
                try:
                    await teacher.post("round", {"how": "pause"})  # until everyone is in
                    players = [asyncio.create_task(_socket_student(
                        url, s.code, class_dir, s.id, rounds, drop=n == 0))
                        for n, s in enumerate(students[:SOCKETS])]
                    players += [asyncio.create_task(_browser_student(
                        browser, url, s.code, class_dir, s.id, rounds))
                        for s in students[SOCKETS:]]
                    everyone = [student_save(class_dir, s.id, SCENARIO) for s in students]
                    await _wait(lambda: all(p.exists() for p in everyone) or any(
                        t.done() for t in players), "everyone joined", seconds=3 * WAIT_S)
                    for player in players:
                        if player.done():
                            player.result()  # (a student who failed: its error, now)
                    state = await teacher.state()
                    assert sum(row["joined"] for row in state["students"]) == len(students)
                    assert mr.submissions(class_dir, 1) == {}  # paused: nobody's plan went
                    await teacher.post("inject", {"event": "base.vendor_allocation_cut",
                                                  "note": "the vendor squeeze"})
                    await teacher.post("round", {"how": "resume"})
                    rounds.set()
                    await _wait(lambda: mr.read_record(class_dir, 1) is not None,
                                "round 1 played", seconds=3 * WAIT_S)
                    await teacher.post("round", {"how": "open", "minutes": 30})
                    await asyncio.gather(*players)
                finally:
                    for player in players:
                        player.cancel()
                    await asyncio.gather(*players, return_exceptions=True)
                    await browser.close()
        asyncio.run(lesson())
    for k in (1, 2):
        record = mr.read_record(class_dir, k)
        assert record is not None and all(e.submitted for e in record), f"round {k}"
    # the live event reached every lab once: at its next quarter start, round 2's, or round
    # 1's for a game whose first screen was still being drawn when it was sent
    took = Counter(e.student for k in (1, 2) for e in mr.read_record(class_dir, k)
                   if "base.vendor_allocation_cut" in e.injected)
    assert took == Counter(s.id for s in students)
    assert main(["class", "report", str(class_dir), "--out", str(tmp_path / "report"),
                 "--format", "json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["ranked"] == len(students) and summary["flagged"] == 0
    assert summary["unsigned"] == 0
    ranked = [row["student"] for row in summary["leaderboard"]]
    assert sorted(ranked) == sorted(s.id for s in students)  # every student, once
    assert summary["market_story"]
