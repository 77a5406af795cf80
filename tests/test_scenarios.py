"""The base pack's scenarios and what a scenario file may say: overrides of the economy and the
rivals that reach the engine, scripted events that fire, hints, disabled actions, a seed policy,
and every mistake reported at its place with a suggestion."""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from game.bots import STRATEGIES, play
from game.cli import main
from game.engine import Economy, Plan, State
from game.engine.plan import disabled_problems, restrict_plan
from game.engine.state import RUNNING
from game.packs import check, load_content
from game.packs.economy import TOPICS

ROOT = Path(__file__).resolve().parent.parent
BASE_SCENARIOS = ROOT / "content" / "base" / "scenarios"
SHIPPED = ("ipo-window", "tutorial", "compute-crunch", "price-war", "ai-boom", "ai-bust",
           "openai-2023")


@pytest.fixture(scope="module")
def content():
    return load_content()


def ipo_window_tables() -> str:
    """ipo-window's [start_state], [outcome] and [score] tables: a valid scenario's bottom half."""
    text = (BASE_SCENARIOS / "ipo-window.toml").read_text(encoding="utf-8")
    return text[text.index("[start_state]"):]


def write_scenario(root: Path, top: str, pack: str = "scen", events: str = "") -> Path:
    """A pack holding one scenario (``top`` + ipo-window's tables) and optional events."""
    folder = root / pack
    (folder / "scenarios").mkdir(parents=True)
    (folder / "pack.toml").write_text(f'id = "{pack}"\nname = "{pack}"\nversion = "0.1.0"\n')
    if events:
        (folder / "events").mkdir()
        (folder / "events" / "e.toml").write_text(events)
    (folder / "scenarios" / "s.toml").write_text(top + "\n" + ipo_window_tables())
    return folder


def problems_in(folder: Path) -> list[str]:
    return [str(p).replace(f"{folder}/", "") for p in check([folder])]


TOP = '''id = "s"
title = "S"
start = "2026Q1"
horizon_quarters = 8
'''


# --- the shipped scenarios ------------------------------------------------------------------------


def test_the_base_pack_ships_its_complete_scenarios(content) -> None:
    assert sorted(content.scenarios) == sorted(SHIPPED)
    for sid in SHIPPED:
        sc = content.scenarios[sid]
        params = content.params(sid)
        assert params.scenario.id == sid and params.scenario.horizon_quarters == sc.horizon_quarters
        assert sc.briefing.strip() and len(sc.objectives) >= 3, sid
        assert len(sc.instructor_notes.split()) > 60, f"{sid}: instructor notes too thin"
        assert sc.score_description.strip(), sid
        assert sc.scripted, f"{sid}: no scripted events"
        for q, ids in content.script(sid).items():
            assert 0 <= q < sc.horizon_quarters
            assert all(i in {ce.id for ce in content.events} for i in ids)
    assert {sc.pacing for sc in content.scenarios.values()} == {"calm", "standard", "volatile"}


def test_the_tutorial_teaches_a_decision_a_quarter(content) -> None:
    sc = content.scenarios["tutorial"]
    assert sc.pacing == "calm" and sc.seed is not None
    quarters = [h.quarter for h in sc.hints]
    assert quarters == sorted(quarters) and set(range(6)) <= set(quarters)
    assert {h.topic for h in sc.hints} == set(TOPICS)
    assert sc.start_state.cash > content.scenarios["ipo-window"].start_state.cash


def test_every_scenario_numbers_its_sources() -> None:
    """Every number in a scenario's tables says where it comes from, as economy.toml's do."""
    for path in sorted(BASE_SCENARIOS.glob("*.toml")):
        table = ""
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            header = re.match(r"^\[([a-z_.]+)\]", line)
            if header:
                table = header.group(1)
            if table.startswith(("economy.", "rivals.")) and re.match(r"^[a-z_0-9]+ = ", line):
                assert "#" in line, f"{path.name}:{number}: an override without its source"


def test_overrides_change_the_scenarios_parameters_only(content) -> None:
    base = content.params("ipo-window")
    crunch = content.params("compute-crunch")
    war = content.params("price-war")
    boom, bust = content.params("ai-boom"), content.params("ai-bust")
    assert base.market.rental_start == 1.3 and crunch.market.rental_start == 1.8
    assert crunch.market.spot_premium > base.market.spot_premium
    assert crunch.fleet.dc_build_quarters > base.fleet.dc_build_quarters
    assert crunch.demand == base.demand and crunch.rivals == base.rivals
    assert war.demand.open_weight_lag_quarters < base.demand.open_weight_lag_quarters
    assert war.demand.market_start > base.demand.market_start
    assert boom.demand.market_ceiling > base.demand.market_ceiling > bust.demand.market_ceiling
    assert bust.ipo.min_ttm_revenue < base.ipo.min_ttm_revenue
    gemini = {r.id: r for r in war.rivals}["gemini"]
    assert gemini.price_cut_when_behind == 0.15
    assert gemini.model_copy(update={"price_cut_when_behind": 0.08}) == base.rivals[0]
    assert war.market == base.market
    # The packs' own economy is untouched by the scenarios' overrides.
    assert content.economy.market.rental_start == 1.3
    assert content.economy.demand.market_start == base.demand.market_start


def test_overrides_move_the_game(content) -> None:
    """The crunch's market makes renting dear from the first quarter."""
    runs = {sid: play(content.params(sid), STRATEGIES["cloud"], 7, 200, quarters=2, workers=1)
            for sid in ("ipo-window", "compute-crunch")}
    assert (np.median(runs["compute-crunch"].state.rental_price)
            > 1.2 * np.median(runs["ipo-window"].state.rental_price))


def test_a_pack_scenario_overrides_economy_and_rivals(tmp_path: Path) -> None:
    folder = write_scenario(tmp_path, TOP + '''
[economy.fleet]
power_price_mwh = 150

[rivals.claude]
price = 0.8
release_every_quarters = 3.0
''')
    assert problems_in(folder) == []
    content = load_content([folder])
    params, base = content.params("s"), content.params("ipo-window")
    assert params.fleet.power_price_mwh == 150 and base.fleet.power_price_mwh == 80.6
    claude = {r.id: r for r in params.rivals}["claude"]
    assert (claude.price, claude.release_every_quarters) == (0.8, 3.0)
    assert {r.id: r for r in base.rivals}["claude"].price == 1.1


def test_script_fires_the_scripted_event_in_every_running_world(content) -> None:
    """compute-crunch scripts the hyperscalers' bidding war (a scripted-only event) at quarter 2:
    it happens in every world still running then, and never without the script."""
    event = "base.capacity_bidding_war"
    assert 2 in content.script("compute-crunch") and event in content.script("compute-crunch")[2]
    director = content.director_for("compute-crunch")
    assert director.preset.name == "volatile"
    index = director.index[event]
    params = content.params("compute-crunch")
    fired: dict[int, np.ndarray] = {}
    director.on_fire = lambda i, worlds, _: fired.setdefault(i, worlds) if i == index else None
    run = play(params, STRATEGIES["balanced"], 7, 64, quarters=3, workers=1, events=director)
    counts = run.state.extra["events.count"][:, index]
    alive = (run.state.outcome == RUNNING) | (run.state.quarter_ended >= 2)
    assert alive.sum() > 50 and np.all(counts[alive] == 1)
    assert index in fired and len(fired[index]) == int(alive.sum())
    # The same game without the script: the event never happens.
    unscripted = content.director(content.scenarios["compute-crunch"].pacing)
    run = play(params, STRATEGIES["balanced"], 7, 64, quarters=3, workers=1, events=unscripted)
    assert run.state.extra["events.count"][:, index].sum() == 0


def test_simulate_and_stats_play_the_scenarios_script(capsys) -> None:
    assert main(["simulate", "--scenario", "compute-crunch", "--seed", "7", "--quarters", "3"]) == 0
    rows = [line for line in capsys.readouterr().out.splitlines() if line.startswith("2026Q3")]
    assert rows and "Hyperscalers buy up the rental market" in rows[0]
    assert main(["packs", "stats", "--worlds", "200", "--format", "json"]) == 0
    shares = {r["scenario"]: r["events"] for r in json.loads(capsys.readouterr().out)["scenarios"]}
    assert shares["compute-crunch"]["base.capacity_bidding_war"] == 1.0
    assert shares["ipo-window"]["base.capacity_bidding_war"] == 0.0
    assert shares["tutorial"]["base.viral_launch"] == 1.0


# --- disabled actions and the seed policy -------------------------------------------------------


@dataclass(frozen=True)
class VendorHungry:
    name: str = "vendor-hungry"
    description: str = "asks for $5B of vendor financing every quarter"

    def plan(self, state: State, econ: Economy) -> Plan:
        return Plan(vendor_equity=5.0, break_lease_h100e=10_000.0)


def test_bots_play_by_the_scenarios_disabled_actions(content) -> None:
    params = content.params("tutorial")
    assert set(params.scenario.disabled_actions) == {"vendor_equity", "break_lease_h100e"}
    allowed = params.model_copy(update={"scenario": params.scenario.model_copy(
        update={"disabled_actions": ()})})
    allowed._compiled = None
    runs = [play(p, VendorHungry(), 7, 8, quarters=2, workers=1) for p in (params, allowed)]
    disabled, free = (r.state for r in runs)
    assert np.all(disabled.ownership == params.scenario.start.ownership)
    assert np.all(free.ownership < params.scenario.start.ownership)


def test_restricting_a_plan_resets_what_is_disabled() -> None:
    plan = Plan(vendor_equity=np.array([0.0, 3.0]), gpu_orders={"B200": 1000.0}, ipo="file",
                training=0.5, inference=0.4, research=0.1, price=1.2)
    assert disabled_problems(plan, ["hire"]) == []
    said = disabled_problems(plan, ["vendor_equity", "gpu_orders", "ipo"])
    assert len(said) == 3 and "'vendor_equity' is disabled" in said[0]
    out = restrict_plan(plan, ["vendor_equity", "gpu_orders", "ipo", "training", "inference",
                               "research"])
    assert out.vendor_equity == 0.0 and out.gpu_orders == {} and out.ipo == "hold"
    assert (out.training, out.inference, out.research) == (0.1, 0.5, 0.4)
    assert out.price == 1.2
    assert restrict_plan(Plan(), ["vendor_equity"]) == Plan()


def test_a_new_class_takes_the_scenarios_seed(tmp_path: Path, content, capsys) -> None:
    seed = content.scenarios["tutorial"].seed
    assert seed is not None and seed != 2026  # distinguishable from the classroom default
    assert main(["class", "new", str(tmp_path / "a"), "--scenario", "tutorial"]) == 0
    assert main(["class", "new", str(tmp_path / "b"), "--scenario", "tutorial", "--seed", "5"]) == 0
    assert main(["class", "new", str(tmp_path / "c"), "--scenario", "ipo-window"]) == 0
    seeds = [tomllib.loads((tmp_path / d / ".class" / "class.toml").read_text()).get("seed")
             for d in "abc"]
    assert seeds == [seed, 5, None]  # ipo-window has no seed of its own: the class's is secret
    assert tomllib.loads((tmp_path / "c" / ".class" / "class.toml").read_text())["secret_seed"]
    capsys.readouterr()


# --- mistakes, each at its place ------------------------------------------------------------------


EVENT = '''[[event]]
id = "scen.fab_fire"
title = "A fab burns"
text = "A fab burns while you hold {cash}."
category = "supply"
scripted = true
effects = [{ type = "add", target = "sentiment", value = "-1" }]
'''


@pytest.mark.parametrize(("top", "expected"), [
    (TOP + '\n[[scripted]]\nquarter = 2\nevent = "scen.fab_fir"\n',
     "scenarios/s.toml:8:1: scenario 's': unknown scripted event 'scen.fab_fir' "
     "(did you mean 'scen.fab_fire'?)"),
    (TOP + '\n[[scripted]]\nquarter = 8\nevent = "scen.fab_fire"\n',
     "scenarios/s.toml:7:1: scenario 's': scripted event 'scen.fab_fire' at quarter 8 is past "
     "the horizon (quarters run from 0 to 7; horizon_quarters = 8)"),
    (TOP + '\n[[hints]]\nquarter = 9\ntext = "Late."\n',
     "scenarios/s.toml:7:1: scenario 's': a hint at quarter 9 is past the horizon (quarters run "
     "from 0 to 7; horizon_quarters = 8)"),
    (TOP + 'disabled_actions = ["hire", "vendor_equty"]\n',
     "scenarios/s.toml:5:1: 'disabled_actions[1]': unknown action 'vendor_equty' (did you mean "
     "'vendor_equity'?)"),
    (TOP + 'disabled_actions = ["training"]\n',
     "scenarios/s.toml:5:1: 'disabled_actions': training, inference and research are one "
     "decision (the compute allocation, summing to 100%): disable all three or none, not only "
     "training"),
    (TOP + '\n[rivals.gemni]\nprice = 0.5\n',
     "scenarios/s.toml:6:1: scenario 's': unknown rival 'gemni' (did you mean 'gemini'?); "
     "rivals: gemini, claude"),
    (TOP + '\n[rivals.claude]\nprise = 0.5\n',
     "scenarios/s.toml:7:1: unknown key 'rivals.claude.prise' (did you mean 'price'?)"),
    (TOP + '\n[rivals.claude]\nprice = -1\n',
     "scenarios/s.toml:7:1: scenario 's': 'rivals.claude.price': Input should be greater than 0"),
    (TOP + '\n[economy.market]\nrental_strat = 3.0\n',
     "scenarios/s.toml:7:1: unknown key 'economy.market.rental_strat' (did you mean "
     "'rental_start'?)"),
    (TOP + '\n[economy.market]\nspot_premium = 0.5\n',
     "scenarios/s.toml:7:1: scenario 's': 'economy.market.spot_premium': Input should be greater "
     "than or equal to 1"),
    (TOP + '\n[[hints]]\nquarter = 1\ntext = "Buy."\ntopic = "procurment"\n',
     "scenarios/s.toml:9:1: 'hints[0].topic': 'procurment' is not one of procurement, "
     "allocation, training, pricing, finance (did you mean 'procurement'?)"),
    (TOP + 'packs = ["bsae"]\n',
     "scenarios/s.toml:5:1: scenario 's' needs pack 'bsae', which is not installed (did you "
     "mean 'base'?)"),
], ids=["unknown-event", "event-past-horizon", "hint-past-horizon", "unknown-action",
        "part-of-allocation", "unknown-rival", "unknown-rival-key", "rival-limit",
        "unknown-economy-key", "economy-limit", "unknown-topic", "missing-pack"])
def test_a_bad_scenario_is_reported_at_its_place(tmp_path: Path, top: str, expected: str
                                                 ) -> None:
    folder = write_scenario(tmp_path, top, events=EVENT)
    assert problems_in(folder) == [expected]


def test_every_problem_of_a_scenario_is_reported_together(tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]
                                                          ) -> None:
    """One mistake of shape does not hide the others: unknown action, event, rival and a quarter
    past the horizon, all in one run of `packs validate` (exit code 1, no traceback)."""
    folder = write_scenario(tmp_path, TOP + '''disabled_actions = ["vendor_equty"]

[[scripted]]
quarter = 12
event = "scen.fab_fir"

[rivals.gemni]
price = 0.5
''', events=EVENT)
    assert main(["packs", "validate", str(folder)]) == 1
    out, err = capsys.readouterr()
    lines = [line.replace(f"{folder}/", "") for line in out.splitlines()]
    assert lines == [
        "scenarios/s.toml:5:1: 'disabled_actions[0]': unknown action 'vendor_equty' (did you "
        "mean 'vendor_equity'?)",
        "scenarios/s.toml:8:1: scenario 's': scripted event 'scen.fab_fir' at quarter 12 is past "
        "the horizon (quarters run from 0 to 7; horizon_quarters = 8)",
        "scenarios/s.toml:9:1: scenario 's': unknown scripted event 'scen.fab_fir' (did you mean "
        "'scen.fab_fire'?)",
        "scenarios/s.toml:11:1: scenario 's': unknown rival 'gemni' (did you mean 'gemini'?); "
        "rivals: gemini, claude",
    ]
    assert "4 problems in 1 file" in err and "Traceback" not in out + err


def test_a_scripted_event_replaced_by_a_pack_is_scripted_as_its_replacement(tmp_path: Path
                                                                           ) -> None:
    replacement = EVENT.replace('id = "scen.fab_fire"', 'id = "scen.deal_review"\n'
                                'replaces = "base.vendor_deal_review"')
    folder = write_scenario(tmp_path, TOP + '\n[[scripted]]\nquarter = 1\n'
                            'event = "base.vendor_deal_review"\n', events=replacement)
    assert problems_in(folder) == []
    content = load_content([folder])
    assert content.script("s") == {1: ("scen.deal_review",)}
    assert content.script("ipo-window")[1] == ("scen.deal_review",)


def test_the_base_pack_validates(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["packs", "validate"]) == 0
    assert f"{len(SHIPPED)} scenarios" in capsys.readouterr().out


def test_the_modding_guides_scenario_example_and_message_are_real(tmp_path: Path) -> None:
    doc = (ROOT / "docs" / "MODDING.md").read_text(encoding="utf-8")
    block = next(b for b in re.findall(r"```toml\n(.*?)```", doc, re.S) if 'id = "fab-fire"' in b)
    folder = tmp_path / "mypack"
    (folder / "scenarios").mkdir(parents=True)
    (folder / "events").mkdir()
    (folder / "pack.toml").write_text('id = "mypack"\nname = "mypack"\nversion = "0.1.0"\n')
    (folder / "events" / "supply.toml").write_text(EVENT.replace("scen.", "mypack."))
    scenario = folder / "scenarios" / "fab-fire.toml"
    scenario.write_text(block + "\n" + ipo_window_tables())
    assert problems_in(folder) == []
    assert load_content([folder]).params("fab-fire").market.rental_start == 3.0
    scenario.write_text(scenario.read_text().replace('"mypack.fab_fire"', '"mypack.fab_fir"'))
    shown = [str(p).replace(f"{tmp_path}/", "") for p in check([folder])]
    assert len(shown) == 1 and shown[0] in doc


def test_the_live_game_refuses_what_its_scenario_disables(content) -> None:
    from game.engine import PlanError
    from game.session.game import Game

    game = Game(content, "tutorial", seed=3, lab="Rules Labs")
    assert "vendor_equity" in game.params.scenario.disabled_actions
    with pytest.raises(PlanError, match="'vendor_equity' is disabled in this scenario"):
        game.submit(Plan(vendor_equity=1.0))
    with pytest.raises(PlanError, match="'break_lease_h100e' is disabled"):
        game.submit(Plan(break_lease_h100e=1000.0))
    game.submit(Plan(price=1.1))  # what the scenario allows still goes
