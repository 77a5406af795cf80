"""The web server behind ``frontier-lab serve``: textual-serve's, hardened for a class.

What it refuses, and its limits (docs/CLASSROOM.md, "Hardening"):

- A websocket opened by a page of another site (its ``Origin`` is neither the address the
  browser reached this server at nor ``--public-url``): 403, and no game starts. A connection
  without ``Origin`` is let in: every browser sends one on a websocket, and a cross-site attack
  needs a victim's browser; a program without one could as well send the right one.
- On a loopback address, a browser that reached the server by a name that is not this machine's,
  directly rather than through a proxy (a DNS-rebinding page): 403.
- More than ``max_games`` games at once: the extra tab is told the class is full, at once.
- Terminals wider than 400 or taller than 150 cells, at connect and on every resize: clamped.
- Messages that are not what the page sends: ignored; over 64 KiB: the connection is closed.
- Directory listings; unknown paths get a plain 404.

Errors go to a log file with their tracebacks; the instructor's terminal gets one line each, and
a student's tab gets a sentence, never a traceback or a path of the server.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import json
import logging
import os
import time
from dataclasses import dataclass
from logging.handlers import RotatingFileHandler
from pathlib import Path
from types import SimpleNamespace
from typing import Any, TextIO
from urllib.parse import urlsplit

import aiohttp_jinja2
import jinja2
from aiohttp import WSCloseCode, WSMsgType, web
from aiohttp.http_exceptions import HttpProcessingError
from textual_serve.app_service import AppService
from textual_serve.server import Server

from game.commands.warm import ForkedGame, Warm
from game.text import printable

PAGE = Path(__file__).with_name("web")  # index.html, adapted from textual-serve's (MIT)
log = logging.getLogger("frontier-lab.serve")

MAX_WIDTH, MAX_HEIGHT = 400, 150  # cells: a 400×150 game takes ~20 MB more than an 80×24 one
MIN_WIDTH, MIN_HEIGHT = 20, 8
MAX_MESSAGE = 64 * 1024  # bytes: a key is a few; a paste of a page of text fits
# A game's own memory while played, forked by the warm starter: 57–61.5 MB at 100×30, ~8 MB
# more at the 400×150 cap (benchmarks/serve_load.py, serve_limits.py), rounded up; the pages it
# shares with the starter (~40 MB) are counted once. docs/CLASSROOM.md, "Capacity".
GAME_MB = 80
GAMES_PER_CORE = 30  # the 60 students on 2 cores: the processor is what limits a class
STDERR_KEPT = 64 * 1024  # the end of a game's messages kept for the log
QUIT_WAIT = 10.0  # seconds a game has to quit before it is killed

# Shown to a student (a websocket's close reason holds at most 123 bytes).
FULL = "The class is full ({games} games at once). Ask your instructor, then reload the page."
FAILED = "The game could not start. Tell your instructor: the server's log says why."
BROKEN = "The server met an error. Tell your instructor, then reload the page."


@dataclass(frozen=True)
class Limits:
    """What one server takes."""

    max_games: int
    """Games running at once; the next tab is told the class is full."""
    max_width: int = MAX_WIDTH
    """Terminal columns: a wider request is clamped."""
    max_height: int = MAX_HEIGHT
    """Terminal rows: a taller request is clamped."""
    max_message: int = MAX_MESSAGE
    """Bytes in one websocket message: a longer one closes the connection (code 1009)."""


def default_max_games() -> int:
    """Sized to the host: one game per 80 MB of its memory, at most 30 per processor core
    (60 on a 2-core machine with 5 GB or more)."""
    try:
        memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        memory = 8 * 2**30
    cores = (len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
             else os.cpu_count() or 1)
    return max(1, min(memory // (GAME_MB * 2**20), GAMES_PER_CORE * cores))


def clamp_size(width: object, height: object, limits: Limits) -> tuple[int, int] | None:
    """A terminal size within the limits; None if either is not an integer."""
    if type(width) is not int or type(height) is not int:  # (a bool is no size)
        return None
    return (min(max(width, MIN_WIDTH), limits.max_width),
            min(max(height, MIN_HEIGHT), limits.max_height))


def _query_int(request: web.Request, name: str, default: int) -> int:
    try:
        return int(request.query.get(name, default))
    except ValueError:  # not a number, or more digits than int() takes
        return default


# --- where a connection comes from ---------------------------------------------------------

DEFAULT_PORTS = {"http": 80, "https": 443}
PROXY_HEADERS = ("X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto", "Forwarded",
                 "X-Real-IP")


def _origin(url: str) -> tuple[str, int] | None:
    """(host, port) of an http(s) origin; None for anything else (``null``, a file)."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        return None
    return parts.hostname.lower(), port or DEFAULT_PORTS[parts.scheme]


def _host(header: str, default_port: int) -> tuple[str, int] | None:
    """(host, port) of a Host header; without a port, the one the browser's scheme implies."""
    try:
        parts = urlsplit("//" + header.strip())
        port = parts.port
    except ValueError:
        return None
    return (parts.hostname.lower(), port or default_port) if parts.hostname else None


def is_loopback(host: str) -> bool:
    """An address or name of this machine only (``localhost``, 127.0.0.0/8, ::1)."""
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class OriginCheck:
    """Which browsers' pages may open a game: this server's own."""

    public: tuple[str, int] | None  # --public-url's origin
    loopback: bool  # the server listens on this machine only

    def refusal(self, request: web.Request) -> str | None:
        """Why this websocket is refused, for the instructor's log; None: let it in."""
        origin = request.headers.get("Origin")
        if origin is None:
            return None  # no browser: see the module's docstring
        place = _origin(origin)
        shown = printable(origin)[:80]
        if place is None:
            return f"a page of no web site (Origin {shown})"
        if place == self.public:
            return None
        reached = [request.headers.get("Host", "")]
        for header in request.headers.getall("X-Forwarded-Host", []):
            reached += header.split(",")
        if place not in {_host(h, place[1]) for h in reached}:
            return f"a page of another site ({shown})"
        if (self.loopback and not is_loopback(place[0])
                and not any(h in request.headers for h in PROXY_HEADERS)):
            return (f"a page of {shown}, which reached this machine's own server by a name that "
                    "is not its own (DNS rebinding; add --public-url if that is your name)")
        return None


def request_base(request: web.Request) -> str:
    """scheme://host[:port] as the browser sees this server (a proxy may say so in headers)."""
    scheme = request.headers.get("X-Forwarded-Proto", request.scheme).split(",")[0].strip()
    host = request.headers.get("X-Forwarded-Host", request.host).split(",")[0].strip()
    return f"{scheme if scheme in DEFAULT_PORTS else 'http'}://{host}"


# --- what the instructor is told ------------------------------------------------------------

class _PrivateLog(RotatingFileHandler):
    """The log file, readable by the instructor's account only (it holds tracebacks)."""

    def _open(self) -> Any:
        fd = os.open(self.baseFilename, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        return open(fd, self.mode, encoding=self.encoding, errors=self.errors)


class OneLine(logging.Handler):
    """Warnings and errors as one line on the terminal, saying where the details are."""

    def __init__(self, stream: TextIO, log_path: Path) -> None:
        super().__init__(logging.WARNING)
        self.stream, self.log_path = stream, log_path

    def filter(self, record: logging.LogRecord) -> bool:
        """Not a request no browser sends (a port scanner's, https:// typed for http://): the
        client's mistake, not the server's; the log file has it."""
        error = record.exc_info[1] if record.exc_info else None
        return not isinstance(error, HttpProcessingError) and super().filter(record)

    def emit(self, record: logging.LogRecord) -> None:
        try:
            lines = printable(record.getMessage()).strip().splitlines() or [""]
            text = lines[0][:300]
            if record.exc_info or getattr(record, "details", False):
                text += f" (details in {self.log_path})"
            self.stream.write(f"[{time.strftime('%H:%M:%S')}] {text}\n")
            self.stream.flush()
        except Exception:  # a closed terminal: the log file still has it
            pass


def setup_logging(log_path: Path, terminal: TextIO) -> None:
    """Everything to ``log_path`` (kept under 2 × 5 MB), warnings to ``terminal`` in one line.
    Raises OSError when the log cannot be written."""
    handler = _PrivateLog(log_path, maxBytes=5 * 2**20, backupCount=1, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    for old in root.handlers[:]:
        root.removeHandler(old)
    root.setLevel(logging.INFO)
    root.addHandler(handler)
    root.addHandler(OneLine(terminal, log_path))
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)


class Throttle:
    """Each kind of refusal on the terminal at most once a minute; the log file gets them all
    (a page retrying, or a class all reloading at once, must not flood the terminal)."""

    def __init__(self, every: float = 60.0) -> None:
        self.every, self.last = every, {}  # type: dict[str, float]

    def say(self, kind: str, text: str) -> None:
        now = time.monotonic()
        if now - self.last.get(kind, -self.every) >= self.every:
            self.last[kind] = now
            log.warning(text)
        else:
            log.info(text)


# --- one game ----------------------------------------------------------------------------

class GameService(AppService):
    """One tab's game process, as textual-serve runs it, except that: it is forked by the warm
    game starter (game.commands.warm; started cold, as ``command``, when there is none); its
    messages (stderr) go to the log, not the terminal; a game that cannot start closes the tab's
    connection with a sentence; and a game that does not quit when asked is killed."""

    def __init__(self, command: str, websocket: web.WebSocketResponse, downloads: Any,
                 warm: Warm | None = None) -> None:
        super().__init__(command, write_bytes=websocket.send_bytes,
                         write_str=websocket.send_str, close=websocket.close,
                         download_manager=downloads)
        self.websocket = websocket
        self.warm = warm
        self.forked = False  # by the warm starter (else a subprocess of its own)

    def _build_environment(self, width: int = 80, height: int = 24) -> dict[str, str]:
        return game_environment(width, height)

    async def _open_app_process(self, width: int = 80, height: int = 24) -> Any:
        if self.warm is not None:
            game = await self.warm.spawn(self._build_environment(width, height))
            if game is not None:
                self._process = game  # type: ignore[assignment]  (a process, as it uses one)
                self._stdin, self.forked = game.stdin, True
                return game
        return await super()._open_app_process(width, height)

    def _alive(self) -> bool:
        process = self._process
        return (process is not None and process.returncode is None
                and self._stdin is not None and not self._stdin.is_closing())

    async def send_bytes(self, data: bytes) -> bool:
        return self._alive() and await super().send_bytes(data)

    async def send_meta(self, data: dict[str, str | int | bool | None]) -> bool:
        return self._alive() and await super().send_meta(data)

    async def run(self) -> None:
        process = self._process
        assert process is not None and process.stdout is not None and process.stderr is not None
        stderr, errors = process.stderr, bytearray()

        async def read_stderr() -> None:
            while chunk := await stderr.read(4096):
                errors.extend(chunk)
                del errors[:-STDERR_KEPT]

        reading = asyncio.create_task(read_stderr())
        ready = False
        try:
            for _ in range(10):  # textual's web driver says it is there first
                line = await process.stdout.readline()
                if not line:
                    break
                if line == b"__GANGLION__\n":
                    ready = True
                    break
            if ready:
                await self._relay(process.stdout)
        except (asyncio.IncompleteReadError, ConnectionResetError, ValueError):
            pass  # the game ended, or the tab did (ValueError: a line over the reader's limit)
        finally:
            with contextlib.suppress(TimeoutError):  # (wait_for cancels it)
                await asyncio.wait_for(reading, 2)
        code = await self._ended(process)
        self._report(ready, code, errors.decode("utf-8", "replace"))
        if not ready:
            with contextlib.suppress(Exception):
                await self.websocket.close(code=WSCloseCode.INTERNAL_ERROR,
                                           message=FAILED.encode())

    async def _relay(self, stdout: asyncio.StreamReader) -> None:
        """The game's packets to the tab, as textual-serve relays them."""
        while True:
            kind = await stdout.readexactly(1)
            size = int.from_bytes(await stdout.readexactly(4), "big")
            payload = await stdout.readexactly(size)
            if kind == b"D":
                await self.on_data(payload)
            elif kind == b"M":
                await self.on_meta(payload)
            elif kind == b"P":
                await self.on_packed(payload)

    @staticmethod
    async def _ended(process: asyncio.subprocess.Process | ForkedGame) -> int | None:
        """Its exit code (None: unknown, its warm starter had stopped)."""
        try:
            return await asyncio.wait_for(process.wait(), QUIT_WAIT)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            return await process.wait()

    def _report(self, ready: bool, code: int | None, errors: str) -> None:
        last = next((printable(line).strip() for line in reversed(errors.splitlines())
                     if line.strip()), "")
        if errors.strip():
            log.info("game %s said (exit code %s):\n%s", self.app_service_id[:8], code,
                     errors.rstrip())
        said = f": {last[:200]}" if last else ""
        if not ready:
            log.warning("a game could not start (exit code %s)%s", code, said,
                        extra={"details": True})
        elif code not in (0, -9, -15, None):  # 0: the student quit; -9/-15: stopped by us
            log.warning("a game stopped on an error (exit code %s)%s", code, said,
                        extra={"details": True})

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is None:
            return
        await self._download_manager.cancel_app_downloads(app_service_id=self.app_service_id)
        await self.send_meta({"type": "quit"})
        try:
            await asyncio.wait_for(asyncio.shield(task), QUIT_WAIT)
        except TimeoutError:
            if self._process is not None:
                with contextlib.suppress(ProcessLookupError):
                    self._process.kill()
            await task


def game_environment(width: int = 80, height: int = 24) -> dict[str, str]:
    """The environment textual-serve gives a game (its web driver, colours, frame rate, the
    terminal's size), without Textual's animations (a tab's underline sliding over ~18 frames:
    a third of a tab switch's processor time, with 60 games on 2 cores) unless the instructor
    set ``TEXTUAL_ANIMATIONS``: the warm game starter's, which its games inherit."""
    environment = AppService._build_environment(  # type: ignore[arg-type]  (reads .debug)
        SimpleNamespace(debug=False), width, height)
    environment.setdefault("TEXTUAL_ANIMATIONS", "none")
    return environment


# --- the server ---------------------------------------------------------------------------

@web.middleware
async def plain_errors(request: web.Request, handler: Any) -> web.StreamResponse:
    """An error in a handler: its traceback in the log, a sentence to the browser."""
    try:
        return await handler(request)
    except (web.HTTPException, asyncio.CancelledError):
        raise
    except Exception:
        log.exception("an error answering %s", printable(request.path)[:100])
        return web.Response(status=500, text=f"500: {BROKEN}\n")


class ClassServer(Server):
    """textual-serve's server with the checks and limits of this module. Its page connects back
    to the address the browser used (an SSH tunnel, a proxy), unless ``public_url`` fixes it."""

    def __init__(self, command: str, host: str, port: int, public_url: str | None,
                 limits: Limits, dashboard: Any = None, warm: Warm | None = None) -> None:
        base = (public_url or f"http://{url_host(host)}:{port}").rstrip("/")
        super().__init__(command, host=host, port=port, title="Frontier Lab", public_url=base)
        self.fixed_url = public_url.rstrip("/") if public_url else None
        self.limits = limits
        self.origins = OriginCheck(_origin(public_url) if public_url else None,
                                   is_loopback(host))
        self.games = 0  # running, or starting
        self.warm = warm  # forks the games (None: each starts cold, as `command`)
        self.throttle = Throttle()
        self.dashboard = dashboard  # dashboard_web.Dashboard: the instructor's, in a class

    def initialize_logging(self) -> None:
        pass  # run_serve has set it up (setup_logging), before saying where the log is

    async def on_startup(self, app: web.Application) -> None:
        pass  # run_serve has said where and how; no banner

    async def _make_app(self) -> web.Application:
        """textual-serve's routes, with the static folder never listed, and this page."""
        app = web.Application(client_max_size=self.limits.max_message,
                              middlewares=[plain_errors])
        aiohttp_jinja2.setup(app, loader=jinja2.FileSystemLoader(PAGE), autoescape=True)
        app.add_routes([
            web.get("/", self.handle_index, name="index"),
            web.get("/ws", self.handle_websocket, name="websocket"),
            web.get("/download/{key}", self.handle_download, name="download"),
            web.static("/static", self.statics_path, show_index=False, name="static"),
        ])
        if self.dashboard is not None:
            app.add_routes(self.dashboard.routes(self.origins, self.throttle.say))
        app.on_startup.append(self.on_startup)
        app.on_shutdown.append(self.on_shutdown)
        return app

    async def handle_download(self, request: web.Request) -> web.StreamResponse:
        """A file a game gives its player (Textual's screenshot, say); unknown: a plain 404."""
        try:
            await self.download_manager.get_download_metadata(request.match_info["key"])
        except KeyError:
            raise web.HTTPNotFound() from None
        return await super().handle_download(request)

    def full(self) -> bool:
        return self.games >= self.limits.max_games

    async def handle_index(self, request: web.Request) -> web.Response:
        base = self.fixed_url or request_base(request)
        router = request.app.router
        ws = base.replace("https://", "wss://", 1).replace("http://", "ws://", 1)
        notice = None
        if self.full():
            notice = FULL.format(games=self.limits.max_games)
            self.throttle.say("full", f"the class is full ({self.limits.max_games} games, "
                                      "--max-games): a new tab was told so")
        context = {
            "font_size": min(max(_query_int(request, "fontsize", 16), 8), 48),
            "app_websocket_url": ws + str(router["websocket"].url_for()),
            "config": {"static": {
                "url": base + str(router["static"].url_for(filename="/")).rstrip("/") + "/"}},
            "application": {"name": "Frontier Lab"},
            "notice": notice,
        }
        return aiohttp_jinja2.render_template("index.html", request, context,
                                              status=503 if notice else 200)

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        refused = self.origins.refusal(request)
        if refused is not None:
            self.throttle.say("origin", f"refused a game to {refused}")
            raise web.HTTPForbidden(text="403: this server plays only with its own pages\n")
        websocket = web.WebSocketResponse(heartbeat=15, max_msg_size=self.limits.max_message)
        if not websocket.can_prepare(request):
            raise web.HTTPBadRequest(text="400: this address is for the game's page only\n")
        if self.full():
            await websocket.prepare(request)
            self.throttle.say("full", f"the class is full ({self.limits.max_games} games, "
                                      "--max-games): a new tab was turned away")
            await websocket.close(code=WSCloseCode.TRY_AGAIN_LATER,
                                  message=FULL.format(games=self.limits.max_games).encode())
            return websocket
        size = clamp_size(_query_int(request, "width", 80), _query_int(request, "height", 24),
                          self.limits)
        assert size is not None
        self.games += 1
        service: GameService | None = None
        try:
            await websocket.prepare(request)
            service = GameService(self.command, websocket, self.download_manager, self.warm)
            await service.start(*size)
            await self._process_messages(websocket, service)
        except ConnectionResetError:
            pass  # the tab went away
        except Exception:
            log.exception("a game's connection failed")
            if websocket.prepared:
                with contextlib.suppress(Exception):
                    await websocket.close(code=WSCloseCode.INTERNAL_ERROR,
                                          message=BROKEN.encode())
        finally:
            try:
                if service is not None:
                    await service.stop()
            finally:
                self.games -= 1
        return websocket

    async def _process_messages(self, websocket: web.WebSocketResponse,  # type: ignore[override]
                                app_service: GameService) -> None:
        async for message in websocket:
            if message.type is not WSMsgType.TEXT:
                continue  # the page sends text; anything else is no page's
            try:
                envelope = json.loads(message.data)
            except (ValueError, RecursionError):  # not JSON, or nested beyond reason
                continue
            await self._handle(envelope, websocket, app_service)

    async def _handle(self, envelope: object, websocket: web.WebSocketResponse,
                      service: GameService) -> None:
        """One message of the page: ["stdin", text], ["resize", {"width", "height"}],
        ["ping", text], ["blur"], ["focus"]; anything else is ignored."""
        if not isinstance(envelope, list) or not envelope:
            return
        kind, data = envelope[0], envelope[1] if len(envelope) > 1 else None
        if kind == "stdin" and isinstance(data, str):
            await service.send_bytes(data.encode("utf-8", "replace"))  # (a lone surrogate)
        elif kind == "resize" and isinstance(data, dict):
            size = clamp_size(data.get("width"), data.get("height"), self.limits)
            if size is not None:
                await service.set_terminal_size(*size)
        elif kind == "ping" and isinstance(data, str) and len(data) <= 32:
            await websocket.send_json(["pong", data])
        elif kind == "blur":
            await service.blur()
        elif kind == "focus":
            await service.focus()


def url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host
