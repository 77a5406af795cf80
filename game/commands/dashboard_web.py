"""The instructor's dashboard, served by ``frontier-lab serve --class DIR`` beside the games.

``/instructor`` is one page (``web/instructor.html``: no asset from elsewhere, it works offline)
that asks ``/instructor/api/state`` every 2 s for every student's game (``game.classroom
.status``), the provisional leaderboard and the round, and posts the instructor's actions: a live
event (``game.classroom.folder.add_injection``), a message (``game.classroom.broadcast``), the
round (``game.classroom.rounds.change_rounds``). docs/CLASSROOM.md, "The instructor's dashboard",
says what it shows.

Who may: whoever holds the instructor's token, made once per class (``DIR/.class/
instructor-token``, mode 600, so a restarted server keeps it) and printed by ``serve`` on its
terminal only. The address with ``?token=`` sets a cookie (HttpOnly, SameSite=Strict, for
``/instructor`` only) and sends the browser on to the bare address, so the token leaves the
address bar (and the history, and a projector's screen). Every request is checked against it in
constant time; without it: a plain 403 that says nothing of the page. A client that sends
``WRONG_LIMIT`` wrong tokens within a minute is answered 429 until the minute is out, unless it
holds the cookie. An action (POST) must also come from this server's own page: the websocket's
Origin check (``serve_web.OriginCheck``), with an Origin required.

**Anonymised** (the projector's view, ``?anonymous=1`` on the state): the server replaces every
name, id and lab name with a stable pseudonym (an HMAC of the student's key under the token), so
no name reaches the page while it is on.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web

from game.classroom import folder, market_rounds, roster, rounds, status
from game.classroom.broadcast import add_broadcast
from game.text import printable

PAGE = Path(__file__).with_name("web") / "instructor.html"
TOKEN_FILE = "instructor-token"
COOKIE = "fl_instructor"
WRONG_LIMIT = 20  # wrong tokens a client may send in WRONG_WINDOW seconds
WRONG_WINDOW = 60.0
MAX_NOTE = 300
FORBIDDEN = "403: forbidden\n"
HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": ("default-src 'none'; script-src 'unsafe-inline'; "
                                "style-src 'unsafe-inline'; connect-src 'self'; "
                                "form-action 'none'; frame-ancestors 'none'; base-uri 'none'"),
}
ADJECTIVES = ("Amber", "Azure", "Brisk", "Calm", "Cobalt", "Coral", "Crimson", "Dusky", "Eager",
              "Fern", "Gentle", "Golden", "Hazel", "Indigo", "Ivory", "Jade", "Keen", "Lively",
              "Lunar", "Misty", "Noble", "Olive", "Quiet", "Rapid", "Russet", "Silver", "Solar",
              "Steady", "Swift", "Teal", "Velvet", "Wise")
ANIMALS = ("Badger", "Bison", "Crane", "Dolphin", "Eagle", "Falcon", "Fox", "Gecko", "Heron",
           "Ibis", "Jackal", "Koala", "Lemur", "Lynx", "Marten", "Newt", "Ocelot", "Otter",
           "Owl", "Panda", "Puffin", "Quokka", "Raven", "Robin", "Seal", "Stork", "Tapir",
           "Tern", "Vole", "Walrus", "Wren", "Yak")


def instructor_token(class_dir: Path) -> str:
    """The class's instructor token: read, or made (readable by this account only). OSError
    when it can be neither."""
    path = folder.meta_dir(class_dir) / TOKEN_FILE
    try:
        token = path.read_text(encoding="ascii").strip()
        if len(token) >= 32 and token.replace("-", "").replace("_", "").isalnum():
            return token
    except FileNotFoundError:
        pass
    except UnicodeDecodeError:
        pass  # not a token this game wrote: a new one replaces it
    token = secrets.token_urlsafe(32)
    temp = path.with_name(f".{TOKEN_FILE}.{secrets.token_hex(4)}.tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as f:
            f.write(token + "\n")
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return token


@dataclass
class WrongTokens:
    """Wrong tokens per client, over the last minute."""

    limit: int = WRONG_LIMIT
    window: float = WRONG_WINDOW
    seen: dict[str, deque[float]] = field(default_factory=dict)

    def _recent(self, client: str, now: float) -> deque[float]:
        times = self.seen.setdefault(client, deque())
        while times and now - times[0] > self.window:
            times.popleft()
        return times

    def blocked(self, client: str) -> bool:
        return len(self._recent(client, time.monotonic())) >= self.limit

    def note(self, client: str) -> None:
        if len(self.seen) > 10_000:  # a scan from many addresses: forget the oldest half
            for old in list(self.seen)[:5000]:
                del self.seen[old]
        self._recent(client, time.monotonic()).append(time.monotonic())


def pseudonym(token: str, key: str) -> str:
    digest = hmac.new(token.encode(), key.encode(), hashlib.sha256).digest()
    return f"{ADJECTIVES[digest[0] % 32]} {ANIMALS[digest[1] % 32]} {digest[2] % 90 + 10}"


class Dashboard:
    """The routes of the instructor's dashboard (``routes``), for one class folder."""

    def __init__(self, class_dir: Path, token: str, events: list[dict[str, str]]) -> None:
        self.class_dir = class_dir
        self.token = token
        self.events = events  # [{id, title, category}]: what `class events` lists
        self.event_ids = {e["id"]: e["title"] for e in events}
        self.origins: Any = None  # serve_web.OriginCheck, given by routes()
        self.say: Any = lambda kind, text: None  # serve_web.Throttle.say
        self.wrong = WrongTokens()
        self.reader = status.StatusReader(class_dir)

    def routes(self, origins: Any, say: Any) -> list[web.RouteDef]:
        """The routes, checking actions' Origin with ``origins`` and telling refusals with
        ``say(kind, text)`` (the server's ``OriginCheck`` and ``Throttle.say``)."""
        self.origins, self.say = origins, say
        return [
            web.get("/instructor", self.page),
            web.get("/instructor/api/state", self.state),
            web.get("/instructor/api/events", self.list_events),
            web.post("/instructor/api/inject", self.inject),
            web.post("/instructor/api/broadcast", self.broadcast),
            web.post("/instructor/api/round", self.round),
        ]

    # --- who may ----------------------------------------------------------------------------

    def _right(self, given: str | None) -> bool:
        return given is not None and hmac.compare_digest(given.encode("utf-8", "replace"),
                                                         self.token.encode())

    def _check(self, request: web.Request) -> None:
        """The cookie holds the token; else 403 (429 after too many wrong ones)."""
        if not self._right(request.cookies.get(COOKIE)):
            self._refuse(request)

    def _refuse(self, request: web.Request) -> None:
        client = request.remote or "?"
        if self.wrong.blocked(client):
            raise web.HTTPTooManyRequests(text="429: too many tries; wait a minute\n",
                                          headers=HEADERS)
        self.wrong.note(client)
        self.say("instructor", f"refused the instructor's dashboard to {printable(client)} "
                               "(no token, or a wrong one)")
        raise web.HTTPForbidden(text=FORBIDDEN, headers=HEADERS)

    def _check_post(self, request: web.Request) -> None:
        self._check(request)
        refused = (self.origins.refusal(request) if "Origin" in request.headers
                   else "a request with no Origin")
        if refused is not None:
            self.say("origin", f"refused an instructor's action from {refused}")
            raise web.HTTPForbidden(text=FORBIDDEN, headers=HEADERS)

    async def page(self, request: web.Request) -> web.StreamResponse:
        """The page; with ``?token=``, the cookie set and the token out of the address."""
        given = request.query.get("token")
        if given is not None:
            if self.wrong.blocked(request.remote or "?") or not self._right(given):
                self._refuse(request)  # (a token is not even compared while too many failed)
            response = web.HTTPSeeOther("/instructor", headers=HEADERS)
            secure = request.headers.get("X-Forwarded-Proto", request.scheme) == "https"
            response.set_cookie(COOKIE, self.token, path="/instructor", httponly=True,
                                samesite="Strict", secure=secure)
            raise response
        self._check(request)
        return web.Response(text=PAGE.read_text(encoding="utf-8"), content_type="text/html",
                            headers=HEADERS)

    # --- what it shows ----------------------------------------------------------------------

    async def list_events(self, request: web.Request) -> web.Response:
        self._check(request)
        return web.json_response({"events": self.events}, headers=HEADERS)

    async def state(self, request: web.Request) -> web.Response:
        self._check(request)
        anonymous = request.query.get("anonymous") in ("1", "true", "on")
        return web.json_response(self.snapshot(anonymous), headers=HEADERS)

    def snapshot(self, anonymous: bool, now: float | None = None) -> dict[str, Any]:
        """Everything the page shows (the names replaced when ``anonymous``)."""
        now = now or time.time()
        problems: list[str] = []
        try:
            settings = folder.read_settings(self.class_dir)
        except folder.ClassError as exc:
            settings, problems = None, [*problems, str(exc)]
        mode = settings.rounds if settings is not None else "free"
        state, market = None, None
        if mode != "free":
            try:
                state = rounds.read_rounds(self.class_dir)
                if mode == "market":
                    market = market_rounds.where(self.class_dir)
            except folder.ClassError as exc:
                problems.append(str(exc))
        try:
            students = roster.read_roster(self.class_dir) or []
        except folder.ClassError as exc:
            students, problems = [], [*problems, str(exc)]
        statuses = {s.key: s for s in self.reader.read()}
        rows = []
        for student in students:
            rows.append(self._row(student.id, student.name, statuses.pop(student.id, None),
                                  state, now))
        for key, s in sorted(statuses.items()):
            rows.append(self._row(key, None, s, state, now))
        board = sorted((r for r in rows if r["joined"]),
                       key=lambda r: (not r["finished"], -r["score"], r["lab"].casefold()))
        leaderboard = [{"rank": n, "name": r["name"], "lab": r["lab"], "outcome": r["outcome"],
                        "score": r["score"], "quarter": r["quarter"], "finished": r["finished"]}
                       for n, r in enumerate(board, 1)]
        if anonymous:
            for r in rows:
                r["name"] = r["lab"] = pseudonym(self.token, r.pop("key"))
                r["id"] = None
            for entry, r in zip(leaderboard, board, strict=True):
                entry["name"] = entry["lab"] = r["name"]
        else:
            for r in rows:
                r.pop("key")
        return {
            "class": {"name": printable(settings.name) if settings else self.class_dir.name,
                      "scenario": settings.scenario if settings else "", "rounds": mode},
            "anonymous": anonymous,
            "round": None if state is None else {
                "open_through": state.open_through, "paused": state.paused,
                "deadline": state.deadline.isoformat() if state.deadline else None,
                "seconds_left": state.seconds_left(), "market": market},
            "students": rows,
            "leaderboard": leaderboard,
            "problems": [printable(p) for p in problems],
            "now": now,
        }

    @staticmethod
    def _row(key: str, name: str | None, s: status.GameStatus | None,
             state: rounds.RoundState | None, now: float) -> dict[str, Any]:
        row: dict[str, Any] = {
            "key": key, "id": key if name is not None else None,
            "name": printable(name) if name is not None else (s.name if s and s.name else ""),
            "joined": s is not None, "lab": "", "quarter": 0, "horizon": 0, "calendar": "",
            "cash": None, "valuation": None, "sentiment": None, "outcome": "", "score": 0.0,
            "finished": False, "open": False, "waiting": False, "stuck": None, "pending": [],
            "last_key_ago": None}
        if s is None:
            return row
        row.update(lab=s.lab, quarter=s.quarter, horizon=s.horizon, calendar=s.calendar,
                   cash=s.cash, valuation=s.valuation, sentiment=s.sentiment,
                   outcome=s.outcome, score=s.score, finished=not s.running,
                   open=s.is_open(now), pending=list(s.pending),
                   waiting=s.running and (s.waiting or (state is not None
                                                        and s.quarter >= state.open_through)),
                   stuck=status.stuck(s, state, now),
                   last_key_ago=max(now - s.last_key, 0.0) if s.last_key else None)
        return row

    # --- what it does -----------------------------------------------------------------------

    async def _body(self, request: web.Request) -> dict[str, Any]:
        self._check_post(request)
        try:
            body = await request.json()
        except (ValueError, UnicodeDecodeError):
            body = None
        if not isinstance(body, dict):
            raise _error("the request must be a JSON object")
        return body

    async def inject(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        event, note = body.get("event"), body.get("note", "")
        if not isinstance(event, str) or event not in self.event_ids:
            raise _error("choose an event from the list")
        if not isinstance(note, str) or len(note) > MAX_NOTE:
            raise _error(f"the note is at most {MAX_NOTE} characters")
        made = _class(folder.add_injection, self.class_dir, event, printable(note).strip())
        return _said(f"Live event '{self.event_ids[event]}' sent ({made.id}): every running "
                     "game takes it at its next quarter start, marked as yours.")

    async def broadcast(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        text = body.get("text")
        if not isinstance(text, str):
            raise _error("the message needs some text")
        made = _class(add_broadcast, self.class_dir, text)
        return _said(f"Message sent at {made.time:%H:%M:%S} UTC: every open game shows it "
                     "within a few seconds.")

    async def round(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        how, minutes = body.get("how"), body.get("minutes")
        if how not in ("open", "close", "pause", "resume"):
            raise _error("the round's action is open, close, pause or resume")
        if minutes is not None and (isinstance(minutes, bool)
                                    or not isinstance(minutes, int | float)):
            raise _error("the deadline is a number of minutes")
        settings = _class(folder.read_settings, self.class_dir)
        if settings is None or settings.rounds == "free":
            raise _error("this class is not played in rounds")
        state = _class(rounds.change_rounds, self.class_dir, how,
                       None if how != "open" or not minutes else float(minutes))
        said = {"open": f"Round {state.open_through} is open"
                        + (f" until {state.deadline:%H:%M:%S} UTC" if state.deadline else ""),
                "close": f"Round {state.open_through} is closed: games short of it play their "
                         "standing plan",
                "pause": "The class is paused: no quarter ends until you resume",
                "resume": "The class plays again"}[how]
        return _said(said + ".")


def _class(action: Any, *args: Any) -> Any:
    try:
        return action(*args)
    except folder.ClassError as exc:
        raise _error(str(exc)) from None


def _error(text: str) -> web.HTTPBadRequest:
    return web.HTTPBadRequest(text=json.dumps({"error": printable(text)}),
                              content_type="application/json", headers=HEADERS)


def _said(text: str) -> web.Response:
    return web.json_response({"said": text}, headers=HEADERS)
