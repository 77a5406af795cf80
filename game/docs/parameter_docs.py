"""The command that keeps docs/ENGINE.md's parameter tables and docs/SOURCES.md true to the content.

``python -m game.docs.parameter_docs`` rewrites the part of docs/ENGINE.md between the two markers
(:mod:`game.docs.engine_tables`) and docs/SOURCES.md (:mod:`game.docs.sources_page`), and lists
the citation problems (:mod:`game.docs.citations`); ``python -m game.docs.parameter_docs --check``
only reports whether each document is up to date (exit code 1 if either is not, naming which).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from game.docs.bibliography import SourcesError, shown_path
from game.docs.citations import citation_problems
from game.docs.commented_toml import read_tables
from game.docs.engine_tables import ENGINE_PATH, PARAMETER_FILES, render
from game.docs.sources_page import PAGE_PATH, sources_page
from game.paths import base_pack_dir


def _status(where: str, old: str, new: str, check: bool, path: Path, what: str) -> bool:
    """Report (and unless checking, write) one document; True if it is up to date."""
    if new == old:
        print(f"{where}: {what} up to date")
        return True
    if check:
        print(f"{where}: {what} out of date; run `python -m game.docs.parameter_docs`")
        return False
    path.write_text(new, encoding="utf-8")
    print(f"{where}: rewrote the {what}")
    return True


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    check = "--check" in args
    if any(a != "--check" for a in args):
        print("usage: python -m game.docs.parameter_docs [--check]", file=sys.stderr)
        return 2
    try:
        engine_old = ENGINE_PATH.read_text(encoding="utf-8")
        engine_new = render(engine_old)
        sources_new = sources_page()
    except SourcesError as exc:
        print("\n".join(exc.problems), file=sys.stderr)
        return 1
    except (OSError, ValueError) as exc:
        print(f"{ENGINE_PATH}: {exc}", file=sys.stderr)
        return 1
    try:
        sources_old = PAGE_PATH.read_text(encoding="utf-8")
    except FileNotFoundError:
        sources_old = ""
    tables = [t for n in PARAMETER_FILES for t in read_tables(base_pack_dir() / n)]
    params = sum(len(t.params) for t in tables)
    ok = _status(
        shown_path(ENGINE_PATH), engine_old, engine_new, check, ENGINE_PATH,
        f"parameter tables ({len(tables)} tables, {params} parameters)",
    )
    ok = _status(
        shown_path(PAGE_PATH), sources_old, sources_new, check, PAGE_PATH,
        "bibliography page",
    ) and ok
    problems = citation_problems()
    if problems:
        print(f"{len(problems)} citation problem(s):", file=sys.stderr)
        for problem in problems:
            print(f"  {problem}", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
