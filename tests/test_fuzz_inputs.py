"""Fuzzing the parsers a user can feed: plan files and content files never raise a traceback."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
import tomli_w
from hypothesis import given
from hypothesis import strategies as st

from game.cli import main
from game.packs.economy import ScenarioFile
from game.packs.errors import ContentError
from game.packs.reading import read_toml
from game.packs.validation import validate_file

toml_scalars = st.one_of(
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.text(max_size=20),
)
toml_values = st.recursive(
    toml_scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.text(min_size=1, max_size=12), children, max_size=4),
    ),
    max_leaves=12,
)
PLAN_KEYS = ["training", "inference", "research", "gpu_orders", "lease_h100e", "spot_h100e",
             "price", "ipo", "hire", "cancel_run", "start_run_flop", "lease_quarters"]
plan_docs = st.dictionaries(st.sampled_from(PLAN_KEYS) | st.text(min_size=1, max_size=8),
                            toml_values, max_size=6)


def run_plan_file(data: bytes) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "plan.toml"
        path.write_bytes(data)
        try:
            return main(["simulate", "--plan", str(path), "--quarters", "2"])
        except SystemExit as exc:
            return int(exc.code or 0)


@given(st.binary(max_size=300))
def test_random_bytes_as_a_plan_never_crash(data: bytes) -> None:
    """Any bytes given as a plan file end in exit 0 or 1, never an exception."""
    assert run_plan_file(data) in (0, 1)


@given(plan_docs)
def test_random_toml_plans_never_crash(doc: dict) -> None:
    """Any TOML document given as a plan ends in exit 0 or 1, never an exception."""
    assert run_plan_file(tomli_w.dumps(doc).encode()) in (0, 1)


@given(st.dictionaries(st.text(min_size=1, max_size=10), toml_values, max_size=8))
def test_random_scenarios_are_reported_not_raised(doc: dict) -> None:
    """Validating any TOML as a scenario collects problems instead of raising."""
    problems: list = []
    text = tomli_w.dumps(doc)
    validate_file(ScenarioFile, doc, "fuzz.toml", text, problems)
    assert all(str(p).startswith("fuzz.toml") for p in problems)


def test_deeply_nested_toml_is_refused_cleanly(tmp_path: Path) -> None:
    """tomllib recurses on nesting; a hostile file is one problem, not a RecursionError."""
    path = tmp_path / "deep.toml"
    path.write_text("x = " + "[" * 5000 + "]" * 5000 + "\n")
    with pytest.raises(ContentError, match=r"deep\.toml: TOML nested too deeply"):
        read_toml(path)


def test_huge_files_are_refused_unread(tmp_path: Path) -> None:
    """A 50 MB file is refused by size, quickly."""
    path = tmp_path / "huge.toml"
    with path.open("wb") as f:
        f.truncate(50 * 1024 * 1024)
    with pytest.raises(ContentError, match=r"huge\.toml: the file is 52\.4 MB"):
        read_toml(path)
