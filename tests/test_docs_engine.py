"""docs/ENGINE.md stays true to the code and the content: generated tables, parameters, modules."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from game.docs.commented_toml import read_tables
from game.docs.engine_tables import (
    BEGIN,
    END,
    PARAMETER_FILES,
    generated_section,
    parameter_tables,
    render,
)
from game.paths import base_pack_dir

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "ENGINE.md"
ENGINE = ROOT / "game" / "engine"


def doc_text() -> str:
    return DOC.read_text(encoding="utf-8")


def hand_written(text: str) -> str:
    """The document without its generated section."""
    start, end = text.index(BEGIN), text.index(END)
    return text[:start] + text[end:]


def toml_keys() -> dict[str, set[str]]:
    """Every key of every table in economy.toml and rivals.toml, by table (tomllib's view)."""
    keys: dict[str, set[str]] = {}
    for name in PARAMETER_FILES:
        with open(base_pack_dir() / name, "rb") as f:
            data = tomllib.load(f)
        for table, body in data.items():
            entries = body if isinstance(body, list) else [body]
            for entry in entries:
                keys.setdefault(table, set()).update(entry)
    return keys


def test_generated_parameter_tables_are_up_to_date() -> None:
    """The section between the markers is exactly what the TOML generates today."""
    section = generated_section(doc_text())
    assert section.strip() == parameter_tables().strip(), (
        "docs/ENGINE.md's parameter tables differ from content/base/economy.toml and rivals.toml; "
        "run `python -m game.docs.parameter_docs` to regenerate them"
    )


def test_every_parameter_is_described_in_the_text() -> None:
    """Every TOML key is named in a code span of the hand-written part, not only in the tables.

    The generated tables list every key anyway; this asks that a new parameter also be placed in
    its subsystem's equations and parameter list.
    """
    text = hand_written(doc_text())
    spans = " ".join(re.findall(r"`([^`\n]+)`", text))
    missing = sorted(
        f"[{table}] {key}"
        for table, keys in toml_keys().items()
        for key in keys
        if not re.search(rf"(?<![\w.]){re.escape(key)}(?!\w)", spans)
    )
    assert not missing, (
        "docs/ENGINE.md does not describe these parameters (name each in `backticks` in its "
        f"subsystem's section): {', '.join(missing)}"
    )


def test_every_engine_module_is_mentioned() -> None:
    text = doc_text()
    modules = sorted(p.name for p in ENGINE.glob("*.py") if p.stem != "__init__")
    assert modules, "no engine modules found"
    missing = [m for m in modules if m not in text]
    assert not missing, f"docs/ENGINE.md does not mention the engine modules {missing}"


def test_generator_sees_every_key_tomllib_sees() -> None:
    """The text reader and a real TOML parser agree on the keys of each table."""
    ours: dict[str, set[str]] = {}
    for name in PARAMETER_FILES:
        for table in read_tables(base_pack_dir() / name):
            ours.setdefault(table.name, set()).update(p.key for p in table.params)
    assert ours == toml_keys()


def test_reader_handles_comments_new_keys_and_odd_values(tmp_path: Path) -> None:
    (tmp_path / "economy.toml").write_text(
        "# header comment, not a source\n"
        "\n"
        "[[gpu]]\n"
        'name = "X1"\n'
        "tflops = 100        # spec sheet M\n"
        "# Projected from the trend (L).\n"
        "watts = 500\n"
        "launch_price = 9\n"
        "\n"
        "[market]\n"
        "alpha = 0.5         # first line of the source\n"
        "                    # and its continuation H/L\n"
        'label = "a # not a comment"   # design, L; more words\n'
        "bounds = [\n"
        "  1, 2,\n"
        "]                   # multi-line array M\n"
        "bare = 3\n"
        "\n"
        "[brand_new]\n"
        "fresh = 1e-3        # added by a modder (press) M/L\n",
        encoding="utf-8",
    )
    (tmp_path / "rivals.toml").write_text(
        '[[rival]]\nid = "r1"\nprice = 1.1  # stance L\n', encoding="utf-8"
    )
    tables = {t.name: t for t in read_tables(tmp_path / "economy.toml")}
    assert list(tables) == ["gpu", "market", "brand_new"]
    gpu = {p.key: p for p in tables["gpu"].params}
    assert gpu["tflops"].source == "spec sheet" and gpu["tflops"].confidence == "M"
    assert gpu["watts"].source == "Projected from the trend (L)." and gpu["watts"].confidence == "L"
    assert gpu["launch_price"].source == "as `watts` above"
    assert gpu["launch_price"].confidence == "L"
    assert {p.entry for p in tables["gpu"].params} == {"X1"}
    market = {p.key: p for p in tables["market"].params}
    assert market["alpha"].source == "first line of the source and its continuation"
    assert market["alpha"].confidence == "H/L"
    assert market["label"].value == '"a # not a comment"'
    assert market["label"].confidence == "L"
    assert market["bounds"].value == "[ 1, 2, ]" and market["bounds"].confidence == "M"
    assert market["bare"].source == "" and market["bare"].confidence == ""
    assert tables["brand_new"].params[0].confidence == "M/L"

    out = parameter_tables(tmp_path)
    assert "### `[brand_new]` (economy.toml)" in out
    assert "| `fresh` | `1e-3` | added by a modder (press) | M/L |" in out
    assert "| r1 · `price` | `1.1` | stance | L |" in out
    assert "| `label` | `\"a # not a comment\"` | design, L; more words | L |" in out


def test_render_replaces_only_the_marked_section() -> None:
    doc = f"intro\n{BEGIN}\nold tables\n{END}\noutro\n"
    new = render(doc, tables="| new |\n")
    assert new == f"intro\n{BEGIN}\n\n| new |\n\n{END}\noutro\n"
    assert generated_section(new).strip() == "| new |"
    assert render(new, tables="| new |\n") == new
    with pytest.raises(ValueError, match="markers"):
        render("no markers here", tables="")


def test_every_plan_field_is_documented() -> None:
    """The Plans section of ENGINE.md names every field of Plan (and the example file plays)."""
    from game.engine.plan import Plan

    text = DOC.read_text()
    section = text[text.index("## Plans"):text.index("## The order of a quarter")]
    missing = [name for name in Plan.model_fields if f"`{name}`" not in section]
    assert not missing, f"docs/ENGINE.md's Plans section does not describe {missing}"
    example = section[section.index("```toml") + 7:section.index("```", section.index("```toml")
                                                                  + 7)]
    import tomllib

    Plan.model_validate(tomllib.loads(example))
