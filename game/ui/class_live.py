"""A class's game, live for its instructor: the game's side of the dashboard.

Every hook the app has for it goes through here (``FrontierLab.live``, set in a class only):
``shown(game)`` when a game opens or is saved (its status file, ``game.classroom.status``),
``key()`` on every key (throttled there), and a timer every ``POLL_S`` seconds that shows the
instructor's new messages (``game.classroom.broadcast``) and keeps the status's heartbeat.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import App

from game.classroom.broadcast import POLL_S, SHOWN_S, BroadcastWatcher

if TYPE_CHECKING:
    from game.classroom.status import StatusWriter
    from game.session.game import Game

TITLE = "Message from your instructor"


class ClassLive:
    def __init__(self, app: App[None]) -> None:
        from game.classroom.status import StatusWriter

        self.app = app
        class_dir = app.class_dir  # type: ignore[attr-defined]
        self.status: StatusWriter = StatusWriter(class_dir)
        self.broadcasts = BroadcastWatcher(class_dir)
        app.set_interval(POLL_S, self.tick, name="class-live")

    def shown(self, game: Game) -> None:
        student = getattr(self.app, "student", None)
        self.status.show(game, student.name if student is not None else None)

    def key(self) -> None:
        self.status.key_pressed()

    def tick(self) -> None:
        for message in self.broadcasts.new():
            # Textual's own notify: the app's hides what looks like a server's path, and the
            # instructor's words are shown exactly as written ("/b" is not a path of theirs).
            App.notify(self.app, message.text, title=TITLE, timeout=SHOWN_S, markup=False)
        self.status.tick()
