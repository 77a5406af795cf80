"""Live events: what a running game of a class does at the start of every quarter.

The instructor's ``frontier-lab class inject EVENT --class DIR`` appends an injection (a unique
id, the event, the time) to ``DIR/.class/injections.toml``. Every game of the class calls
``apply_injections(game, DIR)`` when a quarter starts (the UI does, after each quarter and when a
game opens); it makes each injection the game has not yet taken happen that quarter, through
``Game.inject``, which records the event in the quarter's ``injected`` list of the action log. The
save therefore replays, and verifies, like any other.

**What a game has taken is read from its own log**, so it survives save and load with nothing else
stored: each injection is matched, oldest first, with one entry of the same event in the
``injected`` lists of the quarters played, or of the quarter now starting. An injection with no
match is due now, unless it was made before the game began (the save's ``created`` time, or when
this function first saw an unsaved game): a student who joins late does not receive the earlier
live events all at once. So:

- a game applies each injection exactly once, at its first quarter start after it was made;
- a loaded game does not apply again what its log already holds; a game that took an injection
  and then closed before the quarter was played (the injection is in no saved quarter yet) takes
  it again when it opens, so the event is never lost;
- two injections of the same event arrive in consecutive quarters (a quarter holds an event once);
- a game that has ended takes nothing; an event its packs do not have is passed over.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from pathlib import Path

from game.classroom.folder import ClassError, Injection, read_injections, utc_now
from game.session.game import Game

_FIRST_SEEN = "_classroom_first_seen"  # set on a Game not yet saved when it first asks


def apply_injections(game: Game, class_dir: str | Path) -> list[str]:
    """Take the class's live events due now; returns the event ids injected this call."""
    if not game.running:
        return []
    try:
        injections = read_injections(class_dir)
    except ClassError:
        return []  # a broken injections file must not stop a student's game; `class show` says why
    injected: list[str] = []
    for injection in due(game, injections):
        game.inject(injection.event, injection.note)
        injected.append(injection.event)
    return injected


def due(game: Game, injections: list[Injection]) -> list[Injection]:
    """The injections ``game`` should take now: not in its log, made after it began, one per
    event, for events its packs know."""
    taken = Counter(event for record in game.log for event in record.injected)
    now_taking = current_injected(game)
    taken.update(now_taking)
    began = _began(game)
    out: list[Injection] = []
    for injection in injections:
        if injection.time < began:
            continue  # made before the game began: not this game's
        if taken[injection.event] > 0:
            taken[injection.event] -= 1  # already in the log: this injection was taken
            continue
        if injection.event not in game.director.index:
            continue
        if injection.event in now_taking or any(i.event == injection.event for i in out):
            continue  # once per quarter: the next quarter takes this one
        out.append(injection)
    return out


def current_injected(game: Game) -> list[str]:
    """The events injected into the quarter now starting (not in the log until it is played)."""
    return list(game.injected)


def _began(game: Game) -> datetime:
    """When the game joined its class: its first save, or when it was first seen unsaved."""
    first_seen = getattr(game, _FIRST_SEEN, None)
    if first_seen is None:
        first_seen = utc_now()
        setattr(game, _FIRST_SEEN, first_seen)
    if game.created is None:
        return first_seen
    # created is kept to the second: an injection in the game's first second is taken
    return min(first_seen, game.created)
