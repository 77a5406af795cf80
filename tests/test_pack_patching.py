"""Entries of lists added and changed by id across packs (issue 17, item 5): a new GPU generation
played end to end, base GPUs, rivals and concepts patched key by key, conflicts between packs,
and the messages a modder gets for an unknown id or key."""

from __future__ import annotations

import re
import tempfile
import time
from pathlib import Path

import numpy as np
import pytest
import tomli_w
from hypothesis import given, settings
from hypothesis import strategies as st

from game.bots import STRATEGIES, play
from game.cli import main
from game.engine import compile_economy
from game.engine.params import MAX_GPU_GENERATIONS
from game.engine.plan import Plan
from game.packs import Content, check, load_content
from game.session.game import Game
from game.session.store import load_game, save_game, verify

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "MODDING.md"
SCENARIO = "ipo-window"  # starts 2026Q1

# A generation cheaper per H100e than anything on sale in 2026Q1, so the bots buy it.
MI400 = '''[[gpu]]
name = "MI400"
available = "2025Q4"
tflops = 2300
watts = 1000
launch_price = {price}
lead_quarters = 1
'''


def write_pack(root: Path, pack_id: str, files: dict[str, str], manifest: str = "") -> Path:
    folder = root / pack_id
    folder.mkdir(parents=True)
    (folder / "pack.toml").write_text(f'id = "{pack_id}"\nname = "{pack_id}"\n'
                                      f'version = "0.1.0"\ndepends = ["base"]\n{manifest}')
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    return folder


def problems(*folders: Path) -> list[str]:
    """Problems as `packs validate` prints them, each with its path made relative."""
    out = []
    for p in check(list(folders)):
        text = str(p)
        for f in folders:
            text = text.replace(f"{f.parent}/", "")
        out.append(text)
    return out


@pytest.fixture(scope="module")
def base() -> Content:
    return load_content()


@pytest.fixture
def gpu_mod(tmp_path: Path) -> Path:
    return write_pack(tmp_path / "mods", "gpumod", {"economy.toml": MI400.format(price=12000)})


# --- a new GPU generation, end to end --------------------------------------------------------


def test_a_new_generation_is_on_the_market_and_the_bots_buy_it(gpu_mod: Path,
                                                               base: Content) -> None:
    content = load_content([gpu_mod])
    params = content.params(SCENARIO)
    names = [g.name for g in params.gpus]
    assert names == [g.name for g in base.params(SCENARIO).gpus] + ["MI400"]
    assert all("MI400" in [g.name for g in content.params(s).gpus] for s in content.scenarios)
    econ = compile_economy(params)
    g = econ.gpu_names.index("MI400")
    assert econ.available[econ.row(0), g]
    assert econ.gpu_price[econ.row(0), g] == pytest.approx(
        12000 * (1 + params.fleet.server_overhead))
    run = play(params, STRATEGIES["balanced"], seed=3, n_worlds=200, quarters=4, workers=1)
    assert run.state.owned.shape[1] == len(names)
    assert (run.state.owned[:, g] > 0).mean() > 0.5  # the cheapest per H100e: bought


def test_a_player_buys_a_new_generation_and_the_ledger_shows_it(gpu_mod: Path) -> None:
    game = Game(load_content([gpu_mod]), SCENARIO, seed=11)
    g = game.econ.gpu_names.index("MI400")
    price = float(game.econ.gpu_price[game.econ.row(0), g])
    game.submit(Plan(gpu_orders={"MI400": 1000}))
    ledger = game.end_quarter(auto_choose=True)
    assert float(ledger.entries["cash"]["GPU purchases"][0]) == pytest.approx(-1000 * price / 1e9)
    assert game.log[0].plan["gpu_orders"] == {"MI400": 1000.0}  # recorded by name
    assert float(game.state.pipeline[0, :, g].sum()) == 1000  # one quarter's lead
    game.end_quarter(auto_choose=True)
    assert float(game.state.owned[0, g]) == 1000


def test_a_game_with_a_new_generation_saves_loads_and_verifies(gpu_mod: Path,
                                                               tmp_path: Path) -> None:
    content = load_content([gpu_mod])
    game = Game(content, SCENARIO, seed=5)
    game.submit(Plan(gpu_orders={"MI400": 2000}))
    game.end_quarter(auto_choose=True)
    game.autoplay(STRATEGIES["builder"], quarters=3)
    g = game.econ.gpu_names.index("MI400")
    owned = float(game.state.owned[0, g])
    assert owned >= 2000
    saves = tmp_path / "saves"
    saves.mkdir()
    path = save_game(game, saves)
    assert "MI400" in path.read_text(encoding="utf-8")
    result = verify(path, content)
    assert result.verified, result.problems
    loaded = load_game(path, content)
    assert float(loaded.state.owned[0, g]) == owned
    # The mod changes afterwards: the game replays with the mod as it was (kept beside the saves).
    (gpu_mod / "economy.toml").write_text(MI400.format(price=30000))
    changed = load_content([gpu_mod])
    assert changed.params(SCENARIO).gpus[g].launch_price == 30000
    again = verify(path, changed)
    assert again.verified, again.problems
    assert again.game is not None and float(again.game.state.owned[0, g]) == owned


async def test_the_procurement_tab_sells_a_new_generation(gpu_mod: Path, tmp_path: Path) -> None:
    """The terminal game: a field to buy it with its price and lead time, an order typed there
    goes into the quarter's plan by name, and the compute panel shows it arriving."""
    from textual.widgets import Static

    from game.ui.app import FrontierLab
    from game.ui.decisions import NumberField, field_id
    from tests.test_ui import game_screen, plain, play_quarter, to_main

    content = load_content([gpu_mod])
    game = Game(content, SCENARIO, seed=5, lab="Pilot Labs")
    app = FrontierLab(content, tmp_path, game=game)
    async with app.run_test(size=(100, 40)) as pilot:
        await to_main(pilot, app)
        await pilot.press("2")
        await pilot.pause()
        field = app.screen.query_one(f"#field-{field_id('buy_MI400')}", NumberField)
        hint = plain(field.query_one(".hint", Static).content)
        assert hint.startswith("$18k each") and "1q lead" in hint, hint
        field.input.value = "500"
        await pilot.pause()
        await pilot.press("escape", "1")
        await play_quarter(pilot, app)
        assert game_screen(app).game.log[0].plan["gpu_orders"] == {"MI400": 500.0}
        panel = plain(app.screen.query_one("#compute", Static).content)
        assert "MI400 owned" in panel, panel


def test_a_packs_scenario_starts_with_a_fleet_of_the_new_generation(tmp_path: Path) -> None:
    from game.paths import base_pack_dir

    text = (base_pack_dir() / "scenarios" / f"{SCENARIO}.toml").read_text(encoding="utf-8")
    owned = "owned_gpus = { H100 = 200000, B200 = 150000 }"
    assert owned in text
    scenario = text.replace(f'id = "{SCENARIO}"', 'id = "amd-shop"').replace(
        owned, "owned_gpus = { H100 = 200000, MI400 = 150000 }")
    mod = write_pack(tmp_path, "amd", {"economy.toml": MI400.format(price=12000),
                                       "scenarios/amd-shop.toml": scenario})
    game = Game(load_content([mod]), "amd-shop", seed=2)
    assert float(game.state.owned[0, game.econ.gpu_names.index("MI400")]) == 150000
    assert float(game.state.owned[0, game.econ.gpu_names.index("B200")]) == 0


def test_a_plan_naming_an_unknown_generation_is_refused_with_a_suggestion(gpu_mod: Path) -> None:
    game = Game(load_content([gpu_mod]), SCENARIO, seed=1)
    with pytest.raises(ValueError, match=r"unknown GPU generation 'MI40' \(did you mean 'MI400'"):
        game.submit(Plan(gpu_orders={"MI40": 10}))


# --- patches of base entries -----------------------------------------------------------------


def test_a_gpu_patch_changes_only_its_keys_and_the_economy(tmp_path: Path,
                                                          base: Content) -> None:
    mod = write_pack(tmp_path, "dear", {"economy.toml": "[gpu_patch.B200]\n"
                                                        "launch_price = 50000\n"})
    content = load_content([mod])
    for scenario in content.scenarios:  # those with economy overrides of their own too
        patched = content.params(scenario)
        assert patched.gpus[patched.gpu_index("B200")].launch_price == 50000, scenario
    params = content.params(SCENARIO)
    before = base.params(SCENARIO)
    b200 = params.gpus[params.gpu_index("B200")]
    assert b200.launch_price == 50000
    assert b200.model_dump(exclude={"launch_price"}) == \
        before.gpus[before.gpu_index("B200")].model_dump(exclude={"launch_price"})
    assert [g.name for g in params.gpus] == [g.name for g in before.gpus]
    econ, econ0 = compile_economy(params), compile_economy(before)
    g = econ.gpu_names.index("B200")
    assert econ.gpu_price[0, g] == pytest.approx(econ0.gpu_price[0, g] * 50000 / 35000)
    # The rental market's cost anchor follows the dearer generation once it is the one in use.
    assert not np.allclose(econ.rental_anchor, econ0.rental_anchor)


def test_a_rival_patch_changes_the_rival_in_play(tmp_path: Path, base: Content) -> None:
    mod = write_pack(tmp_path, "rivalry", {"rivals.toml": "[rival_patch.gemini]\nprice = 0.6\n"
                                                         "compute_growth_per_year = 8.0\n"})
    params = load_content([mod]).params(SCENARIO)
    before = base.params(SCENARIO)
    ids = [r.id for r in params.rivals]
    assert ids == [r.id for r in before.rivals]
    k = ids.index("gemini")
    assert params.rivals[k].price == 0.6 and params.rivals[k].compute_growth_per_year == 8.0
    assert params.rivals[k].runrate == before.rivals[k].runrate  # untouched keys stay
    assert params.rivals[1 - k] == before.rivals[1 - k]
    runs = [play(p, STRATEGIES["balanced"], seed=4, n_worlds=200, quarters=6, workers=1)
            for p in (params, before)]
    patched, unpatched = (r.state for r in runs)
    assert patched.rival_log_flop[:, k].mean() > unpatched.rival_log_flop[:, k].mean() + 0.5
    assert patched.rival_price[:, k].mean() < unpatched.rival_price[:, k].mean()


def test_a_scenario_override_applies_on_top_of_a_rival_patch(tmp_path: Path) -> None:
    """price-war sets Gemini's price cut with its own [rivals.gemini]: that key is the
    scenario's there, the pack's elsewhere, and the pack's other key holds everywhere."""
    mod = write_pack(tmp_path, "rivalry", {"rivals.toml": "[rival_patch.gemini]\n"
                                                         "release_jitter = 0.5\n"
                                                         "price_cut_when_behind = 0.01\n"})
    content = load_content([mod])
    for scenario in content.scenarios:
        gemini = next(r for r in content.params(scenario).rivals if r.id == "gemini")
        assert gemini.release_jitter == 0.5
        assert gemini.price_cut_when_behind == (0.15 if scenario == "price-war" else 0.01)


def test_a_concept_patch_shows_in_the_glossary(tmp_path: Path, base: Content) -> None:
    mod = write_pack(tmp_path, "words", {"glossary.toml": (
        '[concept_patch.runway]\ndefinition = "How long the money lasts."\n'
        'see_also = ["dilution"]\n')})
    content = load_content([mod])
    runway = content.glossary["runway"]
    assert runway.definition == "How long the money lasts." and runway.see_also == ["dilution"]
    assert runway.term == base.glossary["runway"].term
    assert runway.why_it_matters == base.glossary["runway"].why_it_matters


def test_a_patched_see_also_is_checked_at_the_patch(tmp_path: Path) -> None:
    mod = write_pack(tmp_path, "words", {"glossary.toml": (
        '[concept_patch.runway]\nsee_also = ["dilutoin"]\n')})
    assert problems(mod) == ["words/glossary.toml:2:1: concept 'runway': see_also names unknown "
                             "concept 'dilutoin' (did you mean 'dilution'?)"]


def test_a_patch_out_of_bounds_is_reported_at_its_line_and_not_applied(tmp_path: Path) -> None:
    mod = write_pack(tmp_path, "bad", {
        "rivals.toml": "[rival_patch.gemini]\nrunrate = 1.0\nprice = -1\n",
        "economy.toml": "[gpu_patch.B200]\nlead_quarters = 9\n",
        "glossary.toml": '[concept_patch.runway]\nterm = ""\n'})
    assert problems(mod) == [
        "bad/economy.toml:2:1: 'gpu_patch.B200.lead_quarters': Input should be less than or "
        "equal to 4",
        "bad/glossary.toml:2:1: 'concept_patch.runway.term': String should have at least 1 "
        "character",
        "bad/rivals.toml:3:1: 'rival_patch.gemini.price': Input should be greater than 0",
    ]


# --- conflicts and order ---------------------------------------------------------------------

PATCHES = {  # kind -> (file, a patch of one key of a base entry with a value, its provenance)
    "gpu": ("economy.toml", "[gpu_patch.H100]\nlaunch_price = {v}\n",
            "GPU generation 'H100' launch_price", "'launch_price' of GPU generation 'H100'"),
    "rival": ("rivals.toml", "[rival_patch.claude]\nprice = {v}\n", "rival 'claude' price",
              "'price' of rival 'claude'"),
    "concept": ("glossary.toml", '[concept_patch.runway]\nterm = "Runway {v}"\n',
                "concept 'runway' term", "'term' of concept 'runway'"),
}


@pytest.mark.parametrize("kind", sorted(PATCHES))
def test_two_packs_setting_one_key_conflict_until_one_loads_after(
        kind: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    file, patch, what, said = PATCHES[kind]
    one = write_pack(tmp_path / "a", "one", {file: patch.format(v=1.3)})
    two = write_pack(tmp_path / "b", "two", {file: patch.format(v=1.4)})
    assert problems(one, two) == [
        f"two/{file}:2:1: conflict: pack 'one' also sets {said} and neither pack loads after "
        "the other; add load_after to one of them"]
    ordered = write_pack(tmp_path / "c", "two", {file: patch.format(v=1.4)},
                         'load_after = ["one"]\n')
    content = load_content([one, ordered])
    assert content.changes == [(what, ["base", "one", "two"])]
    if kind == "gpu":
        assert content.params(SCENARIO).gpus[1].launch_price == 1.4
    elif kind == "rival":
        assert content.params(SCENARIO).rivals[1].price == 1.4
    else:
        assert content.glossary["runway"].term == "Runway 1.4"
    assert main(["packs", "list", str(one), str(ordered)]) == 0
    out = capsys.readouterr().out
    assert f"  {what}: base → one → two\nNo conflicts." in out


def test_two_packs_setting_different_keys_of_one_entry_do_not_conflict(tmp_path: Path) -> None:
    one = write_pack(tmp_path / "a", "one", {"rivals.toml": "[rival_patch.gemini]\nprice = 0.8\n"})
    two = write_pack(tmp_path / "b", "two", {"rivals.toml": "[rival_patch.gemini]\n"
                                                            "runrate = 14.0\n"})
    assert problems(one, two) == []
    gemini = load_content([one, two]).params(SCENARIO).rivals[0]
    assert (gemini.price, gemini.runrate) == (0.8, 14.0)


def test_changing_another_mods_entry_needs_an_order_with_it(tmp_path: Path) -> None:
    """A mod's new entry patched by an unordered pack: a conflict when the definition happens to
    load first (by id), the pack to load after named when it does not; fine with load_after."""
    alpha = write_pack(tmp_path / "a", "alpha", {"economy.toml": MI400.format(price=12000)})
    patch = {"economy.toml": "[gpu_patch.MI400]\nlead_quarters = 2\n"}
    zeta = write_pack(tmp_path / "z", "zeta", patch)
    aardvark = write_pack(tmp_path / "v", "aardvark", patch)
    assert problems(alpha, zeta) == [
        "zeta/economy.toml:2:1: conflict: pack 'alpha' defines GPU generation 'MI400' and "
        "neither pack loads after the other; add load_after to one of them"]
    assert problems(alpha, aardvark) == [
        "aardvark/economy.toml:1:1: GPU generation 'MI400' is defined by pack 'alpha', which "
        "loads after pack 'aardvark': add \"alpha\" to load_after in aardvark's pack.toml"]
    after = write_pack(tmp_path / "w", "aardvark", patch, 'load_after = ["alpha"]\n')
    params = load_content([alpha, after]).params(SCENARIO)
    assert params.gpus[params.gpu_index("MI400")].lead_quarters == 2


# --- mistakes, said like the rest of the validator -------------------------------------------


@pytest.mark.parametrize(("file", "text", "message"), [
    ("economy.toml", "[gpu_patch.B20O]\nlaunch_price = 1\n",
     "economy.toml:1:1: unknown GPU generation 'B20O' to change (did you mean 'B200'?)"),
    ("rivals.toml", "[rival_patch.gemni]\nprice = 1\n",
     "rivals.toml:1:1: unknown rival 'gemni' to change (did you mean 'gemini'?)"),
    ("glossary.toml", '[concept_patch.runwya]\nterm = "R"\n',
     "glossary.toml:1:1: unknown concept 'runwya' to change (did you mean 'runway'?)"),
    ("economy.toml", "[gpu_patch.B200]\nlaunch_prise = 1\n",
     "economy.toml:2:1: unknown key 'gpu_patch.B200.launch_prise' (did you mean "
     "'launch_price'?)"),
    ("rivals.toml", "[rival_patch.gemini]\nprise = 1\n",
     "rivals.toml:2:1: unknown key 'rival_patch.gemini.prise' (did you mean 'price'?)"),
    ("glossary.toml", '[concept_patch.runway]\ndefiniton = "D"\n',
     "glossary.toml:2:1: unknown key 'concept_patch.runway.definiton' (did you mean "
     "'definition'?)"),
    ("economy.toml", MI400.format(price=1).replace('"MI400"', '"B200"'),
     "economy.toml:2:1: GPU generation 'B200' is already defined by pack 'base'"),
    ("rivals.toml", "[rival_patch.gemini]\nid = \"x\"\n",
     "rivals.toml:2:1: unknown key 'rival_patch.gemini.id'"),
    ("rivals.toml", "", "rivals.toml: rivals.toml defines nothing: add [[rival]] tables, or "
                        "[rival_patch.ID] tables that change a rival"),
])
def test_a_mistake_in_a_patch_is_one_located_problem(tmp_path: Path, file: str, text: str,
                                                     message: str) -> None:
    mod = write_pack(tmp_path, "oops", {file: text})
    found = problems(mod)
    assert len(found) == 1 and found[0].startswith(f"oops/{message}"), found


def test_the_engine_takes_at_most_so_many_generations(tmp_path: Path, base: Content) -> None:
    room = MAX_GPU_GENERATIONS - len(base.economy.gpu)
    many = "".join(MI400.format(price=12000).replace("MI400", f"X{k}") for k in range(room + 1))
    mod = write_pack(tmp_path, "many", {"economy.toml": many})
    assert problems(mod) == [  # at the first [[gpu]] too many
        f"many/economy.toml:{7 * room + 1}:1: {room + 1} [[gpu]] tables and the "
        f"{len(base.economy.gpu)} generations of the packs before make "
        f"{MAX_GPU_GENERATIONS + 1}: a game has at most {MAX_GPU_GENERATIONS} GPU generations"]
    fits = write_pack(tmp_path, "fits", {"economy.toml": many.rsplit("[[gpu]]", 1)[0]})
    assert len(load_content([fits]).params(SCENARIO).gpus) == MAX_GPU_GENERATIONS
    flood = write_pack(tmp_path, "flood", {"economy.toml": MI400.format(price=1) * 10_000})
    start = time.perf_counter()
    found = problems(flood)
    assert time.perf_counter() - start < 5.0
    assert len(found) == 1 and "10,000 [[gpu]] tables and the 6 generations" in found[0]


# --- the reference stays true ----------------------------------------------------------------


def test_the_references_patch_examples_validate_and_its_messages_are_real(tmp_path: Path) -> None:
    doc = DOC.read_text(encoding="utf-8")
    blocks = [b for b in re.findall(r"```toml\n(.*?)```", doc, re.DOTALL)
              if re.search(r"^\s*\[(gpu|rival|concept)_patch\.", b, re.MULTILINE)]
    assert len(blocks) >= 4
    files = {"gpu": "economy.toml", "rival": "rivals.toml", "concept": "glossary.toml"}
    for k, block in enumerate(blocks):
        text = "\n".join(line.removeprefix("   ") for line in block.splitlines())
        kind = re.search(r"^\[(gpu|rival|concept)_patch\.", text, re.MULTILINE)
        assert kind is not None
        mod = write_pack(tmp_path, f"example{k}", {files[kind.group(1)]: text})
        assert problems(mod) == [], text
    assert f"at most {MAX_GPU_GENERATIONS} generations" in doc
    for quoted in ("unknown rival 'gemni' to change (did you mean 'gemini'?)",
                   "unknown key 'rival_patch.gemini.prise' (did you mean 'price'?)",
                   "conflict: pack 'one' also sets 'price' of rival 'gemini' and neither pack "
                   "loads after the other; add load_after to one of them"):
        assert quoted in " ".join(doc.split()), quoted
    one = write_pack(tmp_path / "a", "one", {"rivals.toml": "[rival_patch.gemini]\nprice = 1\n"})
    two = write_pack(tmp_path / "b", "two", {"rivals.toml": "[rival_patch.gemini]\nprice = 2\n"})
    assert any("conflict: pack 'one' also sets 'price' of rival 'gemini' and neither pack loads "
               "after the other; add load_after to one of them" in p for p in problems(one, two))


# --- fuzzed patches --------------------------------------------------------------------------

_IDS = st.one_of(st.sampled_from(["B200", "H100", "gemini", "claude", "runway", "MI400"]),
                 st.text(min_size=1, max_size=30))
_KEYS = st.one_of(st.sampled_from(["launch_price", "tflops", "available", "lead_quarters",
                                   "price", "runrate", "release_jitter", "term", "see_also",
                                   "definition", "name", "id"]),
                  st.text(min_size=1, max_size=12))
_VALUES = st.one_of(st.integers(-(2**63), 2**63 - 1), st.floats(allow_nan=False, width=32),
                    st.booleans(), st.text(max_size=20), st.lists(st.text(max_size=8),
                                                                   max_size=3))
_PATCH = st.dictionaries(_IDS, st.dictionaries(_KEYS, _VALUES, max_size=4), max_size=4)


@settings(max_examples=30)
@given(st.sampled_from([("economy.toml", "gpu_patch"), ("rivals.toml", "rival_patch"),
                        ("glossary.toml", "concept_patch")]), _PATCH, _PATCH)
def test_fuzzed_patches_are_problems_never_exceptions(where: tuple[str, str],
                                                      first: dict, second: dict) -> None:
    """Any patch tables, of known and unknown ids, keys and values, from two unordered packs:
    problems each on one line, or content that loads, never an exception."""
    file, table = where
    with tempfile.TemporaryDirectory() as tmp:
        packs = [write_pack(Path(tmp), pid, {file: tomli_w.dumps({table: patch})})
                 for pid, patch in (("one", first), ("two", second))]
        found = check(packs)
        assert all("\n" not in str(p) for p in found)
        if not found:
            load_content(packs)
