"""Live events in a class: injected once into every running game, recorded so saves verify."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from game.bots.strategies import STRATEGIES
from game.classroom import folder
from game.classroom.inject import apply_injections
from game.packs import load_content
from game.session.game import Game
from game.session.store import load_game, save_game, verify

EVENT = "base.vendor_allocation_cut"  # "Your GPU allocation is halved" (trigger: quarter >= 1)
OTHER = "base.board_cost_review"


@pytest.fixture(scope="module")
def content():
    return load_content()


def _class(tmp_path: Path) -> Path:
    class_dir = tmp_path / "class"
    folder.write_settings(class_dir, folder.ClassSettings("Period 3", "ipo-window", 11))
    return class_dir


def _quarter(game: Game, class_dir: Path, strategy: str) -> list[str]:
    """What the UI does for one quarter: plan, end it, take live events, autosave."""
    game.plan = STRATEGIES[strategy].plan(game.state, game.econ)
    game.end_quarter(auto_choose=True)
    taken = apply_injections(game, class_dir) if game.running else []
    save_game(game, class_dir)
    return taken


def _injected_now(game: Game) -> list[str]:
    from game.classroom.inject import current_injected

    return current_injected(game)


def test_an_injection_reaches_all_five_running_games_once_and_saves_verify(content, tmp_path):
    class_dir = _class(tmp_path)
    names = ["Ada", "Grace", "Alan", "Edsger", "Barbara"]
    strategies = ["builder", "cloud", "frugal", "balanced", "researcher"]
    games = [Game(content, "ipo-window", 11, lab) for lab in names]
    for g in games:
        save_game(g, class_dir)  # the UI saves a new game at once
        assert apply_injections(g, class_dir) == []
    for g, s in zip(games, strategies, strict=True):
        _quarter(g, class_dir, s)
    made = folder.add_injection(class_dir, EVENT, note="the vendor halves allocations")
    assert folder.read_injections(class_dir) == [made]

    # every game takes it at its next quarter start, once
    for g, s in zip(games, strategies, strict=True):
        assert g.running
        assert _quarter(g, class_dir, s) == [EVENT]
        assert _injected_now(g) == [EVENT]
        assert apply_injections(g, class_dir) == []  # asking again changes nothing
    for g, s in zip(games, strategies, strict=True):
        q = g.quarter
        _quarter(g, class_dir, s)
        assert g.log[q].injected == [EVENT]
        assert EVENT in g.log[q].events  # the trigger held: it happened
    # ... and never again
    for g, s in zip(games, strategies, strict=True):
        for _ in range(2):
            if g.running:
                assert _quarter(g, class_dir, s) == []
        assert sum(r.injected.count(EVENT) for r in g.log) == 1

    saves = sorted(class_dir.glob("*.toml"))
    assert len(saves) == 5
    for path in saves:
        result = verify(path, content)
        assert result.verified, (path, result.problems)
        assert sum(r.injected.count(EVENT) for r in result.save.log) == 1


def test_a_loaded_game_does_not_take_an_injection_twice(content, tmp_path):
    class_dir = _class(tmp_path)
    game = Game(content, "ipo-window", 11, "Ada")
    path = save_game(game, class_dir)
    _quarter(game, class_dir, "balanced")
    folder.add_injection(class_dir, EVENT)
    assert _quarter(game, class_dir, "balanced") == [EVENT]
    _quarter(game, class_dir, "balanced")  # the quarter with the event is played and saved

    loaded = load_game(path, content)
    assert apply_injections(loaded, class_dir) == []
    assert _quarter(loaded, class_dir, "balanced") == []
    assert verify(path, content).verified


def test_an_injection_taken_but_not_played_is_taken_again_when_the_game_opens(content, tmp_path):
    """The student closed the game after the quarter start that took the event: the save's log
    does not hold it yet, so the reopened game takes it (once) rather than lose it."""
    class_dir = _class(tmp_path)
    game = Game(content, "ipo-window", 11, "Ada")
    path = save_game(game, class_dir)
    _quarter(game, class_dir, "balanced")
    folder.add_injection(class_dir, EVENT)
    assert _quarter(game, class_dir, "balanced") == [EVENT]

    loaded = load_game(path, content)
    assert _injected_now(loaded) == []
    assert apply_injections(loaded, class_dir) == [EVENT]
    assert apply_injections(loaded, class_dir) == []
    _quarter(loaded, class_dir, "balanced")
    assert sum(r.injected.count(EVENT) for r in loaded.log) == 1
    assert verify(path, content).verified


def test_games_begun_later_do_not_take_earlier_injections(content, tmp_path):
    class_dir = _class(tmp_path)
    folder.add_injection(class_dir, EVENT)
    late = Game(content, "ipo-window", 11, "Late")
    save_game(late, class_dir)
    late.created = late.created + dt.timedelta(seconds=2)  # begun clearly after the injection
    assert apply_injections(late, class_dir) == []
    assert _quarter(late, class_dir, "balanced") == []
    folder.add_injection(class_dir, OTHER)
    assert _quarter(late, class_dir, "balanced") == [OTHER]


def test_the_same_event_twice_arrives_in_consecutive_quarters(content, tmp_path):
    class_dir = _class(tmp_path)
    game = Game(content, "ipo-window", 11, "Ada")
    path = save_game(game, class_dir)
    _quarter(game, class_dir, "cloud")
    folder.add_injection(class_dir, OTHER)
    folder.add_injection(class_dir, OTHER)
    folder.add_injection(class_dir, "base.no_such_event")  # another pack's: passed over
    assert _quarter(game, class_dir, "cloud") == [OTHER]
    assert _quarter(game, class_dir, "cloud") == [OTHER]
    assert _quarter(game, class_dir, "cloud") == []
    assert sum(r.injected.count(OTHER) for r in game.log) == 2
    loaded = load_game(path, content)
    assert apply_injections(loaded, class_dir) == []


def test_ended_games_and_broken_injection_files_take_nothing(content, tmp_path):
    class_dir = _class(tmp_path)
    game = Game(content, "ipo-window", 11, "Ada")
    save_game(game, class_dir)
    game.autoplay(STRATEGIES["frugal"])
    assert not game.running
    folder.add_injection(class_dir, EVENT)
    assert apply_injections(game, class_dir) == []

    running = Game(content, "ipo-window", 11, "Bob")
    save_game(running, class_dir)
    folder.injections_path(class_dir).write_text("[[injection]\n", encoding="utf-8")
    assert apply_injections(running, class_dir) == []
    with pytest.raises(folder.ClassError, match="not valid TOML"):
        folder.read_injections(class_dir)


def test_injections_file_keeps_order_ids_and_notes(tmp_path):
    class_dir = _class(tmp_path)
    made = [folder.add_injection(class_dir, f"base.e{i}", note=f"n{i}") for i in range(5)]
    read = folder.read_injections(class_dir)
    assert read == made
    assert len({i.id for i in read}) == 5
    assert all(i.time.tzinfo is not None for i in read)
    with pytest.raises(folder.ClassError, match="no such class folder"):
        folder.add_injection(tmp_path / "nowhere", EVENT)


async def test_a_live_event_says_it_is_the_instructor_s_with_their_note(content, tmp_path):
    """A live event is marked as the instructor's, with what they said of it (as written, never
    read as markup); an event of the same quarter that came by chance is not."""
    from textual.widgets import Static

    from game.ui.app import FrontierLab
    from game.ui.modals import EventModal, NoticeModal
    from game.ui.screens import GameScreen

    class_dir = _class(tmp_path)
    game = Game(content, "ipo-window", 11, "Nova")
    save_game(game, class_dir)
    folder.add_injection(class_dir, "base.rate_hike",
                         note="Read ch. 3 [b]before[/b] you answer [@click=app.quit]")
    assert apply_injections(game, class_dir) == ["base.rate_hike"]
    live = [p for p in game.pending if p.live]
    assert [p.id for p in live] == ["base.rate_hike"]
    assert live[0].live_note.startswith("Read ch. 3 [b]before[/b]")
    assert all(not p.live for p in game.pending if p.id != "base.rate_hike")
    app = FrontierLab(content, class_dir, game=game, class_dir=class_dir)
    async with app.run_test(size=(100, 30)) as pilot:
        for _ in range(60):
            if isinstance(app.screen, EventModal | NoticeModal) and any(
                    "Live event" in str(w.render()) for w in app.screen.query(Static)):
                break
            if isinstance(app.screen, EventModal | NoticeModal):
                await pilot.press("enter")
            await pilot.pause(0.05)
        shown = "\n".join(str(w.render()) for w in app.screen.query(Static))
        assert ("Live event from your instructor: Read ch. 3 [b]before[/b] you answer "
                "[@click=app.quit]") in shown
        assert app.is_running and not isinstance(app.screen, GameScreen)
    # the note is what was shown, never part of the game: the save replays as before
    game.end_quarter(auto_choose=True)
    assert verify(save_game(game, class_dir), content).verified
