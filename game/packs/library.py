"""A pack's own numbers and reusable parts: variables.toml and library.toml.

- **Variables** (``[[variable]]`` of variables.toml) are numbers per world that the pack keeps:
  read as ``var.ID``, changed by add, multiply and set effects with ``target = "var.ID"``, kept
  within their declared [min, max] after every change, and shown by {placeholders} in their
  unit. They live in the state's extra arrays, so they replay and verify like everything else.
- **Named triggers** (``[[trigger]]`` of library.toml) are conditions written once: ``when.ID``
  is 1 in the worlds where it holds, else 0, and may itself read other named triggers (a cycle
  is an error that names it).
- **Effects lists** (``[[effects]]`` of library.toml) are effects written once and applied in
  place by ``{type = "use", effects = "ID"}``; a list cannot use another list.

Ids are shared by every pack loaded, as flags are: a second definition is an error naming the
first, whichever pack it is in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from game.engine import Economy, State
from game.packs import effects as fx
from game.packs.errors import MAX_NAME, Problem, full
from game.packs.event_compiler import EventCompiler
from game.packs.expressions import Compiled, holds
from game.packs.names import Name
from game.packs.reading import Pack, Source
from game.packs.schema import (
    EffectList,
    FlagEffect,
    LibraryFile,
    NamedTrigger,
    Variable,
    VariablesFile,
)
from game.packs.validation import validate_file

VARIABLES, LIBRARY = Path("variables.toml"), Path("library.toml")
WHEN = "when."  # how an expression reads a named trigger
MAX_CHAIN = 8  # named triggers reading named triggers: each level is a read of the state
MAX_ITEMS = 500  # variables, named triggers or effects lists in one load


@dataclass
class Library:
    """The variables, named triggers and effects lists of every pack loaded, with where each
    is defined."""

    problems: list[Problem]
    variables: dict[str, tuple[Variable, Source]] = field(default_factory=dict)
    triggers: dict[str, tuple[NamedTrigger, Source]] = field(default_factory=dict)
    lists: dict[str, tuple[EffectList, Source]] = field(default_factory=dict)
    over: set[str] = field(default_factory=set)  # the kinds past MAX_ITEMS (said once)

    def load_pack(self, pack: Pack, parse: object) -> None:
        """Read the pack's variables.toml and library.toml, if it has them (``parse`` reads one
        of the pack's files: the assembly's)."""
        if VARIABLES in pack.files:
            got = parse(pack, VARIABLES)  # type: ignore[operator]
            if got is not None:
                data, text = got
                parsed = validate_file(VariablesFile, data, pack.path / VARIABLES, text,
                                       self.problems)
                for i, var in enumerate(parsed.variable if parsed else []):
                    self._add(self.variables, "variable", var.id, var,
                              Source(pack.path / VARIABLES, text, ("variable", i)))
        if LIBRARY in pack.files:
            got = parse(pack, LIBRARY)  # type: ignore[operator]
            if got is not None:
                data, text = got
                lib = validate_file(LibraryFile, data, pack.path / LIBRARY, text, self.problems)
                if lib is not None:
                    for i, trig in enumerate(lib.trigger):
                        self._add(self.triggers, "named trigger", trig.id, trig,
                                  Source(pack.path / LIBRARY, text, ("trigger", i)))
                    for i, effects in enumerate(lib.effects):
                        self._add(self.lists, "effects list", effects.id, effects,
                                  Source(pack.path / LIBRARY, text, ("effects", i)))

    def _add(self, table: dict, kind: str, key: str, item: object, src: Source) -> None:
        if len(table) >= MAX_ITEMS:
            if kind not in self.over:  # said once
                self.over.add(kind)
                self.problems.append(src.problem(f"more than {MAX_ITEMS} {kind}s: a game "
                                                 f"loads at most {MAX_ITEMS}", "id"))
            return
        if key in table:
            self.problems.append(src.problem(
                f"duplicate {kind} id '{key[:MAX_NAME]}' (also in {table[key][1].path}); ids "
                "are shared by every pack: give a new one", "id"))
            return
        table[key] = (item, src)

    def flags(self) -> set[str]:
        """The flags the effects lists set (they exist as names like those events set)."""
        return {e.flag for lst, _ in self.lists.values() for e in lst.effects
                if isinstance(e, FlagEffect)}

    def declared(self) -> dict[str, Variable]:
        """"var.ID" -> each variable's declaration."""
        return {f"var.{v.id}": v for v, _ in self.variables.values()}

    def trigger_names(self) -> dict[str, Name]:
        """``when.ID`` of each named trigger, to know before anything compiles (each reads as
        never holding until ``compile_triggers`` gives it its condition)."""
        return {f"{WHEN}{k}": Name(f"{WHEN}{k}", "int", t.description
                                   or f"1 while named trigger '{k}' holds, else 0.", _never,
                                   0.0, 1.0)
                for k, (t, _) in self.triggers.items()}

    def compile_triggers(self, names: dict[str, Name], compiler: EventCompiler) -> None:
        """Give each ``when.ID`` in ``names`` its compiled condition: read against every name,
        named triggers included, as long as none reads itself through others and no chain of
        them is deeper than ``MAX_CHAIN``."""
        compiled: dict[str, Compiled] = {}
        for key, (trig, src) in self.triggers.items():
            got = compiler.expr(trig.when, f"named trigger '{key[:MAX_NAME]}'", src, "when")
            if got is not None:
                compiled[key] = got
        graph = {k: sorted(n[len(WHEN):] for n in c.names if n.startswith(WHEN))
                 for k, c in compiled.items()}
        for cycle in _cycles(graph):
            if full(self.problems):
                return
            self.problems.append(self.triggers[cycle[0]][1].problem(
                "named triggers read each other in a circle: "
                + " → ".join(f"{WHEN}{k}" for k in cycle), "when"))
            for k in cycle:
                compiled.pop(k, None)
        depth = _depths({k: [n for n in v if n in compiled] for k, v in graph.items()
                         if k in compiled})
        for key, c in compiled.items():
            if depth[key] > MAX_CHAIN:
                self.problems.append(self.triggers[key][1].problem(
                    f"named trigger '{key[:MAX_NAME]}' reads a chain of {depth[key]} named "
                    f"triggers; at most {MAX_CHAIN}", "when"))
                continue
            name = f"{WHEN}{key}"
            names[name] = Name(name, "int", names[name].description, _trigger_reader(c, names),
                               0.0, 1.0)

    def compile_lists(self, compiler: EventCompiler) -> None:
        """Compile every effects list into the compiler's lists (None for a wrong one)."""
        for key, (effects, src) in self.lists.items():
            compiler.lists[key] = compiler.compile_list(effects, src)


def _never(s: State, e: Economy) -> float:  # pragma: no cover - replaced once compiled
    return 0.0


def _trigger_reader(compiled: Compiled, names: dict[str, Name]):
    def read(s: State, e: Economy) -> np.ndarray:
        now = holds(compiled, fx.env_for(s, e, names))
        return np.broadcast_to(np.asarray(now, dtype=float), (s.n_worlds,))

    return read


def _depths(graph: dict[str, list[str]]) -> dict[str, int]:
    """For each node of an acyclic graph, the most nodes on a path from it (itself counted)."""
    depth: dict[str, int] = {}
    for start in graph:
        stack = [(start, False)]
        while stack:
            node, children_done = stack.pop()
            if node in depth:
                continue
            if children_done:
                depth[node] = 1 + max((depth[n] for n in graph.get(node, [])), default=0)
                continue
            stack.append((node, True))
            stack.extend((n, False) for n in graph.get(node, []) if n not in depth)
    return depth


def _cycles(graph: dict[str, list[str]]) -> list[list[str]]:
    """Each cycle of a graph once (as the path that closes it, the first node repeated)."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    found: list[list[str]] = []

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        path.append(node)
        for nxt in graph.get(node, []):
            if state.get(nxt) == 1:
                found.append([*path[path.index(nxt):], nxt])
            elif nxt not in state and nxt in graph:
                visit(nxt, path)
        path.pop()
        state[node] = 2

    for node in graph:
        if node not in state:
            visit(node, [])
    return found
