"""What the server's limits cost and save (docs/CLASSROOM.md, "Hardening"):

    python benchmarks/serve_limits.py

- memory of one game process (RSS, and the part of it no other process shares, USS: private
  pages from /proc/PID/smaps_rollup), on the title screen and on the main screen of a new game,
  at 80×24 and at the cap, 400×150, and for a tab asking for 3000×3000 (clamped to the cap);
- the time a full server takes to turn an extra tab away (connect to close, `--max-games 1`),
  median and worst of 20.

It runs `frontier-lab serve` on a free port with a class in a temporary folder, and talks to it
over its websocket as the page does.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
from processes import cmdline, descendants, free_port, memory, stat


def game_process(server: int) -> int:
    """The game's Python process: a child of the server's warm game starter (a fork of it, so
    its command line is the starter's), or one started cold (``game play``; the shell
    textual-serve starts it with may exec it)."""
    for pid in descendants(server):
        with contextlib.suppress(OSError, IndexError):
            command = cmdline(pid)
            if b"game\x00play" in command or (
                    b"__warm-games__" in command
                    and b"__warm-games__" in cmdline(int(stat(pid)[1]))):
                return pid
    raise RuntimeError("no game process")


def memory_mb(pid: int) -> tuple[float, float]:
    """(RSS, USS) in MB."""
    used = memory(pid)
    return used["rss"], used["uss"]


async def screen_until(ws: aiohttp.ClientWebSocketResponse, text: bytes, seconds: float = 120,
                       keys: str = "") -> None:
    seen, deadline = b"", time.monotonic() + seconds
    while text not in seen:
        if keys:
            await ws.send_json(["stdin", keys])  # again until the game is ready for it
        try:
            message = await ws.receive(timeout=2 if keys else seconds)
        except TimeoutError:
            if time.monotonic() > deadline:
                raise
            continue
        if message.type is not aiohttp.WSMsgType.BINARY:
            raise RuntimeError(f"the game ended: {message}")
        seen = seen[-4096:] + message.data


async def one_game(port: int, server: int, width: int, height: int) -> dict[str, float]:
    origin = {"Origin": f"http://127.0.0.1:{port}"}
    async with aiohttp.ClientSession() as session:
        ws = await session.ws_connect(
            f"http://127.0.0.1:{port}/ws?width={width}&height={height}", headers=origin)
        await screen_until(ws, b"New game")
        await asyncio.sleep(2)  # the packs load behind the title screen
        title = memory_mb(game_process(server))
        await screen_until(ws, b"Seed", keys="n")
        await ws.send_json(["stdin", "\r"])
        await screen_until(ws, b"Cash")
        await asyncio.sleep(2)
        main = memory_mb(game_process(server))
        await ws.close()
    return {"title_rss": title[0], "title_uss": title[1], "main_rss": main[0],
            "main_uss": main[1]}


async def refusals(port: int, times: int = 20) -> list[float]:
    origin = {"Origin": f"http://127.0.0.1:{port}"}
    took = []
    async with aiohttp.ClientSession() as session:
        first = await session.ws_connect(f"http://127.0.0.1:{port}/ws", headers=origin)
        await screen_until(first, b"New game")
        for _ in range(times):
            began = time.perf_counter()
            extra = await session.ws_connect(f"http://127.0.0.1:{port}/ws", headers=origin)
            message = await extra.receive(timeout=30)
            took.append(time.perf_counter() - began)
            assert message.type is aiohttp.WSMsgType.CLOSE and message.data == 1013, message
        await first.close()
    return took


@contextlib.contextmanager
def serving(folder: Path, *extra: str):
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "game", "serve", "--class", str(folder),
                             "--port", str(port), *extra], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
                break
            if time.monotonic() > deadline:
                raise RuntimeError("the server did not start")
            time.sleep(0.1)
        yield port, proc.pid
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "period3"
        subprocess.run([sys.executable, "-m", "game", "class", "new", str(folder), "--seed",
                        "7"], check=True, capture_output=True)
        with serving(folder) as (port, pid):
            for width, height in ((80, 24), (400, 150), (3000, 3000)):
                got = asyncio.run(one_game(port, pid, width, height))
                print(f"game at {width}x{height}: title {got['title_rss']:.0f} MB RSS "
                      f"({got['title_uss']:.0f} MB its own), main screen "
                      f"{got['main_rss']:.0f} MB RSS ({got['main_uss']:.0f} MB its own)",
                      flush=True)
                for saved in folder.glob("*.toml*"):
                    saved.unlink()  # the next game takes the same lab name
        with serving(folder, "--max-games", "1") as (port, _):
            took = asyncio.run(refusals(port))
            print(f"an extra tab turned away in {statistics.median(took) * 1000:.1f} ms "
                  f"(median of {len(took)}; worst {max(took) * 1000:.1f} ms)")


if __name__ == "__main__":
    main()
