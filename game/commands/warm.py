"""Games started warm: ``frontier-lab serve``'s game starter (a "zygote").

A cold game (``python -m game play --class DIR``) imports Textual, numpy and pydantic and loads
the class's packs before its first frame: about a second of a core and 60 MB of its own, and a
class joining at once queues those seconds on the host's few cores. The starter does that once:
``serve`` starts it before it listens (``Warm.start``); it imports what a game needs, loads the
class's packs (kept for its games: ``game.packs.sources.keep_loaded``), freezes what it made
(``gc.freeze``: its games share those pages and never copy them to collect garbage), and waits.
For each browser tab the server sends it three pipe ends (the game's stdin, stdout and stderr,
``socket.send_fds``) and the tab's terminal size; the starter forks, and the child becomes
exactly ``frontier-lab play --class DIR …`` with those as its standard streams: it reads the
class's settings, roster and live events then, as a cold game does.

The starter is the games' parent: it reaps them and tells the server each one's exit code. The
server watches each game through a pidfd (``ForkedGame``), so a game outlives a starter that
crashed or was killed; the server then says so in one line, starts games cold meanwhile, and
starts the starter again (at most once a minute). The starter lives in its own session (Ctrl+C
at the instructor's terminal reaches the server only, which stops every game, then the starter:
the starter ends its games still running when the server's end of its socket closes).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import logging
import os
import selectors
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Sequence
from typing import Any

log = logging.getLogger("frontier-lab.serve")

COMMAND = "__warm-games__"  # game.cli runs the starter for this first argument (never typed)
COLD_VARIABLE = "FRONTIER_LAB_COLD_GAMES"  # 1: serve starts every game cold (to compare)
FD_VARIABLE = "FRONTIER_LAB_WARM_FD"  # the starter's end of its socket
READY_WAIT = 120.0  # seconds the starter has to load (a busy host; it takes ~1 s)
QUIT_WAIT = 5.0  # seconds the starter's games have to end once the server is gone
RESTART_EVERY = 60.0  # seconds between two starts of a starter that stopped
MESSAGE = 64 * 1024


# --- the server's side ------------------------------------------------------------------

class ForkedGame:
    """A game forked by the starter, as ``GameService`` sees a subprocess: its streams,
    ``returncode``, ``wait()`` and ``kill()``. Its end is seen through a pidfd, its exit code is
    the starter's report (None when the starter was gone by then)."""

    def __init__(self, pid: int, pidfd: int | None, stdin: asyncio.StreamWriter,
                 stdout: asyncio.StreamReader, stderr: asyncio.StreamReader) -> None:
        self.pid, self.pidfd = pid, pidfd
        self.stdin, self.stdout, self.stderr = stdin, stdout, stderr
        self.returncode: int | None = None
        self.ended = asyncio.Event()

    def _end(self, code: int | None) -> None:
        if self.ended.is_set():
            return
        self.returncode = code
        self.ended.set()
        if self.pidfd is not None:
            with contextlib.suppress(ValueError, OSError):
                asyncio.get_running_loop().remove_reader(self.pidfd)
            os.close(self.pidfd)
            self.pidfd = None

    async def wait(self) -> int | None:
        await self.ended.wait()
        return self.returncode

    def kill(self) -> None:
        if self.pidfd is not None and not self.ended.is_set():
            with contextlib.suppress(ProcessLookupError):
                signal.pidfd_send_signal(self.pidfd, signal.SIGKILL)


class Warm:
    """The game starter, seen from the server: ``start`` it before serving, ``spawn`` a game
    for a tab (None: start it cold), ``close`` it after."""

    def __init__(self, argv: Sequence[str], env: dict[str, str]) -> None:
        self.argv = list(argv)  # what follows `frontier-lab` for each game: play --class …
        self.env = dict(env)  # the games' environment, at 80×24 (each tab sends its size)
        self.process: subprocess.Popen[bytes] | None = None
        self.sock: socket.socket | None = None
        self.ready = False
        self.started = -RESTART_EVERY
        self.errors: Any = None  # the starter's stderr, a temporary file
        self._tags = 0
        self._waiting: dict[int, asyncio.Future[int | None]] = {}
        self._games: dict[int, ForkedGame] = {}
        self._codes: dict[int, int] = {}  # exit codes the starter told before the game's pid
        self._reading = False
        self._closing = False

    # starting and stopping

    def _launch(self) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        env = {**self.env, FD_VARIABLE: str(theirs.fileno())}
        if self.errors is not None:
            self.errors.close()
        self.errors = tempfile.TemporaryFile()  # noqa: SIM115  (read when the starter stops)
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "game", COMMAND, *self.argv], env=env,
                pass_fds=[theirs.fileno()], stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL, stderr=self.errors, start_new_session=True)
        finally:
            theirs.close()
        self.sock, self.ready, self.started = ours, False, time.monotonic()

    def start(self) -> bool:
        """Start the starter and wait until it has loaded (before the server listens). False,
        with a line in the log, when it could not: the games then start cold."""
        try:
            self._launch()
            assert self.sock is not None
            self.sock.settimeout(READY_WAIT)
            message = self.sock.recv(MESSAGE)
            self.sock.setblocking(False)
        except OSError as exc:
            self._lost(f"could not start ({exc})")
            return False
        if json.loads(message or b"{}").get("ready"):
            self.ready = True
            return True
        self._lost("could not start")
        return False

    def close(self) -> None:
        """Stop the starter: it ends the games still running, then itself."""
        self._closing = True
        sock, process = self.sock, self.process
        self.sock = self.process = None
        self.ready = False
        if sock is not None:
            if self._reading:
                with contextlib.suppress(Exception):
                    asyncio.get_running_loop().remove_reader(sock)
            sock.close()
        if process is not None:
            try:
                process.wait(QUIT_WAIT * 2)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for game in list(self._games.values()):  # (the starter ended them)
            game.kill()

    def _lost(self, why: str) -> None:
        """The starter stopped: one line for the instructor; its games go on without it."""
        if self.sock is not None:
            if self._reading:
                with contextlib.suppress(Exception):
                    asyncio.get_running_loop().remove_reader(self.sock)
            self.sock.close()
        self.sock, self.ready, self._reading = None, False, False
        code = None
        if self.process is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                code = self.process.wait(1)
            if code is None:
                self.process.kill()
                code = self.process.wait()
            self.process = None
        said = _tail(self.errors)
        log.warning("the warm game starter %s (exit code %s)%s: games start cold until it is "
                    "back", why, code, f": {said}" if said else "", extra={"details": bool(said)})
        for future in self._waiting.values():
            if not future.done():
                future.set_result(None)
        self._waiting.clear()
        for game in list(self._games.values()):
            self._watch(game)

    # games

    async def spawn(self, env: dict[str, str]) -> ForkedGame | None:
        """A game forked for a tab with this environment (its size: COLUMNS, ROWS); None when
        the starter is not there (the caller starts the game cold)."""
        loop = asyncio.get_running_loop()
        if self.sock is None and not self._closing \
                and time.monotonic() - self.started >= RESTART_EVERY:
            with contextlib.suppress(OSError):
                self._launch()  # it says it is ready on its socket
        if self.sock is None:
            return None
        if not self._reading:
            loop.add_reader(self.sock, self._readable)
            self._reading = True
        if not self.ready:
            return None
        pipes = [os.pipe() for _ in range(3)]  # (read, write) each
        theirs = [pipes[0][0], pipes[1][1], pipes[2][1]]
        ours = [pipes[0][1], pipes[1][0], pipes[2][0]]
        self._tags += 1
        tag = self._tags
        request = json.dumps({"tag": tag, "env": {k: v for k, v in env.items()
                                                  if self.env.get(k) != v},
                              "unset": [k for k in self.env if k not in env]}).encode()
        future: asyncio.Future[int | None] = loop.create_future()
        self._waiting[tag] = future
        try:
            await self._send(request, theirs)
        except OSError:
            self._waiting.pop(tag, None)
            for fd in ours:
                os.close(fd)
            if self.sock is not None:
                self._lost("stopped")
            return None
        finally:
            for fd in theirs:
                with contextlib.suppress(OSError):
                    os.close(fd)
        pid = await future
        if pid is None:
            for fd in ours:
                os.close(fd)
            return None
        try:
            pidfd: int | None = os.pidfd_open(pid)
        except ProcessLookupError:
            pidfd = None  # ended already (and reaped): its code is in _codes
        stdin = await _writer(loop, ours[0])
        stdout, stderr = await _reader(loop, ours[1]), await _reader(loop, ours[2])
        game = ForkedGame(pid, pidfd, stdin, stdout, stderr)
        if pid in self._codes:
            game._end(self._codes.pop(pid))
        else:
            self._games[pid] = game
            if self.sock is None:
                self._watch(game)
        return game

    async def _send(self, request: bytes, fds: list[int]) -> None:
        loop = asyncio.get_running_loop()
        while True:
            sock = self.sock
            if sock is None:
                raise OSError("the game starter is gone")
            try:
                socket.send_fds(sock, [request], fds)
                return
            except BlockingIOError:  # its queue is full (a class joining at once): wait
                writable = loop.create_future()
                loop.add_writer(sock, writable.set_result, None)
                try:
                    await writable
                finally:
                    loop.remove_writer(sock)

    def _readable(self) -> None:
        """The starter's messages: ready, a game's pid, a game's exit code; or its end."""
        sock = self.sock
        if sock is None:
            return
        while True:
            try:
                message = sock.recv(MESSAGE)
            except BlockingIOError:
                return
            except OSError:
                message = b""
            if not message:
                self._lost("stopped")
                return
            said = json.loads(message)
            if said.get("ready"):
                self.ready = True
            elif "tag" in said:
                future = self._waiting.pop(said["tag"], None)
                if future is not None and not future.done():
                    future.set_result(said.get("pid"))
            elif "exit" in said:
                pid, code = said["exit"], said["code"]
                game = self._games.pop(pid, None)
                if game is not None:
                    game._end(code)
                else:
                    self._codes[pid] = code

    def _watch(self, game: ForkedGame) -> None:
        """A game whose starter is gone: its end seen on its pidfd, its code unknown."""
        if game.pidfd is None or game.ended.is_set():
            return
        self._games.pop(game.pid, None)
        asyncio.get_running_loop().add_reader(game.pidfd, game._end, None)


def _tail(file: Any) -> str:
    if file is None:
        return ""
    with contextlib.suppress(OSError, ValueError):
        file.seek(0)
        lines = [line.strip() for line in file.read()[-4096:].decode("utf-8", "replace")
                 .splitlines() if line.strip()]
        return lines[-1][:200] if lines else ""
    return ""


async def _writer(loop: asyncio.AbstractEventLoop, fd: int) -> asyncio.StreamWriter:
    transport, protocol = await loop.connect_write_pipe(
        asyncio.streams.FlowControlMixin, os.fdopen(fd, "wb", buffering=0))
    return asyncio.StreamWriter(transport, protocol, None, loop)


async def _reader(loop: asyncio.AbstractEventLoop, fd: int) -> asyncio.StreamReader:
    reader = asyncio.StreamReader(limit=2**16, loop=loop)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader, loop=loop),
                                 os.fdopen(fd, "rb", buffering=0))
    return reader


# --- the starter's side ------------------------------------------------------------------

def run_starter(argv: Sequence[str], main: Callable[[list[str]], int],
                parse: Callable[[list[str]], Any]) -> int:
    """The starter's life (``frontier-lab __warm-games__ play --class DIR …``, started by
    ``Warm``): load once, then fork a game per request until the server is gone. ``main``
    runs a command line (game.cli's), ``parse`` parses one."""
    sock = socket.socket(fileno=int(os.environ.pop(FD_VARIABLE)))
    _preload(parse(list(argv)))
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    games: set[int] = set()
    sock.send(json.dumps({"ready": True}).encode())
    with selectors.DefaultSelector() as selector:
        selector.register(sock, selectors.EVENT_READ)
        selector.register(wake_r, selectors.EVENT_READ)
        while True:
            _reap(games, sock)
            for key, _ in selector.select():
                if key.fileobj is wake_r:
                    os.read(wake_r, 4096)
                    continue
                try:
                    message, fds, _, _ = socket.recv_fds(sock, MESSAGE, 3)
                except OSError:
                    message, fds = b"", []
                if not message:  # the server is gone
                    _end_games(games)
                    return 0
                request = json.loads(message)
                pid = _fork(request, fds, list(argv), main,
                            [sock.fileno(), wake_r, wake_w, selector.fileno()])
                for fd in fds:
                    os.close(fd)
                if pid is not None:
                    games.add(pid)
                with contextlib.suppress(OSError):
                    sock.send(json.dumps({"tag": request["tag"], "pid": pid}).encode())


def _preload(args: Any) -> None:
    """What every game needs, done once: the modules, the class's packs; then frozen."""
    import random  # noqa: F401  (reseeded in each game)

    import textual.drivers.web_driver  # noqa: F401

    import game.ui.app
    import game.ui.debrief
    import game.ui.join
    import game.ui.new_game
    import game.ui.screens
    import game.ui.title  # noqa: F401  (the modules of every screen, imported once)
    from game.commands.play import keep_class_content

    keep_class_content(args)
    gc.collect()
    gc.freeze()  # every game shares these pages: no collection of theirs copies them


def _fork(request: dict[str, Any], fds: list[int], argv: list[str],
          main: Callable[[list[str]], int], close: list[int]) -> int | None:
    """Fork a game; in the child, become ``frontier-lab play …`` on these streams."""
    if len(fds) != 3:
        return None
    try:
        pid = os.fork()
    except OSError:
        return None
    if pid:
        return pid
    code = 1
    try:
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        for fd in close:
            os.close(fd)
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
            os.close(fd)
        os.environ.update(request.get("env", {}))
        for name in request.get("unset", []):
            os.environ.pop(name, None)
        import random

        random.seed()  # not the starter's state, shared by every game
        code = main(argv)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException:
        traceback.print_exc()
    finally:
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)


def _reap(games: set[int], sock: socket.socket) -> None:
    """Every game that ended: its exit code to the server (no zombie is left)."""
    while games:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            games.clear()
            return
        if pid == 0:
            return
        games.discard(pid)
        with contextlib.suppress(OSError):
            sock.send(json.dumps({"exit": pid,
                                  "code": os.waitstatus_to_exitcode(status)}).encode())


def _end_games(games: set[int]) -> None:
    """The server is gone: its games are asked to end, then made to."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid in games:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, sig)
        deadline = time.monotonic() + QUIT_WAIT
        while games and time.monotonic() < deadline:
            try:
                pid, _ = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                games.clear()
                break
            if pid:
                games.discard(pid)
            else:
                time.sleep(0.05)
        if not games:
            return
