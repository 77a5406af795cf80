"""A pack's layout: which of its TOML files the loader reads, and where an ignored one belongs.

The loader reads ``pack.toml``, ``glossary.toml``, ``rivals.toml``, ``economy.toml``,
``variables.toml`` and ``library.toml`` at the top of a pack and every ``events/*.toml``,
``scenarios/*.toml`` and ``locales/*.toml``, nothing deeper. Any other
``*.toml`` used to be skipped without a word (six of a modder's twelve events, written in
``event/``, vanished), so each is now a warning saying where it belongs: by its folder's name
(``event/`` is ``events/``), by what it holds (a file of ``[[event]]`` tables belongs in
``events/``), or by its own name (``rival.toml`` is ``rivals.toml``). Hidden files and folders
(``.schemas/``, ``.taplo.toml``) and taplo's ``taplo.toml`` are an author's tools, not content,
and are left alone.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from game.packs.errors import WARNING, Problem, closest

TOP_FILES = ("pack.toml", "glossary.toml", "rivals.toml", "economy.toml", "variables.toml",
             "library.toml")
FOLDERS = ("events", "scenarios", "locales")
TOOLS = ("taplo.toml",)  # an editor's configuration beside the content
IGNORED = "ignored-file"  # the warning's code
SNIFF = 65_536  # characters of an ignored file looked at to tell what it holds

# What an ignored file holds, told by a line of it: (kind, pattern), the first that matches wins.
_HOLDS = [(kind, re.compile(pattern, re.MULTILINE)) for kind, pattern in (
    ("events", r"^[ \t]*\[\[[ \t]*event[ \t]*\]\]"),
    ("locales", r"^[ \t]*\[[ \t]*(?:event|concept|scenario)[ \t]*\.[^\]]*\][ \t]*(?:#.*)?$"),
    ("scenarios", r"^[ \t]*(?:horizon_quarters[ \t]*=|\[[ \t]*start_state[ \t]*\])"),
    ("glossary.toml", r"^[ \t]*\[(?:\[[ \t]*concept[ \t]*\]|[ \t]*concept_patch\.)"),
    ("rivals.toml", r"^[ \t]*\[(?:\[[ \t]*rival[ \t]*\]|[ \t]*rival_patch\.)"),
    ("variables.toml", r"^[ \t]*\[\[[ \t]*variable[ \t]*\]\]"),
    ("library.toml", r"^[ \t]*\[\[[ \t]*(?:trigger|effects)[ \t]*\]\]"),
    ("economy.toml", r"^[ \t]*\[\[?[ \t]*(?:gpu|gpu_patch\.[^\]]*|market|fleet|training|demand"
                     r"|finance|valuation|ipo)[ \t]*\]\]?"),
)]
_WHAT = {"events": "events", "scenarios": "scenarios", "locales": "translations",
         "glossary.toml": "concepts",
         "rivals.toml": "rivals", "economy.toml": "economy changes",
         "variables.toml": "variables", "library.toml": "named triggers and effects lists"}
_TABLES = {"glossary.toml": "tables", "rivals.toml": "tables", "economy.toml": "tables",
           "variables.toml": "[[variable]] tables", "library.toml": "tables"}


def is_read(relative: Path) -> bool:
    """Whether the loader reads this file of a pack (a path relative to the pack's folder)."""
    parts = relative.parts
    return ((len(parts) == 1 and parts[0] in TOP_FILES)
            or (len(parts) == 2 and parts[0] in FOLDERS))


def ignored_files(folder: Path, files: Iterable[tuple[Path, bytes]]) -> list[Problem]:
    """A warning for each TOML file of a pack that the loader does not read, naming where it
    belongs. ``files`` are the pack's TOML files (relative path, bytes), as read."""
    found = []
    read = {relative for relative, _ in files if is_read(relative)}
    for relative, raw in files:
        parts = relative.parts
        if is_read(relative) or any(p.startswith(".") for p in parts) or (
                len(parts) == 1 and parts[0] in TOOLS):
            continue
        found.append(Problem(folder / relative, _advice(relative, raw, read), severity=WARNING,
                             code=IGNORED))
    return found


def _belongs(relative: Path, raw: bytes) -> str | None:
    """Where the file belongs: a folder of FOLDERS, or a file of TOP_FILES; None if unknown."""
    parts = relative.parts
    if len(parts) > 1:
        folder = parts[0].lower()
        near = folder if folder in FOLDERS else closest(folder, FOLDERS)
        if near is not None:
            return near
    text = raw[:SNIFF].decode("utf-8", errors="replace")
    for kind, pattern in _HOLDS:
        if pattern.search(text):
            return kind
    if len(parts) == 1:  # by its name, less the .toml every name shares
        near = closest(relative.stem.lower(), [Path(f).stem for f in TOP_FILES[1:]])
        if near is not None:
            return f"{near}.toml"
    return None


def _advice(relative: Path, raw: bytes, read: set[Path]) -> str:
    where = _belongs(relative, raw)
    if where is None:
        return (f"ignored: a pack's content is read only from {', '.join(TOP_FILES)}, "
                f"{', '.join(f'{f}/*.toml' for f in FOLDERS)}; move it there if it is "
                "content, or give it a name that does not end in .toml")
    what = _WHAT[where]
    if where in FOLDERS:
        deeper = relative.parts[0] == where
        return (f"ignored: {what} are read from {where}/*.toml"
                + (", not from its subfolders" if deeper else "")
                + f"; move it to {where}/{relative.name}")
    if Path(where) in read:
        return (f"ignored: {what} are read from {where} only; move its {_TABLES[where]} into "
                f"{where}")
    return f"ignored: {what} are read from {where} only; rename it {where}"
