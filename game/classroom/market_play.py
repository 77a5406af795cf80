"""A student's game in a shared market: its lab's quarters as the class's market played them.

The market's rounds (game.classroom.market_rounds) are the class's action log; playing them all
together (game.session.market) gives every lab's quarters. A student's game adopts its own lab's:
its state, its log, its history and ledgers, its events; then the quarter in progress is rolled
as in any game. A save of such a game is verified against its lab of the market, never alone
(the class's orders move the GPU market, so no lab's quarters are its own alone).
"""

from __future__ import annotations

from pathlib import Path

from game.classroom.folder import ClassError
from game.classroom.market_rounds import class_logs, lab_names
from game.packs import Content
from game.session.game import Game
from game.session.market import ClassMarket
from game.session.market_story import tell
from game.session.saves.errors import SaveError
from game.session.store import Verification, restore_draft, verify


def class_market(class_dir: str | Path, content: Content, scenario: str,
                 seed: int) -> tuple[list[str], ClassMarket]:
    """The market's labs (roster ids, in order) and the market played through its closed
    rounds."""
    students, logs = class_logs(class_dir)
    return students, ClassMarket(content, scenario, seed, logs).play()


def lab_index(students: list[str], student: str | None) -> int:
    if student is None or student not in students:
        raise ClassError(f"'{student}' has no lab in this class's market (a game of the class "
                         "is played by a student on its roster)")
    return students.index(student)


def adopt_lab(game: Game, class_dir: str | Path, student: str) -> None:
    """Make ``game`` the market's lab of ``student``, as far as the market has played."""
    students, logs = class_logs(class_dir)
    i = lab_index(students, student)  # (before the market is played: a latecomer has no lab)
    market = ClassMarket(game.content, game.scenario_id, game.seed, logs).play()
    market.adopt(game, i)
    _show_class(game, market, i, class_dir, students)


def _show_class(game: Game, market: ClassMarket, i: int, class_dir: str | Path,
                students: list[str]) -> None:
    """What the student's game shows of the class: the classmates, and the market's story."""
    known = lab_names(class_dir)
    names = [known.get(s, "") for s in students]
    names[i] = game.lab
    game.classmates = market.classmates(i, names)
    game.market_story = tell(market, names)


def verify_lab(path: Path, content: Content, class_dir: str | Path, scenario: str, seed: int,
               market: tuple[list[str], ClassMarket] | None = None) -> Verification:
    """A market game's save checked against its lab of the market (``market``: the class's,
    played once for many saves)."""
    from game.session.saves.reader import read_save

    students, cls = market or class_market(class_dir, content, scenario, seed)
    save = read_save(path)
    student = save.signed.student if save.signed else None
    if student not in students:
        result = Verification(path, save)
        result.problems.append("not a game of a student on the class's roster, so it has no "
                               "lab in the class's market")
        return result
    return verify(path, content, market=(cls, students.index(student)))


def load_lab(path: Path, content: Content, class_dir: str | Path, scenario: str,
             seed: int) -> Game:
    """A student's market game, verified, brought to the market's last round (a student away
    while rounds closed finds the quarters their standing plan played), with the quarter in
    progress put back if the save stands at it."""
    students, cls = class_market(class_dir, content, scenario, seed)
    result = verify_lab(path, content, class_dir, scenario, seed, (students, cls))
    if result.problems:
        raise SaveError(f"{path}: {result.problems[0]}")
    assert result.game is not None and result.save is not None
    i = lab_index(students, result.game.student)
    game = cls.adopt(result.game, i)
    _show_class(game, cls, i, class_dir, students)
    if len(result.save.log) == len(game.log):
        restore_draft(game, result.save.draft)
    return game


class Verifier:
    """Saves verified as they must be: alone, or, in a class that plays one market, against
    their lab of the class's market (played once per class, scenario and seed)."""

    def __init__(self, content: Content) -> None:
        self.content = content
        self._markets: dict[tuple[Path, str, int], tuple[list[str], ClassMarket]] = {}

    def __call__(self, path: Path) -> Verification:
        from game.classroom.folder import read_settings
        from game.session.saves.reader import read_save

        class_dir = Path(path).parent
        try:
            settings = read_settings(class_dir)
        except ClassError:
            settings = None
        if settings is None or settings.rounds != "market":
            return verify(path, self.content)
        save = read_save(path)
        key = (class_dir.resolve(), save.scenario, save.seed)
        try:
            if key not in self._markets:
                self._markets[key] = class_market(class_dir, self.content, save.scenario,
                                                  save.seed)
        except ClassError as exc:
            result = Verification(path, save)
            result.problems.append(f"the class's market cannot be replayed ({exc})")
            return result
        return verify_lab(path, self.content, class_dir, save.scenario, save.seed,
                          self._markets[key])
