"""The packs of docs/examples: each validates with --strict (no warning), and the sample pack,
docs/examples/export_controls, uses every part of the pack language and each part plays: its
variables change, its moment events fire, its chain runs to its end, its GPU generation is on
sale, and its French translates every text."""

from __future__ import annotations

import re
import shlex
import tomllib
from pathlib import Path

import numpy as np
import pytest

from game.bots import STRATEGIES
from game.bots.runner import play
from game.cli import build_parser
from game.cli import main as cli_main
from game.engine.economy import compile_economy
from game.packs import load_content
from game.packs.locales import originals

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "docs" / "examples"
SAMPLE = EXAMPLES / "export_controls"
SCENARIO = "export-crackdown"
PACKS = sorted(p.parent for p in EXAMPLES.glob("*/pack.toml"))


def sample_toml(name: str) -> dict:
    return tomllib.loads((SAMPLE / name).read_text(encoding="utf-8"))


def sample_events() -> list[dict]:
    return [ev for path in sorted((SAMPLE / "events").glob("*.toml"))
            for ev in tomllib.loads(path.read_text(encoding="utf-8"))["event"]]


@pytest.mark.parametrize("pack", PACKS, ids=lambda p: p.name)
def test_every_example_pack_validates_strictly(pack: Path, capsys) -> None:
    assert cli_main(["packs", "validate", "--strict", str(pack)]) == 0
    out, err = capsys.readouterr()
    assert err.strip() == "0 errors, 0 warnings", out + err
    assert ": warning: " not in out and out.startswith("ok: "), out


def test_the_sample_pack_is_among_the_examples_and_its_readme_is_true(capsys) -> None:
    """The README's commands parse, name the pack where it is, and its quoted line is printed."""
    assert SAMPLE in PACKS
    readme = (SAMPLE / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```sh\n(.*?)```", readme, re.DOTALL)
    assert block is not None
    for line in block.group(1).splitlines():
        argv = shlex.split(line, comments=True)
        assert argv[0] == "frontier-lab", line
        build_parser().parse_args(argv[1:])
        assert "docs/examples/export_controls" in argv, line
    quoted = re.search(r"`(fr: export_controls, [^`]+)`", readme)
    assert quoted is not None
    cli_main(["packs", "validate", str(SAMPLE)])
    assert quoted.group(1) in capsys.readouterr().out.splitlines()
    assert "(examples/export_controls/README.md)" in (ROOT / "docs" / "MODDING.md").read_text(
        encoding="utf-8"), "MODDING.md should link the sample pack"


def test_the_sample_pack_writes_every_part_of_the_language() -> None:
    """What the issue asks of it, read from its files: a numeric variable, a hook, a reusable
    trigger and effects list, quarters since, a formatted placeholder, a chain of three or more,
    a new GPU generation, a glossary concept, a scenario and a second language."""
    events = sample_events()
    by_id = {ev["id"]: ev for ev in events}
    assert 6 <= len(events) <= 10
    assert sample_toml("variables.toml")["variable"]
    library = sample_toml("library.toml")
    assert library["trigger"] and library["effects"]
    assert any(ev.get("on", "").startswith("rival_release.") for ev in events)
    assert any(ev.get("on") == "game_end" for ev in events)
    triggers = " ".join(ev.get("trigger", "") for ev in events)
    assert "since.event." in triggers and "since.flag." in triggers and "when." in triggers
    assert "var." in triggers
    assert re.search(r"\{var\.\w+:\w+\}", " ".join(ev["text"] for ev in events))
    assert any(e.get("type") == "use" for ev in events for e in ev.get("effects", []))

    def follows(event_id: str) -> set[str]:
        ev = by_id[event_id]
        ups = ev.get("follow_ups", []) + [u for c in ev.get("choices", [])
                                           for u in c.get("follow_ups", [])]
        return {u["event"] for u in ups}

    def longest(event_id: str, seen: frozenset[str] = frozenset()) -> int:
        return 1 + max((longest(n, seen | {event_id}) for n in follows(event_id)
                        if n not in seen), default=0)

    assert max(longest(ev["id"]) for ev in events) >= 3
    assert sample_toml("economy.toml")["gpu"][0]["name"] == "H20"
    assert sample_toml("glossary.toml")["concept"]
    assert list((SAMPLE / "scenarios").glob("*.toml"))
    assert (SAMPLE / "locales" / "fr.toml").is_file()


def test_every_number_of_the_sample_economy_cites_a_source_the_file_lists() -> None:
    """As in the base pack: an id in brackets and a confidence after every number, each id
    listed with its publication at the top of the file."""
    text = (SAMPLE / "economy.toml").read_text(encoding="utf-8")
    listed = set(re.findall(r"^#\s+\[([a-z0-9-]+)\]\s+\S", text, re.MULTILINE))
    lines = text.splitlines()
    numbers = [i for i, line in enumerate(lines)
               if re.match(r"^(available|tflops|watts|launch_price|lead_quarters)\s*=", line)]
    assert len(numbers) == 5
    for i in numbers:
        comment = lines[i].split("#", 1)[1] if "#" in lines[i] else ""
        following = i + 1
        while following < len(lines) and lines[following].lstrip().startswith("#"):
            comment += lines[following]  # a comment carried onto the next lines
            following += 1
        cited = re.findall(r"\[([a-z0-9-]+)\]", comment)
        assert cited and re.search(r"\b[HML]\s*$", comment.rstrip()), lines[i]
        assert set(cited) <= listed, f"{lines[i]}: cites {cited}, the file lists {listed}"


@pytest.fixture(scope="module")
def content():
    return load_content([SAMPLE])


def test_the_sample_scenario_plays_every_feature(content) -> None:
    """A batch of the pack's scenario with its events: each of its events happens somewhere,
    its variables move within their bounds, the moment events fire, and the H20 is on sale."""
    params = content.params(SCENARIO)
    horizon = content.scenarios[SCENARIO].horizon_quarters
    run = play(params, STRATEGIES["balanced"], 7, 400, horizon, workers=1,
               events=content.director_for(SCENARIO))
    counts = run.state.extra["events.count"]
    ids = [ev.id for ev in content.events]
    fired = {ids[i] for i in np.flatnonzero(counts.sum(axis=0))}
    ours = {ev["id"] for ev in sample_events()}
    assert ours <= fired, f"never happened: {sorted(ours - fired)}"
    diverted = run.state.extra["var.export_controls_diverted"]
    patience = run.state.extra["var.export_controls_patience"]
    assert diverted.max() > 0 and diverted.min() == 0 and diverted.max() <= 200
    assert len(np.unique(patience)) > 3 and patience.min() >= 0 and patience.max() <= 100
    # the ending tells only the worlds that sold to the broker, and every one of them
    ending = counts[:, ids.index("export_controls.where_the_chips_went")]
    assert np.array_equal(ending > 0, diverted > 0)
    assert (counts[:, ids.index("export_controls.gemini_copy")] > 0).mean() > 0.5
    # the H20 is on sale from the first quarter, and dearer per H100-equivalent than a B200
    names = [g.name for g in params.gpus]
    econ = compile_economy(params)
    h20, b200 = names.index("H20"), names.index("B200")
    assert econ.available[0, h20]
    per_h100e = econ.gpu_price[0] / np.array([g.h100e for g in params.gpus])
    assert per_h100e[h20] > 2 * per_h100e[b200]


def test_the_french_locale_translates_every_text_of_the_sample(content) -> None:
    texts = originals((ce.event for ce in content.events), content.glossary.values(),
                      content.scenarios.values())
    ours = next(c for c in content.locales.coverage("fr", texts) if c.pack == "export_controls")
    assert ours.missing == [] and ours.translated == ours.total > 50
    french = content.translated("fr")
    event = next(ce.event for ce in french.events if ce.event.id == "export_controls.broker_offer")
    assert event.title == "Un courtier veut vos serveurs réformés"
    assert french.scenarios[SCENARIO].title == "Le tour de vis des exportations"
    assert french.glossary["export_controls_diversion"].term == "Détournement de puces"
