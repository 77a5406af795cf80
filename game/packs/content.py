"""What the loaded packs define, and what the game asks of it.

``Content`` is the result of ``game.packs.loading``: every pack's events, glossary, economy,
rivals, scenarios and names, merged in load order, checked and compiled. The game asks it for a
scenario's engine parameters, the event director a scenario plays with, and the fingerprint a
save records.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

from game.engine.params import EconomyParams, RivalParams
from game.packs.director import PRESETS, Chooser, CompiledEvent, Director
from game.packs.economy import EconomyFile, ScenarioFile, engine_params
from game.packs.errors import ContentError, Problem, did_you_mean
from game.packs.locales import Locales, translate_model
from game.packs.names import Name
from game.packs.reading import Pack
from game.packs.schema import Concept, Variable


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
    # What packs changed of earlier packs' content, with the packs that set it in load order (the
    # first defined it, the last wins): "[fleet] pue" or "rival 'gemini' price" -> pack ids.
    changes: list[tuple[str, list[str]]] = field(default_factory=list)
    variables: dict[str, Variable] = field(default_factory=dict)  # "var.ID" -> declaration
    locales: Locales = field(default_factory=Locales)  # every language's translations
    lang: str | None = None  # the language its text is in (None: the packs' own, English)
    # this content with its text as the packs wrote it, when this is a translation
    original: Content | None = field(default=None, repr=False, compare=False)

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
        params, wrong = engine_params(self.scenario_economy.get(scenario, self.economy),
                                      self.scenario_rivals.get(scenario, self.rivals),
                                      self.scenario(scenario))
        if params is None:
            raise ContentError([Problem(f"scenario '{scenario}'", m) for m in wrong])
        return params

    def director(self, preset: str = "standard", chooser: Chooser | None = None,
                 script: dict[int, tuple[str, ...]] | None = None) -> Director:
        return Director(self.events, self.names, self.rival_index, PRESETS[preset], chooser,
                        script=script or {}, variables=self.variables)

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

    def translated(self, lang: str | None) -> Content:
        """This content with its text in ``lang`` (game.packs.locales), each text without a
        translation as the packs wrote it; the packs' own text for None. Only text changes:
        the packs, their hashes, the economy and every compiled expression are this content's,
        so a game plays and verifies the same in every language."""
        base = self.original or self
        if lang is None:
            return base
        if lang == self.lang:
            return self
        get = base.locales.lookup(lang)
        events = []
        for ce in base.events:
            ev = translate_model(ce.event, "event", get)
            if ev is not ce.event:
                ce = dataclasses.replace(ce, event=ev, choices=[
                    cc if c is cc.choice else dataclasses.replace(cc, choice=c)
                    for cc, c in zip(ce.choices, ev.choices, strict=True)])
            events.append(ce)
        return dataclasses.replace(
            base, events=events, lang=lang, original=base,
            glossary={k: translate_model(c, "concept", get) for k, c in base.glossary.items()},
            scenarios={k: translate_model(s, "scenario", get) for k, s in base.scenarios.items()})

    def fingerprint(self) -> dict[str, str]:
        """pack id -> "version sha256", what a save records about its content."""
        return {p.id: f"{p.manifest.version} {p.content_hash}" for p in self.packs}
