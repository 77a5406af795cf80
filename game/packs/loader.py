"""Finding, ordering, loading and cross-checking content packs.

Load order is explicit: ``depends`` and ``load_after`` give a topological order whose ties are
broken by pack id (never by folder or file name). A later pack changes an earlier one's content by
id — ``replaces = "base.gemini_launch"`` for an event, a partial ``economy.toml`` for parameters —
and two packs changing the same thing with no order between them is a reported conflict. Every
problem in every file is collected before anything is raised.
"""

from __future__ import annotations

import copy
import hashlib
import heapq
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from game import __version__
from game.engine.params import EconomyParams, RivalParams
from game.packs import effects as fx
from game.packs.director import PRESETS, Chooser, CompiledChoice, CompiledEvent, Director
from game.packs.economy import EconomyFile, RivalsFile, ScenarioFile
from game.packs.errors import ContentError, Problem, did_you_mean
from game.packs.expressions import Compiled, ExprError, compile_expr
from game.packs.names import Name, all_names
from game.packs.schema import (
    MAX_EFFECT_MAGNITUDE,
    Concept,
    Event,
    FlagEffect,
    GlossaryFile,
    PackManifest,
)
from game.packs.toml_io import locate, read_toml
from game.packs.validation import validate_file, validate_items
from game.paths import content_dir

BASE = "base"
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
_REQUIREMENT = re.compile(r"^\s*([a-z][a-z0-9_]*)\s*(.*)$")
_COMPARATOR = re.compile(r"^\s*(>=|<=|==|!=|>|<)\s*(\d+(?:\.\d+){0,2})\s*$")


@dataclass(frozen=True)
class Pack:
    manifest: PackManifest
    path: Path
    content_hash: str
    manifest_text: str = ""

    def at(self, message: str, key: str) -> Problem:
        """A problem located at a key of this pack's pack.toml."""
        line, col = locate(self.manifest_text, (key,))
        return Problem(self.path / "pack.toml", message, line, col)

    @property
    def id(self) -> str:
        return self.manifest.id


@dataclass(frozen=True)
class Source:
    path: Path
    text: str
    loc: tuple[str | int, ...]

    def problem(self, message: str, *more: str | int) -> Problem:
        line, col = locate(self.text, (*self.loc, *more))
        return Problem(self.path, message, line, col)


@dataclass
class Content:
    """Everything the loaded packs define, in load order, checked and compiled."""

    packs: list[Pack]
    events: list[CompiledEvent]
    glossary: dict[str, Concept]
    economy: EconomyFile
    rivals: list[RivalParams]
    scenarios: dict[str, ScenarioFile]
    names: dict[str, Name]
    event_sources: dict[str, Path] = field(default_factory=dict)
    conflicts: list[str] = field(default_factory=list)
    # A scenario's economy and rivals once its overrides are applied (only scenarios that have
    # overrides are listed; the others play the merged packs' economy and rivals).
    scenario_economy: dict[str, EconomyFile] = field(default_factory=dict)
    scenario_rivals: dict[str, list[RivalParams]] = field(default_factory=dict)
    redirects: dict[str, str] = field(default_factory=dict)  # replaced event id -> its successor

    @property
    def rival_index(self) -> dict[str, int]:
        return {r.id: i for i, r in enumerate(self.rivals)}

    def scenario(self, scenario: str) -> ScenarioFile:
        """The scenario with this id; a problem with suggestions when there is none."""
        if scenario not in self.scenarios:
            hint = did_you_mean(scenario, list(self.scenarios))
            raise ContentError([Problem("scenarios", f"no scenario '{scenario}'{hint}; known: "
                                                     f"{', '.join(sorted(self.scenarios))}")])
        return self.scenarios[scenario]

    def params(self, scenario: str) -> EconomyParams:
        """The engine's parameters for a scenario: the merged packs' economy and rivals with the
        scenario's own overrides applied."""
        params, wrong = _engine_params(self.scenario_economy.get(scenario, self.economy),
                                       self.scenario_rivals.get(scenario, self.rivals),
                                       self.scenario(scenario))
        if params is None:
            raise ContentError([Problem(f"scenario '{scenario}'", m) for m in wrong])
        return params

    def director(self, preset: str = "standard", chooser: Chooser | None = None,
                 script: dict[int, tuple[str, ...]] | None = None) -> Director:
        return Director(self.events, self.names, self.rival_index, PRESETS[preset], chooser,
                        script=script or {})

    def script(self, scenario: str) -> dict[int, tuple[str, ...]]:
        """The scenario's scripted events: quarter (0 = the first) -> event ids, in the order
        written (an event replaced by a later pack is its replacement)."""
        script: dict[int, list[str]] = {}
        for item in self.scenario(scenario).scripted:
            event_id = self.redirects.get(item.event, item.event)
            if event_id not in script.setdefault(item.quarter, []):
                script[item.quarter].append(event_id)
        return {q: tuple(ids) for q, ids in sorted(script.items())}

    def director_for(self, scenario: str, chooser: Chooser | None = None) -> Director:
        """The director a scenario plays with: its pacing preset and its script of events."""
        return self.director(self.scenario(scenario).pacing, chooser, self.script(scenario))

    def fingerprint(self) -> dict[str, str]:
        """pack id -> "version sha256", what a save records about its content."""
        return {p.id: f"{p.manifest.version} {p.content_hash}" for p in self.packs}


# --- discovery and order ---------------------------------------------------------------------


def discover(extra: Sequence[Path] = (), shipped: bool = True) -> tuple[list[Path], list[Problem]]:
    """Pack folders: the shipped content/ plus each extra path (a pack, or a folder of packs)."""
    roots: list[Path] = [content_dir()] if shipped else []
    found: list[Path] = []
    problems: list[Problem] = []
    for root in roots:
        found += sorted(p.parent for p in root.glob("*/pack.toml"))
    for path in extra:
        if (path / "pack.toml").is_file():
            found.append(path)
        elif path.is_dir() and any(path.glob("*/pack.toml")):
            found += sorted(p.parent for p in path.glob("*/pack.toml"))
        elif path.is_file() and path.name == "pack.toml":
            found.append(path.parent)
        else:
            problems.append(Problem(path, "no pack here: a pack is a folder with a pack.toml"))
    unique: list[Path] = []
    for p in found:
        if p.resolve() not in {u.resolve() for u in unique}:
            unique.append(p)
    return unique, problems


def _version(text: str) -> tuple[int, ...]:
    parts = [int(x) for x in text.split(".")]
    return tuple(parts + [0] * (3 - len(parts)))


def satisfies(version: str, spec: str) -> bool | None:
    """Whether a version meets a range such as '>=0.1,<1.0' (None: the range is malformed)."""
    v = _version(version)
    for clause in filter(None, (c.strip() for c in spec.split(","))):
        m = _COMPARATOR.match(clause)
        if not m:
            return None
        op, bound = m.group(1), _version(m.group(2))
        ok = {">=": v >= bound, "<=": v <= bound, "==": v == bound, "!=": v != bound,
              ">": v > bound, "<": v < bound}[op]
        if not ok:
            return False
    return True


def _requirement(text: str) -> tuple[str, str] | None:
    m = _REQUIREMENT.match(text)
    return (m.group(1), m.group(2).strip()) if m else None


def _hash(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*.toml")):
        digest.update(str(path.relative_to(folder)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _order(
    packs: dict[str, Pack], problems: list[Problem]
) -> tuple[list[Pack], set[tuple[str, str]]]:
    """Topological order (ties by id) and the set of (earlier, later) pairs it implies."""
    edges: dict[str, set[str]] = {pid: set() for pid in packs}
    if BASE in packs:  # every pack builds on the base game, so it loads after it
        edges[BASE] |= set(packs) - {BASE}
    for pid, pack in packs.items():
        for req in pack.manifest.depends + pack.manifest.load_after:
            parsed = _requirement(req)
            if parsed and parsed[0] in packs and parsed[0] != pid:
                edges[parsed[0]].add(pid)
    indegree = {pid: 0 for pid in packs}
    for targets in edges.values():
        for t in targets:
            indegree[t] += 1
    ready = [pid for pid, n in indegree.items() if n == 0]
    heapq.heapify(ready)
    order: list[str] = []
    while ready:
        pid = heapq.heappop(ready)
        order.append(pid)
        for t in sorted(edges[pid]):
            indegree[t] -= 1
            if indegree[t] == 0:
                heapq.heappush(ready, t)
    if len(order) < len(packs):
        stuck = sorted(set(packs) - set(order))
        cycle = _find_cycle(edges, stuck)
        problems.append(Problem(packs[cycle[0]].path / "pack.toml",
                                f"dependency cycle: {' → '.join(cycle)}; remove one of these "
                                "depends/load_after entries"))
        order += stuck
    before: set[tuple[str, str]] = set()
    for pid in packs:  # reachability: a -> b when a must load before b
        stack, seen = list(edges[pid]), set()
        while stack:
            n = stack.pop()
            if n in seen:
                continue
            seen.add(n)
            before.add((pid, n))
            stack += edges[n]
    return [packs[pid] for pid in order], before


def _find_cycle(edges: dict[str, set[str]], stuck: list[str]) -> list[str]:
    start = stuck[0]
    path, node = [start], start
    while True:
        nxt = sorted(t for t in edges[node] if t in stuck)
        if not nxt:
            return path
        node = nxt[0]
        if node in path:
            return [*path[path.index(node):], node]
        path.append(node)


# --- loading ---------------------------------------------------------------------------------


def load_content(extra: Sequence[Path] = (), shipped: bool = True) -> Content:
    """Load and check every pack; raises ContentError listing every problem found."""
    content, problems = _load(extra, shipped)
    if problems or content is None:
        raise ContentError(sorted(problems, key=_sort_key))
    return content


def inspect(extra: Sequence[Path] = (), shipped: bool = True
            ) -> tuple[Content | None, list[Problem]]:
    """The content as far as it loads, and every problem (for `packs list`)."""
    content, problems = _load(extra, shipped)
    return content, sorted(problems, key=_sort_key)


def check(extra: Sequence[Path] = (), shipped: bool = True) -> list[Problem]:
    """Every problem in the packs, without raising (for `packs validate`)."""
    return sorted(_load(extra, shipped)[1], key=_sort_key)


def _sort_key(p: Problem) -> tuple[str, int, int]:
    return (str(p.path), p.line or 0, p.col or 0)


def _engine_params(e: EconomyFile, rivals: list[RivalParams], scenario: ScenarioFile
                   ) -> tuple[EconomyParams | None, list[str]]:
    """The engine's parameters for a scenario, compiled once to be sure they hold together:
    (params, []), or (None, a sentence for each thing wrong)."""
    from game.engine.economy import compile_economy

    try:
        params = EconomyParams(
            gpus=e.gpu, market=e.market, fleet=e.fleet, training=e.training, demand=e.demand,
            finance=e.finance, valuation=e.valuation, ipo=e.ipo, rivals=rivals,
            scenario=scenario.to_engine())
        compile_economy(params)
    except ValidationError as exc:
        return None, [err["msg"].removeprefix("Value error, ") for err in exc.errors()]
    except ValueError as exc:
        return None, [str(exc)]
    return params, []


def _read(path: Path, problems: list[Problem]) -> tuple[Any, str] | None:
    """(data, text) of a TOML file, or None with its problem recorded."""
    try:
        return read_toml(path)
    except ContentError as exc:
        problems.extend(exc.problems)
        return None


def _load(extra: Sequence[Path], shipped: bool) -> tuple[Content | None, list[Problem]]:
    folders, problems = discover(extra, shipped)
    packs: dict[str, Pack] = {}
    for folder in folders:
        manifest_path = folder / "pack.toml"
        got = _read(manifest_path, problems)
        if got is None:
            continue
        data, text = got
        manifest = validate_file(PackManifest, data, manifest_path, text, problems)
        if manifest is None:
            continue
        if manifest.id in packs:
            problems.append(Problem(manifest_path, f"pack id '{manifest.id}' is also used by "
                                                   f"{packs[manifest.id].path}"))
            continue
        packs[manifest.id] = Pack(manifest, folder, _hash(folder), text)
    _check_requirements(packs, problems)
    ordered, before = _order(packs, problems)
    state = _Loading(problems, before)
    for pack in ordered:
        state.load_pack(pack)
    content = state.finish(ordered)
    return content, problems


def _check_requirements(packs: dict[str, Pack], problems: list[Problem]) -> None:
    for pack in packs.values():
        m = pack.manifest
        trouble = _range_problem("game", __version__, m.game_version, f"game_version "
                                 f"'{m.game_version}'")
        if trouble:
            problems.append(pack.at(trouble, "game_version"))
        for req in m.depends:
            parsed = _requirement(req)
            if parsed is None:
                problems.append(pack.at(f"depends entry '{req}' is not 'pack' or 'pack>=1.0'",
                                        "depends"))
                continue
            name, spec = parsed
            if name not in packs:
                hint = did_you_mean(name, list(packs))
                problems.append(pack.at(f"depends on pack '{name}', which is not "
                                        f"installed{hint}", "depends"))
                continue
            trouble = spec and _range_problem(name, packs[name].manifest.version, spec,
                                              f"depends entry '{req}'")
            if trouble:
                problems.append(pack.at(trouble, "depends"))
        for other in m.conflicts:
            parsed = _requirement(other)
            if parsed and parsed[0] in packs:
                problems.append(pack.at(f"conflicts with pack '{parsed[0]}', which is also "
                                        "installed; remove one of them", "conflicts"))


def _range_problem(what: str, version: str, spec: str, entry: str) -> str | None:
    """Why ``version`` of ``what`` does not meet ``spec`` (None when it does)."""
    met = satisfies(version, spec)
    if met is None:
        return f"{entry}: '{spec}' is not a version range such as '>=0.1,<1.0'"
    if not met:
        return f"needs {what} {spec}, but {what} is version {version}"
    return None


class _Loading:
    """The mutable work of loading packs in order."""

    def __init__(self, problems: list[Problem], before: set[tuple[str, str]]):
        self.problems = problems
        self.before = before
        self.glossary: dict[str, tuple[Concept, Source]] = {}
        self.events: dict[str, tuple[Event, Source, str]] = {}  # id -> (event, where, pack)
        self.replaced: dict[str, tuple[str, str]] = {}  # old id -> (new id, pack)
        self.economy: dict[str, Any] = {}
        self.economy_origin: dict[tuple[str, ...], tuple[str, Source]] = {}
        self.rivals: dict[str, tuple[RivalParams, str]] = {}
        self.scenarios: dict[str, tuple[ScenarioFile, Source]] = {}
        self.scenario_files: list[tuple[Any, Source]] = []  # every scenario file, as read
        self.conflicts: list[str] = []
        self.failed: list[tuple[dict[str, Any], Source]] = []  # events of the wrong shape
        self.ids: dict[str, Source] = {}  # every event id seen, valid or not
        self.expressions: dict[tuple[str, float], Compiled | ExprError] = {}

    def ordered(self, a: str, b: str) -> bool:
        return (a, b) in self.before or (b, a) in self.before or a == b

    def read(self, path: Path, model: type[BaseModel]) -> tuple[Any, str] | None:
        got = _read(path, self.problems)
        if got is None:
            return None
        data, text = got
        parsed = validate_file(model, data, path, text, self.problems)
        return (parsed, text) if parsed is not None else None

    def load_pack(self, pack: Pack) -> None:
        folder = pack.path
        if (folder / "glossary.toml").is_file():
            got = self.read(folder / "glossary.toml", GlossaryFile)
            if got:
                for i, c in enumerate(got[0].concept):
                    src = Source(folder / "glossary.toml", got[1], ("concept", i))
                    if c.id in self.glossary:
                        other = self.glossary[c.id][1]
                        self.problems.append(src.problem(
                            f"duplicate concept id '{c.id}' (also in {other.path})", "id"))
                    self.glossary[c.id] = (c, src)
        for path in sorted((folder / "events").glob("*.toml")):
            got = _read(path, self.problems)
            if got is None:
                continue
            data, text = got
            good = dict(validate_items(Event, data, "event", path, text, self.problems))
            items = data.get("event") if isinstance(data, dict) else None
            for i, item in enumerate(items if isinstance(items, list) else []):
                src = Source(path, text, ("event", i))
                if i in good:
                    self.add_event(good[i], src, pack)
                elif isinstance(item, dict):
                    self.failed.append((item, src))
                    if isinstance(item.get("id"), str):
                        self.claim_id(item["id"], src)
        if (folder / "economy.toml").is_file():
            self.load_economy(folder / "economy.toml", pack)
        if (folder / "rivals.toml").is_file():
            got = self.read(folder / "rivals.toml", RivalsFile)
            if got:
                for i, r in enumerate(got[0].rival):
                    src = Source(folder / "rivals.toml", got[1], ("rival", i))
                    if r.id in self.rivals:
                        self.problems.append(src.problem(
                            f"rival '{r.id}' is already defined by pack "
                            f"'{self.rivals[r.id][1]}'; give a new id", "id"))
                        continue
                    self.rivals[r.id] = (r, pack.id)
        for path in sorted((folder / "scenarios").glob("*.toml")):
            got = _read(path, self.problems)
            if got is None:
                continue
            data, text = got
            src = Source(path, text, ())
            scen = validate_file(ScenarioFile, data, path, text, self.problems)
            # Its references are checked once every pack is loaded, even when its shape is wrong.
            self.scenario_files.append((data, src))
            if scen is not None:
                if scen.id in self.scenarios:
                    self.problems.append(src.problem(
                        f"duplicate scenario id '{scen.id}' (also in "
                        f"{self.scenarios[scen.id][1].path})", "id"))
                self.scenarios[scen.id] = (scen, src)

    def add_event(self, ev: Event, src: Source, pack: Pack) -> None:
        namespace = ev.id.split(".")[0]
        if namespace != pack.id:
            self.problems.append(src.problem(
                f"event id '{ev.id}' must start with its pack's id: '{pack.id}.'", "id"))
        if not self.claim_id(ev.id, src):
            return
        if ev.replaces is not None:
            target = ev.replaces
            if target in self.replaced:  # already replaced by an earlier pack
                holder, holder_pack = self.replaced[target]
                if not self.ordered(holder_pack, pack.id):
                    self.conflicts.append(f"packs '{holder_pack}' and '{pack.id}' both replace "
                                          f"'{target}'")
                    self.problems.append(src.problem(
                        f"conflict: pack '{holder_pack}' also replaces '{target}' and neither "
                        "pack loads after the other; add load_after to one of them",
                        "replaces"))
                self.events.pop(holder, None)
                self.replaced[target] = (ev.id, pack.id)
            elif target not in self.events:
                hint = did_you_mean(target, list(self.events))
                self.problems.append(src.problem(
                    f"event '{ev.id}' replaces unknown event '{target}'{hint}", "replaces"))
            else:
                self.replaced[target] = (ev.id, pack.id)
                del self.events[target]
        self.events[ev.id] = (ev, src, pack.id)

    def claim_id(self, event_id: str, src: Source) -> bool:
        """Record where an event id is defined; False (and a problem) if it already was."""
        other = self.ids.get(event_id)
        if other is not None:
            line, _ = locate(other.text, (*other.loc, "id"))
            self.problems.append(src.problem(
                f"duplicate event id '{event_id}' (also at {other.path}:{line})", "id"))
            return False
        self.ids[event_id] = src
        return True

    def load_economy(self, path: Path, pack: Pack) -> None:
        got = _read(path, self.problems)
        if got is None:
            return
        data, text = got
        src = Source(path, text, ())
        if not self.economy:
            parsed = validate_file(EconomyFile, data, path, text, self.problems)
            if parsed is not None:
                self.economy = data
                self.economy_origin[()] = (pack.id, src)
            return
        # A later pack's economy.toml patches the parameters: tables of known keys only.
        self.patch(self.economy, data, (), pack, src)

    def patch(self, base: dict[str, Any], patch: dict[str, Any], at: tuple[str, ...],
              pack: Pack | None, src: Source) -> None:
        """Merge ``patch`` into ``base`` in place: tables of known keys only, no arrays.

        ``pack`` is the pack whose economy.toml patches the packs before it (its keys are
        recorded, and two unordered packs setting one key conflict); None for a scenario's
        override, which changes a copy for that scenario alone.
        """
        for key, value in patch.items():
            where = (*at, key)
            if key not in base:
                hint = did_you_mean(key, list(base))
                self.problems.append(src.problem(
                    f"unknown key '{'.'.join(where)}'{hint}", *where))
                continue
            if isinstance(value, dict) and isinstance(base[key], dict):
                self.patch(base[key], value, where, pack, src)
                continue
            if isinstance(base[key], list) or isinstance(value, list):
                self.problems.append(src.problem(
                    f"'{'.'.join(where)}' is a list; patch its entries by adding a pack's own "
                    "rivals.toml or events instead", *where))
                continue
            if pack is None:
                base[key] = value
                continue
            previous = self.economy_origin.get(where)
            if previous and previous[0] != BASE and not self.ordered(previous[0], pack.id):
                self.conflicts.append(f"packs '{previous[0]}' and '{pack.id}' both set "
                                      f"[{'.'.join(where[:-1])}] {where[-1]}")
                self.problems.append(src.problem(
                    f"conflict: pack '{previous[0]}' also sets '{'.'.join(where)}' and neither "
                    "pack loads after the other; add load_after to one of them", *where))
            base[key] = value
            self.economy_origin[where] = (pack.id, src)

    def check_glossary(self) -> None:
        for concept, src in self.glossary.values():
            for j, other in enumerate(concept.see_also):
                if other not in self.glossary:
                    hint = did_you_mean(other, list(self.glossary))
                    self.problems.append(src.problem(
                        f"concept '{concept.id}': see_also names unknown concept '{other}'"
                        f"{hint}", "see_also", j))

    def finish(self, ordered: list[Pack]) -> Content | None:
        self.check_glossary()
        if not self.economy:
            self.problems.append(Problem(content_dir(), "no pack defines the economy "
                                                        "(economy.toml of the base pack)"))
            return None
        try:
            economy = EconomyFile.model_validate(self.economy)
        except ValidationError as exc:
            for err in exc.errors():
                loc = tuple(str(p) for p in err["loc"] if not isinstance(p, int))
                origin = self.economy_origin.get(loc, self.economy_origin[()])[1]
                self.problems.append(origin.problem(
                    f"'{'.'.join(loc)}': {err['msg'].removeprefix('Value error, ')}", *loc))
            return None
        rivals = [r for r, _ in self.rivals.values()]
        flags = {e.flag for ev, _, _ in self.events.values() for e in _all_effects(ev)
                 if isinstance(e, FlagEffect)}
        names = all_names([r.id for r in rivals], flags)
        redirect = {old: new for old, (new, _) in self.replaced.items()}
        rival_ids = {r.id for r in rivals}
        compiled = [self.compile_event(ev, src, names, redirect, rival_ids)
                    for ev, src, _ in self.events.values()]
        for raw, src in self.failed:  # still report what else is wrong with them
            self.compile_event(None, src, names, redirect, rival_ids, raw)
        known_events = set(self.ids)  # every event id defined, valid or not, replaced or not
        for data, src in self.scenario_files:
            self.check_scenario_references(data, src, {p.id for p in ordered}, known_events,
                                           [r.id for r in rivals])
        scenario_economy: dict[str, EconomyFile] = {}
        scenario_rivals: dict[str, list[RivalParams]] = {}
        for sid, (scen, src) in self.scenarios.items():
            got = self.merge_scenario(scen, src, economy, rivals)
            if got is not None:
                scen_economy, scen_rivals = got
                if scen_economy is not economy:
                    scenario_economy[sid] = scen_economy
                if scen_rivals is not rivals:
                    scenario_rivals[sid] = scen_rivals
        return Content(
            packs=ordered,
            events=[c for c in compiled if c is not None],
            glossary={k: c for k, (c, _) in self.glossary.items()},
            economy=economy,
            rivals=rivals,
            scenarios={k: s for k, (s, _) in self.scenarios.items()},
            names=names,
            event_sources={eid: src.path for eid, (_, src, _) in self.events.items()},
            conflicts=self.conflicts,
            scenario_economy=scenario_economy,
            scenario_rivals=scenario_rivals,
            redirects=redirect,
        )

    def check_scenario_references(self, data: Any, src: Source, packs: set[str],
                                  events: set[str], rivals: list[str]) -> None:
        """What a scenario's model cannot check alone, checked on the file as read (so a file
        with a mistake of shape still has these reported): its required packs, the scripted
        event ids, quarters within the horizon, and the rival ids it overrides."""
        if not isinstance(data, dict):
            return
        label = f"scenario '{data['id']}'" if isinstance(data.get("id"), str) else "scenario"
        horizon = data.get("horizon_quarters")
        horizon = horizon if isinstance(horizon, int) and not isinstance(horizon, bool) else None

        def items(key: str) -> list[tuple[int, dict[str, Any]]]:
            value = data.get(key)
            return [(i, x) for i, x in enumerate(value if isinstance(value, list) else [])
                    if isinstance(x, dict)]

        def past(quarter: Any) -> bool:
            return (horizon is not None and isinstance(quarter, int)
                    and not isinstance(quarter, bool) and quarter >= horizon)

        required = data.get("packs")
        for i, pid in enumerate(required if isinstance(required, list) else []):
            if isinstance(pid, str) and pid not in packs:
                self.problems.append(src.problem(
                    f"{label} needs pack '{pid}', which is not installed"
                    f"{did_you_mean(pid, packs)}", "packs", i))
        seen: set[tuple[Any, str]] = set()
        for i, item in items("scripted"):
            quarter, event = item.get("quarter"), item.get("event")
            if past(quarter):
                self.problems.append(src.problem(
                    f"{label}: scripted event '{event}' at quarter {quarter} is past the horizon "
                    f"(quarters run from 0 to {horizon - 1}; horizon_quarters = {horizon})",
                    "scripted", i, "quarter"))
            if not isinstance(event, str):
                continue
            if event not in events:
                self.problems.append(src.problem(
                    f"{label}: unknown scripted event '{event}'{did_you_mean(event, events)}",
                    "scripted", i, "event"))
            elif (quarter, event) in seen:
                self.problems.append(src.problem(
                    f"{label}: '{event}' is scripted twice at quarter {quarter}",
                    "scripted", i, "event"))
            seen.add((quarter, event))
        for i, hint in items("hints"):
            if past(hint.get("quarter")):
                self.problems.append(src.problem(
                    f"{label}: a hint at quarter {hint['quarter']} is past the horizon (quarters "
                    f"run from 0 to {horizon - 1}; horizon_quarters = {horizon})",
                    "hints", i, "quarter"))
        start = data.get("start")
        for i, point in items("history"):
            label_q = point.get("quarter")
            if not (isinstance(start, str) and isinstance(label_q, str)
                    and re.match(r"^\d{4}Q[1-4]$", start) and re.match(r"^\d{4}Q[1-4]$",
                                                                        label_q)):
                continue
            q = (int(label_q[:4]) * 4 + int(label_q[5])) - (int(start[:4]) * 4 + int(start[5]))
            if not 0 <= q < horizon:
                self.problems.append(src.problem(
                    f"{label}: history for {label_q} is outside the game ({start} and the "
                    f"{horizon - 1} quarters after it)", "history", i, "quarter"))
        overrides = data.get("rivals")
        for rid in overrides if isinstance(overrides, dict) else {}:
            if rid not in rivals:
                self.problems.append(src.problem(
                    f"{label}: unknown rival '{rid}'{did_you_mean(rid, rivals)}; rivals: "
                    f"{', '.join(rivals)}", "rivals", rid))

    def merge_scenario(self, scen: ScenarioFile, src: Source, economy: EconomyFile,
                       rivals: list[RivalParams]) -> tuple[EconomyFile, list[RivalParams]] | None:
        """The scenario's economy and rivals: its overrides merged into the packs' (the limits
        of the merged values are checked then), and the economy compiled once to be sure it
        holds together. None when something is wrong (the problems are recorded)."""
        before = len(self.problems)
        label = f"scenario '{scen.id}'"
        scen_economy = economy
        patch = scen.economy_patch()
        if patch:
            merged = copy.deepcopy(self.economy)
            self.patch(merged, patch, (), None, Source(src.path, src.text, ("economy",)))
            try:
                scen_economy = EconomyFile.model_validate(merged)
            except ValidationError as exc:
                for err in exc.errors():
                    loc = tuple(str(p) for p in err["loc"] if not isinstance(p, int))
                    self.problems.append(src.problem(
                        f"{label}: 'economy.{'.'.join(loc)}': "
                        f"{err['msg'].removeprefix('Value error, ')}", "economy", *loc))
        scen_rivals = rivals
        if scen.rivals:
            changed = []
            for rival in rivals:
                change = scen.rival_patch(rival.id)
                if not change:
                    changed.append(rival)
                    continue
                try:
                    changed.append(RivalParams.model_validate({**rival.model_dump(), **change}))
                except ValidationError as exc:
                    for err in exc.errors():
                        loc = tuple(str(p) for p in err["loc"])
                        self.problems.append(src.problem(
                            f"{label}: 'rivals.{rival.id}.{'.'.join(loc)}': "
                            f"{err['msg'].removeprefix('Value error, ')}", "rivals", rival.id,
                            *loc))
            scen_rivals = changed
            if set(scen.rivals) - {r.id for r in rivals}:
                return None  # an unknown rival, reported with the references
        if len(self.problems) > before:
            return None
        params, wrong = _engine_params(scen_economy, scen_rivals, scen)
        if params is None:
            self.problems += [Problem(src.path, f"{label}: {m}") for m in wrong]
            return None
        return scen_economy, scen_rivals

    def compile_event(self, ev: Event | None, src: Source, names: dict[str, Name],
                      redirect: dict[str, str], rivals: set[str],
                      raw: dict[str, Any] | None = None) -> CompiledEvent | None:
        """Check an event's expressions, references, concept and placeholders, and compile it.

        The checks walk the event as plain data — the validated event, or the raw table when
        its shape was wrong (``ev`` is None) — so an event with one structural mistake still
        has all its other problems reported. Only a valid event is compiled.
        """
        data: dict[str, Any] = ev.model_dump() if ev is not None else (raw or {})
        before = len(self.problems)
        label = f"event '{data.get('id', '?')}'"

        def text_of(value: Any) -> str | None:
            return value if isinstance(value, str) and value.strip() else None

        def expr(value: Any, *where: str | int, limit: float = 1e15) -> Compiled | None:
            if isinstance(value, str) and not value.strip():
                self.problems.append(src.problem(f"{label}: the expression is empty", *where))
                return None
            if text_of(value) is None:
                return None
            try:
                key = (value, limit)
                if key not in self.expressions:  # one load compiles each text once
                    try:
                        self.expressions[key] = compile_expr(value, names, limit)
                    except ExprError as exc:
                        self.expressions[key] = exc
                found = self.expressions[key]
                if isinstance(found, ExprError):
                    raise found
                return found
            except ExprError as exc:
                col_hint = f" (column {exc.col} of the expression)" if exc.col else ""
                self.problems.append(src.problem(f"{label}: {exc.message}{col_hint}", *where))
                return None

        def target(event_id: Any, *where: str | int) -> str:
            event_id = redirect.get(event_id, event_id)
            if isinstance(event_id, str) and event_id not in self.events:
                hint = did_you_mean(event_id, list(self.events))
                self.problems.append(src.problem(f"{label}: unknown event id "
                                                 f"'{event_id}'{hint}", *where))
            return event_id

        def effects(items: Any, *where: str | int) -> list[Compiled | None]:
            out = []
            for k, e in enumerate(items if isinstance(items, list) else []):
                e = e if isinstance(e, dict) else {}
                at = (*where, "effects", k)
                kind = e.get("type")
                if kind in ("rival_boost", "rival_delay", "rival_price") and isinstance(
                        e.get("rival"), str) and e["rival"] not in rivals:
                    hint = did_you_mean(e["rival"], sorted(rivals))
                    self.problems.append(src.problem(f"{label}: effect on unknown rival "
                                                     f"'{e['rival']}'{hint}", *at))
                if kind in ("add", "set") and e.get("target") in fx.MULTIPLY_ONLY:
                    self.problems.append(src.problem(
                        f"{label}: '{e['target']}' can only be multiplied (type = "
                        "\"multiply\")", *at))
                if kind in ("schedule", "offer"):
                    target(e.get("event"), *at)
                key = next((k for k in ("value", "factor", "size")
                            if isinstance(e.get(k), str)), None)
                out.append(expr(e[key], *at, key, limit=MAX_EFFECT_MAGNITUDE) if key else None)
            return out

        def follow_ups(items: Any, *where: str | int) -> list[tuple[str, int]]:
            return [(target(f.get("event"), *where, "follow_ups", j), f.get("delay", 1))
                    for j, f in enumerate(items if isinstance(items, list) else [])
                    if isinstance(f, dict)]

        trigger = expr(data.get("trigger", "true"), "trigger")
        modifiers = [(m.get("factor"), expr(m.get("condition"), "modifiers", i, "condition"))
                     for i, m in enumerate(data.get("modifiers") or []) if isinstance(m, dict)]
        event_effects = effects(data.get("effects"))
        choices = []
        for i, c in enumerate(data.get("choices") or []):
            c = c if isinstance(c, dict) else {}
            where = ("choices", i)
            choices.append((expr(c.get("condition"), *where, "condition"),
                            expr(c.get("ai_weight", "1"), *where, "ai_weight"),
                            effects(c.get("effects"), *where),
                            follow_ups(c.get("follow_ups"), *where)))
        event_follow_ups = follow_ups(data.get("follow_ups"))
        concept = data.get("concept")
        if isinstance(concept, str) and concept not in self.glossary:
            hint = did_you_mean(concept, list(self.glossary))
            self.problems.append(src.problem(f"{label}: unknown glossary concept "
                                             f"'{concept}'{hint}", "concept"))
        for field_name in ("text", "title"):
            for m in _PLACEHOLDER.finditer(text_of(data.get(field_name)) or ""):
                name = m.group(1).split(":")[0].strip()
                if name not in names:
                    hint = did_you_mean(name, list(names))
                    self.problems.append(src.problem(
                        f"{label}: unknown placeholder '{{{name}}}' in its {field_name}{hint}",
                        field_name))
        if ev is None or len(self.problems) > before:
            return None
        assert trigger is not None
        return CompiledEvent(
            ev, trigger,
            [(m.factor, cond) for m, (_, cond) in zip(ev.modifiers, modifiers, strict=True)
             if cond is not None],
            [fx.CompiledEffect(e, c) for e, c in zip(ev.effects, event_effects, strict=True)],
            [CompiledChoice(choice=c, condition=cond, ai_weight=weight or compile_expr("1", ()),
                            effects=[fx.CompiledEffect(e, x)
                                     for e, x in zip(c.effects, fxs, strict=True)],
                            follow_ups=ups)
             for c, (cond, weight, fxs, ups) in zip(ev.choices, choices, strict=True)],
            event_follow_ups,
        )


def _all_effects(ev: Event) -> list[Any]:
    return list(ev.effects) + [e for c in ev.choices for e in c.effects]
