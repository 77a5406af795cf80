"""The instructor's dashboard: only with the token, actions only from its own page, no name on
the projector's view, and in Chromium (where Debian's chromium and playwright are installed) a
student's game seen live, an event injected with a note, the class paused and resumed, and a
message sent."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer

from game.classroom import folder, status
from game.classroom.broadcast import read_broadcasts
from game.classroom.roster import read_roster
from game.classroom.rounds import read_rounds
from game.cli import main
from game.commands.dashboard_web import (
    COOKIE,
    WRONG_LIMIT,
    Dashboard,
    instructor_token,
)
from game.commands.serve_web import ClassServer, Limits
from game.packs import load_content
from game.session.game import Game

EVENT = "base.vendor_allocation_cut"  # "Your GPU allocation is halved" (trigger: quarter >= 1)
HOSTILE = "[/b][@click=app.quit]\x1b<img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def content():
    return load_content()


def _class(tmp_path: Path, capsys, rounds: str = "lockstep") -> Path:
    class_dir = tmp_path / "period 6"
    assert main(["class", "new", str(class_dir), "--seed", "7", "--rounds", rounds]) == 0
    assert main(["class", "roster", str(class_dir), "--add", "Ada Lovelace",
                 "--add", "Grace " + HOSTILE]) == 0
    capsys.readouterr()
    return class_dir


@pytest.fixture
def klass(tmp_path, capsys) -> Path:
    return _class(tmp_path, capsys)


async def _client(class_dir: Path, content) -> TestClient:
    events = [{"id": ce.event.id, "title": ce.event.title, "category": ce.event.category}
              for ce in content.events]
    server = ClassServer("true", "127.0.0.1", 8000, None, Limits(5),
                         Dashboard(class_dir, instructor_token(class_dir), events))
    client = TestClient(TestServer(await server._make_app(), host="127.0.0.1"))
    await client.start_server()
    return client


@pytest.fixture
async def client(klass, content) -> AsyncIterator[TestClient]:
    client = await _client(klass, content)
    try:
        yield client
    finally:
        await client.close()


def _own(client: TestClient) -> dict[str, str]:
    return {"Origin": f"http://127.0.0.1:{client.port}"}


async def _signed_in(client: TestClient, token: str) -> None:
    got = await client.get(f"/instructor?token={token}", allow_redirects=False)
    assert got.status == 303 and got.headers["Location"] == "/instructor"
    cookie = got.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/instructor" in cookie


async def test_without_the_token_a_student_gets_403_and_nothing_of_the_page(klass, client):
    token = instructor_token(klass)
    assert instructor_token(klass) == token  # kept: a restarted server prints the same
    assert (klass / ".class" / "instructor-token").stat().st_mode & 0o777 == 0o600
    for path in ("/instructor", "/instructor/api/state", "/instructor/api/events",
                 "/instructor?token=wrong", f"/instructor?token={token[:-1]}"):
        got = await client.get(path, allow_redirects=False)
        text = await got.text()
        assert got.status == 403 and text == "403: forbidden\n", path
    got = await client.get("/instructor/api/state", cookies={COOKIE: "x" + token[1:]})
    assert got.status == 403
    await _signed_in(client, token)
    page = await client.get("/instructor")
    assert page.status == 200 and "Anonymise" in await page.text()
    assert page.headers["Cache-Control"] == "no-store"
    assert "default-src 'none'" in page.headers["Content-Security-Policy"]
    state = await (await client.get("/instructor/api/state")).json()
    names = [r["name"] for r in state["students"]]
    assert names == ["Ada Lovelace", "Grace [/b][@click=app.quit]<img src=x onerror=alert(1)>"]


async def test_wrong_tokens_are_slowed_down_but_the_signed_in_instructor_is_not(klass, content):
    token = instructor_token(klass)
    signed = await _client(klass, content)
    try:
        await _signed_in(signed, token)
        statuses = []
        for n in range(WRONG_LIMIT + 2):
            got = await signed.get(f"/instructor/api/state?n={n}",
                                   cookies={COOKIE: "wrong"})
            statuses.append(got.status)
        assert statuses[:WRONG_LIMIT] == [403] * WRONG_LIMIT and statuses[-1] == 429
        got = await signed.get(f"/instructor?token={token}", allow_redirects=False)
        assert got.status == 429  # even the right token, from this address, for a minute
        signed.session.cookie_jar.update_cookies({COOKIE: token})
        assert (await signed.get("/instructor/api/state")).status == 200
    finally:
        await signed.close()


async def test_actions_come_only_from_the_dashboard_s_own_page(klass, client):
    await _signed_in(client, instructor_token(klass))
    body = {"how": "pause"}
    for headers in ({}, {"Origin": "http://evil.example"}, {"Origin": "null"}):
        got = await client.post("/instructor/api/round", json=body, headers=headers)
        assert got.status == 403 and await got.text() == "403: forbidden\n"
    assert not read_rounds(klass).paused
    got = await client.post("/instructor/api/round", json=body, headers=_own(client))
    assert got.status == 200 and "paused" in (await got.json())["said"]
    assert read_rounds(klass).paused
    await client.post("/instructor/api/round", json={"how": "resume"}, headers=_own(client))
    got = await client.post("/instructor/api/round", json={"how": "open", "minutes": 5},
                            headers=_own(client))
    state = read_rounds(klass)
    assert not state.paused and state.open_through == 2 and 290 < state.seconds_left() <= 300
    assert "Round 2 is open until" in (await got.json())["said"]

    got = await client.post("/instructor/api/inject", headers=_own(client),
                            json={"event": EVENT, "note": "Chips are short " + HOSTILE})
    assert got.status == 200 and "every running game takes it" in (await got.json())["said"]
    [made] = folder.read_injections(klass)
    assert made.event == EVENT and made.note == "Chips are short [/b][@click=app.quit]<img " \
                                                "src=x onerror=alert(1)>"
    got = await client.post("/instructor/api/broadcast", headers=_own(client),
                            json={"text": "Five minutes left"})
    assert got.status == 200 and [b.text for b in read_broadcasts(klass)] == [
        "Five minutes left"]
    for path, bad, said in (
            ("inject", {"event": "base.nope"}, "choose an event from the list"),
            ("inject", {"event": EVENT, "note": "x" * 301}, "at most 300 characters"),
            ("broadcast", {"text": " "}, "a message needs some text"),
            ("round", {"how": "explode"}, "open, close, pause or resume"),
            ("round", {"how": "open", "minutes": 99999}, "from 0 to 1440 minutes"),
            ("round", {"how": "open", "minutes": "soon"}, "a number of minutes"),
            ("broadcast", [1], "a JSON object")):
        got = await client.post(f"/instructor/api/{path}", json=bad, headers=_own(client))
        error = (await got.json())["error"]
        assert got.status == 400 and said in error and "\n" not in error, (path, bad)
    got = await client.post("/instructor/api/broadcast", data="{not json",
                            headers=_own(client))
    assert got.status == 400


async def test_a_free_class_has_no_round_to_change(tmp_path, capsys, content):
    free = _class(tmp_path, capsys, rounds="free")
    client = await _client(free, content)
    try:
        await _signed_in(client, instructor_token(free))
        state = await (await client.get("/instructor/api/state")).json()
        assert state["round"] is None and state["class"]["rounds"] == "free"
        got = await client.post("/instructor/api/round", json={"how": "pause"},
                                headers=_own(client))
        assert got.status == 400 and "not played in rounds" in (await got.json())["error"]
    finally:
        await client.close()


async def test_the_rows_say_who_plays_waits_is_stuck_and_the_projector_sees_no_name(
        klass, client, content):
    ada, grace = read_roster(klass)
    games = {}
    for student, lab in ((ada, "Ada's Engines"), (grace, "Grace's " + HOSTILE)):
        game = Game(content, "ipo-window", 7, lab)
        game.student = student.id
        games[student.id] = game
    games[ada.id].end_quarter(auto_choose=True)  # round 1 done: waits for round 2
    now = time.time()
    status.write_status(klass, status.status_of(games[ada.id], ada.id, name=ada.name,
                                                last_key=now - 10, now=now))
    status.write_status(klass, status.status_of(games[grace.id], grace.id, name=grace.name,
                                                last_key=now - 600, now=now))
    stray = Game(content, "ipo-window", 7, "Mystery Lab")
    status.write_status(klass, status.status_of(stray, "tab-0a1b2c", now=now - 600))
    await _signed_in(client, instructor_token(klass))
    state = await (await client.get("/instructor/api/state")).json()
    rows = {r["lab"]: r for r in state["students"]}
    assert rows["Ada's Engines"]["waiting"] and rows["Ada's Engines"]["open"]
    assert rows["Ada's Engines"]["stuck"] is None and rows["Ada's Engines"]["quarter"] == 1
    grace_row = rows["Grace's [/b][@click=app.quit]<img src=x onerror=alert(1)>"]
    assert grace_row["stuck"] == "no key for 10 min" and not grace_row["waiting"]
    assert not rows["Mystery Lab"]["open"] and rows["Mystery Lab"]["id"] is None
    assert {e["lab"] for e in state["leaderboard"]} == set(rows)  # ranked, provisional

    text = await (await client.get("/instructor/api/state?anonymous=1")).text()
    for secret in ("Ada", "Lovelace", "Grace", "Mystery", ada.id, grace.id, "tab-0a1b2c",
                   "Engines", "onerror"):
        assert secret not in text, secret
    anonymous = json.loads(text)
    assert anonymous["anonymous"] and all(r["id"] is None for r in anonymous["students"])
    names = [r["name"] for r in anonymous["students"]]
    assert len(set(names)) == 3 and all(r["lab"] == r["name"] for r in anonymous["students"])
    again = await (await client.get("/instructor/api/state?anonymous=1")).json()
    assert [r["name"] for r in again["students"]] == names  # stable pseudonyms
    assert {e["name"] for e in anonymous["leaderboard"]} <= set(names)


# --- in Chromium ------------------------------------------------------------------------------


def test_the_instructor_sees_a_student_live_injects_pauses_and_broadcasts_in_chromium(klass):
    from test_classroom_serve import CHROMIUM, serving

    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (apt-get install -y chromium); "
                    "the browser test needs it")
    sync_api = pytest.importorskip("playwright.sync_api",
                                   reason="the playwright Python package is not installed "
                                          "(pip install -e '.[test]')")
    ada = read_roster(klass)[0]
    with serving(klass) as (port, proc), sync_api.sync_playwright() as p:
        said = ""
        while "Instructor dashboard:" not in said:  # printed before the server listens
            said = proc.stdout.readline()
            assert said, "serve printed no instructor's address"
        address = said.split("Instructor dashboard:")[1].strip()
        assert address == f"http://127.0.0.1:{port}/instructor?token={instructor_token(klass)}"
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            student = browser.new_page(viewport={"width": 1280, "height": 800})
            screen = bytearray()
            student.on("websocket", lambda ws: ws.on(
                "framereceived",
                lambda data: screen.extend(data if isinstance(data, bytes) else data.encode())))

            def _wait_for(check, seconds: float, what: str, fail: bool = True):
                """Wait on ``check``, letting playwright take the page's messages meanwhile
                (its sync API delivers them only while one of its calls runs)."""
                deadline = time.monotonic() + seconds
                while not (value := check()):
                    if time.monotonic() > deadline:
                        if fail:
                            pytest.fail(f"the browser never showed {what}")
                        return None
                    student.wait_for_timeout(200)
                return value

            student.goto(f"http://127.0.0.1:{port}/?delay=1")
            student.wait_for_selector("#start", state="visible")
            student.click("#start")
            student.wait_for_selector("body.-first-byte", timeout=120_000)
            # (the field's steady cursor covers the placeholder's first letter: served games
            # blink no cursor)
            _wait_for(lambda: b".g. K7MQ" in screen, 120, "the join form")
            deadline = time.monotonic() + 60
            while b"Lab name" not in screen:  # typed again if the game was still starting
                assert time.monotonic() < deadline, "the browser never showed the new-game form"
                student.keyboard.press("Control+u")  # (the field emptied)
                student.keyboard.type(ada.code)
                if _wait_for(lambda: ada.code.encode() in screen, 5, "", fail=False):
                    student.keyboard.press("Enter")
                    _wait_for(lambda: b"Lab name" in screen, 10, "", fail=False)
            student.keyboard.type("Difference Engines")
            student.keyboard.press("Enter")

            instructor = browser.new_context().new_page()
            instructor.goto(address)
            assert instructor.url == f"http://127.0.0.1:{port}/instructor"  # token gone
            row = instructor.locator("#students tbody tr", has_text="Ada Lovelace")
            row.locator("td.lab", has_text="Difference Engines").wait_for(timeout=120_000)
            assert row.get_attribute("data-state") == "playing"
            instructor.locator("#round-box").wait_for(state="visible")
            grace = "Grace [/b][@click=app.quit]<img src=x onerror=alert(1)>"  # as written
            assert instructor.locator("#students td.name", has_text=grace).count() == 1
            # the student's page, on the same server, gets nothing of it
            assert student.evaluate("fetch('/instructor/api/state').then(r => r.status)") == 403
            instructor.check("#anonymous")  # the projector: no name on the page
            instructor.locator("#students tbody tr").first.wait_for()
            _wait_for(lambda: "Ada" not in instructor.inner_text("body")
                      and instructor.locator("#students tbody tr").count() == 2, 30,
                      "the anonymised table")
            assert "Difference" not in instructor.inner_text("body")
            instructor.uncheck("#anonymous")
            row.wait_for()

            instructor.select_option("#event", EVENT)
            instructor.fill("#note", "The fab in Taiwan is down")
            instructor.click("#inject-send")
            instructor.locator("#said", has_text="Live event").wait_for()
            [made] = folder.read_injections(klass)
            assert made.event == EVENT and made.note == "The fab in Taiwan is down"

            instructor.click("#round-pause")
            instructor.locator("#round-state", has_text="paused").wait_for()
            assert read_rounds(klass).paused
            instructor.click("#round-resume")
            instructor.locator("#said", has_text="plays again").wait_for()
            _wait_for(lambda: "paused" not in instructor.inner_text("#round-state"), 30,
                      "the round resumed on the dashboard")
            assert not read_rounds(klass).paused

            instructor.fill("#message", "Hands-off-keyboards please")
            instructor.click("#broadcast-send")
            instructor.locator("#said", has_text="Message sent").wait_for()
            _wait_for(lambda: b"Hands-off-keyboards" in screen, 60,
                      "the instructor's message in the student's game")

            # the student ends the quarter: the live event, with the note, marked as the
            # instructor's
            deadline = time.monotonic() + 240
            while b"Live event from your instructor" not in screen:
                assert time.monotonic() < deadline, "the live event never showed"
                mark = len(screen)
                student.keyboard.press("e")  # the preview (in an event's dialog: nothing)
                if _wait_for(lambda m=mark: b"? The plan:" in screen[m:], 3, "", fail=False):
                    mark = len(screen)
                    student.keyboard.press("e")  # end the quarter: its events follow
                    _wait_for(lambda m=mark: b"enter" in screen[m:], 5, "", fail=False)
                else:
                    student.keyboard.press("Enter")  # an event's first answer, or a notice
                    _wait_for(lambda m=mark: len(screen) > m, 2, "", fail=False)
            _wait_for(lambda: b"The fab in Taiwan is down" in screen, 30, "the note")
            instructor.locator("#students tbody tr[data-state='waiting']",
                               has_text="Ada Lovelace").wait_for(timeout=60_000)
        finally:
            browser.close()
