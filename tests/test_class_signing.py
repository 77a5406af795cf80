"""A class's games are signed by the class's server, and the report ranks only those: the three
cheats a student found (a live event given to oneself, a rehearsal with the class's luck and a
back-dated save, a classmate's save copied and renamed) and a resealed save with its events
emptied are each refused or flagged, with the reason."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import stat
from pathlib import Path

import pytest

from game.bots.strategies import STRATEGIES
from game.classroom import folder
from game.classroom import report as rp
from game.classroom.secret import read_secret, secret_path
from game.cli import main
from game.packs import load_content
from game.session.game import Game
from game.session.saves.reader import read_save
from game.session.saves.writer import write_save
from game.session.store import save_game, seal, verify

EVENT = "base.vendor_allocation_cut"


@pytest.fixture(scope="module")
def content():
    return load_content()


@pytest.fixture
def klass(tmp_path, capsys) -> Path:
    """A class made as an instructor makes one: a secret seed, and its key."""
    class_dir = tmp_path / "period3"
    assert main(["class", "new", str(class_dir), "--name", "Period 3"]) == 0
    capsys.readouterr()
    return class_dir


def _server_game(content, class_dir: Path, lab: str, strategy: str = "balanced",
                 quarters: int | None = None) -> Path:
    """A game as the class's server plays it: the class's scenario and secret seed, signed."""
    settings, secret = folder.read_settings(class_dir), read_secret(class_dir)
    assert settings is not None and secret is not None and secret.seed is not None
    game = Game(content, settings.scenario, secret.seed, lab)
    if quarters is None:
        game.autoplay(STRATEGIES[strategy])
    else:
        for _ in range(quarters):
            game.end_quarter(auto_choose=True)
    return save_game(game, class_dir, key=secret.key)


def _report(class_dir: Path, tmp_path: Path, capsys) -> dict:
    capsys.readouterr()
    assert main(["class", "report", str(class_dir), "--out", str(tmp_path / "report"),
                 "--format", "json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_a_new_class_has_a_key_and_a_secret_seed_only_its_instructor_reads(klass, capsys):
    key_file = secret_path(klass)
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    secret = read_secret(klass)
    assert secret is not None and len(secret.key) == 32 and secret.seed is not None
    settings_text = (klass / ".class" / "class.toml").read_text(encoding="utf-8")
    assert "secret_seed = true" in settings_text and str(secret.seed) not in settings_text
    assert folder.read_settings(klass).seed is None
    assert main(["class", "show", str(klass)]) == 0
    assert "seed secret" in capsys.readouterr().out
    # a public seed, when the instructor asks for one
    assert main(["class", "new", str(klass), "--seed", "42", "--force"]) == 0
    assert folder.read_settings(klass).seed == 42 and read_secret(klass).seed is None


def test_a_student_cannot_rehearse_the_class_offline(klass, capsys, monkeypatch):
    """Without the instructor's account the key file cannot be read: `play --class` says the
    seed is the server's secret, exits 1, and no game starts."""
    real = Path.read_text

    def as_a_student(self, *args, **kwargs):
        if self == secret_path(klass):
            raise PermissionError(13, "Permission denied")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Path, "read_text", as_a_student)
    assert read_secret(klass) is None
    assert main(["play", "--class", str(klass)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "secret seed" in err and "browser" in err


def test_signed_games_rank_and_a_practice_game_is_listed_apart(content, klass, tmp_path,
                                                              capsys):
    ada = _server_game(content, klass, "Ada", "balanced")
    bo = _server_game(content, klass, "Bo", "frugal")
    practice = Game(content, "ipo-window", 2026, "Cy")  # at home: no key, a seed of one's own
    practice.autoplay(STRATEGIES["adaptive"])
    save_game(practice, klass)
    summary = _report(klass, tmp_path, capsys)
    assert sorted(Path(r["file"]).name for r in summary["leaderboard"]) == sorted(
        [ada.name, bo.name])
    assert summary["unsigned"] == 1
    assert "not signed by the class" in summary["unsigned_saves"][0]["reason"]
    assert (tmp_path / "report" / "unsigned.csv").read_text(encoding="utf-8").count("\n") == 2
    assert "Not signed by the class" in (tmp_path / "report" / "report.html").read_text(
        encoding="utf-8")


def test_cheat_a_live_event_given_to_oneself(content, klass, tmp_path, capsys, monkeypatch):
    """Game.inject called by a student: offline the game is unsigned; and a signed game whose
    log holds a live event the class never sent (defence in depth) is flagged."""
    own = Game(content, "ipo-window", 7, "Self Injector")
    own.inject(EVENT)
    own.autoplay(STRATEGIES["balanced"])
    save_game(own, klass)  # a student's own process: no key
    secret = read_secret(klass)
    server = Game(content, "ipo-window", secret.seed, "Injected On The Server")
    server.inject(EVENT)  # (as if the server had taken an event the class never sent)
    server.autoplay(STRATEGIES["balanced"])
    injected = save_game(server, klass, key=secret.key)
    honest = _server_game(content, klass, "Honest")
    summary = _report(klass, tmp_path, capsys)
    assert [Path(r["file"]).name for r in summary["leaderboard"]] == [honest.name]
    assert [s["lab"] for s in summary["unsigned_saves"]] == ["Self Injector"]
    flagged = {Path(f["file"]).name: f["reason"] for f in summary["flagged_saves"]}
    assert "took live events the class never sent: " + EVENT in flagged[injected.name]
    # the instructor sending it afterwards does not make it the class's: it came too late (a
    # second after the save, as a save's time is to the second and one sent within the second
    # the game was saved counts as sent by then)
    saved = read_save(injected).updated
    monkeypatch.setattr(folder, "utc_now", lambda: saved + dt.timedelta(seconds=1))
    folder.add_injection(klass, EVENT)
    report = rp.build([klass], content, key=secret.key,
                      injections=folder.read_injections(klass))
    assert injected.name in {e.file for e in report.flagged}


def test_cheat_hindsight_with_a_back_dated_save(content, klass, tmp_path, capsys):
    """A game played, its `created` moved back a day to pass for the student's first: the
    signature no longer checks, so it is not ranked; the honest game is."""
    honest = _server_game(content, klass, "Dee", "frugal")
    best = _server_game(content, klass, "Dee", "adaptive")  # the second, better attempt
    save = read_save(best)
    write_save(best, save.model_copy(update={"created": save.created - dt.timedelta(days=1)}))
    summary = _report(klass, tmp_path, capsys)
    assert [Path(r["file"]).name for r in summary["leaderboard"]] == [honest.name]
    reasons = {Path(u["file"]).name: u["reason"] for u in summary["unsigned_saves"]}
    assert "signature does not check" in reasons[best.name]


def test_cheat_a_classmates_save_copied_renamed_or_not(content, klass, tmp_path, capsys):
    original = _server_game(content, klass, "Eve", "balanced")
    renamed = klass / "mallory.ipo-window.toml"
    save = read_save(original)
    write_save(renamed, save.model_copy(update={"lab": "Mallory"}))
    verbatim = klass / "mallory-2.ipo-window.toml"
    shutil.copyfile(original, verbatim)
    summary = _report(klass, tmp_path, capsys)
    assert [Path(r["file"]).name for r in summary["leaderboard"]] == [original.name] or [
        Path(r["file"]).name for r in summary["leaderboard"]] == [verbatim.name]
    reasons = {Path(u["file"]).name: u["reason"] for u in summary["unsigned_saves"]}
    assert "signature does not check" in reasons[renamed.name]
    flagged = {Path(f["file"]).name: f["reason"] for f in summary["flagged_saves"]}
    copy = verbatim.name if verbatim.name in flagged else original.name
    assert flagged[copy].startswith("a copy of ")


def test_cheat_a_resealed_save_with_its_events_emptied(content, tmp_path):
    """Every quarter's events cleared and every seal recomputed: the replay's events differ
    from the (empty) record, so it does not verify (the check used to skip empty lists)."""
    game = Game(content, "ipo-window", 3, "Resealer")
    game.autoplay(STRATEGIES["balanced"])
    path = save_game(game, tmp_path)
    save = read_save(path)
    assert any(r.events for r in save.log)
    previous = ""
    for record, history in zip(save.log, save.history, strict=True):
        record.events = []
        previous = record.seal = seal(previous, record, history)
    write_save(path, save)
    result = verify(path, content)
    assert not result.verified
    assert "the recorded events (none) differ from the replay's" in result.problems[0]


async def test_the_class_server_signs_every_save_and_never_shows_the_secret_seed(content, klass):
    """`play --class` as the server runs it: the New game dialog says the seed is the class's
    secret, the game plays that seed, and its save is signed with the class's key."""
    from textual.widgets import Input, Static

    from game.commands.play import class_settings
    from game.session.saves import signature
    from game.ui.app import FrontierLab
    from game.ui.debrief import DebriefScreen
    from game.ui.modals import EventModal, NoticeModal, PreviewModal
    from game.ui.screens import GameScreen

    scenario, seed, key, hidden = class_settings(klass, None, None)
    assert hidden and key == read_secret(klass).key and seed == read_secret(klass).seed
    app = FrontierLab(content, klass, class_dir=klass, fixed=(scenario, seed), class_key=key,
                      secret_seed=hidden)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("n")
        await pilot.pause()
        shown = app.screen.query_one("#seed", Input).value
        assert str(seed) not in shown and "secret" in shown
        await pilot.press("A", "d", "a", "enter")
        for _ in range(400):
            if isinstance(app.screen, DebriefScreen):
                break
            if isinstance(app.screen, EventModal | NoticeModal):
                await pilot.press("enter")
            elif isinstance(app.screen, PreviewModal | GameScreen):
                await pilot.press("e")
            await pilot.pause()
        assert isinstance(app.screen, DebriefScreen)
        summary = str(app.screen.query_one("#summary", Static).content)
        assert "seed" not in summary and str(seed) not in summary
        game = app.screen.game
    assert game.seed == seed
    save = read_save(game.save_path)
    assert save.signed is not None and save.signed.game_id == game.game_id
    assert signature.signed_by(save, key)


def test_a_benchmark_bot_plays_the_class_and_is_signed(content, klass, tmp_path, capsys):
    """`simulate --class DIR --save` as the instructor: the class's scenario and secret seed,
    signed, so the report ranks the bot beside the students."""
    bot = klass / "balanced-bot.ipo-window.toml"
    assert main(["simulate", "--strategy", "balanced", "--class", str(klass), "--save",
                 str(bot), "--format", "json"]) == 0
    save = read_save(bot)
    assert save.seed == read_secret(klass).seed and save.signed is not None
    assert [r["lab"] for r in _report(klass, tmp_path, capsys)["leaderboard"]] == [
        "balanced bot"]
    assert main(["simulate", "--class", str(klass)]) == 1
    assert "--save" in capsys.readouterr().err
