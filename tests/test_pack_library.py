"""A pack's own language: variables, "quarters since", named triggers, effects lists and events
at the engine's moments — each read, changed and replayed as the rest of the state is."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from game.bots import STRATEGIES
from game.bots.runner import play
from game.packs import check, load_content
from game.packs.names import render_text
from game.session.game import Game, GameError
from game.session.store import save_game, verify

MANIFEST = 'id = "lab"\nname = "Lab"\nversion = "0.1.0"\ndepends = ["base>=0.1"]\n'
COUNTER = '''[[variable]]
id = "lab_chips"
description = "Chips smuggled, thousands."
initial = 3
min = 0
max = 25
unit = "int"
'''


def pack(tmp_path: Path, events: str = "", **files: str) -> Path:
    """A pack named lab with these events (events/e.toml) and other files (dots as
    underscores: variables_toml = "...")."""
    folder = tmp_path / "lab"
    (folder / "events").mkdir(parents=True)
    (folder / "pack.toml").write_text(MANIFEST)
    if events:
        (folder / "events" / "e.toml").write_text(events)
    for name, text in files.items():
        (folder / name.replace("_toml", ".toml")).write_text(text)
    return folder


def event(name: str, body: str, text: str = "Something.") -> str:
    return (f'[[event]]\nid = "lab.{name}"\ntitle = "{name}"\ntext = "{text}"\n'
            f'category = "supply"\n{body}\n')


def problems(folder: Path) -> list[str]:
    return [str(p).replace(f"{folder}/", "") for p in check([folder])]


# --- variables ------------------------------------------------------------------------------


def test_a_variable_starts_at_its_initial_value_and_stays_within_its_bounds(tmp_path) -> None:
    folder = pack(tmp_path, event("grow", 'mtth_quarters = 1\ncooldown = 0\neffects = [{ type = '
                                  '"add", target = "var.lab_chips", value = "10" }]')
                  + event("big", 'mtth_quarters = 1\ncooldown = 0\ntrigger = "var.lab_chips '
                          '>= 20"\neffects = [{ type = "flag", flag = "lab_big" }]'),
                  variables_toml=COUNTER)
    content = load_content([folder])
    params = content.params("openai-2023")
    run = play(params, STRATEGIES["balanced"], 5, 200, 8, workers=1,
               events=content.director("standard"))
    chips = run.state.extra["var.lab_chips"]
    assert chips.max() == 25 and chips.min() >= 3  # kept within [0, 25], from 3
    assert set(np.unique(chips)) <= {3, 13, 23, 25}  # 3 + 10k, then the bound
    big = run.state.extra.get("flag.lab_big", np.zeros(200, dtype=bool))
    # the trigger read the variable: the flag only where it reached 20
    assert big.any() and not (big & (chips < 20)).any()


def test_a_variable_shows_in_text_by_its_unit(tmp_path) -> None:
    folder = pack(tmp_path, event("say", "scripted = true", "{var.lab_chips} thousand"),
                  variables_toml=COUNTER.replace('unit = "int"', 'unit = "$B"'))
    content = load_content([folder])
    game = Game(content, "openai-2023", 1)
    assert render_text("{var.lab_chips} thousand", game.state, game.econ,
                       content.names) == "$3.0B thousand"


@pytest.mark.parametrize(("body", "message"), [
    ('effects = [{ type = "add", target = "var.lab_chip", value = "1" }]',
     "unknown variable 'var.lab_chip' (did you mean 'var.lab_chips'?)"),
    ('effects = [{ type = "add", target = "csah", value = "1" }]',
     "'csah' is not one of cash"),
    ('trigger = "var.lab_chps > 1"', "unknown state name 'var.lab_chps' (did you mean "
                                     "'var.lab_chips'?)"),
    ('trigger = "since.event.lab.ee > 1"', "unknown state name 'since.event.lab.ee' (did you "
                                          "mean 'since.event.lab.e'?)"),
    ('trigger = "count.event.base.gemini_price_cutt > 1"',
     "(did you mean 'count.event.base.gemini_price_cut'?)"),
])
def test_a_misspelt_variable_is_reported_with_the_right_one(tmp_path, body, message) -> None:
    folder = pack(tmp_path, event("e", "mtth_quarters = 4\n" + body), variables_toml=COUNTER)
    found = problems(folder)
    assert any(message in p and p.startswith("events/e.toml:") for p in found), found


@pytest.mark.parametrize(("change", "message"), [
    ("initial = 3", "'initial' (30) is outside [min, max] = [0, 25]"),
    ("min = 0", "'min' (40) is above 'max' (25)"),
])
def test_a_variable_s_bounds_hold_together(tmp_path, change, message) -> None:
    wrong = COUNTER.replace(change, change.split("=")[0] + "= " + ("30" if "initial" in change
                                                                    else "40"))
    found = problems(pack(tmp_path, variables_toml=wrong))
    assert any(p.startswith("variables.toml:1:") and message in p for p in found), found


def test_a_variable_declared_by_two_packs_is_an_error_naming_the_first(tmp_path) -> None:
    first = pack(tmp_path, variables_toml=COUNTER)
    second = tmp_path / "other"
    (second / "events").mkdir(parents=True)
    (second / "pack.toml").write_text(MANIFEST.replace('"lab"', '"other"'))
    (second / "variables.toml").write_text(COUNTER)
    found = [str(p) for p in check([first, second])]
    assert any("duplicate variable id 'lab_chips'" in p and str(first) in p for p in found)


# --- named triggers and effects lists ---------------------------------------------------------

LIBRARY = '''[[trigger]]
id = "lab_early"
when = "quarter < 3"

[[trigger]]
id = "lab_early_and_rich"
when = "when.lab_early and cash > 0"

[[effects]]
id = "lab_cuts"
effects = [
  { type = "add", target = "sentiment", value = "-7" },
  { type = "flag", flag = "lab_cut" },
]
'''


def test_a_named_trigger_and_an_effects_list_work_where_written(tmp_path) -> None:
    folder = pack(tmp_path, event("cut", 'mtth_quarters = 1\ncooldown = 0\nonce = true\n'
                                  'trigger = "when.lab_early_and_rich"\n'
                                  'effects = [{ type = "use", effects = "lab_cuts" }]'),
                  library_toml=LIBRARY)
    content = load_content([folder])
    game = Game(content, "openai-2023", 2)
    assert content.names["when.lab_early"].read(game.state, game.econ)[0] == 1.0
    quarters = []
    while game.running and game.quarter < 6:
        q = game.quarter
        ledger = game.end_quarter(auto_choose=True)
        if "lab.cut" in game.log[-1].events:
            quarters.append(q)
            # the list's effects, on the ledger under the event's title
            assert dict(ledger.for_world(0, "sentiment"))["cut"] == pytest.approx(-7.0)
            assert game.state.extra["flag.lab_cut"][0]
    assert quarters and max(quarters) < 3  # only while the named trigger held
    assert content.names["when.lab_early"].read(game.state, game.econ)[0] == 0.0


@pytest.mark.parametrize(("library", "message"), [
    ('[[trigger]]\nid = "a"\nwhen = "when.b"\n\n[[trigger]]\nid = "b"\nwhen = "when.a > 0"\n',
     "named triggers read each other in a circle: when.a → when.b → when.a"),
    ('[[trigger]]\nid = "a"\nwhen = "when.a"\n',
     "named triggers read each other in a circle: when.a → when.a"),
    ("".join(f'[[trigger]]\nid = "t{i}"\nwhen = "when.t{i + 1}"\n\n' for i in range(9))
     + '[[trigger]]\nid = "t9"\nwhen = "cash > 1"\n',
     "named trigger 't0' reads a chain of 10 named triggers; at most 8"),
    ('[[effects]]\nid = "a"\neffects = [{ type = "use", effects = "b" }]\n\n'
     '[[effects]]\nid = "b"\neffects = [{ type = "add", target = "cash", value = "1" }]\n',
     "effects list 'a': a list cannot use another list; write its effects here"),
    ('[[trigger]]\nid = "a"\nwhen = "csah > 1"\n',
     "named trigger 'a': unknown state name 'csah' (did you mean 'cash'?)"),
])
def test_library_mistakes_are_reported_where_they_are(tmp_path, library, message) -> None:
    found = problems(pack(tmp_path, library_toml=library))
    assert any(p.startswith("library.toml:") and message in p for p in found), found


def test_using_an_unknown_list_suggests_the_right_one(tmp_path) -> None:
    folder = pack(tmp_path, event("e", 'mtth_quarters = 4\neffects = [{ type = "use", effects = '
                                  '"lab_cut" }]'), library_toml=LIBRARY)
    assert any("unknown effects list 'lab_cut' (did you mean 'lab_cuts'?)" in p
               for p in problems(folder))


# --- quarters since, and counts -----------------------------------------------------------------


def test_since_and_count_follow_what_happened(tmp_path) -> None:
    folder = pack(tmp_path, event("ping", 'scripted = true\neffects = [{ type = "flag", '
                                  'flag = "lab_pinged" }]'))
    content = load_content([folder])
    game = Game(content, "openai-2023", 3)

    def read(name: str) -> float:
        return float(np.ravel(content.names[name].read(game.state, game.econ))[0])

    assert read("since.event.lab.ping") == 999 and read("count.event.lab.ping") == 0
    assert read("since.flag.lab_pinged") == 999
    game.end_quarter(auto_choose=True)
    game.inject("lab.ping")  # happens in quarter 1
    game.end_quarter(auto_choose=True)
    game.end_quarter(auto_choose=True)
    assert game.quarter == 3
    assert read("since.event.lab.ping") == 2 and read("count.event.lab.ping") == 1
    assert read("since.flag.lab_pinged") == 2


# --- moments ---------------------------------------------------------------------------------


def test_an_event_on_a_rival_s_release_follows_that_rival_s_releases(tmp_path) -> None:
    folder = pack(tmp_path, event("answer", 'on = "rival_release.gemini"\ncooldown = 0\n'
                                  'effects = [{ type = "add", target = "cash", value = "0" }]'))
    content = load_content([folder])
    params = content.params("openai-2023")
    run = play(params, STRATEGIES["balanced"], 8, 300, 12, workers=1,
               events=content.director("calm"))
    i = [e.id for e in content.events].index("lab.answer")
    count = run.state.extra["events.count"][:, i]
    releases = run.state.rival_releases[:, content.rival_index["gemini"]]
    # One event a release, at the start of the next quarter (a release in the game's last
    # quarter has none after it).
    assert (count <= releases).all() and (count >= releases - 1).all()
    assert count.sum() > 300


def test_moment_events_happen_alike_alone_and_in_a_batch(tmp_path) -> None:
    folder = pack(tmp_path, event("round", 'on = "funding_round"\nchance = 0.5\ncooldown = 0\n'
                                  'effects = [{ type = "add", target = "sentiment", '
                                  'value = "3" }]')
                  + event("filed", 'on = "ipo_filing"\neffects = [{ type = "add", target = '
                          '"cash", value = "1" }]')
                  + event("end", 'on = "game_end"'))
    content = load_content([folder])
    params = content.params("ipo-window")
    batch = play(params, STRATEGIES["adaptive"], 4, 40, 16, workers=1,
                 events=content.director("standard"))
    counts = batch.state.extra["events.count"]
    ids = [e.id for e in content.events]
    assert counts[:, ids.index("lab.round")].sum() > 0
    assert (counts[:, ids.index("lab.end")] == 1).all()  # every game ended, once
    for world in (0, 1):
        alone = play(params, STRATEGIES["adaptive"], 4, world + 1, 16, workers=1,
                     events=content.director("standard"))
        for name, arr in alone.state.arrays().items():
            np.testing.assert_array_equal(arr[world], batch.state.arrays()[name][world],
                                          err_msg=name)


@pytest.mark.parametrize(("body", "message"), [
    ('on = "bankruptcy"\neffects = [{ type = "add", target = "cash", value = "1" }]',
     "comes after the game has ended: it can tell what happened but not change it"),
    ('on = "ipo_filing"\nmtth_quarters = 3', "happens at that moment; remove 'weight'"),
    ('on = "ipo_filng"', "'ipo_filng' is not a moment"),
    ('on = "rival_release.gemni"', "names unknown rival 'gemni' (did you mean 'gemini'?)"),
    ('mtth_quarters = 3\nchance = 0.5', "'chance' is for an event with 'on'"),
])
def test_moment_mistakes_are_reported(tmp_path, body, message) -> None:
    found = problems(pack(tmp_path, event("e", body)))
    assert any(message in p and p.startswith("events/e.toml:") for p in found), found


def test_an_ending_event_is_in_the_last_quarter_s_news_and_the_save_verifies(tmp_path) -> None:
    folder = pack(tmp_path, event("bell", 'on = "game_end"\ntrigger = "var.lab_chips >= 3"',
                                  "It ended with {var.lab_chips} chips.")
                  + event("grow", 'on = "model_release"\ncooldown = 0\neffects = [{ type = '
                          '"add", target = "var.lab_chips", value = "1" }]'),
                  variables_toml=COUNTER)
    content = load_content([folder])
    game = Game(content, "openai-2023", 9, lab="Bell Labs")
    game.autoplay(STRATEGIES["balanced"])
    assert not game.running and "lab.bell" in game.log[-1].events
    path = save_game(game, tmp_path, path=tmp_path / "bell.toml")
    assert verify(path, content).verified


def test_the_console_sets_a_variable_within_its_bounds(tmp_path) -> None:
    folder = pack(tmp_path, variables_toml=COUNTER)
    game = Game(load_content([folder]), "openai-2023", 1)
    assert game.dev("var lab_chips 99") == "var lab_chips is 25 (kept within [0, 25])"
    assert game.state.extra["var.lab_chips"][0] == 25 and game.dev_used
    for wrong, said in (("var lab_chip 1", "no variable 'lab_chip'"),
                        ("var lab_chips lots", "'lots' is not a number"),
                        ("var lab_chips nan", "not a finite number")):
        with pytest.raises(GameError, match=said):
            game.dev(wrong)
