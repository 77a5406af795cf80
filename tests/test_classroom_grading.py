"""The class report for a class with a roster: abandoned games, the same quarter, live events'
effects, grades for Canvas and Moodle, student pages with sources, pseudonyms for the projector,
and charts that stay readable at 60 labs."""

from __future__ import annotations

import csv
import html
import json
import time
from pathlib import Path

import pytest

from game.bots.strategies import STRATEGIES
from game.classroom import folder, grades, pseudonyms, report_charts, roster
from game.classroom import report as rp
from game.classroom.inject import apply_injections
from game.classroom.secret import read_secret
from game.cli import main
from game.packs import load_content
from game.session.game import Game
from game.session.store import save_game

SCENARIO = "ipo-window"
SEED = 11
EVENT = "base.vendor_allocation_cut"
HOSTILE = ['[/b][@click=app.quit]', '<script>alert("lab")</script>', 'Comma, "Quoted" Lab',
           'Two\nLines', "=SUM(A1)"]


@pytest.fixture(scope="module")
def content():
    return load_content()


def _make_class(content, class_dir: Path, n: int, names: list[str] | None = None,
                stop_at: dict[int, int] | None = None, missing: int = 0,
                paths: dict[int, tuple[str, int, str]] | None = None) -> dict[str, Game]:
    """A class of ``n`` signed bot games, one live event after their first quarters; the game
    of student ``i`` in ``stop_at`` stops after that many quarters; ``missing`` students of the
    roster play no game; ``paths``: student -> (first bot, its quarters, the bot after)."""
    assert main(["class", "new", str(class_dir), "--seed", str(SEED)]) == 0
    people = [(f"x-{i:02d}", (names[i] if names and i < len(names) else f"Student {i:02d}"))
              for i in range(n + missing)]
    students, _ = roster.add_students(class_dir, people)
    key = read_secret(class_dir).key
    plays = sorted(STRATEGIES)
    games: dict[str, Game] = {}
    for i, s in enumerate(students[:n]):
        lab = names[i] if names and i < len(names) else f"Lab {i:02d}"
        g = Game(content, SCENARIO, SEED, lab)
        g.student = s.id
        save_game(g, class_dir, path=class_dir / f"{s.id}.{SCENARIO}.toml", key=key)
        first, quarters, _ = (paths or {}).get(i, (plays[i % len(plays)], 1 + i % 3, ""))
        g.autoplay(STRATEGIES[first], quarters=quarters)
        games[s.id] = g
    folder.add_injection(class_dir, EVENT, note="the vendor squeeze")
    for i, g in enumerate(games.values()):
        apply_injections(g, class_dir)
        left = None if i not in (stop_at or {}) else max(0, stop_at[i] - g.quarter)
        then = (paths or {}).get(i, ("", 0, plays[(i // len(plays) + i) % len(plays)]))[2]
        g.autoplay(STRATEGIES[then], quarters=left)
        save_game(g, class_dir, key=key)
    return games


@pytest.fixture(scope="module")
def small_class(content, tmp_path_factory):
    """8 students with hostile names and labs; student 7 abandons after 2 quarters, student 6
    goes bankrupt; one more on the roster never plays."""
    class_dir = tmp_path_factory.mktemp("graded") / "period3"
    names = [*HOSTILE, "Ada Quillfeather", "Bob Zenkowski", "Cy Varnavides"]
    games = _make_class(content, class_dir, 8, names, stop_at={7: 2}, missing=1,
                        paths={6: ("adaptive", 2, "cloud")})  # Bob goes bankrupt
    out = class_dir / "report"
    assert main(["class", "report", str(class_dir), "--out", str(out), "--format", "json"]) == 0
    return class_dir, games, out


def _rows(path: Path) -> list[list[str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), f"{path.name} has no byte-order mark"
    with open(path, newline="", encoding="utf-8-sig") as f:
        return list(csv.reader(f))


def test_an_abandoned_game_ranks_below_finished_ones_even_with_a_higher_score(small_class):
    _, _games, out = small_class
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    board = summary["leaderboard"]
    quitter = next(r for r in board if r["student"] == "x-07")
    assert quitter["status"] == "abandoned" and quitter["quarters"] == 2
    assert summary["abandoned"] == 1
    finished = [r for r in board if r["status"] == "finished"]
    assert finished and all(r["rank"] < quitter["rank"] for r in finished)
    beaten = [r for r in finished if r["score"] < quitter["score"]]
    assert beaten, "a finished game with a lower score than the abandoned one (bankrupt: 0)"
    board_csv = _rows(out / "leaderboard.csv")
    status = board_csv[0].index("status")
    assert [r[status] for r in board_csv[1:] if r[1] == "x-07"] == ["abandoned"]


def test_the_labs_are_compared_at_the_same_quarter(content, small_class):
    class_dir, games, out = small_class
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    q = summary["at_quarter"]
    running = [g for g in games.values() if g.running and g.quarter > 2]
    expected = min((g.quarter for g in running), default=max(g.quarter for g in games.values()))
    assert q == expected
    rows = summary["same_quarter"]
    assert len(rows) == 8
    for row in rows:
        g = games[row["student"]]
        point = ([g.start, *g.history])[min(q, g.quarter)]
        if row["rank"] is not None:
            assert row["cash"] == pytest.approx(point["cash"])
            assert row["stake"] == pytest.approx(point["ownership"] * point["valuation"])
    ranked = [r for r in rows if r["rank"] is not None]
    assert [r["stake"] for r in ranked] == sorted((r["stake"] for r in ranked), reverse=True)
    quitter = next(r for r in rows if r["student"] == "x-07")
    assert quitter["rank"] is None and quitter["then"] == "stopped at quarter 2"
    # --at-quarter picks another quarter
    report = rp.build([class_dir], content, seed=SEED, one_per_lab=True,
                      key=read_secret(class_dir).key, at_quarter=1)
    assert report.at_quarter == 1 and report.at_label == "2026Q2"
    assert all(row["reached"] for row in report.same_quarter)


def test_the_live_event_names_the_lab_it_hurt_most(content, small_class):
    _, games, out = small_class
    title = next(ce.event.title for ce in content.events if ce.event.id == EVENT)
    hit = {}
    for sid, g in games.items():  # from each game's own ledger, as the Why? panel reads it
        k = next((k for k, r in enumerate(g.log) if EVENT in r.injected), None)
        if k is None:
            continue  # it stopped before the quarter the event would land in
        cost = float(g.ledgers[k].entries["cash"][title][0])
        hit[sid] = (round(cost, 6), cost / abs(([g.start, *g.history])[k]["cash"]))
    worst = {s for s in hit if hit[s] == min(hit.values())}
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    (event,) = summary["live_events"]
    assert event["event"] == EVENT and event["note"] == "the vendor squeeze"
    assert event["labs"] == len(hit) >= 7 and event["hurt_most"]["student"] in worst
    assert event["hurt_most"]["cash"] < 0
    page = (out / "report.html").read_text(encoding="utf-8")
    section = page.split('id="live-events"', 1)[1].split("<h2", 1)[0]
    named = html.escape(games[event["hurt_most"]["student"]].lab)
    assert 'Hurt most: <strong><span class="nm">' + named in section
    assert "the vendor squeeze" in section


def test_the_grade_files_import_into_canvas_and_moodle(small_class):
    _, _games, out = small_class
    title = "Frontier Lab: The IPO window"
    canvas = _rows(out / "grades-canvas.csv")
    assert canvas[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", title]
    assert canvas[1] == ["Points Possible", "", "", "", "", "100.00"]
    assert len(canvas) == 2 + 9  # every student of the roster, one row each
    decided = {r[0]: r for r in _rows(out / "grades.csv")[1:]}
    ada = next(r for r in canvas if r[2] == "x-05")
    assert ada == ["Ada Quillfeather", "", "x-05", "", "", decided["x-05"][5]]
    assert float(ada[5]) in (100.0, 90.0, 80.0, 70.0)  # by quartile, the default
    never = next(r for r in canvas if r[2] == "x-08")
    assert never[5] == ""  # on the roster, no game: empty, not 0
    assert decided["x-08"][6] == "no game in the class"
    moodle = _rows(out / "grades-moodle.csv")
    assert moodle[0] == ["ID number", "Full name", title]
    assert ["x-05", "Ada Quillfeather", ada[5]] in moodle and len(moodle) == 1 + 9
    # hostile names stay one cell each (quotes, commas and newlines quoted; formulas defused)
    names = {r[2]: r[0] for r in canvas[2:]}
    assert names["x-02"] == 'Comma, "Quoted" Lab' and names["x-04"] == "'=SUM(A1)"
    # the abandoned game: half of what its place gives
    quitter = decided["x-07"]
    assert quitter[3] == "abandoned" and float(quitter[5]) == 0.5 * 70.0


def test_grades_by_rank_score_and_completion(content, small_class):
    class_dir, _, _ = small_class
    report = rp.build([class_dir], content, seed=SEED, one_per_lab=True,
                      key=read_secret(class_dir).key)
    by_rank = grades.grades(report, None, "rank", 20.0, abandoned_credit=0.0)
    assert by_rank[0].grade == 20.0 and by_rank[-1].grade == 0.0  # the last is abandoned
    assert by_rank[-2].grade == round(20.0 * (1 - 0.4 * 6 / 7), 2)  # to the hundredth
    by_score = grades.grades(report, None, "score", 100.0, abandoned_credit=1.0)
    top = max(report.ranked, key=lambda e: e.score or 0.0)
    assert next(g for g in by_score if g.student == top.student).grade == 100.0
    done = grades.grades(report, None, "completion", 10.0, abandoned_credit=0.5)
    assert sorted({g.grade for g in done}) == [5.0, 10.0]


def test_every_student_has_a_page_with_sources(small_class):
    _, games, out = small_class
    page = (out / "report.html").read_text(encoding="utf-8")
    for sid, g in games.items():
        html_page = (out / "students" / f"{sid}.html").read_text(encoding="utf-8")
        md_page = (out / "students" / f"{sid}.md").read_text(encoding="utf-8")
        assert f'href="students/{sid}.html"' in page
        assert html.escape(g.lab.replace("\n", " ")) in html_page or html.escape(g.lab) in \
            html_page
        assert "<script>" not in html_page.split("<body>", 1)[1]
        assert "Sources behind the figures" in md_page
        assert "arxiv.org" in html_page or "https://" in html_page  # the bibliography's entries
        assert "the class's median" in md_page and "Lab " in md_page  # the pseudonym
    ada = (out / "students" / "x-05.md").read_text(encoding="utf-8")
    assert "live event from your instructor: the vendor squeeze" in ada


def _names(class_dir: Path, games: dict[str, Game]) -> list[str]:
    people = roster.read_roster(class_dir) or []
    out = [g.lab for g in games.values()] + [s.name for s in people] + [s.id for s in people]
    return out + [f"{sid}.{SCENARIO}" for sid in games]


def test_the_anonymised_files_name_no_student_and_no_lab(small_class, tmp_path):
    class_dir, games, _ = small_class
    out = tmp_path / "projector"
    assert main(["class", "report", str(class_dir), "--out", str(out), "--anonymise"]) == 0
    files = [p for p in out.rglob("*") if p.is_file()]
    assert {p.name for p in files} >= {"leaderboard.csv", "report.html", "summary.json",
                                       "same_quarter.csv", "live_events.csv"}
    assert not (out / "students").exists() and not (out / "grades.csv").exists()
    for path in files:
        text = path.read_text(encoding="utf-8-sig")
        if path.suffix == ".html":  # plotly.js itself, inlined first, is no one's name
            text = text.split("</script>", 1)[1]
        for name in _names(class_dir, games):
            for form in {name, html.escape(name), json.dumps(name)[1:-1], name.replace("\n", " ")}:
                assert form not in text, f"{path.name} holds {name!r}"
    board = _rows(out / "leaderboard.csv")
    assert all(r[board[0].index("lab")].startswith("Lab ") for r in board[1:])


def test_pseudonyms_are_stable_and_keyed(content, small_class):
    class_dir, _, _ = small_class
    key = read_secret(class_dir).key
    a = rp.build([class_dir], content, seed=SEED, one_per_lab=True, key=key)
    b = rp.build([class_dir], content, seed=SEED, one_per_lab=True, key=key)
    pseudonyms.assign(a, key)
    pseudonyms.assign(b, key)
    assert [e.pseudonym for e in a.ranked] == [e.pseudonym for e in b.ranked]
    assert sorted(int(e.pseudonym.split()[1]) for e in a.ranked) == list(range(1, 9))
    pseudonyms.assign(b, b"another key")
    assert [e.pseudonym for e in a.ranked] != [e.pseudonym for e in b.ranked]


@pytest.fixture(scope="module")
def class_of_60(content, tmp_path_factory):
    class_dir = tmp_path_factory.mktemp("class60") / "big"
    _make_class(content, class_dir, 60, stop_at={i: 2 for i in range(4, 60, 9)})
    return class_dir


def test_the_charts_stay_readable_at_60_labs(content, class_of_60, tmp_path):
    t0 = time.perf_counter()
    out = tmp_path / "r"
    assert main(["class", "report", str(class_of_60), "--out", str(out)]) == 0
    seconds = time.perf_counter() - t0
    assert seconds < 30, f"the report of 60 saves took {seconds:.1f} s"
    report = rp.build([class_of_60], content, seed=SEED, one_per_lab=True,
                      key=read_secret(class_of_60).key)
    assert len(report.ranked) == 60
    for metric, (_, log) in report_charts.OVER_TIME.items():
        fig = report_charts.series_figure(report, metric)
        lines = [t for t in fig.data if t.mode and "lines" in t.mode and t.line.width != 0]
        bands = [t for t in fig.data if t.fill == "tonexty"]
        assert len(bands) == 1 and len(lines) <= report_charts.LEADERS + 2, metric
        assert (fig.layout.yaxis.type == "log") == log
        values = [v for e in report.ranked for v in report_charts.values(e, metric)
                  if v is not None and (v > 0 or not log)]
        band = [v for v in (*fig.data[0].y, *fig.data[1].y) if v is not None]
        assert min(values) <= min(band) and max(band) <= max(values)
    page = (out / "report.html").read_text(encoding="utf-8")
    _look_in_chromium(out / "report.html", page, tmp_path)


def _look_in_chromium(page_file: Path, page: str, tmp_path: Path) -> None:
    """The page draws every chart, picks a lab, and its projector view shows no name."""
    chromium = Path("/usr/bin/chromium")
    if not chromium.exists():
        pytest.skip("Debian's chromium is not installed (apt-get install -y chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    charts = page.count('class="chart"')
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(chromium), args=["--no-sandbox"])
        try:
            tab = browser.new_page(viewport={"width": 1200, "height": 900})
            errors: list[str] = []
            tab.on("pageerror", lambda e: errors.append(str(e)))
            tab.goto(page_file.as_uri())
            tab.wait_for_function(
                f"document.querySelectorAll('.js-plotly-plot .main-svg').length >= {charts}",
                timeout=60_000)
            tab.select_option("#pick", index=20)
            tab.wait_for_function(
                "Object.values(SERIES).every(id => { var d = document.getElementById(id).data;"
                " return d[d.length - 1].y.length > 0; })", timeout=30_000)
            tab.locator("#over-time").scroll_into_view_if_needed()
            tab.screenshot(path=str(tmp_path / "over-time.png"))
            tab.check("#projector")
            tab.wait_for_function("document.body.classList.contains('anon')", timeout=30_000)
            shown = tab.locator("#leaderboard ~ table").first.inner_text()
            assert "Lab 00" not in shown and "Student 00" not in shown
            assert "Lab " in shown
        finally:
            browser.close()
    assert errors == []


def test_the_graded_class_takes_the_practice_class_roster_with_its_codes(tmp_path):
    """CLASSROOM.md's 2-hour lesson: `cp -p` of the practice class's roster.toml gives the
    graded class the same students with the same codes, still readable by the owner only."""
    import shutil

    practice, graded = tmp_path / "period3-practice", tmp_path / "period3"
    assert main(["class", "new", str(practice), "--seed", "2026"]) == 0
    assert main(["class", "new", str(graded)]) == 0
    students = tmp_path / "students.csv"
    students.write_text("student_id,name\nx-01,Ada Quillfeather\nx-02,Bob Zenkowski\n",
                        encoding="utf-8")
    assert main(["class", "roster", str(practice), "--import", str(students)]) == 0
    shutil.copy2(roster.roster_path(practice), roster.roster_path(graded))
    assert roster.read_roster(graded) == roster.read_roster(practice)
    assert roster.roster_path(graded).stat().st_mode & 0o077 == 0
