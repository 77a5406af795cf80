"""Saves that verify themselves: simulate --save, replay, tampering, other content, listing."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from game.cli import main
from game.packs import DEFAULT_SCENARIO, load_content
from game.session.game import Game
from game.session.saves.reader import read_save
from game.session.store import load_game, save_game, verify

FIXTURES = Path(__file__).parent / "fixtures" / "saves"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def content():
    return load_content()


@pytest.fixture
def bot_save(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    path = tmp_path / "bot.toml"
    code, _, err = run(capsys, "simulate", "--strategy", "researcher", "--seed", "3", "--save",
                       str(path))
    assert code == 0, err
    return path


def test_a_bot_game_saves_and_verifies(bot_save: Path, capsys) -> None:
    code, out, err = run(capsys, "replay", str(bot_save), "--format", "json")
    assert code == 0, err
    doc = json.loads(out)
    assert set(doc) == {"save", "verified", "problems", "outcome", "score"}
    assert doc["verified"] is True and doc["problems"] == []
    save = read_save(bot_save)
    assert doc["outcome"] == save.outcome and doc["score"] == save.score
    code, out, _ = run(capsys, "replay", str(bot_save))
    assert code == 0 and "verified" in out


def test_the_saved_bot_game_is_world_zero_of_simulate(bot_save: Path, capsys) -> None:
    _, out, _ = run(capsys, "simulate", "--strategy", "researcher", "--seed", "3", "--format",
                    "json")
    world = json.loads(out)["results"][0]
    save = read_save(bot_save)
    assert save.outcome == world["outcome"] and save.score == world["score"]


def _edit(path: Path, pattern: str, repl: str, count: int = 1) -> None:
    text = path.read_text()
    new = re.sub(pattern, repl, text, count=count, flags=re.M)
    assert new != text, pattern
    path.write_text(new)


@pytest.mark.parametrize(("what", "pattern", "repl", "quarter"), [
    # the fourth quarter's cash in the history
    ("history", r"^(cash = )([0-9.]+)", None, 3),
    # a plan's price in the third quarter's action log
    ("plan", r"^(price = )([0-9.]+)", None, 2),
])
def test_changing_any_number_names_the_first_quarter_that_differs(
        bot_save: Path, capsys, content, what: str, pattern: str, repl: str | None,
        quarter: int) -> None:
    text = bot_save.read_text()
    matches = list(re.finditer(pattern, text, flags=re.M))
    # history tables and plans appear once per quarter, in quarter order
    m = matches[quarter]
    bumped = f"{float(m.group(2)) * 1.001 + 0.01!r}"
    bot_save.write_text(text[:m.start(2)] + bumped + text[m.end(2):])
    code, out, _ = run(capsys, "replay", str(bot_save), "--format", "json")
    doc = json.loads(out)
    assert code == 1 and doc["verified"] is False
    label = Game(content, DEFAULT_SCENARIO, 3).calendar(quarter)
    assert doc["problems"][0].startswith(label), doc["problems"]


def test_a_changed_choice_is_caught(bot_save: Path, capsys) -> None:
    text = bot_save.read_text()
    m = re.search(r'choice = (\d+)', text)
    assert m is not None
    other = "1" if m.group(1) == "0" else "0"
    bot_save.write_text(text[:m.start(1)] + other + text[m.end(1):])
    code, out, _ = run(capsys, "replay", str(bot_save), "--format", "json")
    assert code == 1 and json.loads(out)["verified"] is False


def test_a_save_made_with_other_content_names_the_pack(bot_save: Path, capsys) -> None:
    _edit(bot_save, r'(hash = ")([0-9a-f]+)(")', r"\g<1>0123456789abcdef\g<3>")
    code, out, _ = run(capsys, "replay", str(bot_save), "--format", "json")
    doc = json.loads(out)
    assert code == 1
    assert "different content" in doc["problems"][0] and "'base'" in doc["problems"][0]


def test_unreadable_saves_are_one_line_errors(tmp_path: Path, capsys) -> None:
    for name, data in (("empty.toml", b""), ("binary.toml", bytes(range(256)) * 4),
                       ("cut.toml", b'format_version = 1\nscenario = "ipo-win')):
        path = tmp_path / name
        path.write_bytes(data)
        code, out, err = run(capsys, "replay", str(path))
        assert code == 1 and out == ""
        assert err.count("\n") == 1 and name in err and "Traceback" not in err


def test_a_game_loads_exactly_as_it_was(content, tmp_path: Path) -> None:
    game = Game(content, DEFAULT_SCENARIO, 12, "Loader Labs")
    for _ in range(5):
        for event in game.pending:
            if event.needs_choice:
                game.choose(event.id, next(c.index for c in event.choices if c.available))
        game.end_quarter()
    path = save_game(game, tmp_path)
    loaded = load_game(path, content)
    assert loaded.history == game.history and loaded.quarter == game.quarter
    assert [p.id for p in loaded.pending] == [p.id for p in game.pending]
    assert loaded.lab == "Loader Labs" and loaded.created == read_save(path).created
    # saving again keeps the previous version as .bak
    save_game(loaded, tmp_path)
    assert path.with_name(path.name + ".bak").exists()


def test_saves_are_listed(bot_save: Path, tmp_path: Path, capsys) -> None:
    (tmp_path / "junk.toml").write_text("not = [a save")
    code, out, _ = run(capsys, "saves", "--saves", str(tmp_path), "--format", "json")
    assert code == 0
    rows = json.loads(out)["saves"]
    good = [r for r in rows if not r["error"]]
    bad = [r for r in rows if r["error"]]
    assert [r["lab"] for r in good] == ["researcher bot"] and good[0]["scenario"] == "ipo-window"
    assert len(bad) == 1 and bad[0]["file"].endswith("junk.toml")
    code, out, _ = run(capsys, "saves", "--saves", str(tmp_path))
    assert code == 0 and "researcher bot" in out and "damaged" in out


def test_every_shipped_format_version_still_reads(content) -> None:
    """A fixture of each save format this project has shipped reads and replays; its verdict
    against today's content either verifies or names the content that changed."""
    fixtures = sorted(FIXTURES.glob("v*.toml"))
    assert fixtures, "keep a save of every format version shipped in tests/fixtures/saves"
    for path in fixtures:
        save = read_save(path)
        result = verify(path, content)
        assert result.game is not None and len(save.log) > 0
        assert result.verified or "content" in result.problems[0], result.problems


def test_simulate_save_needs_one_world(tmp_path: Path, capsys) -> None:
    code, _, err = run(capsys, "simulate", "--worlds", "5", "--save", str(tmp_path / "x.toml"))
    assert code == 1 and "--worlds 1" in err


@pytest.mark.parametrize("argv", [
    ("replay", "/nonexistent/save.toml"),
    ("play", "--load", "/nonexistent/save.toml"),
    ("play", "--scenario", "no-such-scenario"),
    ("play", "--class", "/nonexistent/class"),
])
def test_bad_command_line_input_is_one_line(argv: tuple[str, ...], capsys) -> None:
    code, out, err = run(capsys, *argv)
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and "Traceback" not in err
