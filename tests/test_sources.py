"""The bibliography (docs/sources.toml), the citations in the content's comments, and the
generated docs/SOURCES.md."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from game import sources

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
