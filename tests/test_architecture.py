"""The code's shape: the import contracts of pyproject.toml hold, and they catch the circles that
were once there (docs/ARCHITECTURE.md)."""

from __future__ import annotations

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
