"""The class report: verified, ranked, flagged with reasons, CSV and one offline HTML file."""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from game.bots.strategies import STRATEGIES
from game.classroom import report as rp
from game.classroom import report_files
from game.classroom.secret import read_secret
from game.cli import main
from game.packs import load_content
from game.session.game import Game
from game.session.saves.reader import read_save
from game.session.saves.writer import write_save
from game.session.store import save_game

SCENARIO = "ipo-window"


@pytest.fixture(scope="module")
def content():
    return load_content()


def _bot_save(content, folder: Path, strategy: str, seed: int, lab: str | None = None,
              scenario: str = SCENARIO, key: bytes | None = None) -> Path:
    """A bot's game saved in ``folder`` (signed with ``key``, as a class's server signs)."""
    game = Game(content, scenario, seed, lab or f"{strategy} {seed}")
    game.autoplay(STRATEGIES[strategy])
    return save_game(game, folder, key=key)


def _tamper(path: Path) -> None:
    """A student's edit: more cash in the third quarter's history (the seal no longer fits)."""
    save = read_save(path)
    save.history[2]["cash"] += 50.0
    write_save(path, save)


def _other_scenario(content, folder: Path) -> Path:
    """A save of another scenario: a real one when the packs have one, else a relabelled save."""
    other = next((s for s in sorted(content.scenarios) if s != SCENARIO), None)
    if other is not None:
        return _bot_save(content, folder, "balanced", 99, "Elsewhere", scenario=other)
    path = _bot_save(content, folder, "balanced", 99, "Elsewhere")
    save = read_save(path)
    save.scenario = "price-war"
    write_save(path, save)
    return path


@pytest.fixture(scope="module")
def class_of_30(content, tmp_path_factory) -> tuple[Path, Path, Path]:
    folder = tmp_path_factory.mktemp("class30")
    strategies = sorted(STRATEGIES)
    made = [_bot_save(content, folder, strategies[i % 5], 100 + i) for i in range(29)]
    tampered = made[7]
    _tamper(tampered)
    other = _other_scenario(content, folder)
    assert len(list(folder.glob("*.toml"))) == 30
    return folder, tampered, other


@pytest.fixture(scope="module")
def report_of_30(class_of_30, tmp_path_factory) -> tuple[Path, dict, float]:
    """``frontier-lab class report`` over the class of 30: the folder, the JSON, the seconds."""
    import contextlib
    import io

    folder, _, _ = class_of_30
    out = tmp_path_factory.mktemp("report30") / "report"
    buf = io.StringIO()
    t0 = time.perf_counter()
    with contextlib.redirect_stdout(buf):
        code = main(["class", "report", str(folder), "--out", str(out), "--format", "json"])
    seconds = time.perf_counter() - t0
    assert code == 0
    return out, json.loads(buf.getvalue()), seconds


def test_a_report_over_30_saves_ranks_28_flags_2_and_is_fast(class_of_30, report_of_30):
    _, tampered, other = class_of_30
    out, summary, seconds = report_of_30
    assert seconds <= 10.0, f"the report took {seconds:.1f} s"
    assert summary["saves"] == 30 and summary["ranked"] == 28 and summary["flagged"] == 2
    assert summary["scenario"] == SCENARIO
    reasons = {Path(f["file"]).name: f["reason"] for f in summary["flagged_saves"]}
    assert "the record was changed" in reasons[tampered.name]
    assert reasons[other.name].startswith("another scenario")
    ranks = [row["rank"] for row in summary["leaderboard"]]
    assert ranks == sorted(ranks) and ranks[0] == 1
    scores = [row["score"] for row in summary["leaderboard"]]
    assert scores == sorted(scores, reverse=True)
    assert sum(summary["outcomes"].values()) == 28
    assert {q["quartile"] for q in summary["quartiles"]} == {"Q1", "Q2", "Q3", "Q4"}
    assert summary["concepts"], "bots meet concepts through events"

    names = {p.name for p in out.iterdir()}
    assert {"leaderboard.csv", "flagged.csv", "outcomes.csv", "timeline.csv",
            "decisions_by_quartile.csv", "concepts.csv", "summary.json", "report.html"} <= names
    # a byte-order mark first: Excel on Windows then reads the file as UTF-8
    assert (out / "leaderboard.csv").read_bytes().startswith(b"\xef\xbb\xbfrank,student,")
    with open(out / "leaderboard.csv", newline="", encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 28 and rows[0]["rank"] == "1"
    assert all(0.0 <= float(r["capex_share"]) <= 1.0 for r in rows if r["capex_share"])
    with open(out / "timeline.csv", newline="", encoding="utf-8-sig") as f:
        timeline = list(csv.DictReader(f))
    assert {"cash", "sentiment", "capability", "date"} <= set(timeline[0])
    assert len({r["file"] for r in timeline}) == 28

    page = (out / "report.html").read_text(encoding="utf-8")
    _assert_offline(page)
    # leaderboard, outcomes, three series, two decisions, concepts
    assert page.count('class="chart"') >= 8
    assert tampered.name in page and "another scenario" in page


def _assert_offline(page: str) -> None:
    """No script, stylesheet, image or frame comes from the network."""
    assert not re.search(r"<script[^>]*\bsrc=", page, re.I)
    assert not re.search(r"<link[^>]*\bhref=[\"']?(https?:)?//", page, re.I)
    assert not re.search(r"<(img|iframe)[^>]*\bsrc=[\"']?(https?:)?//", page, re.I)
    assert "Plotly.newPlot" in page and "plotly.js" in page


def test_the_report_html_draws_its_charts_with_the_network_off(report_of_30):
    chromium = Path("/usr/bin/chromium")
    if not chromium.exists():
        pytest.skip("Debian's chromium is not installed (apt-get install -y chromium)")
    sync_api = pytest.importorskip("playwright.sync_api",
                                   reason="the playwright Python package is not installed")
    page_file = report_of_30[0] / "report.html"
    charts = page_file.read_text(encoding="utf-8").count('class="chart"')
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(chromium), args=["--no-sandbox"])
        try:
            page = browser.new_page()
            requests: list[str] = []

            def only_the_file(route) -> None:
                if route.request.url.startswith("file:"):
                    route.continue_()
                else:
                    requests.append(route.request.url)
                    route.abort()

            page.route("**/*", only_the_file)
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(page_file.as_uri())
            page.wait_for_function(
                f"document.querySelectorAll('.js-plotly-plot .main-svg').length >= {charts}",
                timeout=20_000)
            assert page.locator(".js-plotly-plot").count() == charts
            assert page.locator(".js-plotly-plot .bars, .js-plotly-plot .scatterlayer").count()
        finally:
            browser.close()
    assert requests == [] and errors == []


def test_flags_unreadable_copied_and_other_seed_saves(content, tmp_path):
    folder = tmp_path / "class"
    folder.mkdir()
    a = _bot_save(content, folder, "cloud", 5, "Ada")
    _bot_save(content, folder, "frugal", 5, "Bob")
    odd = _bot_save(content, folder, "balanced", 6, "Cy")
    (folder / "copy.ipo-window.toml").write_bytes(a.read_bytes())
    (folder / "junk.ipo-window.toml").write_text("this is not a save", encoding="utf-8")
    (folder / "notes.txt").write_text("not a save either", encoding="utf-8")
    calls: list[tuple[int, int]] = []
    report = rp.build([folder], content, seed=5, progress=lambda d, t, n: calls.append((d, t)))
    assert calls[-1] == (5, 5) and len(calls) == 5
    assert [e.lab for e in report.ranked] in (["Ada", "Bob"], ["Bob", "Ada"])
    reasons = {e.file: e.reason for e in report.flagged}
    assert reasons["junk.ipo-window.toml"].startswith("unreadable")
    assert reasons[odd.name].startswith("another seed: 6")
    copy = reasons.get("copy.ipo-window.toml") or reasons.get(a.name)
    assert copy and copy.startswith("a copy of")
    # without a class seed, other seeds are ranked
    assert len(rp.build([folder], content).ranked) == 3


def test_a_class_folders_settings_choose_scenario_and_seed(content, tmp_path, capsys):
    class_dir = tmp_path / "period3"
    assert main(["class", "new", str(class_dir), "--seed", "5"]) == 0
    key = read_secret(class_dir).key
    _bot_save(content, class_dir, "cloud", 5, "Ada", key=key)
    _bot_save(content, class_dir, "cloud", 9, "Late", key=key)
    capsys.readouterr()
    assert main(["class", "report", str(class_dir), "--out", str(tmp_path / "r"),
                 "--format", "json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["seed"] == 5 and summary["ranked"] == 1
    assert summary["flagged_saves"][0]["reason"].startswith("another seed: 9")


def test_names_from_saves_are_escaped_in_html_and_csv(content, tmp_path):
    folder = tmp_path / "class"
    folder.mkdir()
    _bot_save(content, folder, "cloud", 5, "</script><b>x</b>")
    _bot_save(content, folder, "frugal", 5, "=HYPERLINK(\"http://x\")")
    report = rp.build([folder], content)
    out = tmp_path / "r"
    report_files.write(report, out, content)
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "</script><b>" not in page and "<b>x</b>" not in page
    assert "&lt;/script&gt;&lt;b&gt;x&lt;/b&gt;" in page
    text = (out / "leaderboard.csv").read_text(encoding="utf-8")
    assert "'=HYPERLINK" in text


def test_decision_measures_follow_their_definitions(content):
    cloud = Game(content, SCENARIO, 5, "c")
    cloud.autoplay(STRATEGIES["cloud"])
    builder = Game(content, SCENARIO, 5, "b")
    builder.autoplay(STRATEGIES["builder"])
    dc, db = rp.decisions(cloud), rp.decisions(builder)
    assert 0.0 <= dc["capex_share"] < db["capex_share"] <= 1.0  # the cloud bot never buys GPUs
    assert db["rented_share"] < dc["rented_share"] <= 1.0
    planned = [r.plan["training"] for r in cloud.log]  # the mean of the plans' training shares
    assert dc["training_share"] == pytest.approx(sum(planned) / len(planned))
    assert 0.0 < dc["training_share"] < 1.0


def test_report_errors_are_one_line(tmp_path, capsys):
    assert main(["class", "report", str(tmp_path / "nope"), "--out", str(tmp_path / "r")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no such file or folder" in err
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["class", "report", str(empty), "--out", str(tmp_path / "r")]) == 1
    assert "no saves found" in capsys.readouterr().err
    assert main(["class", "report", str(empty), "--out", str(tmp_path / "r"),
                 "--scenario", "ipo-windw"]) == 1
    assert "did you mean 'ipo-window'" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        main(["class", "report", str(empty)])  # --out is required
    assert exc.value.code == 2


def test_progress_is_quiet_when_piped(content, tmp_path):
    folder = tmp_path / "class"
    folder.mkdir()
    for strategy in ("cloud", "frugal"):
        _bot_save(content, folder, strategy, 5)
    (folder / "junk.ipo-window.toml").write_text("not a save", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "game", "class", "report", str(folder), "--out",
         str(tmp_path / "r")], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert "3 saves, 2 ranked, 1 flagged" in done.stdout
    assert "flagged junk.ipo-window.toml: unreadable" in done.stdout
