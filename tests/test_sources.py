"""The bibliography (docs/sources.toml), the citations in the content's comments, and the
generated docs/SOURCES.md."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from game import docs_gen, sources
from game.paths import base_pack_dir

SOURCES_TOML = """\
[[source]]
id = "fit-paper"
title = "A fit"
publisher = "Someone; arXiv 1"
url = "https://example.org/fit"
date = "2024"
confidence = "H"
figures = "E = 1.8, A = 482"

[[source]]
id = "paper-one"
title = "One"
publisher = "Press"
url = ""
date = "2025-01"
confidence = "M"
figures = "a $2/$15 price"

[[source]]
id = "paper-two"
title = "Two"
publisher = "Blog"
url = ""
date = "2026"
confidence = "L"
figures = "7"
"""


ECONOMY_TOML = """\
# Header comment: not a source of anything [not-an-id-here]

[training]
# Loss fit, the constants below share this block
# [fit-paper] H
const_e = 1.8
const_a = 482

alpha = 0.5          # first line of the source [paper-one]
                     # and its continuation [paper-two] [design] M
beta = 0.3           # [derived] L
"""


SCENARIO_TOML = '''\
id = "demo"
title = "Demo"
horizon_quarters = 4            # not a parameter: top-level
briefing = """
A briefing whose lines look like keys:
fake = 1                        # [no-such-source] H
[start_state]
"""
objectives = [
  "Learn.",
]

[[scripted]]
quarter = 1                     # no citation needed
event = "base.something"

[[history]]
quarter = "2026Q4"
runrate = 2.0                   # $B/yr [paper-one] M

[economy.market]
rental_start = 1.5              # [paper-two] L

[start_state]
cash = 10.0                     # [design] L

[outcome]
ousted_sentiment = 20           # [design] L
ousted_quarters = 3

[score]                         # score = ownership x valuation x weight
ipo = 1.0
'''


@pytest.fixture
def pack(tmp_path: Path) -> tuple[Path, Path]:
    """A small pack (economy, rivals, one scenario) and its bibliography."""
    folder = tmp_path / "pack"
    (folder / "scenarios").mkdir(parents=True)
    (folder / "economy.toml").write_text(ECONOMY_TOML, encoding="utf-8")
    (folder / "rivals.toml").write_text(
        '[[rival]]\nid = "r1"\nname = "Rival"\nprice = 1.1  # [paper-one] M\n', encoding="utf-8"
    )
    (folder / "scenarios" / "demo.toml").write_text(SCENARIO_TOML, encoding="utf-8")
    bibliography = tmp_path / "sources.toml"
    bibliography.write_text(SOURCES_TOML, encoding="utf-8")
    return folder, bibliography


def test_reader_finds_citations_across_continuations_and_shared_blocks(
    pack: tuple[Path, Path],
) -> None:
    folder, _ = pack
    (training,) = docs_gen.read_tables(folder / "economy.toml")
    params = {p.key: p for p in training.params}
    # A comment block above a group of keys cites for each of them.
    assert params["const_e"].cites == ["fit-paper"] and params["const_e"].confidence == "H"
    assert params["const_a"].cites == ["fit-paper"] and params["const_a"].confidence == "H"
    assert params["const_a"].source == "as `const_e` above"
    # An indented comment line continues the comment of the key above it.
    assert params["alpha"].cites == ["paper-one", "paper-two", "design"]
    assert params["alpha"].confidence == "M"
    assert params["beta"].cites == ["derived"]
    assert params["alpha"].line == 9 and params["const_e"].line == 6


def test_malformed_entries_are_reported_clearly(tmp_path: Path) -> None:
    path = tmp_path / "sources.toml"
    path.write_text(
        SOURCES_TOML.replace('confidence = "M"', 'confidence = "medium"')
        .replace('date = "2026"', "date = 2026\nfigurs = \"x\"")
        .replace('title = "A fit"\n', "")
        .replace('id = "paper-two"', 'id = "paper-one"'),
        encoding="utf-8",
    )
    with pytest.raises(sources.SourcesError) as caught:
        sources.load_sources(path)
    problems = caught.value.problems
    assert f'{path}:1: [[source]] "fit-paper" lacks `title` (a string)' in problems
    assert f'{path}:9: [[source]] "paper-one": confidence should be H, M or L, not "medium"' in (
        problems
    )
    assert any(
        p.startswith(f'{path}:18: [[source]] "paper-one" has an unknown field `figurs`')
        and p.endswith("(did you mean `figures`?)")
        for p in problems
    ), problems
    assert f'{path}:18: [[source]] "paper-one": `date` should be a string, not an integer' in (
        problems
    )
    path.write_text(SOURCES_TOML.replace('id = "paper-two"', 'id = "paper-one"'), encoding="utf-8")
    with pytest.raises(sources.SourcesError, match=r'used twice \(first at line 10\)'):
        sources.load_sources(path)
    path.write_text("[[source]\n", encoding="utf-8")
    with pytest.raises(sources.SourcesError, match="not valid TOML"):
        sources.load_sources(path)


def test_shipped_bibliography_is_well_formed() -> None:
    loaded = sources.load_sources()
    assert loaded and all(s.line > 0 for s in loaded.values())
    with open(sources.SOURCES_PATH, "rb") as f:
        assert [e["id"] for e in tomllib.load(f)["source"]] == list(loaded)


def test_citations_and_links() -> None:
    comment = "GPT-4's 2.1e25 FLOP [epoch-models-1e25]; [0, 0, 200] is a value [design] [x.y_z]"
    assert sources.citations(comment + " [design]") == ["epoch-models-1e25", "design", "x.y_z"]
    assert sources.link_citations("a [b200-specs] and [derived] [design]") == (
        "a [b200-specs](SOURCES.md#b200-specs) and [derived] [design]"
    )


def test_engine_tables_link_ids_and_leave_markers(pack: tuple[Path, Path]) -> None:
    folder, _ = pack
    out = docs_gen.parameter_tables(folder)
    assert (
        "| `alpha` | `0.5` | first line of the source [paper-one](SOURCES.md#paper-one) and its "
        "continuation [paper-two](SOURCES.md#paper-two) [design] | M |"
    ) in out
    assert "| `beta` | `0.3` | [derived] | L |" in out


def test_reader_sees_every_scenario_parameter_tomllib_sees() -> None:
    """For each scenario, the text reader and tomllib agree on the keys of the parameter tables."""
    for path in sorted((base_pack_dir() / "scenarios").glob("*.toml")):
        with open(path, "rb") as f:
            data = tomllib.load(f)
        theirs: dict[str, set[str]] = {}
        for name, body in data.items():
            if name in ("economy", "rivals"):
                for sub, table in body.items():
                    theirs[f"{name}.{sub}"] = set(table)
            elif isinstance(body, dict):
                theirs[name] = set(body)
            elif isinstance(body, list) and body and isinstance(body[0], dict):
                theirs[name] = {k for entry in body for k in entry}
        ours: dict[str, set[str]] = {}
        for table in docs_gen.read_tables(path):
            ours.setdefault(table.name, set()).update(p.key for p in table.params)
        assert ours == theirs, path.name
