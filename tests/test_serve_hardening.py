"""``frontier-lab serve`` hardened (docs/CLASSROOM.md, "Hardening"): pages of other sites start
no game, a full class says so at once, terminals and messages have limits, no folder is listed,
the page needs nothing from the internet, errors reach the instructor's log and not a student,
and a host beyond this machine is served only when the instructor says so.

Most checks run the server in this process, with a stand-in for the game (a small script that
speaks textual-serve's protocol and echoes what it is sent), so they take seconds; two run the
real ``frontier-lab serve`` and its real games.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import re
import shlex
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp.test_utils import TestClient, TestServer, make_mocked_request

from game.cli import main
from game.commands import serve_web
from game.commands.serve_web import FAILED, FULL, ClassServer, Limits, OriginCheck

ROOT = Path(__file__).resolve().parent.parent

# A game as textual-serve sees one: it says it is there, then echoes every packet it is sent as
# screen data ("meta {json}" or "data TEXT"); "quit" ends it. Each start is a line in MARKER.
STUB = textwrap.dedent("""\
    import json, os, sys
    marker, mode = sys.argv[1], sys.argv[2]
    with open(marker, "a") as f:
        f.write(f"{os.getpid()} {os.environ['COLUMNS']}x{os.environ['ROWS']}\\n")
    if mode == "broken":
        sys.stderr.write('Traceback (most recent call last):\\n  File "/srv/secret/game.py", '
                         'line 1\\nfrontier-lab play: /srv/secret/pack.toml:1:1: broken\\n')
        sys.exit(1)
    out, inp = sys.stdout.buffer, sys.stdin.buffer
    def packet(kind, payload):
        out.write(kind + len(payload).to_bytes(4, "big") + payload)
        out.flush()
    out.write(b"__GANGLION__\\n")
    packet(b"D", f"started {os.environ['COLUMNS']}x{os.environ['ROWS']}".encode())
    while len(head := inp.read(5)) == 5:
        payload = inp.read(int.from_bytes(head[1:], "big"))
        if head[:1] == b"M" and json.loads(payload)["type"] == "quit":
            break
        packet(b"D", (b"meta " if head[:1] == b"M" else b"data ") + payload)
""")


@pytest.fixture
def logs(tmp_path: Path) -> Iterator[tuple[io.StringIO, Path]]:
    """The server's logging as run_serve sets it up: (the terminal's lines, the log file)."""
    terminal, path = io.StringIO(), tmp_path / "serve.log"
    root = logging.getLogger()
    before, level = list(root.handlers), root.level
    serve_web.setup_logging(path, terminal)
    yield terminal, path
    for handler in root.handlers[:]:
        if handler not in before:
            root.removeHandler(handler)
            handler.close()
    root.setLevel(level)


def stub_server(tmp_path: Path, mode: str = "echo", max_games: int = 4) -> ClassServer:
    script = tmp_path / "stub_game.py"
    script.write_text(STUB, encoding="utf-8")
    command = shlex.join([sys.executable, str(script), str(tmp_path / "started"), mode])
    return ClassServer(command, "127.0.0.1", 8000, None, Limits(max_games=max_games))


@contextlib.asynccontextmanager
async def client_of(server: ClassServer):
    """A client of ``server``; on leaving, every game it started has ended (each test closes
    its connections), so none outlives the test's event loop."""
    async with TestClient(TestServer(await server._make_app())) as client:
        yield client
        await until(lambda: server.games == 0)


def origin(client: TestClient) -> dict[str, str]:
    return {"Origin": f"http://127.0.0.1:{client.port}"}


def started(tmp_path: Path) -> list[str]:
    marker = tmp_path / "started"
    return marker.read_text().splitlines() if marker.exists() else []


async def screen_until(ws: aiohttp.ClientWebSocketResponse, text: bytes,
                       seconds: float = 30) -> bytes:
    """What the game has drawn, until ``text`` is in it."""
    seen = b""
    async with asyncio.timeout(seconds):
        while text not in seen:
            message = await ws.receive()
            assert message.type is aiohttp.WSMsgType.BINARY, (message, seen)
            seen += message.data
    return seen


async def closed(ws: aiohttp.ClientWebSocketResponse, seconds: float = 30) -> tuple[int, str]:
    """The close code and reason the server gave."""
    async with asyncio.timeout(seconds):
        while (message := await ws.receive()).type is aiohttp.WSMsgType.BINARY:
            pass
    assert message.type is aiohttp.WSMsgType.CLOSE, message
    return message.data, message.extra or ""


async def until(check, seconds: float = 30) -> None:
    async with asyncio.timeout(seconds):
        while not check():
            await asyncio.sleep(0.05)


# --- caps -------------------------------------------------------------------------------

async def test_the_extra_tab_is_told_the_class_is_full_at_once(tmp_path, logs) -> None:
    server = stub_server(tmp_path, max_games=1)
    async with client_of(server) as client:
        first = await client.ws_connect("/ws", headers=origin(client))
        await screen_until(first, b"started")
        page = await client.get("/")
        assert page.status == 503 and FULL.format(games=1) in await page.text()
        assert "textual.js" not in await page.text()  # a notice, not a game that would hang
        began = time.monotonic()
        extra = await client.ws_connect("/ws", headers=origin(client))
        code, reason = await closed(extra)
        refused_in = time.monotonic() - began
        assert (code, reason) == (1013, FULL.format(games=1))
        assert refused_in < 2, f"refusing took {refused_in:.2f} s"
        assert len(started(tmp_path)) == 1  # the extra tab started nothing
        await first.close()
        await until(lambda: server.games == 0)
        again = await client.ws_connect("/ws", headers=origin(client))  # the seat is free
        await screen_until(again, b"started")
        await again.close()
    assert len(started(tmp_path)) == 2
    assert "the class is full" in logs[0].getvalue()


async def test_a_terminal_is_clamped_at_connect_and_on_every_resize(tmp_path, logs) -> None:
    server = stub_server(tmp_path)
    async with client_of(server) as client:
        ws = await client.ws_connect("/ws?width=3000&height=3000", headers=origin(client))
        await screen_until(ws, b"started 400x150")  # what the game was started with
        await ws.send_json(["resize", {"width": 3000, "height": 3000}])
        await screen_until(ws, b'"width": 400, "height": 150}')
        await ws.send_json(["resize", {"width": 2, "height": 1}])
        await screen_until(ws, b'"width": 20, "height": 8}')
        await ws.close()
        ws = await client.ws_connect("/ws?width=" + "9" * 5000 + "&height=-5",
                                     headers=origin(client))
        await screen_until(ws, b"started 80x8")  # no number: the default; too small: clamped
        await ws.close()
    assert started(tmp_path)[0].endswith(" 400x150")


MALFORMED = ["not json", "{}", "[]", "null", '"stdin"', "[1]", '["stdin"]', '["stdin", 5]',
             '["resize"]', '["resize", {}]', '["resize", {"width": true, "height": 1e9}]',
             '["resize", {"width": "80", "height": 24}]', '["ping", {"a": 1}]',
             '["ping", "' + "x" * 1000 + '"]', "[" * 60_000, '["stdin", "\\ud800"]',
             '["nope", 1]', '["quit"]']


async def test_malformed_messages_are_ignored_and_a_huge_one_ends_only_its_game(
        tmp_path, logs) -> None:
    terminal, log_file = logs
    server = stub_server(tmp_path)
    async with client_of(server) as client:
        other = await client.ws_connect("/ws", headers=origin(client))
        await screen_until(other, b"started")
        ws = await client.ws_connect("/ws", headers=origin(client))
        await screen_until(ws, b"started")
        for text in MALFORMED:
            await ws.send_str(text)
        await ws.send_bytes(b"\x00\xff binary")
        await ws.send_json(["stdin", "still here"])
        seen = await screen_until(ws, b"data still here")
        assert b"meta " not in seen  # no malformed resize, nothing unknown reached the game
        await ws.send_json(["ping", "123"])
        assert (await ws.receive_json(timeout=10)) == ["pong", "123"]
        await ws.send_str('["stdin", "' + "x" * 70_000 + '"]')
        assert (await closed(ws))[0] == 1009  # too big: this connection ends
        await until(lambda: server.games == 1)  # its game stopped; the other plays on
        await other.send_json(["stdin", "fine"])
        await screen_until(other, b"data fine")
        await other.close()
    assert terminal.getvalue() == ""
    assert "Traceback" not in log_file.read_text(encoding="utf-8")


# --- errors: a line for the instructor, a sentence for the student -------------------------

async def test_a_game_that_cannot_start_tells_the_student_a_sentence(tmp_path, logs) -> None:
    terminal, log_file = logs
    server = stub_server(tmp_path, mode="broken")
    async with client_of(server) as client:
        ws = await client.ws_connect("/ws", headers=origin(client))
        code, reason = await closed(ws)
        await until(lambda: server.games == 0)
    assert (code, reason) == (1011, FAILED) and "/" not in reason
    said = terminal.getvalue().splitlines()
    assert len(said) == 1 and "a game could not start (exit code 1)" in said[0]
    assert "Traceback" not in said[0] and str(log_file) in said[0]
    assert 'File "/srv/secret/game.py"' in log_file.read_text(encoding="utf-8")


async def test_an_error_in_a_handler_is_one_line_and_a_plain_500(tmp_path, logs,
                                                                  monkeypatch) -> None:
    terminal, log_file = logs

    def broken(request):
        raise RuntimeError("/srv/secret/place went wrong")

    monkeypatch.setattr(serve_web, "request_base", broken)
    async with client_of(stub_server(tmp_path)) as client:
        page = await client.get("/")
        body = await page.text()
        bad = await client.get("/ws")  # no websocket upgrade: a plain 400, nothing logged
        assert bad.status == 400 and "Traceback" not in await bad.text()
    assert page.status == 500 and "/srv" not in body and "Traceback" not in body
    said = terminal.getvalue().splitlines()
    assert len(said) == 1 and "an error answering /" in said[0]
    assert "RuntimeError: /srv/secret/place" in log_file.read_text(encoding="utf-8")


async def test_a_request_no_browser_sends_is_logged_not_said(tmp_path, logs) -> None:
    """Bad HTTP (a port scanner, https:// typed for http://) is the client's mistake: a 400, a
    line in the log, nothing on the instructor's terminal."""
    terminal, log_file = logs
    async with client_of(stub_server(tmp_path)) as client:
        for raw in (b"GARBAGE\r\n\r\n", b"GET / HTTP/1.1\r\nContent-Length: abc\r\n\r\n",
                    b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + bytes(64)):
            reader, writer = await asyncio.open_connection("127.0.0.1", client.port)
            writer.write(raw)
            answer = await asyncio.wait_for(reader.readline(), 10)
            writer.close()
            assert b" 400 " in answer, answer
    assert terminal.getvalue() == ""
    assert "Error handling request" in log_file.read_text(encoding="utf-8")


# --- origins ----------------------------------------------------------------------------

def _request(headers: dict[str, str]):
    return make_mocked_request("GET", "/ws", headers=headers)


@pytest.mark.parametrize(("headers", "allowed"), [
    ({"Host": "127.0.0.1:8000"}, True),  # no Origin: no browser
    ({"Host": "127.0.0.1:8000", "Origin": "http://127.0.0.1:8000"}, True),
    ({"Host": "localhost:9000", "Origin": "http://localhost:9000"}, True),  # an SSH tunnel
    ({"Host": "127.0.0.1:8000", "Origin": "http://evil.example"}, False),
    ({"Host": "127.0.0.1:8000", "Origin": "http://127.0.0.1:8001"}, False),
    ({"Host": "127.0.0.1:8000", "Origin": "null"}, False),
    ({"Host": "127.0.0.1:8000", "Origin": "file://"}, False),
    # a DNS-rebinding page: its own name, pointed at 127.0.0.1, reached directly
    ({"Host": "evil.example:8000", "Origin": "http://evil.example:8000"}, False),
    # the same name through a proxy (which says so) is a proxy's name
    ({"Host": "class.example.edu", "Origin": "https://class.example.edu",
      "X-Forwarded-Proto": "https"}, True),
    ({"Host": "127.0.0.1:8000", "X-Forwarded-Host": "class.example.edu",
      "Origin": "https://class.example.edu"}, True),
    ({"Host": "127.0.0.1:8000", "Origin": "https://class.example.edu"}, False),
    ({"Host": "evil.example", "Origin": "https://public.example.org"}, True),  # --public-url
])
def test_only_this_servers_pages_open_a_game(headers, allowed) -> None:
    check = OriginCheck(public=("public.example.org", 443), loopback=True)
    assert (check.refusal(_request(headers)) is None) == allowed


# --- a host beyond this machine ---------------------------------------------------------

class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def served(monkeypatch, tmp_path) -> list[ClassServer]:
    """The servers run_serve would have run (none is started), and a class for it."""
    calls: list[ClassServer] = []
    monkeypatch.setattr(ClassServer, "serve", lambda self: calls.append(self))
    root = logging.getLogger()
    before = list(root.handlers)
    assert main(["class", "new", str(tmp_path / "period3"), "--seed", "3"]) == 0
    yield calls
    for handler in root.handlers[:]:
        if handler not in before:
            root.removeHandler(handler)
            handler.close()


def serve(tmp_path: Path, *args: str) -> int:
    return main(["serve", "--class", str(tmp_path / "period3"), "--port", "8123", *args])


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.20", "::", "class.example.edu"])
def test_a_host_beyond_this_machine_needs_yes_without_a_terminal(
        host, tmp_path, served, monkeypatch, capsys) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("y\n"))  # not a terminal: nobody to ask
    assert serve(tmp_path, "--host", host) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--yes" in err and "no password" in err
    assert served == []
    assert serve(tmp_path, "--host", host, "--yes") == 0 and len(served) == 1


@pytest.mark.parametrize(("answer", "serves"), [("y\n", True), ("yes\n", True), ("n\n", False),
                                                ("\n", False), ("", False)])
def test_a_host_beyond_this_machine_is_asked_on_a_terminal(
        answer, serves, tmp_path, served, monkeypatch, capsys) -> None:
    monkeypatch.setattr(sys, "stdin", _Terminal(answer))
    assert serve(tmp_path, "--host", "0.0.0.0") == (0 if serves else 1)
    out, err = capsys.readouterr()
    assert "anyone who can reach this machine can play, with no password. Serve anyway? [y/N]" \
        in out
    assert len(served) == int(serves)
    if not serves:
        assert err.count("\n") == 1 and "not serving" in err


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1", "127.0.0.2"])
def test_this_machine_only_is_served_without_a_question(host, tmp_path, served, monkeypatch,
                                                        capsys) -> None:
    monkeypatch.setattr(sys, "stdin", _Terminal(""))
    assert serve(tmp_path, "--host", host, "--max-games", "7") == 0
    out = capsys.readouterr().out
    assert "Serve anyway" not in out and "At most 7 games at once" in out
    log = tmp_path / "period3" / ".class" / "serve.log"
    assert str(log) in out and served[0].limits.max_games == 7
    assert log.stat().st_mode & 0o077 == 0  # the instructor's only: it holds tracebacks


# --- the game itself, in a class ----------------------------------------------------------

async def test_a_class_game_shows_no_path_of_the_server(tmp_path, monkeypatch) -> None:
    """A class's game runs on the server and is played in a browser: its quit question, its
    notifications and its crash dialog name a save by its file, and a crash log not at all."""
    from textual.widgets import Static

    from game.packs import DEFAULT_SCENARIO, load_content
    from game.session.game import Game
    from game.ui.app import FrontierLab
    from game.ui.crash import CrashDialog, QuitDialog
    from game.ui.screens import GameScreen

    content = load_content()
    folder = tmp_path / "period 3"
    folder.mkdir()
    app = FrontierLab(content, folder, game=Game(content, DEFAULT_SCENARIO, 5, "Pilot Labs"),
                      class_dir=folder)
    assert app.shown(f"Could not save: {folder.absolute()}/a.toml (see /var/x/y.log)") == \
        "Could not save: a.toml (see y.log)"

    def shown() -> str:
        return " ".join(str(s.content) for s in app.screen.query(Static))

    def broken() -> None:
        raise OSError(f"cannot read {tmp_path}/secret/place.toml")

    checked: list[bool] = []
    with pytest.raises(OSError):
        async with app.run_test(size=(100, 30)) as pilot:
            while not isinstance(app.screen, GameScreen):
                await pilot.press("enter")
                await pilot.pause()
            app.save(app.screen.game, announce=True)
            await pilot.pause()
            notes = [str(n.message) for n in app._notifications]
            assert notes == ["Saved to pilot-labs.ipo-window.toml"]
            await pilot.press("ctrl+q")
            await pilot.pause()
            assert isinstance(app.screen, QuitDialog)
            assert "pilot-labs.ipo-window.toml" in shown() and str(tmp_path) not in shown()
            await pilot.press("escape")
            await pilot.pause()
            monkeypatch.setattr(app.screen, "action_why", broken)
            await pilot.press("w")
            await pilot.pause()
            assert isinstance(app.screen, CrashDialog)
            text = shown()
            assert "instructor" in text
            assert "place.toml" in text and "pilot-labs.ipo-window.toml" in text
            assert str(tmp_path) not in text and str(app.crash_log) not in text
            assert not re.search(r"/\w+/", text), text
            checked.append(True)
            await pilot.press("enter")  # the dialog answers: the game exits
            await pilot.pause()
    # (run_test re-raises the crash, which would hide a failed check above: hence `checked`)
    assert checked, "the checks in the app were not reached"
    assert app.return_code == 1 and app.crash_log is not None  # the log is still written
