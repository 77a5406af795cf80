"""The bibliography (docs/sources.toml), the citations in the content's comments, and the
generated docs/SOURCES.md."""

from __future__ import annotations

import re
import shutil
import tomllib
from pathlib import Path

import pytest

from game.docs import parameter_docs
from game.docs.bibliography import (
    MARKERS,
    SOURCES_PATH,
    SourcesError,
    citations,
    link_citations,
    load_sources,
)
from game.docs.citations import citation_problems, content_files, parameters
from game.docs.commented_toml import read_tables
from game.docs.engine_tables import ENGINE_PATH, generated_section, parameter_tables, render
from game.docs.sources_page import PAGE_PATH, sources_page
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


def test_sources_page_is_up_to_date() -> None:
    text = PAGE_PATH.read_text(encoding="utf-8")
    assert text == sources_page(), (
        "docs/SOURCES.md differs from docs/sources.toml and the content's citations; "
        "run `python -m game.docs.parameter_docs` to regenerate it"
    )


def test_engine_links_land_on_sources_anchors() -> None:
    """Every link of ENGINE.md's tables into SOURCES.md names an anchor that page has."""
    engine = generated_section(ENGINE_PATH.read_text(encoding="utf-8"))
    targets = set(re.findall(r"\]\(SOURCES\.md#([^)]+)\)", engine))
    page = PAGE_PATH.read_text(encoding="utf-8")
    anchors = set(re.findall(r'<a id="([^"]+)"></a>', page))
    assert targets, "ENGINE.md's tables link no source"
    assert targets <= anchors, f"no section in SOURCES.md for {sorted(targets - anchors)}"


def test_shipped_content_has_no_citation_problems() -> None:
    """Every number of the shipped content cites a source (or says it is ours), every source is
    cited, and every comment ends with a confidence."""
    problems = citation_problems()
    assert not problems, "\n".join(problems)


def test_reader_finds_citations_across_continuations_and_shared_blocks(
    pack: tuple[Path, Path],
) -> None:
    folder, _ = pack
    (training,) = read_tables(folder / "economy.toml")
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


def test_scenarios_are_read_with_the_same_reader(pack: tuple[Path, Path]) -> None:
    """Top-level keys and their multi-line strings stay out; the parameter tables are in."""
    folder, bibliography = pack
    files = {f.name: f for f in content_files(folder)}
    assert list(files) == ["economy.toml", "rivals.toml", "scenarios/demo.toml"]
    demo = files["scenarios/demo.toml"]
    assert [t.name for t in demo.tables] == [
        "scripted", "history", "economy.market", "start_state", "outcome", "score"
    ]
    required = {(c.file.name, c.where) for c in parameters(list(files.values()))}
    assert ("scenarios/demo.toml", "[economy.market] rental_start") in required
    assert ("scenarios/demo.toml", "[[history]] 2026Q4 · runrate") in required
    assert ("scenarios/demo.toml", "[outcome] ousted_quarters") in required
    keys = {where.split()[-1] for _, where in required}
    assert not keys & {"quarter", "event", "ipo", "id", "name"}
    assert ("rivals.toml", "[[rival]] r1 · name") not in required
    page = sources_page(folder, bibliography)
    assert "`scenarios/demo.toml` · `[[history]]` 2026Q4 · `runrate` = `2.0`" in page
    assert "no-such-source" not in page


def test_citation_problems_name_the_file_line_and_the_bibliography(
    pack: tuple[Path, Path],
) -> None:
    folder, bibliography = pack
    problems = citation_problems(folder, bibliography)
    assert len(problems) == 1, problems
    (problem,) = problems
    assert "scenarios/demo.toml:29: [outcome] ousted_quarters" in problem
    assert "no source and no confidence" in problem and str(bibliography) in problem


def test_an_unknown_id_gets_a_did_you_mean(pack: tuple[Path, Path]) -> None:
    folder, bibliography = pack
    economy = folder / "economy.toml"
    economy.write_text(
        ECONOMY_TOML.replace("[paper-one]", "[paper-onee]").replace("[derived] L", "[desing] L"),
        encoding="utf-8",
    )
    problems = citation_problems(folder, bibliography)
    assert any(
        p.startswith(f"{economy}:9: [training] alpha cites [paper-onee]")
        and f"not in {bibliography}" in p
        and p.endswith("(did you mean [paper-one]?)")
        for p in problems
    ), problems
    assert any("beta cites [desing]" in p and "did you mean [design]?" in p for p in problems)


def test_a_source_never_cited_and_a_missing_confidence_are_reported(
    pack: tuple[Path, Path],
) -> None:
    folder, bibliography = pack
    bibliography.write_text(
        SOURCES_TOML + SOURCES_TOML.split("\n\n")[0].replace("fit-paper", "unused") + "\n",
        encoding="utf-8",
    )
    (folder / "rivals.toml").write_text(
        '[[rival]]\nid = "r1"\nprice = 1.1  # [paper-one]\n', encoding="utf-8"
    )
    problems = citation_problems(folder, bibliography)
    assert f"{bibliography}:27: [unused] is never cited" in "\n".join(problems)
    assert any(
        p.startswith(f"{folder / 'rivals.toml'}:3: [[rival]] r1 · price has no confidence token")
        and str(bibliography) in p
        for p in problems
    ), problems


def test_malformed_entries_are_reported_clearly(tmp_path: Path) -> None:
    path = tmp_path / "sources.toml"
    path.write_text(
        SOURCES_TOML.replace('confidence = "M"', 'confidence = "medium"')
        .replace('date = "2026"', "date = 2026\nfigurs = \"x\"")
        .replace('title = "A fit"\n', "")
        .replace('id = "paper-two"', 'id = "paper-one"'),
        encoding="utf-8",
    )
    with pytest.raises(SourcesError) as caught:
        load_sources(path)
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
    with pytest.raises(SourcesError, match=r'used twice \(first at line 10\)'):
        load_sources(path)
    path.write_text("[[source]\n", encoding="utf-8")
    with pytest.raises(SourcesError, match="not valid TOML"):
        load_sources(path)


def test_shipped_bibliography_is_well_formed() -> None:
    loaded = load_sources()
    assert loaded and all(s.line > 0 for s in loaded.values())
    with open(SOURCES_PATH, "rb") as f:
        assert [e["id"] for e in tomllib.load(f)["source"]] == list(loaded)


def test_citations_and_links() -> None:
    comment = "GPT-4's 2.1e25 FLOP [epoch-models-1e25]; [0, 0, 200] is a value [design] [x.y_z]"
    assert citations(comment + " [design]") == ["epoch-models-1e25", "design", "x.y_z"]
    assert link_citations("a [b200-specs] and [derived] [design]") == (
        "a [b200-specs](SOURCES.md#b200-specs) and [derived] [design]"
    )


def test_engine_tables_link_ids_and_leave_markers(pack: tuple[Path, Path]) -> None:
    folder, _ = pack
    out = parameter_tables(folder)
    assert (
        "| `alpha` | `0.5` | first line of the source [paper-one](SOURCES.md#paper-one) and its "
        "continuation [paper-two](SOURCES.md#paper-two) [design] | M |"
    ) in out
    assert "| `beta` | `0.3` | [derived] | L |" in out


def test_sources_page_sections(pack: tuple[Path, Path]) -> None:
    folder, bibliography = pack
    page = sources_page(folder, bibliography)
    section = page[page.index('<a id="paper-one"></a>'):page.index('<a id="paper-two"></a>')]
    assert "### paper-one: One" in section
    assert "- Figures: a \\$2/\\$15 price" in section  # text, not math
    assert "URL" not in section  # url = ""
    assert "  - `economy.toml` · `[training]` · `alpha` = `0.5`" in section
    assert "  - `rivals.toml` · `[[rival]]` r1 · `price` = `1.1`" in section
    assert "- URL: <https://example.org/fit>" in page
    ours = page[page.index("## Our choices"):page.index("## Not yet cited")]
    assert "| `[training] beta` | `0.3` | derived | [derived] |" in ours
    assert "| `[start_state] cash` | `10.0` | design | [design] |" in ours
    assert "### scenarios/demo.toml" in ours
    assert "`[outcome] ousted_quarters`" in page[page.index("## Not yet cited"):]


def test_check_names_each_stale_document(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    engine, page = tmp_path / "ENGINE.md", tmp_path / "SOURCES.md"
    shutil.copy(ENGINE_PATH, engine)
    page.write_text("stale\n", encoding="utf-8")
    monkeypatch.setattr(parameter_docs, "ENGINE_PATH", engine)
    monkeypatch.setattr(parameter_docs, "PAGE_PATH", page)
    assert parameter_docs.main(["--check"]) == 1
    out = capsys.readouterr().out
    assert "ENGINE.md: parameter tables" in out and "up to date" in out
    assert "SOURCES.md: bibliography page out of date" in out
    assert parameter_docs.main([]) == 0
    assert "SOURCES.md: rewrote the bibliography page" in capsys.readouterr().out
    assert page.read_text(encoding="utf-8") == sources_page()
    engine.write_text(render(engine.read_text(), tables="old\n"), encoding="utf-8")
    assert parameter_docs.main(["--check"]) == 1
    first = capsys.readouterr().out.split("\n")[0]
    assert "ENGINE.md: parameter tables" in first
    assert first.endswith("out of date; run `python -m game.docs.parameter_docs`")


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
        for table in read_tables(path):
            ours.setdefault(table.name, set()).update(p.key for p in table.params)
        assert ours == theirs, path.name


def test_nothing_cites_a_file_outside_the_repository() -> None:
    """Every figure's source is in the repository (docs/sources.toml, docs/SOURCES.md): no
    content, code or document points a reader to the developers' notes outside it."""
    root = Path(__file__).resolve().parent.parent
    outside = ("shared/reference", "calibration.md", "../shared")
    found = []
    for folder in ("content", "docs", "game", "benchmarks"):
        for path in (root / folder).rglob("*"):
            if path.suffix in (".py", ".toml", ".md") and path.is_file():
                text = path.read_text(encoding="utf-8")
                found += [f"{path.relative_to(root)}: {word}" for word in outside if word in text]
    readme = (root / "README.md").read_text(encoding="utf-8")
    found += [f"README.md: {word}" for word in outside if word in readme]
    assert not found, found


def test_every_citation_in_the_documents_names_a_source() -> None:
    """An [id] the hand-written documents cite is in the bibliography (a typo such as
    [epoch-compute-trends] for [epoch-compute-trend] fails here)."""
    known = set(load_sources()) | set(MARKERS)
    cited = re.compile(r"\[([a-z0-9][a-z0-9.-]*)\](?!\()")  # not a Markdown link's text
    root = Path(__file__).resolve().parent.parent
    unknown = []
    # MODDING.md is left out: its prose names TOML tables ([outcome]), not sources.
    for name in ("ENGINE.md", "PLAYING.md", "CLASSROOM.md", "DECISIONS.md"):
        text = (root / "docs" / name).read_text(encoding="utf-8")
        if name == "ENGINE.md":  # the generated tables link their ids (held elsewhere)
            text = text.replace(generated_section(text), "")
        text = re.sub(r"```.*?```", "", text, flags=re.S)  # code: TOML tables, not citations
        text = re.sub(r"`[^`\n]*`", "", text)
        unknown += [f"docs/{name}: [{c}]" for c in cited.findall(text) if c not in known]
    assert not unknown, unknown
