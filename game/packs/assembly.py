"""Merging the packs, in load order, into one checked and compiled Content.

A later pack changes an earlier one's content by id — ``replaces = "base.gemini_launch"`` for an
event, a partial ``economy.toml`` for parameters, ``[gpu_patch.NAME]``, ``[rival_patch.ID]`` and
``[concept_patch.ID]`` tables for entries of lists (``game.packs.patching``) — and two packs
changing the same thing with no order between them is a reported conflict; a GPU generation,
concept, rival or scenario id defined twice is reported too. Once every pack is in, the merged
economy is checked whole, every event is checked and compiled (``game.packs.event_compiler``),
and every scenario's references are checked (``game.packs.scenario_checks``) and its overrides
merged into a copy of the economy and rivals.
"""

from __future__ import annotations

import copy
import dataclasses
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from game.engine.params import MAX_GPU_GENERATIONS, GpuGeneration, RivalParams
from game.packs.content import Content
from game.packs.economy import (
    EconomyFile,
    EconomyPatchFile,
    RivalsFile,
    ScenarioFile,
    engine_params,
)
from game.packs.errors import MAX_NAME, Problem, Suggestions, did_you_mean, full
from game.packs.event_compiler import EventCompiler
from game.packs.library import Library
from game.packs.locales import LOCALES, LocaleReader, Locales
from game.packs.names import all_names
from game.packs.patching import Entries
from game.packs.reading import BASE, Pack, Source, try_parse_toml
from game.packs.scenario_checks import check_scenario_references
from game.packs.schema import Concept, Event, FlagEffect, GlossaryFile
from game.packs.toml_io import locate
from game.packs.validation import STRICT, describe, validate_file, validate_items
from game.paths import content_dir

GLOSSARY, ECONOMY, RIVALS = Path("glossary.toml"), Path("economy.toml"), Path("rivals.toml")
EVENTS, SCENARIOS = Path("events"), Path("scenarios")


class Assembly:
    """The mutable work of loading packs in order."""

    def __init__(self, problems: list[Problem], before: set[tuple[str, str]]):
        self.problems = problems
        self.before = before
        self.glossary: Entries[Concept] = Entries("concept", "concept_patch", Concept)
        self.events: dict[str, tuple[Event, Source, str]] = {}  # id -> (event, where, pack)
        self.replaced: dict[str, tuple[str, str]] = {}  # old id -> (new id, pack)
        self.economy: dict[str, Any] = {}
        self.economy_origin: dict[tuple[str, ...], tuple[str, Source]] = {}
        self.economy_history: dict[tuple[str, ...], list[str]] = {}  # key -> packs that set it
        self.gpus: Entries[GpuGeneration] = Entries("GPU generation", "gpu_patch", GpuGeneration,
                                                    key="name")
        self.rivals: Entries[RivalParams] = Entries("rival", "rival_patch", RivalParams)
        self.scenarios: dict[str, tuple[ScenarioFile, Source]] = {}
        self.scenario_files: list[tuple[Any, Source]] = []  # every scenario file, as read
        self.conflicts: list[str] = []
        self.failed: list[tuple[dict[str, Any], Source]] = []  # events of the wrong shape
        self.ids: dict[str, Source] = {}  # every event id seen, valid or not
        self.earlier = Suggestions(())  # the events loaded before this pack, for "did you mean"
        self.library = Library(problems)  # variables, named triggers, effects lists

    def ordered(self, a: str, b: str) -> bool:
        return (a, b) in self.before or (b, a) in self.before or a == b

    def read(self, pack: Pack, relative: Path, model: type[BaseModel]
             ) -> tuple[Any, str] | None:
        got = self.parse(pack, relative)
        if got is None:
            return None
        data, text = got
        parsed = validate_file(model, data, pack.path / relative, text, self.problems)
        return (parsed, text) if parsed is not None else None

    def parse(self, pack: Pack, relative: Path) -> tuple[Any, str] | None:
        """(data, text) of one of the pack's files, from the bytes read with the pack."""
        return try_parse_toml(pack.path / relative, pack.files[relative], self.problems)

    def load_pack(self, pack: Pack) -> None:
        folder = pack.path
        self.earlier = Suggestions(self.events)
        if GLOSSARY in pack.files:
            got = self.read(pack, GLOSSARY, GlossaryFile)
            if got:
                for i, c in enumerate(got[0].concept):
                    if full(self.problems):
                        return
                    self.glossary.add(c, pack.id, Source(folder / GLOSSARY, got[1], ("concept", i)),
                                      self.problems)
                self.patch_entries(self.glossary, got[0].concept_patch, pack, folder / GLOSSARY,
                                   got[1])
        for relative in _inside(pack, EVENTS):
            if full(self.problems):
                return
            got = self.parse(pack, relative)
            if got is None:
                continue
            data, text = got
            path = folder / relative
            good = dict(validate_items(Event, data, "event", path, text, self.problems))
            items = data.get("event") if isinstance(data, dict) else None
            for i, item in enumerate(items if isinstance(items, list) else []):
                if full(self.problems):
                    return
                src = Source(path, text, ("event", i))
                if i in good:
                    self.add_event(good[i], src, pack)
                elif isinstance(item, dict):
                    self.failed.append((item, src))
                    if isinstance(item.get("id"), str):
                        self.claim_id(item["id"], src)
        self.library.load_pack(pack, self.parse)
        if ECONOMY in pack.files:
            self.merge_economy(pack)
        if RIVALS in pack.files:
            got = self.read(pack, RIVALS, RivalsFile)
            if got:
                for i, r in enumerate(got[0].rival):
                    if full(self.problems):
                        return
                    self.rivals.add(r, pack.id, Source(folder / RIVALS, got[1], ("rival", i)),
                                    self.problems)
                self.patch_entries(self.rivals, got[0].rival_patch, pack, folder / RIVALS,
                                   got[1])
        for relative in _inside(pack, SCENARIOS):
            if full(self.problems):
                return
            got = self.parse(pack, relative)
            if got is None:
                continue
            data, text = got
            path = folder / relative
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
                hint = did_you_mean(target, self.earlier)
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

    def patch_entries(self, entries: Entries[Any], patches: dict[str, BaseModel], pack: Pack,
                      path: Path, text: str) -> None:
        """A pack's [KIND_patch.ID] tables applied to the entries of packs before it."""
        for entry_id, change in patches.items():
            if full(self.problems):
                return
            entries.patch(entry_id, change.model_dump(exclude_unset=True), pack.id,
                          Source(path, text, (entries.table, entry_id)), self.ordered,
                          self.problems, self.conflicts)

    def merge_economy(self, pack: Pack) -> None:
        """A pack's economy.toml: the first one read is the economy; a later one patches it."""
        got = self.parse(pack, ECONOMY)
        if got is None:
            return
        data, text = got
        path = pack.path / ECONOMY
        src = Source(path, text, ())
        if not self.economy:
            parsed = validate_file(EconomyFile, data, path, text, self.problems)
            if parsed is not None:
                self.economy = data
                self.economy_origin[()] = (pack.id, src)
                for i, g in enumerate(parsed.gpu):
                    self.gpus.add(g, pack.id, Source(path, text, ("gpu", i)), self.problems)
            return
        # A later pack's economy.toml patches the parameters: tables of known keys, new GPU
        # generations, and keys of earlier ones.
        added = data.get("gpu") if isinstance(data, dict) else None
        room = MAX_GPU_GENERATIONS - len(self.gpus)
        if isinstance(added, list) and len(added) > room:  # (before checking each of them)
            self.problems.append(src.problem(
                f"{len(added):,} [[gpu]] tables and the {len(self.gpus)} generations of the packs "
                f"before make {len(added) + len(self.gpus):,}: a game has at most "
                f"{MAX_GPU_GENERATIONS} GPU generations", "gpu", room))
            return
        parsed = validate_file(EconomyPatchFile, data, path, text, self.problems)
        if parsed is None:
            return
        for i, g in enumerate(parsed.gpu):
            self.gpus.add(g, pack.id, Source(path, text, ("gpu", i)), self.problems)
        self.patch_entries(self.gpus, parsed.gpu_patch, pack, path, text)
        self.patch(self.economy, {k: v for k, v in data.items() if k not in ("gpu", "gpu_patch")},
                   (), pack, src)

    def patch(self, base: dict[str, Any], patch: dict[str, Any], at: tuple[str, ...],
              pack: Pack | None, src: Source) -> None:
        """Merge ``patch`` into ``base`` in place: tables of known keys only (the file's model
        has checked their types; arrays are patched by ``Entries``).

        ``pack`` is the pack whose economy.toml patches the packs before it (its keys are
        recorded, and two unordered packs setting one key conflict); None for a scenario's
        override, which changes a copy for that scenario alone.
        """
        for key, value in patch.items():
            if full(self.problems):
                return
            where = (*at, key)
            if key not in base:
                hint = did_you_mean(key, list(base))
                self.problems.append(src.problem(
                    f"unknown key '{'.'.join(where)}'{hint}", *where))
                continue
            if isinstance(value, dict) and isinstance(base[key], dict):
                self.patch(base[key], value, where, pack, src)
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
            self.economy_history.setdefault(where, [self.economy_origin[()][0]]).append(pack.id)

    def check_glossary(self) -> None:
        known = Suggestions(self.glossary.located())
        for concept in self.glossary.values():
            src = self.glossary.where_set(concept.id, "see_also")
            for j, other in enumerate(concept.see_also):
                if full(self.problems):
                    return
                if other not in self.glossary:
                    hint = did_you_mean(other, known)
                    self.problems.append(src.problem(
                        f"concept '{concept.id[:MAX_NAME]}': see_also names unknown concept "
                        f"'{other}'"
                        f"{hint}", "see_also", j))

    def finish(self, ordered: list[Pack]) -> Content | None:
        for entries in (self.gpus, self.rivals, self.glossary):
            entries.report_pending(self.problems)
        self.check_glossary()
        if full(self.problems):
            return None
        if not self.economy:
            self.problems.append(Problem(content_dir(), "no pack defines the economy "
                                                        "(economy.toml of the base pack)"))
            return None
        self.economy["gpu"] = [g.model_dump() for g in self.gpus.values()]
        try:  # strict: a later pack's patch is checked here first ("150" is no number)
            economy = EconomyFile.model_validate(self.economy, strict=STRICT)
        except ValidationError as exc:
            for err in exc.errors():
                if full(self.problems):
                    break
                loc = tuple(str(p) for p in err["loc"] if not isinstance(p, int))
                origin = self.economy_origin.get(loc, self.economy_origin[()])[1]
                self.problems.append(origin.problem(describe(EconomyFile, err), *loc))
            return None
        rivals = self.rivals.values()
        flags = {e.flag for ev, _, _ in self.events.values() for e in _all_effects(ev)
                 if isinstance(e, FlagEffect)} | self.library.flags()
        variables = self.library.declared()
        names = all_names([r.id for r in rivals], flags, list(variables.values()),
                          list(self.events))
        names.update(self.library.trigger_names())
        redirect = {old: new for old, (new, _) in self.replaced.items()}
        rival_ids = {r.id for r in rivals}
        glossary = self.glossary.located()
        compiler = EventCompiler(self.problems, self.events, glossary, names, redirect,
                                 rival_ids, variables)
        self.library.compile_triggers(names, compiler)
        self.library.compile_lists(compiler)
        compiled = []
        for ev, src, _ in self.events.values():
            if full(self.problems):
                return None
            compiled.append(compiler.compile(ev, src))
        for raw, src in self.failed:  # still report what else is wrong with them
            if full(self.problems):
                return None
            compiler.compile(None, src, raw)
        locales = self.read_locales(ordered, names, compiler.known, glossary)
        known_events = Suggestions(self.ids)  # every event id, valid or not, replaced or not
        for data, src in self.scenario_files:
            check_scenario_references(data, src, {p.id for p in ordered}, known_events,
                                      [r.id for r in rivals], self.problems)
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
            packs=[dataclasses.replace(p, files={}) for p in ordered],  # their bytes are done
            events=[c for c in compiled if c is not None],
            glossary={k: c for k, (c, _) in glossary.items()},
            economy=economy,
            rivals=rivals,
            scenarios={k: s for k, (s, _) in self.scenarios.items()},
            names=names,
            event_sources={eid: src.path for eid, (_, src, _) in self.events.items()},
            conflicts=self.conflicts,
            scenario_economy=scenario_economy,
            scenario_rivals=scenario_rivals,
            redirects=redirect,
            changes=self.changes(),
            variables=variables,
            locales=locales,
        )

    def changes(self) -> list[tuple[str, list[str]]]:
        """(what, the packs that set it in load order) for everything a pack set that an
        earlier pack had defined: economy keys, and keys of GPU generations, rivals and
        concepts."""
        economy = [(f"[{'.'.join(where[:-1])}] {where[-1]}", packs)
                   for where, packs in self.economy_history.items()]
        return economy + [change for entries in (self.gpus, self.rivals, self.glossary)
                          for change in entries.provenance()]

    def read_locales(self, ordered: list[Pack], names: dict[str, Any], suggest: Suggestions,
                     glossary: dict[str, tuple[Concept, Source]]) -> Locales:
        """Every pack's locales/*.toml, in load order, checked against the merged content."""
        if not any(f.parts[0] == LOCALES.name for p in ordered for f in p.files):
            return Locales()  # (most loads: nothing to index)
        folders = {p.path: p.id for p in ordered}
        owners = {("event", i): pack for i, (_, _, pack) in self.events.items()}
        owners |= {("concept", i): folders.get(src.path.parent, "?")
                   for i, (_, src) in glossary.items()}
        owners |= {("scenario", i): folders.get(src.path.parent.parent, "?")
                   for i, (_, src) in self.scenarios.items()}
        reader = LocaleReader(
            self.problems, self.conflicts, self.ordered,
            {i: ev for i, (ev, _, _) in self.events.items()}, set(self.ids),
            {i: c for i, (c, _) in glossary.items()},
            {i: s for i, (s, _) in self.scenarios.items()}, owners, names, suggest)
        for pack in ordered:
            reader.read(pack)
        return reader.result

    def merge_scenario(self, scen: ScenarioFile, src: Source, economy: EconomyFile,
                       rivals: list[RivalParams]) -> tuple[EconomyFile, list[RivalParams]] | None:
        """The scenario's economy and rivals: its overrides merged into the packs' (the limits
        of the merged values are checked then), and the economy compiled once to be sure it
        holds together. None when something is wrong (the problems are recorded)."""
        before = len(self.problems)
        label = f"scenario '{scen.id[:MAX_NAME]}'"
        scen_economy = economy
        patch = scen.economy_patch()
        if patch:
            merged = copy.deepcopy(self.economy)
            self.patch(merged, patch, (), None, Source(src.path, src.text, ("economy",)))
            try:
                scen_economy = EconomyFile.model_validate(merged, strict=STRICT)
            except ValidationError as exc:
                for err in exc.errors()[:100]:  # the shape of one economy: a few at most
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
                    changed.append(RivalParams.model_validate({**rival.model_dump(), **change},
                                                              strict=STRICT))
                except ValidationError as exc:
                    for err in exc.errors()[:100]:
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
        params, wrong = engine_params(scen_economy, scen_rivals, scen)
        if params is None:
            self.problems += [Problem(src.path, f"{label}: {m}") for m in wrong]
            return None
        return scen_economy, scen_rivals


def _inside(pack: Pack, folder: Path) -> list[Path]:
    """The pack's TOML files directly in one of its folders (events/, scenarios/), by name."""
    return sorted(p for p in pack.files if p.parent == folder)


def _all_effects(ev: Event) -> list[Any]:
    return list(ev.effects) + [e for c in ev.choices for e in c.effects]
