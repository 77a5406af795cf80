"""A class's games live for the instructor: each game's status file (written whole, read
tolerantly, who is stuck) and the instructor's messages (``class broadcast``), shown once in
every open game."""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest

from game.classroom import broadcast, status
from game.classroom.folder import ClassError, utc_now
from game.classroom.rounds import RoundState
from game.cli import main
from game.packs import load_content
from game.session.game import Game
from tests.class_ui import new_class

HOSTILE = "[/b][@click=app.quit]\x1b[31m<b>Ada</b>"


@pytest.fixture(scope="module")
def content():
    return load_content()


@pytest.fixture
def klass(tmp_path, capsys) -> Path:
    return new_class(tmp_path / "period5", capsys, "--seed", "7", "--rounds", "lockstep")


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def test_a_game_writes_its_status_when_shown_on_keys_at_most_every_few_seconds_and_beats(
        content, klass):
    game = Game(content, "ipo-window", 7, HOSTILE)
    game.student = "ada-lovelace"
    clock = Clock()
    writer = status.StatusWriter(klass, clock=clock)
    writer.show(game, name="Ada Lovelace")
    path = klass / ".class" / "status" / "ada-lovelace.json"
    [got] = status.read_statuses(klass)
    assert got.key == "ada-lovelace" and got.name == "Ada Lovelace" and got.quarter == 0
    assert got.lab == "[/b][@click=app.quit][31m<b>Ada</b>"  # as written, control chars out
    assert got.cash == pytest.approx(game.metrics()["cash"]) and got.outcome == "running"
    assert got.heartbeat == clock.now and got.last_key == 0.0 and not got.waiting
    first = path.stat().st_mtime_ns

    clock.now += 1
    writer.key_pressed()  # a key within MIN_WRITE_S of the last write: kept for later
    assert status.read_statuses(klass)[0].last_key == 0.0
    clock.now += status.MIN_WRITE_S
    writer.tick()  # the key's change, now due
    assert status.read_statuses(klass)[0].last_key == clock.now - status.MIN_WRITE_S
    written = status.read_statuses(klass)[0].heartbeat
    clock.now += 1
    writer.tick()  # nothing new, and no heartbeat due
    assert status.read_statuses(klass)[0].heartbeat == written
    clock.now += status.HEARTBEAT_S
    writer.tick()
    assert status.read_statuses(klass)[0].heartbeat == clock.now
    assert path.stat().st_mtime_ns >= first

    game.end_quarter(auto_choose=True)  # the round (quarter 1) is played: it waits
    writer.show(game)
    got = status.read_statuses(klass)[0]
    assert got.quarter == 1 and got.waiting and got.name == "Ada Lovelace"
    assert got.calendar == game.calendar()


def test_a_game_without_a_student_takes_its_id_and_leaves_no_second_file(content, klass):
    game = Game(content, "ipo-window", 7, "Lab")
    writer = status.StatusWriter(klass)
    writer.show(game)
    [first] = status.read_statuses(klass)
    assert first.key.startswith("tab-") and first.student is None
    game.game_id = "0123456789abcdef"  # given at its first signed save
    writer.show(game)
    assert [s.key for s in status.read_statuses(klass)] == ["0123456789abcdef"]


def test_a_plain_saves_folder_gets_no_status(content, tmp_path):
    writer = status.StatusWriter(tmp_path)
    writer.show(Game(content, "ipo-window", 7, "Lab"))
    assert not (tmp_path / ".class").exists()


def test_hostile_and_half_written_status_files_are_left_out_with_one_line_each(
        content, klass, caplog):
    writer = status.StatusWriter(klass)
    game = Game(content, "ipo-window", 7, "Good")
    game.student = "good"
    writer.show(game)
    folder = klass / ".class" / "status"
    good = json.loads((folder / "good.json").read_text())
    bad = {
        "cut.json": json.dumps(good | {"key": "cut"})[:60],  # half a file
        "types.json": json.dumps(good | {"key": "types", "quarter": "3"}),
        "boolq.json": json.dumps(good | {"key": "boolq", "quarter": True}),
        "other.json": json.dumps(good | {"key": "someone-else"}),
        "list.json": json.dumps([1, 2]),
        "deep.json": "[" * 100_00 + "]" * 100_00,
        "big.json": json.dumps(good | {"key": "big", "lab": "x" * 20_000}),
        "binary.json": b"\xff\xfe\x00".decode("latin-1"),
        "pending.json": json.dumps(good | {"key": "pending", "pending": [1]}),
    }
    for name, text in bad.items():
        (folder / name).write_text(text, encoding="latin-1" if name == "binary.json" else "utf-8")
    (folder / "link.json").symlink_to(folder / "good.json")
    (folder / ".hidden.json").write_text("{}")
    (folder / "notes.txt").write_text("not a status")
    hostile = good | {"key": "hostile", "name": HOSTILE, "pending": [HOSTILE] * 50}
    (folder / "hostile.json").write_text(json.dumps(hostile))
    with caplog.at_level(logging.INFO, logger="frontier-lab.status"):
        reader = status.StatusReader(klass)
        got = {s.key: s for s in reader.read()}
        assert sorted(got) == ["good", "hostile"]
        assert got["hostile"].name == "[/b][@click=app.quit][31m<b>Ada</b>"
        assert len(got["hostile"].pending) == 20
        said = [r.getMessage() for r in caplog.records]
        assert len(said) == len(bad) + 1  # one line each (the link too), none for the others
        assert all("\n" not in line for line in said)
        assert any("cut.json: not JSON" in line for line in said)
        caplog.clear()
        reader.read()
        assert caplog.records == []  # said once per version of a file, not every 2 s


def test_two_games_writing_at_once_never_leave_half_a_file(content, klass):
    games = []
    for n in range(2):
        game = Game(content, "ipo-window", 7, f"Lab {n}")
        game.student = "shared"  # the worst case: the same file
        games.append(game)
    stop = threading.Event()
    errors: list[BaseException] = []

    def write(game: Game) -> None:
        try:
            writer = status.StatusWriter(klass)
            while not stop.is_set():
                writer.show(game)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(g,)) for g in games]
    for t in threads:
        t.start()
    reader = status.StatusReader(klass)
    seen, deadline = 0, time.monotonic() + 60
    try:
        while seen < 200 and time.monotonic() < deadline:
            got = reader.read()
            assert len(got) <= 1 and not reader.said, reader.said
            seen += len(got)
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert not errors and seen >= 200
    assert not [p for p in (klass / ".class" / "status").iterdir() if p.suffix == ".tmp"]


def test_stuck_means_no_key_or_an_unanswered_event_while_the_student_could_play():
    now = 2_000_000.0
    playing = status.GameStatus(key="s", quarter=0, running=True, heartbeat=now - 5,
                                last_key=now - status.IDLE_S - 1)
    open_round = RoundState(open_through=1)
    assert status.stuck(playing, open_round, now) == "no key for 3 min"
    assert status.stuck(playing, None, now) == "no key for 3 min"  # a free class
    active = status.GameStatus(key="s", heartbeat=now - 5, last_key=now - 30)
    assert status.stuck(active, open_round, now) is None
    # waiting for the round, the class paused, the tab closed, the game over: not stuck
    done = status.GameStatus(key="s", quarter=1, heartbeat=now - 5, last_key=now - 900)
    assert status.stuck(done, open_round, now) is None
    paused = RoundState(open_through=1, paused=True)
    assert status.stuck(playing, paused, now) is None
    closed = status.GameStatus(key="s", heartbeat=now - status.CLOSED_AFTER_S - 1,
                               last_key=now - 900)
    assert status.stuck(closed, open_round, now) is None and not closed.is_open(now)
    over = status.GameStatus(key="s", running=False, heartbeat=now, last_key=now - 900)
    assert status.stuck(over, open_round, now) is None
    event = status.GameStatus(key="s", heartbeat=now, last_key=now - 10, pending=("Chips",),
                              pending_since=now - status.EVENT_WAIT_S)
    assert status.stuck(event, open_round, now) == "an event waits for a choice (5 min)"


# --- broadcasts -------------------------------------------------------------------------------


def test_a_message_is_kept_as_written_and_a_bad_one_is_one_line(klass, capsys):
    made = broadcast.add_broadcast(klass, "  Ten minutes left " + HOSTILE + "  ")
    assert made.text == "Ten minutes left [/b][@click=app.quit][31m<b>Ada</b>"
    assert broadcast.read_broadcasts(klass) == [made]
    for text, said in (("   ", "a message needs some text"),
                       ("x" * 501, "at most 500 characters (this one has 501)")):
        with pytest.raises(ClassError, match=re.escape(said)):
            broadcast.add_broadcast(klass, text)
    assert main(["class", "broadcast", str(klass), "Back in 5", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["text"] == "Back in 5"
    assert main(["class", "broadcast", str(klass), "Hands up"]) == 0
    assert "every open game of" in capsys.readouterr().out
    for args, said in (([str(klass), ""], "a message needs some text"),
                       ([str(klass.parent / "nowhere"), "hi"], "no such class folder")):
        assert main(["class", "broadcast", *args]) == 1
        err = capsys.readouterr().err
        assert said in err and err.count("\n") == 1
    broadcast.broadcasts_path(klass).write_text("[[broadcast]]\nid = 3\n")
    with pytest.raises(ClassError, match=r"broadcasts.toml: broadcast 1 needs an id"):
        broadcast.read_broadcasts(klass)


def test_two_instructors_sending_at_once_both_land(klass):
    texts = [f"message {n}" for n in range(20)]
    threads = [threading.Thread(target=broadcast.add_broadcast, args=(klass, t)) for t in texts]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(b.text for b in broadcast.read_broadcasts(klass)) == sorted(texts)


def test_a_game_shows_each_message_once_and_not_those_long_before_it_opened(klass):
    old = broadcast.add_broadcast(klass, "from the last lesson")
    recent = broadcast.add_broadcast(klass, "just said")
    rows = broadcast.read_broadcasts(klass)
    text = broadcast.broadcasts_path(klass).read_text()
    text = text.replace(f"{old.time:%Y-%m-%d %H:%M:%S}",
                        f"{old.time - timedelta(hours=2):%Y-%m-%d %H:%M:%S}", 1)
    broadcast.broadcasts_path(klass).write_text(text)
    assert len(rows) == 2
    watcher = broadcast.BroadcastWatcher(klass, began=utc_now())
    assert [b.text for b in watcher.new()] == [recent.text]
    assert watcher.new() == []  # unchanged: a stat, no read
    broadcast.add_broadcast(klass, "new")
    assert [b.text for b in watcher.new()] == ["new"]
    assert watcher.new() == []
    broadcast.broadcasts_path(klass).write_text("not toml [")
    assert watcher.new() == []  # a broken file stops no game


# --- the game's side --------------------------------------------------------------------------


async def test_a_joined_student_s_game_says_its_status_and_shows_messages_as_written(
        content, klass):
    from textual.widgets import Input

    from game.commands.play import class_roster, class_settings
    from game.ui.app import FrontierLab
    from game.ui.class_live import TITLE
    from game.ui.new_game import NewGameModal
    from game.ui.screens import GameScreen

    ada = class_roster(klass)[0]
    scenario, seed, key, hidden = class_settings(klass, None, None)
    app = FrontierLab(content, klass, class_dir=klass, fixed=(scenario, seed), class_key=key,
                      secret_seed=hidden, roster=class_roster(klass))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        app.screen.query_one("#join-code", Input).value = ada.code
        await pilot.press("enter")
        for _ in range(200):
            if isinstance(app.screen, NewGameModal):
                break
            await pilot.pause(0.05)
        await pilot.press(*"Analytical", "enter")
        for _ in range(400):
            got = status.read_statuses(klass)
            if got and got[0].lab == "Analytical":
                break
            await pilot.pause(0.05)
        [got] = status.read_statuses(klass)
        assert got.key == ada.id and got.name == "Ada Lovelace" and got.last_key > 0
        assert got.student == ada.id
        made = broadcast.add_broadcast(klass, "Five minutes " + HOSTILE)
        for _ in range(400):  # polled every POLL_S seconds
            shown = [n for n in app._notifications if n.title == TITLE]
            if shown:
                break
            await pilot.pause(0.05)
        assert [n.message for n in shown] == [made.text] and not shown[0].markup
        assert shown[0].timeout >= 20 and app.is_running
        assert isinstance(app.screen, GameScreen) or app.screen.is_modal


def test_the_guide_says_what_the_dashboard_does_with_the_code_s_figures():
    from game.commands.dashboard_web import WRONG_LIMIT

    guide = (Path(__file__).parents[1] / "docs" / "CLASSROOM.md").read_text(encoding="utf-8")
    section = guide.split("## The instructor's dashboard", 1)[1].split("\n## ", 1)[0]
    for said in (f"no key for {status.IDLE_S / 60:.0f} minutes",
                 f"waited for\ntheir choice for {status.EVENT_WAIT_S / 60:.0f} minutes",
                 f"no\nheartbeat for {status.CLOSED_AFTER_S:.0f} s",
                 f"(at most every {status.MIN_WRITE_S:.0f} seconds)",
                 f"at least every {status.HEARTBEAT_S:.0f} seconds",
                 f"within {broadcast.POLL_S:.0f} seconds",
                 f"stays up {broadcast.SHOWN_S:.0f} seconds",
                 f"in the next {broadcast.RECENT_S / 60:.0f} minutes",
                 f"after {WRONG_LIMIT} wrong tries in a minute"):
        assert said.replace("\n", " ") in " ".join(section.split()), said
