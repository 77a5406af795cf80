"""Warnings, not silence (issue 17, item 4): what loads but is very likely a mistake is said, at
its file and line, with what to do; lax types are refused; `packs validate --strict` counts
warnings as errors; one root cause gives one message; the base pack has none.

Each case is a small pack written into tmp_path. The lines docs/MODDING.md shows as examples
are checked verbatim against what the validator prints (``test_the_documented_examples_are_real``).
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from game.cli import main
from game.packs import Problem, check, load_content
from game.packs.errors import ERROR, NOTE, WARNING

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "MODDING.md"
MANIFEST = 'id = "mypack"\nname = "mypack"\nversion = "0.1.0"\ndepends = ["base>=0.1"]\n'


def ipo_window_tables() -> str:
    """ipo-window's [start_state], [outcome] and [score] tables: a valid scenario's bottom half."""
    text = (ROOT / "content" / "base" / "scenarios" / "ipo-window.toml").read_text()
    return text[text.index("[start_state]"):]


def event(eid: str, extra: str = "", trigger: str | None = None, head: str = "") -> str:
    """An [[event]] table that validates: a chance event unless ``head`` says otherwise."""
    lines = [f'[[event]]\nid = "mypack.{eid}"\ntitle = "T"\ntext = "What happened."\n'
             'category = "supply"\n']
    if trigger is not None:
        lines.append(f'trigger = "{trigger}"\n')
    lines.append(head or "mtth_quarters = 8\n")
    return "".join(lines) + extra + "\n"


def write(root: Path, files: dict[str, str]) -> Path:
    """A pack `mypack` in root, with these files (relative path -> text)."""
    folder = root / "mypack"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "pack.toml").write_text(MANIFEST)
    for relative, text in files.items():
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return folder


def found(root: Path, files: dict[str, str]) -> list[Problem]:
    """Every problem, warning and note of the pack (the base pack has none)."""
    return check([write(root, files)], warnings=True)


def shown(problems: list[Problem], root: Path) -> list[str]:
    """As `packs validate` prints them when run from root."""
    return [str(p).replace(f"{root}/", "") for p in problems]


def one(root: Path, files: dict[str, str], code: str) -> Problem:
    """The single problem of the pack, which must be of this code."""
    got = found(root, files)
    assert [p.code for p in got] == [code], shown(got, root)
    return got[0]


# --- the base pack -----------------------------------------------------------------------------


def test_the_base_pack_has_no_warning_and_no_note(capsys: pytest.CaptureFixture[str]) -> None:
    assert check(warnings=True) == []
    assert main(["packs", "validate", "--strict"]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("ok: 1 pack (base)") and err.strip() == "0 errors, 0 warnings"


def test_the_base_pack_s_old_script_would_be_warned_and_the_fixed_one_fires(tmp_path: Path
                                                                          ) -> None:
    """ai-boom scripted base.agent_boom at quarter 1, where its trigger (quarter >= 2) cannot
    hold, so agents never took off on cue (base 0.2.1 and before). The warning finds that
    script; the script at quarter 2 (base 0.2.2) fires in every game of the scenario."""
    base = tmp_path / "base"
    shutil.copytree(ROOT / "content" / "base", base)
    scenario = base / "scenarios" / "ai-boom.toml"
    text = scenario.read_text()
    fixed = ("quarter = 2                     # 2026Q3: agents take off (the event's trigger: "
             "quarter >= 2)")
    assert text.count(fixed) == 1
    scenario.write_text(text.replace(fixed, "quarter = 1"))
    got = check([base], shipped=False, warnings=True)
    assert [(p.code, p.path.name) for p in got] == [("scripted-trigger", "ai-boom.toml")]
    assert "scripted event 'base.agent_boom' cannot happen at quarter 1" in got[0].message

    from game.bots import STRATEGIES
    from game.bots.runner import play
    from game.packs import load_content

    content = load_content()
    run = play(content.params("ai-boom"), STRATEGIES["balanced"], 3, 200, 3, workers=1,
               events=content.director_for("ai-boom"))
    i = [e.id for e in content.events].index("base.agent_boom")
    assert (run.state.extra["events.count"][:, i] == 1).all()


def test_allow_names_exactly_the_warnings_of_an_event() -> None:
    from game.packs import lint
    from game.packs.schema import EVENT_WARNINGS

    assert set(EVENT_WARNINGS) == {lint.NEVER_HOLDS, lint.ALWAYS_HOLDS, lint.VACUOUS,
                                   lint.DIVISION_BY_ZERO, lint.NO_CHOICE, lint.CYCLE}


# --- ignored files -----------------------------------------------------------------------------


@pytest.mark.parametrize(("relative", "text", "advice"), [
    ("event/fab.toml", event("fab"), "events are read from events/*.toml; move it to "
                                     "events/fab.toml"),
    ("events/supply/fab.toml", event("fab"), "events are read from events/*.toml, not from its "
                                             "subfolders; move it to events/fab.toml"),
    ("fab.toml", event("fab"), "events are read from events/*.toml; move it to events/fab.toml"),
    ("scenario/fab.toml", "x = 1\n", "scenarios are read from scenarios/*.toml; move it to "
                                     "scenarios/fab.toml"),
    ("rival.toml", "x = 1\n", "rivals are read from rivals.toml only; rename it rivals.toml"),
    ("notes.toml", "x = 1\n", "a pack's content is read only from pack.toml, glossary.toml, "
                              "rivals.toml, economy.toml, variables.toml, library.toml, "
                              "events/*.toml, scenarios/*.toml, locales/*.toml"),
    ("locale/fr.toml", "x = 1\n", "translations are read from locales/*.toml; move it to "
                                  "locales/fr.toml"),
    ("fr.toml", '[event."base.x"]\ntitle = "T"\n', "translations are read from "
                                                    "locales/*.toml; move it to locales/fr.toml"),
    ("vars.toml", '[[variable]]\nid = "x"\n', "variables are read from variables.toml only; "
                                               "rename it variables.toml"),
])
def test_a_toml_file_the_loader_ignores_is_a_warning(tmp_path: Path, relative: str, text: str,
                                                     advice: str) -> None:
    p = one(tmp_path, {relative: text}, "ignored-file")
    assert p.path == tmp_path / "mypack" / relative and p.line is None
    assert p.severity == WARNING and p.message.startswith(f"ignored: {advice}")


def test_every_file_the_loader_reads_is_known_to_the_layout() -> None:
    from game.packs import assembly, layout, library, locales

    read = {assembly.GLOSSARY, assembly.ECONOMY, assembly.RIVALS, library.VARIABLES,
            library.LIBRARY, Path("pack.toml")}
    assert {Path(f) for f in layout.TOP_FILES} == read
    assert set(layout.FOLDERS) == {str(assembly.EVENTS), str(assembly.SCENARIOS),
                                   str(locales.LOCALES)}


def test_an_authors_tools_are_not_content(tmp_path: Path) -> None:
    assert found(tmp_path, {".schemas/x.toml": "x = 1\n", ".taplo.toml": "x = 1\n",
                            "taplo.toml": "x = 1\n", "README.md": "notes"}) == []


# --- lax types are refused ---------------------------------------------------------------------


@pytest.mark.parametrize(("line", "said"), [
    ('once = "yes"', """'event[0].once': expected true or false, got "yes"; """
                     """write true, not "yes\""""),
    ("major = 1", "'event[0].major': expected true or false, got 1; write true, not 1"),
    ('cooldown = "6"', """'event[0].cooldown': expected a whole number, got "6"; """
                       """write 6, not "6\""""),
    ("earliest = 2.0", "'event[0].earliest': expected a whole number, got 2.0; write 2, not 2.0"),
    ("latest = 2.5", "'event[0].latest': expected a whole number, got 2.5"),
    ('weight = "2"', """'event[0].weight': expected a number, got "2"; write 2, not "2\""""),
])
def test_a_lax_type_is_refused_with_the_fix(tmp_path: Path, line: str, said: str) -> None:
    text = event("lax", head=line + "\n" + ("" if "weight" in line else "mtth_quarters = 8\n"))
    got = found(tmp_path, {"events/e.toml": text})
    assert [(p.severity, p.message, p.line) for p in got] == [(ERROR, said, 6)]


def test_a_lax_type_in_an_effect_or_a_patch_is_refused(tmp_path: Path) -> None:
    text = event("lax", 'effects = [{ type = "flag", flag = "mypack_x", value = "no" }]\n')
    got = shown(found(tmp_path, {"events/e.toml": text,
                                 "economy.toml": '[fleet]\npower_price_mwh = "150"\n'}), tmp_path)
    assert got == [
        """mypack/economy.toml:2:1: 'fleet.power_price_mwh': expected a number, got "150"; """
        """write 150, not "150\"""",
        """mypack/events/e.toml:7:1: 'event[0].effects[0].value': expected true or false, got """
        """"no"; write false, not "no\""""]


def test_a_whole_number_where_a_number_is_wanted_is_fine(tmp_path: Path) -> None:
    text = event("fine", 'modifiers = [{ factor = 2, condition = "cash > 3" }]\n',
                 head="mtth_quarters = 12\n")
    assert found(tmp_path, {"events/e.toml": text}) == []


# --- expressions against the names' bounds -----------------------------------------------------


def test_a_trigger_that_can_never_hold(tmp_path: Path) -> None:
    p = one(tmp_path, {"events/e.toml": event("x", trigger="quarter >= 1 and unserved > 2")},
            "never-holds")
    assert (p.line, p.severity) == (6, WARNING)
    assert p.message == ("event 'mypack.x': its trigger can never hold, so the event never "
                         "happens: `unserved > 2` is never true (unserved is 0 – 1) (column 18 "
                         "of the expression)")


def test_a_trigger_that_can_never_hold_where_it_can_roll(tmp_path: Path) -> None:
    p = one(tmp_path, {"events/e.toml": event("x", "earliest = 4\nlatest = 9\n",
                                              trigger="quarter < 2")}, "never-holds")
    assert "can never hold in quarters 4 – 9, where earliest and latest let it roll" in p.message
    assert "`quarter < 2` is never true (quarter is 4 – 9)" in p.message


def test_a_scripted_event_has_no_window(tmp_path: Path) -> None:
    text = event("x", "earliest = 4\n", trigger="quarter < 2", head="scripted = true\n")
    assert found(tmp_path, {"events/e.toml": text}) == []


def test_a_written_comparison_that_always_holds(tmp_path: Path) -> None:
    p = one(tmp_path, {"events/e.toml": event("x", trigger="sentiment >= 0")}, "always-holds")
    assert p.message.startswith("event 'mypack.x': its trigger always holds: `sentiment >= 0` "
                                "is always true (sentiment is 0 – 100); drop the comparison")


@pytest.mark.parametrize("trigger", ["true", "1", "quarter >= 0 or true", "cash > 3"])
def test_the_literal_true_and_an_open_trigger_are_no_warning(tmp_path: Path,
                                                             trigger: str) -> None:
    """`true` is the default; `quarter >= 0 or true` is vacuous but constant-free only in part:
    its whole reads the state and always holds, so it is warned - except here it is not, since
    it holds whatever the state is because of the literal. Only what reads state is judged."""
    got = found(tmp_path, {"events/e.toml": event("x", trigger=trigger)})
    if trigger == "quarter >= 0 or true":
        assert [p.code for p in got] == ["always-holds"]
    else:
        assert got == []


def test_modifier_and_choice_conditions_and_weights(tmp_path: Path) -> None:
    text = event("x", 'modifiers = [{ factor = 2.0, condition = "share > 1" }]\n'
                      '[[event.choices]]\nlabel = "Rich"\ncondition = "ipo_stage > 3"\n'
                      'note = "n"\n'
                      '[[event.choices]]\nlabel = "Any"\nnote = "n"\n'
                      'ai_weight = "1 + (utilisation <= 1) * 2"\n')
    got = found(tmp_path, {"events/e.toml": text})
    assert [(p.code, p.line) for p in got] == [("never-holds", 7), ("never-holds", 10),
                                               ("vacuous-comparison", 15)]
    assert got[0].message.startswith("event 'mypack.x': a modifier never applies: its "
                                     "condition can never hold: `share > 1` is never true")
    assert got[1].message.startswith("event 'mypack.x': choice 'Rich' is never offered: its "
                                     "condition can never hold: `ipo_stage > 3` is never true "
                                     "(ipo_stage is 0 – 3)")
    assert got[2].message == (
        "event 'mypack.x': in the ai_weight of choice 'Any', `utilisation <= 1` is always true "
        "(utilisation is 0 – 1), so it always counts as 1 (true); compare with a value within "
        "those bounds (column 6 of the expression)")


def test_a_constant_division_by_zero(tmp_path: Path) -> None:
    text = event("x", 'effects = [{ type = "add", target = "cash", value = "cash / (2 - 2)" }]\n')
    p = one(tmp_path, {"events/e.toml": text}, "division-by-zero")
    assert p.line == 7 and p.message.startswith(
        "event 'mypack.x': an effect's value divides by 0 in `cash / (2 - 2)`: the divisor is "
        "always 0, and a division by 0 gives 0")


def test_a_division_by_a_name_that_may_be_zero_is_fine(tmp_path: Path) -> None:
    text = event("x", 'effects = [{ type = "add", target = "cash", value = "1 / debt" }]\n')
    assert found(tmp_path, {"events/e.toml": text}) == []


# --- choices -----------------------------------------------------------------------------------

CHOICES = ('[[event.choices]]\nlabel = "A"\ncondition = "{a}"\nnote = "a"\n'
           '[[event.choices]]\nlabel = "B"\ncondition = "{b}"\nnote = "b"\n')


def test_every_choice_conditional_is_a_warning(tmp_path: Path) -> None:
    text = event("x", CHOICES.format(a="cash > 3", b="cash < 1"))
    p = one(tmp_path, {"events/e.toml": text}, "no-choice")
    assert p.line == 7 and "the event happens with its own effects and follow-ups only" in (
        p.message)


@pytest.mark.parametrize(("a", "b"), [("cash > 3", ""), ("cash > 3", "sentiment <= 100")])
def test_a_choice_always_open_is_no_no_choice_warning(tmp_path: Path, a: str, b: str) -> None:
    choices = CHOICES.format(a=a, b=b)
    if not b:
        choices = choices.replace('condition = ""\n', "")
    got = found(tmp_path, {"events/e.toml": event("x", choices)})
    assert [p.code for p in got] == ([] if not b else ["always-holds"])


async def test_a_player_facing_every_choice_closed_sees_news_and_plays_on(tmp_path: Path
                                                                          ) -> None:
    """Where no choice is open, the live game shows the event as news and the quarter ends (it
    used to wait for an answer that could not be given)."""
    from game.session.game import Game
    from game.ui.app import FrontierLab
    from game.ui.modals import EventModal, NoticeModal

    text = event("closed", CHOICES.format(a="cash > 100000", b="cash < -100000"),
                 head="scripted = true\n").replace('title = "T"', 'title = "Nothing to choose"')
    scenario = ('id = "closed"\ntitle = "Closed"\nstart = "2026Q1"\nhorizon_quarters = 4\n'
                '[[scripted]]\nquarter = 0\nevent = "mypack.closed"\n' + ipo_window_tables())
    folder = write(tmp_path, {"events/e.toml": text, "scenarios/closed.toml": scenario})
    content = load_content([folder])
    game = Game(content, "closed", 1)
    assert [p.needs_choice for p in game.pending if p.id == "mypack.closed"] == [False]
    app = FrontierLab(content, tmp_path, game=game)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        seen = []
        for _ in range(30):  # the dialogs, then e and whatever follows, until the quarter ends
            if game.quarter >= 1:
                break
            seen.append(getattr(app.screen, "title_text", type(app.screen).__name__))
            closing = isinstance(app.screen, EventModal | NoticeModal)
            await pilot.press("enter" if closing else "e")
            await pilot.pause()
            asked = isinstance(app.screen, EventModal) and app.screen.event.id == "mypack.closed"
            assert not asked, "a choice was asked for"
        assert "Nothing to choose" in seen
    assert game.quarter >= 1 and "mypack.closed" in game.log[0].events
    assert game.log[0].choices == []


# --- cycles ------------------------------------------------------------------------------------


def test_an_endless_follow_up_cycle_is_a_warning(tmp_path: Path) -> None:
    text = (event("a", 'follow_ups = [{ event = "mypack.b", delay = 2 }]\n',
                  head="scripted = true\n")
            + event("b", 'effects = [{ type = "schedule", event = "mypack.a", delay = 1 }]\n',
                    head="scripted = true\n"))
    p = one(tmp_path, {"events/e.toml": text}, "follow-up-cycle")
    assert (p.severity, p.line) == (WARNING, 7)
    assert p.message.startswith("event 'mypack.a': follow-up cycle mypack.a → mypack.b → "
                                "mypack.a: each schedules the next whatever happens and their "
                                "triggers always hold, so once one happens the chain repeats "
                                "every 3 quarters until the game ends")


def test_a_self_scheduling_event_is_a_cycle(tmp_path: Path) -> None:
    text = event("a", 'effects = [{ type = "offer", event = "mypack.a" }]\n')
    p = one(tmp_path, {"events/e.toml": text}, "follow-up-cycle")
    assert "follow-up cycle mypack.a → mypack.a:" in p.message and "every quarter" in p.message


@pytest.mark.parametrize(("extra", "why"), [
    ('[[event.choices]]\nlabel = "Again"\nnote = "n"\n'
     'follow_ups = [{ event = "mypack.a", delay = 1 }]\n'
     '[[event.choices]]\nlabel = "Stop"\nnote = "n"\n',
     "for as long as the lab takes the choices that follow up"),
    ('follow_ups = [{ event = "mypack.a", delay = 1 }]\n',
     "for as long as their triggers hold"),
])
def test_a_cycle_a_choice_or_a_trigger_can_end_is_a_note(tmp_path: Path, extra: str,
                                                         why: str) -> None:
    trigger = None if "choices" in extra else "not flag.mypack_done"
    more = "" if trigger is None else event(
        "done", 'effects = [{ type = "flag", flag = "mypack_done" }]\n')
    got = found(tmp_path, {"events/e.toml": event("a", extra, trigger=trigger) + more})
    assert [(p.code, p.severity) for p in got] == [("follow-up-cycle", NOTE)]
    assert got[0].message.endswith(why)


def test_allow_silences_a_cycle_that_is_meant(tmp_path: Path) -> None:
    text = event("a", 'allow = ["follow-up-cycle"]  # a board meeting every quarter, for ever\n'
                      'follow_ups = [{ event = "mypack.a", delay = 1 }]\n')
    assert found(tmp_path, {"events/e.toml": text}) == []


# --- scripted events ---------------------------------------------------------------------------


def scenario(quarter: int, allow: str = "") -> str:
    return ('id = "fab-fire"\ntitle = "The fab fire"\nstart = "2026Q1"\nhorizon_quarters = 12\n'
            f'\n[[scripted]]\nquarter = {quarter}\nevent = "mypack.fab_fire"\n{allow}\n'
            + ipo_window_tables())


def test_a_scripted_event_whose_trigger_cannot_hold_at_its_quarter(tmp_path: Path) -> None:
    files = {"events/e.toml": event("fab_fire", trigger="quarter >= 2 and owned_h100e > 1e5"),
             "scenarios/fab-fire.toml": scenario(1)}
    p = one(tmp_path, files, "scripted-trigger")
    assert p.path.name == "fab-fire.toml" and p.line == 7
    assert p.message == (
        "scenario 'fab-fire': scripted event 'mypack.fab_fire' cannot happen at quarter 1: its "
        "trigger never holds there: `quarter >= 2` is never true (quarter is 1 there); script "
        "it where its trigger can hold (the check knows the quarter, the year and each name's "
        "bounds, not the rest of a game's state)")


@pytest.mark.parametrize(("quarter", "allow"), [(2, ""), (1, 'allow = ["scripted-trigger"]')])
def test_a_scripted_event_that_can_hold_or_is_allowed(tmp_path: Path, quarter: int,
                                                      allow: str) -> None:
    files = {"events/e.toml": event("fab_fire", trigger="quarter >= 2 and owned_h100e > 1e5"),
             "scenarios/fab-fire.toml": scenario(quarter, allow)}
    assert found(tmp_path, files) == []


def test_the_year_is_known_at_a_scripted_quarter(tmp_path: Path) -> None:
    files = {"events/e.toml": event("fab_fire", trigger="year >= 2027"),
             "scenarios/fab-fire.toml": scenario(3)}
    p = one(tmp_path, files, "scripted-trigger")
    assert "`year >= 2027` is never true (year is 2026 there)" in p.message


# --- the pool ----------------------------------------------------------------------------------


def test_weighted_events_get_one_note_with_their_rates(tmp_path: Path) -> None:
    text = event("a", head="weight = 5\n") + event("b", head="weight = 1\n")
    got = found(tmp_path, {"events/e.toml": text})
    assert [(p.code, p.severity, p.line) for p in got] == [("pool", NOTE, 6)]
    assert ("a quarter's chance (standard) is mypack.a 29.2% (5/6), mypack.b 5.8% (1/6); "
            "scaling every weight changes nothing") in got[0].message
    assert "drawn in 35% of quarters in standard pacing (20% calm, 60% volatile)" in (
        got[0].message)


def test_the_pool_note_stays_one_message_for_many_events(tmp_path: Path) -> None:
    text = "".join(event(f"pooled_event_number_{i}", head="weight = 1\n") for i in range(30))
    got = found(tmp_path, {"events/e.toml": text})
    assert len(got) == 1 and "more: 35% × weight / 30" in got[0].message
    assert len(got[0].message) <= 400


# --- one root cause, one message ---------------------------------------------------------------


def test_an_unknown_name_is_one_error_and_no_warning(tmp_path: Path) -> None:
    got = found(tmp_path, {"events/e.toml": event("x", trigger="unservd > 2")})
    assert [(p.severity, p.line) for p in got] == [(ERROR, 6)]
    assert "unknown state name 'unservd' (did you mean 'unserved'?)" in got[0].message


def test_a_comparison_vacuous_because_of_one_inside_is_one_warning(tmp_path: Path) -> None:
    got = found(tmp_path, {"events/e.toml": event("x", trigger="(unserved > 2) < 5 and cash > 1")})
    assert [p.code for p in got] == ["vacuous-comparison"]
    assert "`unserved > 2` is never true" in got[0].message
    assert "more like it" not in got[0].message  # `(…) < 5` is not a second finding


def test_a_script_of_an_event_that_never_happens_is_said_once(tmp_path: Path) -> None:
    files = {"events/e.toml": event("fab_fire", trigger="unserved > 2"),
             "scenarios/fab-fire.toml": scenario(1)}
    assert [p.code for p in found(tmp_path, files)] == ["never-holds"]


def test_checks_across_events_wait_for_a_pack_without_errors(tmp_path: Path) -> None:
    text = (event("a", 'follow_ups = [{ event = "mypack.a", delay = 1 }]\n')
            + event("b", trigger="cahs > 1"))
    got = found(tmp_path, {"events/e.toml": text})
    assert [p.severity for p in got] == [ERROR]


# --- the command -------------------------------------------------------------------------------


def test_strict_makes_a_warning_fail(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = write(tmp_path, {"events/e.toml": event("x", trigger="unserved > 2")})
    assert main(["packs", "validate", str(folder)]) == 0
    out, err = capsys.readouterr()
    assert ": warning: event 'mypack.x': its trigger can never hold" in out
    assert "ok: 2 packs (base, mypack)" in out
    assert err.strip() == "1 problem in 1 file: 0 errors, 1 warning"
    assert main(["packs", "validate", "--strict", str(folder)]) == 1
    out, err = capsys.readouterr()
    assert "ok:" not in out
    assert err.strip().endswith("0 errors, 1 warning (--strict: warnings count as errors)")


def test_notes_never_fail_even_with_strict(tmp_path: Path) -> None:
    folder = write(tmp_path, {"events/e.toml": event("a", head="weight = 5\n")})
    assert main(["packs", "validate", "--strict", str(folder)]) == 0


def test_json_output_carries_each_severity(tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    folder = write(tmp_path, {"events/e.toml": event("x", trigger="unserved > 2")
                              + event("y", trigger="cahs > 1") + event("z", head="weight = 1\n")})
    assert main(["packs", "validate", "--format", "json", str(folder)]) == 1
    report = json.loads(capsys.readouterr().out)
    assert (report["ok"], report["errors"], report["warnings"], report["notes"]) == (
        False, 1, 1, 0)
    by_code = {p["code"]: p for p in report["problems"]}
    assert by_code["never-holds"]["severity"] == "warning"
    assert by_code["never-holds"]["line"] == 6
    assert by_code[None]["severity"] == "error"


# --- docs/MODDING.md ---------------------------------------------------------------------------


def test_the_documented_examples_are_real(tmp_path: Path) -> None:
    """Each example line of MODDING.md's "Warnings and notes" is what the validator prints for
    the pack the section describes."""
    doc = DOC.read_text(encoding="utf-8")
    section = doc[doc.index("### Warnings and notes"):]
    examples = [line for block in re.findall(r"```text\n(.*?)```", section, re.S)
                for line in block.splitlines() if line.startswith("mypack/")]
    assert len(examples) >= 9
    folder = write(tmp_path, DOC_PACK)
    printed = shown(check([folder], warnings=True), tmp_path)
    printed += shown(check([write(tmp_path / "lax", {"events/lax.toml": LAX})]),
                     tmp_path / "lax")
    for line in examples:
        assert line in printed, f"MODDING.md shows a line the validator does not print:\n{line}"


# The pack MODDING.md's "Warnings and notes" describes: each of its example lines comes from it.
DOC_PACK = {
    "event/fab.toml": event("stray"),
    "events/lint.toml": '''[[event]]
id = "mypack.shortage"
title = "Customers queue for capacity"
text = "Every GPU you own is busy."
category = "demand"
trigger = "unserved > 2"
mtth_quarters = 8

[[event]]
id = "mypack.investor_day"
title = "Investor day"
text = "Analysts ask about margins."
category = "investors"
trigger = "sentiment >= 0"
mtth_quarters = 8
effects = [{ type = "add", target = "cash", value = "cash / (2 - 2)" }]

[[event.choices]]
label = "Promise discipline"
condition = "burn > 2"
note = "Costs come down; so does the roadmap."
ai_weight = "1 + (runway > 1000) * 2"

[[event.choices]]
label = "Promise growth"
condition = "growth > 2"
note = "Investors buy the story, for now."

[[event]]
id = "mypack.audit"
title = "An audit starts"
text = "Auditors arrive."
category = "regulation"
scripted = true
follow_ups = [{ event = "mypack.audit_ends", delay = 2 }]

[[event]]
id = "mypack.audit_ends"
title = "The audit ends"
text = "Auditors leave, and book the next visit."
category = "regulation"
scripted = true
effects = [{ type = "offer", event = "mypack.audit" }]

[[event]]
id = "mypack.rumour"
title = "A rumour spreads"
text = "Someone says something."
category = "markets"
weight = 2
''',
    "events/supply.toml": event("fab_fire", trigger="quarter >= 2 and owned_h100e > 100000"),
    "scenarios/fab-fire.toml": scenario(1),
}
LAX = event("fab_fire", head='mtth_quarters = 12\nonce = "yes"\n')


def test_a_variables_bounds_and_a_named_trigger_are_reasoned_with(tmp_path: Path) -> None:
    """var.NAME is within its [min, max]; when.NAME is 0 or 1; since.* at most 999."""
    files = {"variables.toml": '[[variable]]\nid = "mypack_smuggled"\ndescription = "d"\n'
                              'min = 0\nmax = 500\n',
             "library.toml": '[[trigger]]\nid = "mypack_tight"\nwhen = "unserved > 0.1"\n',
             "events/e.toml": event("x", trigger="var.mypack_smuggled > 600")
             + event("y", trigger="when.mypack_tight > 1")
             + event("z", trigger="since.event.mypack.x > 1000")}
    got = found(tmp_path, files)
    assert [(p.code, p.line) for p in got] == [("never-holds", 6), ("never-holds", 14),
                                               ("never-holds", 22)]
    assert "(var.mypack_smuggled is 0 – 500)" in got[0].message
    assert "(when.mypack_tight is 0 – 1)" in got[1].message
    assert "(since.event.mypack.x is 0 – 999)" in got[2].message


def test_a_moments_event_is_told_in_its_own_words(tmp_path: Path) -> None:
    text = event("x", "earliest = 4\n", trigger="quarter < 2", head='on = "funding_round"\n')
    p = one(tmp_path, {"events/e.toml": text}, "never-holds")
    assert "where earliest and latest let it happen at its moment, so it never does" in p.message


def test_the_librarys_named_triggers_and_effects_lists_are_read_too(tmp_path: Path) -> None:
    files = {"library.toml": '[[trigger]]\nid = "mypack_jam"\nwhen = "unserved > 2"\n\n'
                             '[[effects]]\nid = "mypack_pay"\neffects = [\n'
                             '  { type = "add", target = "cash", value = "cash / (1 - 1)" },\n]\n',
             "events/e.toml": event("x", trigger="not when.mypack_jam")}
    got = found(tmp_path, files)
    assert [(p.code, p.line, p.path.name) for p in got] == [
        ("never-holds", 3, "library.toml"), ("division-by-zero", 7, "library.toml")]
    assert got[0].message.startswith("named trigger 'mypack_jam' can never hold: "
                                     "`unserved > 2` is never true (unserved is 0 – 1)")
    assert got[1].message.startswith("effects list 'mypack_pay': an effect's value divides by 0")
