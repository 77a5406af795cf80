"""A class on one server (docs/CLASSROOM.md, "Capacity"): N students join at once and play.

    python benchmarks/serve_load.py                  # 1, 30 and 60 students
    python benchmarks/serve_load.py --students 60 --play 150 --typing human
    python benchmarks/serve_load.py --students 30 --play 60 --pace stress --json

It makes a class (`class new`) with a roster of N students (`class roster --add`), runs
`frontier-lab serve --class DIR` on a free port, and opens N websockets at once as the page does
(/ws?width=100&height=30, the page's Origin; ["stdin", text] envelopes; the game's frames come
back as binary messages). Each simulated student, as soon as the title is drawn, types their join
code and enter, a lab name and enter, and plays:
- at a class's pace (--pace class, the default; ``a_quarter``): two or three of the plan's tabs,
  a number changed in most (tab to the field, a digit deleted, one or two typed, escape), the
  preview read and the quarter ended, each event read and answered: some 13 keys and a minute a
  quarter, about three times as fast as students play (150-190 s a quarter in a first game);
- or at the stress pace (--pace stress): only expensive keys, a key every 0.6-1.4 s after the
  screen settles (answering each event, switching the plan's tabs 2 … 6, 1, opening the preview
  and ending the quarter): a quarter every 20 s or so.

Measured:
- title: tab opened → the title screen drawn (the game forked, or started cold);
- join: the first key (the join code) → the game's main screen drawn (the dashboard, or its first
  event dialog over it); start: the key that starts the game (enter on the lab name) → the same.
  The code and name are typed at once (--typing machine), or as a person types them (--typing
  human: the title read for 2-4 s and the form for 1-2 s, then some 5 keys a second), when a
  class's game screen is built behind the title while they type (game.ui.app, the spare);
- key-to-frame: a key sent → the first frame that answers it (that draws: a frame that only sets
  the pointer's shape does not count), p50/p90/p99 over every key played (and by kind: tab,
  field, digit, leave, preview, end of quarter, event answer). Escape is answered after Textual's
  0.1 s wait to tell the key from the start of an escape sequence;
- memory: each game process's USS (pages no other process has) and PSS (its own, plus its share
  of the pages it shares: the sum over processes is the machine's total), from
  /proc/PID/smaps_rollup, while every game is on its dashboard; the server's and the game
  starter's beside them;
- CPU: the host's busy share over the run (100% = every core), the server's own, and the games'
  CPU per key played and per student per second (over the first half of the play: what a key
  and a student cost, all told).
The host's load average (`uptime`) is printed with each run: the machine may be shared.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from processes import children, cmdline, cpu_seconds, free_port, memory

TITLE, FORM = b"join code", b"Lab name"
EVENT, DASHBOARD = b"enter answer", b"End quarter"  # an event dialog's hint; the footer's
TABS = "234561"
WIDTH, HEIGHT = 100, 30
SETTINGS = re.compile(rb"\x1b\][^\x07]*\x07")  # OSC sequences: a pointer's shape, a title
QUIET = 0.35  # seconds without a frame: the screen has settled (a tab's underline slides 0.3 s)


def processes(server: int) -> tuple[int | None, list[int]]:
    """(the game starter, the games): the starter's children, and any game started cold."""
    starter, games = None, []
    for pid in children(server):
        if b"__warm-games__" in cmdline(pid):
            starter = pid
            games += children(pid)
        else:  # a cold game (textual-serve's shell may exec it)
            games += [p for p in [pid, *children(pid)] if b"game\x00play" in cmdline(p)]
    return starter, games


def host_busy() -> tuple[float, float]:
    """(busy, total) jiffies of every core since boot."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


def load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


@dataclass
class Student:
    code: str
    name: str
    title: float | None = None
    join: float | None = None
    start: float | None = None
    keys: list[tuple[str, float, float]] = field(default_factory=list)  # (kind, seconds, when)
    missed: list[str] = field(default_factory=list)  # the kinds of keys no frame answered
    error: str | None = None


class Screen:
    """A tab's websocket: the game's frames, and what the last of them said."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws, self.tail = ws, b""
        self.since = b""  # what was drawn since the last key

    async def frame(self, timeout: float) -> bytes | None:
        try:
            message = await self.ws.receive(timeout=timeout)
        except TimeoutError:
            return None
        if message.type is not aiohttp.WSMsgType.BINARY:
            raise RuntimeError(f"the game ended: {message.type.name} {message.extra}")
        self.tail = (self.tail + message.data)[-8192:]
        self.since += message.data
        return message.data

    async def until(self, *texts: bytes, seconds: float = 120) -> None:
        deadline = time.monotonic() + seconds
        while not any(t in self.tail for t in texts):
            left = deadline - time.monotonic()
            if left <= 0 or await self.frame(left) is None:
                raise TimeoutError(f"never saw {texts}")

    async def settle(self, seconds: float = 10) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and await self.frame(QUIET) is not None:
            pass

    async def key(self, text: str, seconds: float = 10) -> float | None:
        """Send a key; seconds to the first frame after it that draws (None: none within
        ``seconds``). A frame of terminal settings alone (the pointer's shape) draws nothing."""
        sent, self.since = time.perf_counter(), b""
        await self.ws.send_json(["stdin", text])
        while True:
            left = sent + seconds - time.perf_counter()
            drawn = await self.frame(left) if left > 0 else None
            if drawn is None:
                return None
            if SETTINGS.sub(b"", drawn):
                return time.perf_counter() - sent


Step = tuple[float, str, str]  # (seconds spent reading before, kind of key, the key)


def a_stressed_quarter(rng: random.Random) -> list[Step]:
    """The stress pace: every key an expensive one (the plan's tabs 2 … 6 and 1, the preview, the
    end of the quarter; each event answered), a key every 0.6-1.4 s after the screen settles: a
    quarter every 20 s or so, some eight times a class's pace."""
    keys = [("tab", tab) for tab in TABS] + [("preview", "e"), ("end", "e")]
    return [(rng.uniform(0.6, 1.4), kind, text) for kind, text in keys]


def a_quarter(rng: random.Random) -> list[Step]:
    """The class pace: a quarter as a student plays it quickly: two or three of the plan's tabs,
    in most a number changed (tab to the tab's first field, delete a digit, type one or two,
    escape), then the preview, read, and the end of the quarter; each event read for 2-5 s and
    answered. Some 13 keys and 50-60 s a quarter, about three times a class's pace (first games
    play a quarter in 150-190 s: docs/CLASSROOM.md, "A 45-minute lesson"). The training tab's
    first field (a new run) is left alone: a run in progress refuses it."""
    steps: list[Step] = []
    for tab in rng.sample("23456", rng.randint(2, 3)):
        steps.append((rng.uniform(3, 8), "tab", tab))
        if tab != "4" and rng.random() < 0.7:
            steps.append((rng.uniform(2, 4), "field", "\t\t\t"))  # one message: one press
            steps.append((rng.uniform(0.3, 0.8), "digit", "\x7f"))
            steps += [(rng.uniform(0.12, 0.3), "digit", d)
                      for d in str(rng.randint(1, 40))]
            steps.append((rng.uniform(1, 2), "leave", "\x1b"))
    return [*steps, (rng.uniform(3, 6), "preview", "e"), (rng.uniform(5, 10), "end", "e")]


# a pace: its quarter's keys, the seconds an event dialog is read, whether the screen settles
# before each key (the stress pace's) or only after it
PACES = {"class": (a_quarter, (2.0, 5.0), False), "stress": (a_stressed_quarter, (0.6, 1.4), True)}


async def play_quarters(screen: Screen, who: Student, rng: random.Random, ends: float, dialog: bool,
               pace: str) -> None:
    """Quarter after quarter at ``pace`` until ``ends``, each event dialog answered (enter)."""
    quarter, reading_an_event, settle_first = PACES[pace]
    steps: list[Step] = []
    shown = "1"  # the plan's tab on screen (its own number again changes nothing)
    while time.monotonic() < ends:
        if dialog:
            reading, kind, text = rng.uniform(*reading_an_event), "answer", "\r"
        else:
            steps = steps or quarter(rng)
            reading, kind, text = steps.pop(0)
            if kind == "tab" and text == shown:
                continue
            shown = text if kind == "tab" else shown
        await asyncio.sleep(reading)
        if settle_first:
            await screen.settle()
        # enter with no dialog up draws nothing: wait 5 s for it, not 10
        took = await screen.key(text, 5 if kind == "answer" else 10)
        if took is None:
            if kind != "answer":
                who.missed.append(kind)
            dialog = kind != "answer"  # a key unanswered: something covers the plan
            continue
        who.keys.append((kind, took, time.monotonic()))
        await screen.settle()
        if kind == "end":
            dialog = True  # the quarter's events, if any: enter until the plan is back
        elif kind == "answer":
            dialog = DASHBOARD not in screen.since


async def student(port: int, who: Student, play: float, go: asyncio.Event,
                  human: bool = False, pace: str = "class") -> None:
    origin = {"Origin": f"http://127.0.0.1:{port}"}
    rng = random.Random(who.code)

    async def type_in(ws: aiohttp.ClientWebSocketResponse, text: str, reading: float) -> None:
        """At machine speed, the text at once; at a person's, after reading the screen for up
        to ``reading`` seconds, a key every 0.12-0.3 s (some 5 keys a second)."""
        if not human:
            await ws.send_json(["stdin", text])
            return
        await asyncio.sleep(rng.uniform(reading / 2, reading))
        for key in text:
            await ws.send_json(["stdin", key])
            await asyncio.sleep(rng.uniform(0.12, 0.3))

    try:
        async with aiohttp.ClientSession() as session:
            await go.wait()
            opened = time.perf_counter()
            ws = await session.ws_connect(
                f"http://127.0.0.1:{port}/ws?width={WIDTH}&height={HEIGHT}", headers=origin,
                max_msg_size=0)
            screen = Screen(ws)
            await screen.until(TITLE)
            who.title = time.perf_counter() - opened
            first = time.perf_counter()
            await type_in(ws, who.code, 4.0)  # the title read, the code found and typed
            await ws.send_json(["stdin", "\r"])
            await screen.until(FORM)
            await screen.settle()
            await ws.send_json(["stdin", "\x7f" * 20])  # (the form's name is replaced)
            await type_in(ws, who.name[:30], 2.0)  # the lab's name
            await screen.settle()
            started = time.perf_counter()
            await ws.send_json(["stdin", "\r"])
            await screen.until(EVENT, DASHBOARD)
            now = time.perf_counter()
            who.join, who.start = now - first, now - started
            # a dialog (an event to answer, a notice to close) or the plan
            dialog = screen.tail.rfind(EVENT) > screen.tail.rfind(DASHBOARD)
            await screen.settle()
            await play_quarters(screen, who, rng, time.monotonic() + play, dialog, pace)
            await ws.close()
    except Exception as exc:  # one student's failure is a figure, not the end of the run
        who.error = f"{type(exc).__name__}: {exc}"


def quantiles(values: list[float]) -> dict[str, float | None]:
    if not values:
        return {"p50": None, "p90": None, "p99": None, "max": None}
    ordered = sorted(values)

    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    return {"p50": at(0.5), "p90": at(0.9), "p99": at(0.99), "max": ordered[-1]}


async def run_class(port: int, server: int, students: list[Student], play: float,
                    human: bool = False, pace: str = "class") -> dict[str, Any]:
    go = asyncio.Event()
    tasks = [asyncio.create_task(student(port, s, play, go, human, pace)) for s in students]
    busy0, total0 = host_busy()
    server_cpu0 = cpu_seconds(server)
    began = time.monotonic()
    go.set()  # every tab opens at once
    # memory while every game is on its dashboard (or has failed): half-way through the play
    while any(s.join is None and s.error is None for s in students) and \
            time.monotonic() - began < 300:
        await asyncio.sleep(0.2)
    joined = time.monotonic()
    starter, games = processes(server)
    cpu0 = sum(cpu_seconds(pid) for pid in games)
    await asyncio.sleep(play / 2)
    cpu1 = sum(cpu_seconds(pid) for pid in games)
    pressed = sum(1 for s in students for *_, at in s.keys if joined <= at <= time.monotonic())
    starter, games = processes(server)
    forked = starter is not None and bool(games) and set(games) <= set(children(starter))
    mem = []
    for pid in games:
        with contextlib.suppress(OSError, KeyError):
            mem.append(memory(pid))
    starter_mem = memory(starter) if starter else None
    server_mem = memory(server)
    await asyncio.gather(*tasks)
    busy1, total1 = host_busy()
    wall = time.monotonic() - began
    keys = [t for s in students for _, t, _ in s.keys]
    kinds = sorted({k for s in students for k, _, _ in s.keys})
    return {
        "students": len(students),
        "typing": "human" if human else "machine",
        "pace": pace,
        "load_before": None,
        "title_s": quantiles([s.title for s in students if s.title is not None]),
        "join_s": quantiles([s.join for s in students if s.join is not None]),
        "start_s": quantiles([s.start for s in students if s.start is not None]),
        "key_to_frame_s": {**quantiles(keys), "keys": len(keys),
                           "missed": sum(len(s.missed) for s in students),
                           "missed_kinds": sorted(k for s in students for k in s.missed)},
        "key_to_frame_by_kind_s": {k: quantiles([t for s in students for kk, t, _ in s.keys
                                                 if kk == k]) for k in kinds},
        "game_cpu_ms_per_key": (cpu1 - cpu0) / pressed * 1000 if pressed else None,
        "game_cpu_ms_per_student_s": (cpu1 - cpu0) / (play / 2) / len(students) * 1000,
        "keys_per_student_s": pressed / (play / 2) / len(students),
        "game_mb": {"games": len(mem),
                    "uss_median": statistics.median(m["uss"] for m in mem) if mem else None,
                    "uss_max": max(m["uss"] for m in mem) if mem else None,
                    "uss_all": sorted(round(m["uss"], 1) for m in mem),
                    "pss_median": statistics.median(m["pss"] for m in mem) if mem else None,
                    "rss_median": statistics.median(m["rss"] for m in mem) if mem else None,
                    "pss_total": sum(m["pss"] for m in mem)},
        "starter_mb": starter_mem,
        "server_mb": server_mem,
        "host_cpu_busy": (busy1 - busy0) / max(1, total1 - total0),
        "server_cpu_s_per_s": (cpu_seconds(server) - server_cpu0) / wall,
        "errors": [s.error for s in students if s.error],
        "forked": forked,
    }


def make_class(folder: Path, n: int) -> list[Student]:
    run = [sys.executable, "-m", "game"]
    subprocess.run([*run, "class", "new", str(folder), "--seed", "7"], check=True,
                   capture_output=True)
    names = [f"Student {i:02d}" for i in range(1, n + 1)]
    added = subprocess.run([*run, "class", "roster", str(folder), "--format", "json",
                            *[a for name in names for a in ("--add", name)]],
                           check=True, capture_output=True, text=True)
    listed = json.loads(added.stdout)["students"]
    return [Student(s["code"], f"{s['name']} Lab") for s in listed]


@contextlib.contextmanager
def serving(folder: Path, max_games: int):
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "game", "serve", "--class", str(folder),
                             "--port", str(port), "--max-games", str(max_games)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
                break
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError("the server did not start")
            time.sleep(0.1)
        yield port, proc.pid
    finally:
        proc.send_signal(signal.SIGINT)  # Ctrl+C: the server stops its games and starter
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def measure(n: int, play: float, human: bool = False, pace: str = "class") -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "period3"
        students = make_class(folder, n)
        with serving(folder, n + 5) as (port, pid):
            before = load()
            result = asyncio.run(run_class(port, pid, students, play, human, pace))
            result["load_before"] = before
            result["load_after"] = load()
    return result


def _ms(value: float | None) -> str:
    return "—" if value is None else f"{value * 1000:.0f}"


def table(results: list[dict[str, Any]]) -> str:
    lines = [f"{'students':>8} {'title p90':>9} {'join p50':>8} {'join p90':>8} "
             f"{'start p90':>9} {'key p50':>7} {'key p90':>7} {'key p99':>7} {'keys':>5} "
             f"{'USS/game':>8} {'PSS/game':>8} {'starter':>7} {'server':>6} {'host CPU':>8} "
             f"{'CPU/key':>7} {'CPU/s':>6}  "
             f"load (1, 5, 15 min) before",
             f"{'':>8} {'ms':>9} {'ms':>8} {'ms':>8} {'ms':>9} {'ms':>7} {'ms':>7} {'ms':>7} "
             f"{'':>5} {'MB':>8} {'MB':>8} {'MB PSS':>7} {'MB':>6} {'busy':>8} {'ms':>7} {'ms':>6}"]
    for r in results:
        game = r["game_mb"]
        keys = r["key_to_frame_s"]
        lines.append(
            f"{r['students']:>8} {_ms(r['title_s']['p90']):>9} {_ms(r['join_s']['p50']):>8} "
            f"{_ms(r['join_s']['p90']):>8} {_ms(r['start_s']['p90']):>9} "
            f"{_ms(keys['p50']):>7} {_ms(keys['p90']):>7} {_ms(keys['p99']):>7} "
            f"{keys['keys']:>5} {game['uss_median'] or 0:>8.1f} {game['pss_median'] or 0:>8.1f} "
            f"{(r['starter_mb'] or {}).get('pss', 0):>7.0f} {r['server_mb']['pss']:>6.0f} "
            f"{r['host_cpu_busy']:>8.0%} {_ms((r['game_cpu_ms_per_key'] or 0) / 1000):>7} "
            f"{r['game_cpu_ms_per_student_s']:>6.0f}  "
            f"{r['load_before']}")
        if r["errors"] or keys["missed"] or not r["forked"]:
            lines.append(f"{'':>8} errors: {len(r['errors'])} {r['errors'][:2]}; keys "
                         f"unanswered: {keys['missed']}; games forked: {r['forked']}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--students", type=int, action="append",
                        help="students in a run; repeatable (default: 1, 30 and 60)")
    parser.add_argument("--play", type=float, default=60.0,
                        help="seconds each student plays after joining (default: 60)")
    parser.add_argument("--typing", choices=("machine", "human"), default="machine",
                        help="the join code and lab name typed at once (machine, the default) "
                             "or as a person types them, after reading the screen (human)")
    parser.add_argument("--pace", choices=("class", "stress"), default="class",
                        help="a quarter a minute, keys of every kind (class, the default), or a "
                             "tab, preview or end of quarter every second or so (stress)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    results: list[dict[str, Any]] = []
    for n in args.students or [1, 30, 60]:
        results.append(measure(n, args.play, args.typing == "human", args.pace))
        if not args.json:  # a row as each run ends (the header with the first)
            print("\n".join(table(results[-1:]).splitlines()[0 if len(results) == 1 else 2:]),
                  flush=True)
    if args.json:
        print(json.dumps({"cores": os.cpu_count(), "results": results}, indent=1))


if __name__ == "__main__":
    main()
