"""``frontier-lab serve``: the class's game in browser tabs, checked with a real browser where
Debian's chromium and the playwright package are installed (skipped, saying why, elsewhere)."""

from __future__ import annotations

import contextlib
import os
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from game.cli import main
from game.commands.serve import command_for
from game.session.saves.reader import read_save

CHROMIUM = Path("/usr/bin/chromium")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serving(class_dir: Path, *extra: str) -> Iterator[tuple[int, subprocess.Popen[str]]]:
    """A ``frontier-lab serve`` in its own process group (so its games end with it)."""
    port = _free_port()
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
            # only this server: the page must not need the internet (it asks for a web font)
            page.route("**/*", lambda r: r.continue_()
                       if r.request.url.startswith(f"http://127.0.0.1:{port}/") else r.abort())
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
            _wait_for(lambda: b"New game" in screen, 120, "the title screen")
            page.focus(".xterm-helper-textarea")
            deadline = time.monotonic() + 30
            while b"Seed" not in screen:  # n: a new game (the class fixes scenario and seed)
                assert time.monotonic() < deadline, "the browser never showed the new-game form"
                page.keyboard.press("n")  # again if the game was still starting
                _wait_for(lambda: b"Seed" in screen, 3, "the new-game form", fail=False)
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


def _wait_for(check, seconds: float, what: str, fail: bool = True):
    deadline = time.monotonic() + seconds
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            if fail:
                pytest.fail(f"the browser never showed {what}")
            return None
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
