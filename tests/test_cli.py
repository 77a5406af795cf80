"""The command line as a user meets it: tables, the JSON contract, exit codes, one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from game.cli import main

RESULT_KEYS = {"world", "outcome", "quarter_ended", "cash", "valuation", "ipo_valuation",
               "ownership", "capability", "score"}


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exc:  # argparse exits for usage errors
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_simulate_table_reads_quarter_by_quarter(capsys: pytest.CaptureFixture[str]) -> None:
    """One world prints a table with the columns a newcomer needs and the outcome."""
    code, out, err = run(capsys, "simulate", "--strategy", "balanced", "--seed", "7")
    assert code == 0, err
    for column in ("Quarter", "Cash", "Revenue", "Burn", "Runway", "Sentiment", "Valuation",
                   "you / Gemini / Claude"):
        assert column in out
    assert "2026Q1" in out
    assert "Outcome:" in out


def test_simulate_json_contract_and_world_order(capsys: pytest.CaptureFixture[str]) -> None:
    """--format json has the §8 keys and one result per world, in world order."""
    code, out, _ = run(capsys, "simulate", "--worlds", "50", "--seed", "7", "--format", "json")
    assert code == 0
    doc = json.loads(out)
    assert {"scenario", "seed", "strategy", "worlds", "quarters", "summary", "results"} <= set(doc)
    assert doc["worlds"] == 50 and len(doc["results"]) == 50
    assert [r["world"] for r in doc["results"]] == list(range(50))
    assert all(set(r) == RESULT_KEYS for r in doc["results"])
    assert sum(doc["summary"]["outcomes"].values()) == 50


def test_world_k_is_the_same_whatever_the_batch(capsys: pytest.CaptureFixture[str]) -> None:
    """results[k] of a 10,000-world run equal those of a 100-world run for every k < 100."""
    _, small, _ = run(capsys, "simulate", "--worlds", "100", "--seed", "7", "--format", "json")
    _, large, _ = run(capsys, "simulate", "--worlds", "10000", "--seed", "7", "--format", "json")
    assert json.loads(large)["results"][:100] == json.loads(small)["results"]


def test_identical_runs_print_identical_json(capsys: pytest.CaptureFixture[str]) -> None:
    """Two identical commands print byte-identical JSON."""
    args = ("simulate", "--worlds", "200", "--seed", "11", "--strategy", "cloud", "--format",
            "json")
    _, first, _ = run(capsys, *args)
    _, second, _ = run(capsys, *args)
    assert first == second


@pytest.mark.parametrize(
    "argv",
    [
        ["simulate", "--worlds", "abc"],
        ["simulate", "--worlds", "0"],
        ["simulate", "--seed", "-1"],
        ["simulate", "--strategy", "yolo"],
        ["simulate", "--quarters", "99"],
        ["simulate", "--format", "xml"],
        ["simulate", "--nonsense"],
        ["launch-rockets"],
        ["bench", "--worlds", "1e9"],
        ["bench", "--rounds", "0"],
    ],
)
def test_bad_flags_are_one_line_usage_errors(
    capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    """Usage mistakes exit 2 with a single line on stderr, and no traceback."""
    code, _, err = run(capsys, *argv)
    assert code == 2
    assert len(err.strip().splitlines()) == 1, err
    assert "Traceback" not in err and "--help" in err


def test_unknown_scenario_names_the_known_ones(capsys: pytest.CaptureFixture[str]) -> None:
    """A scenario that does not exist is a user error (exit 1) with a suggestion."""
    code, _, err = run(capsys, "simulate", "--scenario", "ipo-windw")
    assert code == 1
    assert "did you mean 'ipo-window'" in err and "Traceback" not in err


def write(tmp_path: Path, text: str | bytes, name: str = "plan.toml") -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    return path


def test_a_good_plan_file_plays(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """--plan plays a fixed plan every quarter."""
    plan = write(tmp_path, "training = 0.3\ninference = 0.55\nresearch = 0.15\n"
                           "lease_h100e = 100000\n[gpu_orders]\nB200 = 20000\n")
    code, out, err = run(capsys, "simulate", "--plan", str(plan))
    assert code == 0, err
    assert "plan:plan.toml" in out


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("trainign = 0.3\n", "unknown key 'trainign' (did you mean 'training'?)"),
        ("training = 0.3\ninference = 0.3\nresearch = 0.3\n", "sums to 90%"),
        ("[gpu_orders]\nB200 = -5\n", "zero or more"),
        ("[gpu_orders]\nB20O = 5\n", "did you mean 'B200'"),
        ("[gpu_orders]\nB200 = 4000000\n", "costs $"),
        ("[gpu_orders]\nFeynman = 10\n", "not on sale until"),
        ("repay_debt = 100\n", "you owe $4.0B"),
        ("ipo = \"withdraw\"\n", "no IPO filing to withdraw"),
        ("training = [0.3\n", "TOML syntax"),
        (b"\xff\xfe\x00garbage", "not UTF-8"),
    ],
)
def test_bad_plan_files_name_the_file_and_exit_1(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, text: str | bytes, expected: str
) -> None:
    """Each problem in a plan file is reported against the file, exit 1, no traceback."""
    plan = write(tmp_path, text)
    code, _, err = run(capsys, "simulate", "--plan", str(plan))
    assert code == 1
    assert expected in err, err
    assert str(plan) in err and "Traceback" not in err


def test_plan_errors_carry_the_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """An unknown key is located at its line and column."""
    plan = write(tmp_path, "training = 0.35\n\nspotty = 3\n")
    _, _, err = run(capsys, "simulate", "--plan", str(plan))
    assert f"{plan}:3:1: unknown key 'spotty'" in err


def test_missing_plan_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """A plan path that does not exist is one line naming it."""
    code, _, err = run(capsys, "simulate", "--plan", str(tmp_path / "nope.toml"))
    assert code == 1 and "nope.toml" in err and len(err.strip().splitlines()) == 1


def test_bench_json_contract(capsys: pytest.CaptureFixture[str]) -> None:
    """bench --format json reports batch W and batch 1 from the same run."""
    code, out, _ = run(capsys, "bench", "--worlds", "200", "--quarters", "3", "--rounds", "2",
                       "--format", "json")
    assert code == 0
    doc = json.loads(out)
    assert set(doc) == {"worlds", "quarters", "seconds", "world_quarters_per_s", "batch1_step_ms",
                        "speedup_vs_batch1", "peak_rss_mb",  # DESIGN.md §8, and what was stepped:
                        "stepped_world_quarters", "stepped_world_quarters_per_s",
                        "rounds", "spread"}  # and how the machine's noise was handled
    assert doc["worlds"] == 200 and doc["world_quarters_per_s"] > 0 and doc["batch1_step_ms"] > 0
    # The fastest round counts, and the spread lists every round's own figure, slowest first.
    assert doc["rounds"] == 2
    rates, medians = doc["spread"]["world_quarters_per_s"], doc["spread"]["batch1_step_ms"]
    assert len(rates) == len(medians) == 2
    assert rates == sorted(rates) and rates[-1] == doc["world_quarters_per_s"]
    assert medians == sorted(medians, reverse=True)
    # Each quarter's fastest timing is no slower than that quarter in any round, so neither is
    # their median than any round's median.
    assert doc["batch1_step_ms"] <= medians[-1]
    # Three quarters: every game still runs, so the engine stepped every world-quarter.
    assert doc["stepped_world_quarters"] == 200 * 3


def test_python_dash_m_game_runs_without_traceback() -> None:
    """`python -m game` is the same program as the console script."""
    proc = subprocess.run([sys.executable, "-m", "game", "simulate", "--worlds", "3", "--format",
                           "json"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["worlds"] == 3


HEADLESS = ["game.engine", "game.packs", "game.bots", "game.cli", "game.commands.simulate"]


@pytest.mark.parametrize("module", HEADLESS)
def test_headless_modules_never_import_textual(module: str) -> None:
    """The engine, packs, bots and command line load without Textual (DESIGN.md §1)."""
    code = f"import sys, {module}; sys.exit(1 if 'textual' in sys.modules else 0)"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0, f"{module} imported textual: {proc.stderr}"


def test_saves_before_or_after_the_command_and_a_missing_folder(tmp_path, capsys) -> None:
    from game.bots import STRATEGIES
    from game.packs import DEFAULT_SCENARIO, load_content
    from game.session.game import Game
    from game.session.store import save_game

    game = Game(load_content(), DEFAULT_SCENARIO, seed=2, lab="Esc \x1b[2J Labs")
    game.autoplay(STRATEGIES["cloud"], 1)
    save_game(game, tmp_path)
    for argv in (["--saves", str(tmp_path), "saves"], ["saves", "--saves", str(tmp_path)]):
        assert main(argv) == 0
        out = capsys.readouterr().out
        assert "Esc [2J Labs" in out and "\x1b" not in out, argv
    assert main(["saves", "--saves", str(tmp_path / "nowhere")]) == 1
    assert "no such folder" in capsys.readouterr().err
    assert main(["saves", "--saves", str(next(tmp_path.glob("*.toml")))]) == 1
    assert "not a folder" in capsys.readouterr().err


def test_saves_says_what_replaying_each_save_found(tmp_path, capsys) -> None:
    """verified, edited (a forged outcome) and damaged, in text and in JSON."""
    from game.packs import DEFAULT_SCENARIO, load_content
    from game.session.game import Game
    from game.session.store import save_game

    game = Game(load_content(), DEFAULT_SCENARIO, seed=2, lab="Honest Labs")
    game.end_quarter(auto_choose=True)
    honest = save_game(game, tmp_path)
    forged = tmp_path / "forged.toml"
    forged.write_text(honest.read_text().replace('outcome = "running"', 'outcome = "ipo"'))
    (tmp_path / "junk.toml").write_text("not = [a save\n")
    assert main(["saves", "--saves", str(tmp_path), "--format", "json"]) == 0
    listed = {Path(s["file"]).name: s for s in json.loads(capsys.readouterr().out)["saves"]}
    assert listed[honest.name]["status"] == "verified"
    assert listed["forged.toml"]["status"] == "edited"
    assert "outcome" in listed["forged.toml"]["why"]
    assert listed["junk.toml"]["status"] == "damaged"
    assert main(["saves", "--saves", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "· verified" in out and "EDITED: " in out and "damaged: " in out


def test_play_takes_saves_before_or_after_the_command() -> None:
    from game.cli import build_parser

    parser = build_parser()
    for argv in (["--saves", "X", "play"], ["play", "--saves", "X"], ["--saves", "X"]):
        assert str(parser.parse_args(argv).saves) == "X", argv
    assert parser.parse_args(["play"]).saves is None
