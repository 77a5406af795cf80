"""A student's game in a shared market: its lab's quarters as the class's market played them.

The market's rounds (game.classroom.market_rounds) are the class's action log; playing them all
together (game.session.market) gives every lab's quarters. A student's game adopts its own lab's:
its state, its log, its history and ledgers, its events; then the quarter in progress is rolled
as in any game.
"""

from __future__ import annotations

from pathlib import Path

from game.classroom.folder import ClassError
from game.classroom.market_rounds import class_logs
from game.session.game import Game


def adopt_lab(game: Game, class_dir: str | Path, student: str) -> None:
    """Make ``game`` the market's lab of ``student``, as far as the market has played."""
    from game.session.market import ClassMarket

    students, logs = class_logs(class_dir)
    if student not in students:
        raise ClassError(f"'{student}' has no lab in this class's market (not on the roster "
                         "when it began?)")
    market = ClassMarket(game.content, game.scenario_id, game.seed, logs).play()
    market.adopt(game, students.index(student))
