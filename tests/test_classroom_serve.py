"""``frontier-lab serve``: the class's game in browser tabs, checked with a real browser where
Debian's chromium and the playwright package are installed (skipped, saying why, elsewhere)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest

from benchmarks.processes import free_port
from game.cli import main
from game.commands.serve import command_for
from game.commands.serve_web import FAILED
from game.session.saves.reader import read_save

CHROMIUM = Path("/usr/bin/chromium")


@contextlib.contextmanager
def serving(class_dir: Path, *extra: str) -> Iterator[tuple[int, subprocess.Popen[str]]]:
    """A ``frontier-lab serve`` in its own process group (so its games end with it)."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "game", "serve", "--class", str(class_dir), "--port", str(port),
         *extra],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
                break
            if proc.poll() is not None or time.monotonic() > deadline:
                out = proc.stdout.read() if proc.stdout else ""
                pytest.fail(f"serve did not start: {out}")
            time.sleep(0.1)
        yield port, proc
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)


@pytest.fixture
def class_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "period 3"  # a space: the command each tab runs must quote it
    assert main(["class", "new", str(folder), "--seed", "7"]) == 0
    return folder


def test_each_tab_runs_play_in_the_class_folder_quoted():
    cmd = command_for(Path("/tmp/my class"), "ipo-window", 5)
    args = shlex.split(cmd)
    assert args[:4] == [sys.executable, "-m", "game", "play"]
    assert args[4:] == ["--class", "/tmp/my class", "--scenario", "ipo-window", "--seed", "5"]
    assert shlex.split(command_for(Path("/tmp/c"), None, None))[4:] == ["--class", "/tmp/c"]


def test_serve_errors_are_one_line(tmp_path, capsys, class_dir):
    assert main(["serve", "--class", str(tmp_path / "nowhere")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no such class folder" in err
    assert main(["serve", "--class", str(class_dir), "--scenario", "ipo-windo"]) == 1
    assert "did you mean 'ipo-window'" in capsys.readouterr().err
    for bad in (["--port", "0"], ["--port", "http"], ["--seed", "-1"]):
        with pytest.raises(SystemExit) as exc:
            main(["serve", *bad])
        assert exc.value.code == 2


def test_serve_binds_localhost_says_it_has_no_authentication_and_follows_the_host(class_dir):
    with serving(class_dir) as (port, proc):
        request = urllib.request.Request(f"http://127.0.0.1:{port}/",
                                         headers={"Host": f"tunnel.example:{port + 1}"})
        page = urllib.request.urlopen(request, timeout=10).read().decode()
        # the page connects back where the browser came from (an SSH tunnel's port, a proxy)
        assert f'data-session-websocket-url="ws://tunnel.example:{port + 1}/ws"' in page
        assert "Frontier Lab" in page
        listening = [c for c in _listeners(port)]
        assert listening and all(addr == "127.0.0.1" for addr in listening)
    out = proc.stdout.read() if proc.stdout else ""
    assert "NO AUTHENTICATION" in out
    assert "127.0.0.1" in out and "ssh -N -L" in out and "reverse proxy" in out


def _listeners(port: int) -> list[str]:
    """Local addresses listening on ``port`` (from /proc, so no tool is needed)."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError), open(table, encoding="ascii") as f:
            for line in list(f)[1:]:
                local, state = line.split()[1], line.split()[3]
                addr, hexport = local.split(":")
                if state == "0A" and int(hexport, 16) == port:  # 0A: LISTEN
                    found.append(_addr(addr))
    return found


def _addr(hexaddr: str) -> str:
    if len(hexaddr) == 8:
        return socket.inet_ntop(socket.AF_INET, bytes.fromhex(hexaddr)[::-1])
    return "ipv6:" + hexaddr


def test_a_browser_plays_a_quarter_and_the_save_lands_in_the_class_folder(class_dir):
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (apt-get install -y chromium); "
                    "the browser test needs it")
    sync_api = pytest.importorskip("playwright.sync_api",
                                   reason="the playwright Python package is not installed "
                                          "(pip install -e '.[test]')")
    with serving(class_dir) as (port, _), sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            # only this server: the page must not need the internet (its font is served here)
            outside: list[str] = []
            page.route("**/*", lambda r: r.continue_()
                       if r.request.url.startswith(f"http://127.0.0.1:{port}/")
                       else (outside.append(r.request.url), r.abort()))
            screen = bytearray()
            page.on("websocket", lambda ws: ws.on(
                "framereceived",
                lambda data: screen.extend(data if isinstance(data, bytes) else data.encode())))
            page.goto(f"http://127.0.0.1:{port}/?delay=1")
            page.wait_for_selector("#start", state="visible")  # the splash
            assert "Frontier Lab" in page.inner_text(".intro")
            page.click("#start")
            # Generous: a tab starts a whole game process, and a machine busy with other work
            # (two cores running fuzzers) kept it from drawing the title for over 30 s.
            page.wait_for_selector("body.-first-byte", timeout=120_000)
            _wait_for(lambda: b"New game" in screen, 120, "the title screen", page=page)
            assert outside == [], "the page asked for something outside this server"
            assert page.evaluate("[...document.fonts].some(f => f.family.includes('Roboto Mono')"
                                 " && f.status === 'loaded')"), "the font did not load"
            # no click on the terminal: keys reach the game from the first one
            deadline = time.monotonic() + 30
            while b"Seed" not in screen:  # n: a new game (the class fixes scenario and seed)
                assert time.monotonic() < deadline, "the browser never showed the new-game form"
                page.keyboard.press("n")  # again if the game was still starting
                _wait_for(lambda: b"Seed" in screen, 3, "the new-game form", fail=False,
                          page=page)
            page.keyboard.press("Enter")
            save = _wait_for(lambda: next(iter(class_dir.glob("*.toml")), None), 20,
                             "the new game's first save")
            assert read_save(save).seed == 7
            deadline = time.monotonic() + 60
            while read_save(save).quarters < 1:  # close any event, preview, end quarter
                assert time.monotonic() < deadline, "the quarter did not end"
                for key in ("Enter", "e", "e"):
                    page.keyboard.press(key)
                    page.wait_for_timeout(700)
        finally:
            browser.close()
    played = read_save(save)
    assert played.quarters >= 1 and played.scenario == "ipo-window" and played.seed == 7
    assert main(["replay", str(save)]) == 0


def _wait_for(check, seconds: float, what: str, fail: bool = True, page=None):
    """Wait for ``check()``; with a playwright ``page``, wait inside playwright (its sync API
    takes the websocket's frames only while one of its own calls runs)."""
    deadline = time.monotonic() + seconds
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            if fail:
                pytest.fail(f"the browser never showed {what}")
            return None
        if page is not None:
            page.wait_for_timeout(200)
        else:
            time.sleep(0.2)


def test_a_port_in_use_is_a_one_line_error(class_dir):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-m", "game", "serve", "--class", str(class_dir), "--port",
             str(port)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1 and "--port" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout


def _children(pid: int) -> list[int]:
    """The processes ``pid`` started (from /proc)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with contextlib.suppress(OSError, IndexError):
                stat = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
                if int(stat[1]) == pid:
                    found.append(int(entry))
    return found


def _games(pid: int) -> list[int]:
    """The games a server runs: its warm starter's children, and any it started cold."""
    found = []
    for child in _children(pid):
        cmdline = Path(f"/proc/{child}/cmdline").read_bytes()
        found += _children(child) if b"__warm-games__" in cmdline else [child]
    return found


def test_a_page_of_another_site_starts_no_game(class_dir):
    """A page on evil.example opening this server's websocket (the student's browser would
    carry it there) is refused before anything starts; the server's own page starts a game."""
    async def connect(port: int, origin: str) -> int:
        async with aiohttp.ClientSession() as session:
            try:
                ws = await session.ws_connect(f"http://127.0.0.1:{port}/ws",
                                              headers={"Origin": origin})
            except aiohttp.WSServerHandshakeError as exc:
                return exc.status
            await ws.close()
            return 101

    with serving(class_dir) as (port, proc):
        for origin in ("http://evil.example", f"http://evil.example:{port}", "null"):
            assert asyncio.run(connect(port, origin)) == 403
        time.sleep(0.5)  # (a game, had one started, would be a child by now)
        assert _games(proc.pid) == [], "a refused connection started a game"

        async def own_page() -> None:
            async with aiohttp.ClientSession() as session:
                ws = await session.ws_connect(f"http://127.0.0.1:{port}/ws",
                                              headers={"Origin": f"http://127.0.0.1:{port}"})
                _wait_for(lambda: _games(proc.pid), 30, "a game for the server's own page")
                await ws.close()
        asyncio.run(own_page())
    out = proc.stdout.read() if proc.stdout else ""
    assert "refused a game to a page of another site (http://evil.example)" in out
    assert out.count("refused") == 1  # once a minute on the terminal; all in the log
    log = (class_dir / ".class" / "serve.log").read_text(encoding="utf-8")
    assert log.count("refused a game") == 3


def test_the_page_needs_nothing_from_the_internet_and_no_folder_is_listed(class_dir):
    def get(port: int, path: str) -> tuple[int, str]:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as r:
                return r.status, r.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode("utf-8", "replace")

    with serving(class_dir) as (port, proc):
        status, page = get(port, "/")
        assert status == 200
        urls = re.findall(r"(?:https?|wss?):/+[^\s\"')]+|//[\w.-]+", page)
        own = (f"http://127.0.0.1:{port}/", f"ws://127.0.0.1:{port}/")
        assert urls and [u for u in urls if not u.startswith(own)] == []
        font = re.search(r'url\("(http://[^"]+\.ttf)"\)', page)
        assert font and get(port, font.group(1).split(str(port), 1)[1])[0] == 200
        for folder in ("/static", "/static/", "/static/js/", "/static/fonts/"):
            status, body = get(port, folder)
            assert status in (403, 404) and "textual.js" not in body and ".ttf" not in body
        for unknown in ("/nope", "/static/nope.js", "/static/../../server.py",
                        "/static/%2e%2e/%2e%2e/server.py", "/download/nope"):
            status, body = get(port, unknown)
            assert status == 404 and body.strip() in ("", "404: Not Found"), (unknown, body)
        assert get(port, "/ws")[0] == 400  # no websocket: a plain answer, no traceback
    out = proc.stdout.read() if proc.stdout else ""
    assert "Traceback" not in out


def test_a_game_that_cannot_start_tells_the_student_a_sentence_without_paths(tmp_path):
    """The class's settings broken after the server started (its packs are loaded once, when it
    starts; its settings are read by each game): the student's tab says the game could not
    start, in a sentence without paths; the instructor gets a line, the log the rest."""
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (apt-get install -y chromium)")
    sync_api = pytest.importorskip("playwright.sync_api",
                                   reason="the playwright Python package is not installed")
    pack = tmp_path / "our_pack"
    assert main(["packs", "new", "our_pack", "--dir", str(tmp_path)]) == 0
    folder = tmp_path / "period3"
    assert main(["class", "new", str(folder), "--seed", "7", "--pack", str(pack)]) == 0
    with serving(folder) as (port, proc), sync_api.sync_playwright() as p:
        with (folder / ".class" / "class.toml").open("a", encoding="utf-8") as f:
            f.write("\nbroken = [\n")
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            page = browser.new_page()
            page.goto(f"http://127.0.0.1:{port}/")
            page.wait_for_selector("body.-closed", timeout=60_000)
            shown = page.inner_text("body.-closed .closed-dialog .message")
        finally:
            browser.close()
    assert shown == FAILED
    out = proc.stdout.read() if proc.stdout else ""
    said = [line for line in out.splitlines() if "could not start" in line]
    assert len(said) == 1 and "Traceback" not in out and "serve.log" in said[0]
    log = (folder / ".class" / "serve.log").read_text(encoding="utf-8")
    assert "class.toml" in log
