"""The content's parameters, where each stands, and whether each cites its sources.

A *parameter* is a ``key = value`` line of economy.toml or rivals.toml, or of a scenario's
``[start_state]``, ``[outcome]``, ``[[history]]``, ``[economy.*]`` or ``[rivals.*]`` tables. Not
parameters, so free of the rule: a scenario's top-level keys (``id``, ``title``, ``start``,
``briefing``, ``objectives``, ``pacing``, ``seed``, ``horizon_quarters``, ``disabled_actions``,
``instructor_notes``, ``score_description``), its ``[[scripted]]`` and ``[[hints]]`` tables and
its ``[score]`` weights (the game's rules, explained by the table's own comment); and the keys that
name or date an entry rather than measure something (``id``, ``name``, ``model_name``, a history
row's ``quarter``). Keys under a shared comment block (the Chinchilla constants) are cited by it.

:func:`citation_problems` reports, as sentences naming docs/sources.toml and the file and line:
an id cited but not in sources.toml (with a did-you-mean), a source never cited, and a parameter
with no citation at all (neither an id nor a marker) or no confidence token. docs/SOURCES.md
(:mod:`game.docs.sources_page`) lists the same parameters by the sources they cite.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path

from game.docs.bibliography import MARKERS, SOURCES_PATH, read_sources, shown_path
from game.docs.commented_toml import Param, Table, read_tables
from game.docs.engine_tables import PARAMETER_FILES
from game.paths import base_pack_dir

# A scenario's tables whose keys are parameters (each needs a citation and a confidence).
SCENARIO_TABLES = ("start_state", "outcome", "history")
SCENARIO_TABLE_PREFIXES = ("economy.", "rivals.")
# Keys that name or date an entry rather than measure something: no citation needed.
NAME_KEYS = ("id", "name", "model_name", "quarter")


@dataclass(slots=True)
class ContentFile:
    """A TOML file of the pack, read into tables."""

    name: str  # relative to the pack: "economy.toml", "scenarios/ai-boom.toml"
    path: Path
    tables: list[Table]


@dataclass(frozen=True, slots=True, eq=False)
class Cited:
    """A parameter with where it stands: the unit of SOURCES.md and of the citation checks."""

    file: ContentFile
    table: Table
    param: Param

    @property
    def where(self) -> str:
        """`[table] key` or `[[table]] entry · key`, in TOML's words."""
        if self.table.array:
            entry = f" {self.param.entry} ·" if self.param.entry else ""
            return f"[[{self.table.name}]]{entry} {self.param.key}"
        return f"[{self.table.name}] {self.param.key}"

    @property
    def location(self) -> str:
        return f"{shown_path(self.file.path)}:{self.param.line}"

    @property
    def ids(self) -> list[str]:
        """The sources it cites (markers left out)."""
        return [c for c in self.param.cites if c not in MARKERS]


def content_files(pack_dir: Path | None = None) -> list[ContentFile]:
    """economy.toml, rivals.toml and the scenarios (by name), each read into tables."""
    folder = pack_dir or base_pack_dir()
    paths = [folder / name for name in PARAMETER_FILES if (folder / name).is_file()]
    paths += sorted((folder / "scenarios").glob("*.toml"))
    return [
        ContentFile(path.relative_to(folder).as_posix(), path, read_tables(path)) for path in paths
    ]


def _is_parameter_table(file: ContentFile, table: Table) -> bool:
    if not file.name.startswith("scenarios/"):
        return True
    return table.name in SCENARIO_TABLES or table.name.startswith(SCENARIO_TABLE_PREFIXES)


def every_parameter(files: list[ContentFile]) -> list[Cited]:
    """Every key the reader found, in every table: what may cite a source."""
    return [Cited(f, t, p) for f in files for t in f.tables for p in t.params]


def parameters(files: list[ContentFile]) -> list[Cited]:
    """Every parameter that must cite a source or a marker (see the module's docstring)."""
    return [
        Cited(file, table, param)
        for file in files
        for table in file.tables
        if _is_parameter_table(file, table)
        for param in table.params
        if param.key not in NAME_KEYS
    ]


def citation_problems(
    pack_dir: Path | None = None, sources_path: Path = SOURCES_PATH
) -> list[str]:
    """A sentence for each citation problem of the pack's content against the bibliography:
    a malformed entry of sources.toml, an unknown id (with a did-you-mean), a source never cited,
    a parameter that cites nothing or has no confidence token."""
    sources, problems = read_sources(sources_path)
    bibliography = shown_path(sources_path)
    files = content_files(pack_dir)
    every = every_parameter(files)
    known = [*sources, *MARKERS]
    for cited in every:
        for name in cited.ids:
            if name in sources:
                continue
            close = difflib.get_close_matches(name, known, n=1)
            hint = f" (did you mean [{close[0]}]?)" if close else ""
            problems.append(
                f"{cited.location}: {cited.where} cites [{name}], which is not in "
                f"{bibliography}{hint}"
            )
    used = {name for cited in every for name in cited.ids}
    for source in sources.values():
        if source.id not in used:
            where = f"{bibliography}:{source.line}" if source.line else bibliography
            problems.append(
                f"{where}: [{source.id}] is never cited by economy.toml, rivals.toml or a "
                "scenario; cite it or remove it"
            )
    for cited in parameters(files):
        cites, level = cited.param.cites, cited.param.confidence
        if not cites and not level:
            problems.append(
                f"{cited.location}: {cited.where} has no source and no confidence: end its "
                f"comment with an id from {bibliography} in square brackets (or [design] / "
                "[derived]) and H, M or L"
            )
        elif not cites:
            problems.append(
                f"{cited.location}: {cited.where} cites nothing: add an id from {bibliography} "
                "in square brackets, or [design] / [derived]"
            )
        elif not level:
            problems.append(
                f"{cited.location}: {cited.where} has no confidence token: end its comment "
                f"with H, M or L (as defined in {bibliography})"
            )
    return problems
