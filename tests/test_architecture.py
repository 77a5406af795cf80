"""The code's shape: the import contracts of pyproject.toml hold, and they catch the circles that
were once there (docs/ARCHITECTURE.md)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    """``lint-imports`` over the ``game`` package found in ``root``, with root's contracts."""
    return subprocess.run(
        [str(LINT_IMPORTS), str(root / "pyproject.toml"), "--no-cache"],
        cwd=root, env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"},
        capture_output=True, text=True, timeout=300)


def test_the_import_contracts_hold() -> None:
    done = lint_imports(ROOT)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "Contracts: 3 kept, 0 broken." in done.stdout


# Each pair once made a circle: the first imported the second, which imported it back.
CIRCLES = [
    ("game.commands.play", "game.cli"),
    ("game.classroom.report", "game.classroom.html_report"),
    ("game.engine.plan", "game.engine.fleet"),
    ("game.engine.plan", "game.engine.finance"),
    ("game.packs.economy", "game.packs.loading"),
    ("game.ui.title", "game.ui.screens"),
    ("game.engine.economy", "game.engine.demand"),
]


@pytest.mark.parametrize(("importer", "imported"), CIRCLES, ids=[f"{a}->{b}" for a, b in CIRCLES])
def test_putting_a_circle_back_breaks_a_contract(tmp_path: Path, importer: str,
                                                 imported: str) -> None:
    shutil.copytree(ROOT / "game", tmp_path / "game",
                    ignore=shutil.ignore_patterns("__pycache__", "_content"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    module = tmp_path.joinpath(*importer.split(".")).with_suffix(".py")
    # a function-level import is still an import: hiding one in a function must not pass either
    module.write_text(module.read_text(encoding="utf-8")
                      + f"\n\ndef _circle() -> None:\n    import {imported}  # noqa\n",
                      encoding="utf-8")
    done = lint_imports(tmp_path)
    assert done.returncode == 1, done.stdout[-3000:]
    assert "BROKEN" in done.stdout


def _modules(*parts: str) -> set[str]:
    return {p.relative_to(ROOT).as_posix() for p in ROOT.joinpath(*parts).rglob("*.py")
            if "__pycache__" not in p.parts and "_content" not in p.parts}


def _table_column(text: str, marker: str) -> list[str]:
    """The first column (a code span) of the Markdown table following ``marker``."""
    lines = text[text.index(marker):].splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("|"))
    rows = lines[start + 2:]
    rows = rows[:next((i for i, r in enumerate(rows) if not r.startswith("|")), len(rows))]
    return [r.split("|")[1].strip().strip("`") for r in rows]


def test_the_module_map_lists_every_module_once() -> None:
    listed = _table_column((ROOT / "docs" / "ARCHITECTURE.md").read_text(encoding="utf-8"),
                           "<!-- module map")
    assert len(listed) == len(set(listed)), "a module is listed twice"
    outside_engine = _modules("game") - _modules("game", "engine")
    assert set(listed) == outside_engine, (
        f"missing from docs/ARCHITECTURE.md: {sorted(outside_engine - set(listed))}; "
        f"listed but not in game/: {sorted(set(listed) - outside_engine)}")


def test_engine_md_lists_every_engine_module_once() -> None:
    listed = _table_column((ROOT / "docs" / "ENGINE.md").read_text(encoding="utf-8"),
                           "**Modules.**")
    assert len(listed) == len(set(listed))
    engine = {Path(m).name for m in _modules("game", "engine")} - {"__init__.py"}
    assert set(listed) == engine, (sorted(engine - set(listed)), sorted(set(listed) - engine))


def test_the_layers_in_the_map_are_the_contracts_layers() -> None:
    import tomllib

    contracts = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    layers = next(c["layers"] for c in contracts["tool"]["importlinter"]["contracts"]
                  if c["type"] == "layers")
    text = (ROOT / "docs" / "ARCHITECTURE.md").read_text(encoding="utf-8")
    section = text[text.index("## Layers"):text.index("## Modules")]
    # one numbered item a layer; independent modules of one layer are named in one item
    documented = [" | ".join(re.findall(r"`(game\.[a-z_.]+)`", line))
                  for line in section.splitlines() if line[:1].isdigit()]
    assert documented == layers


def test_no_file_in_game_is_over_600_lines() -> None:
    long = {m: n for m in _modules("game")
            if (n := len((ROOT / m).read_text(encoding="utf-8").splitlines())) > 600}
    assert not long, long
