"""Languages: a pack's translations of the text a player reads, one file per language.

A pack may ship ``locales/<lang>.toml`` (``locales/fr.toml``, ``locales/pt-BR.toml``): tables
keyed by the id of what they translate, with the keys of the original::

    [event."mypack.fab_fire"]
    title = "Incendie dans une usine de conditionnement"
    text = "Un incendie a arrêté l'usine… Vous avez {cash} en banque."
    choices = [{ label = "Payer les courtiers", note = "…" }, { label = "Attendre" }]

    [concept.mypack_supply_shock]
    term = "Choc d'offre"

    [scenario.fab-fire]
    title = "L'incendie"
    hints = ["Les livraisons vont glisser…"]

A choice, an objective or a hint is translated by its position: the position is already its
identity in the game (a save records the index of the choice taken). Every key is optional:
what a language lacks falls back, key by key, to the text of the pack's own files (English, the
game's language), and ``packs validate --lang LANG`` lists what is missing.

Any pack may translate any loaded pack's text; packs are read in load order and a later pack's
translation of a text wins. Two packs translating the same text into one language with no order
between them is a conflict, reported like two packs setting one economy key.

The checks, at ``file:line`` with a "did you mean": the file's name is a language code; an id is
one loaded (a translation of an event replaced by a later pack is allowed, and unused); a key is
one the original has; a choice, objective or hint exists; a translation's placeholders are those
of its original (game.packs.placeholders), and a title or label has none.

A language changes only what text shows: ``Content.translated`` swaps the text of events,
concepts and scenarios and leaves every id, number and compiled expression alone, so a game
plays the same in every language. A locale file is one of its pack's ``*.toml`` files, so it is
part of the pack's content hash like every other (a save records the text it was played with,
and the archive keeps it); the language chosen is a setting of the player, never saved.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from game.packs import placeholders
from game.packs.errors import MAX_NAME, Problem, Suggestions, full
from game.packs.reading import Pack, Source, try_parse_toml
from game.packs.validation import validate_file

LOCALES = Path("locales")
LANG_ENV = "FRONTIER_LAB_LANG"
ORIGINAL = "en"  # the language of the packs' own files: never a locale file
LANG = re.compile(r"[a-z]{2,3}(?:-[A-Za-z0-9]{2,8}){0,3}")
KINDS = ("event", "concept", "scenario")

Key = tuple[str | int, ...]  # a text's path, as written: ("event", "base.x", "choices", 1, "note")


# --- the shape of a locale file ------------------------------------------------------------------


Text = Annotated[str, Field(min_length=1)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ChoiceText(_Model):
    """One choice's text, by the choice's position."""

    label: str | None = Field(None, min_length=1, max_length=80,
                              description="The choice's label (shown as written).")
    note: str | None = Field(None, min_length=1,
                             description="Its teaching note; the original's placeholders only.")


class EventText(_Model):
    """An event's text: `[event."PACK.name"]`."""

    title: str | None = Field(None, min_length=1, max_length=80,
                              description="The headline (shown as written).")
    text: str | None = Field(None, min_length=1,
                             description="What happened; the original's placeholders only.")
    choices: list[ChoiceText] = Field(
        default_factory=list, max_length=4,
        description="Its choices, by position; `{}` for one left as written.")


class ConceptText(_Model):
    """A glossary entry's text: `[concept.ID]`."""

    term: str | None = Field(None, min_length=1, max_length=60, description="The term.")
    definition: str | None = Field(None, min_length=1, description="The definition.")
    why_it_matters: str | None = Field(None, min_length=1, description="Why it matters.")


class ScenarioText(_Model):
    """A scenario's text: `[scenario.ID]`."""

    title: str | None = Field(None, min_length=1, description="Its title.")
    briefing: str | None = Field(None, min_length=1, description="Its briefing.")
    objectives: list[Text] = Field(default_factory=list,
                                   description="Its objectives, by position (a shorter list "
                                               "leaves the rest as written); each not empty.")
    score_description: str | None = Field(None, min_length=1,
                                          description="What its score rewards.")
    hints: list[Text] = Field(default_factory=list,
                              description="The text of its [[hints]], by position (as "
                                          "objectives); each not empty.")


class LocaleFile(_Model):
    """locales/LANG.toml: a pack's translations into one language."""

    event: dict[str, EventText] = Field(default_factory=dict,
                                        description="Events by id: [event.\"PACK.name\"].")
    concept: dict[str, ConceptText] = Field(default_factory=dict,
                                            description="Glossary entries by id: [concept.ID].")
    scenario: dict[str, ScenarioText] = Field(default_factory=dict,
                                              description="Scenarios by id: [scenario.ID].")


MODELS: dict[str, type[_Model]] = {"event": EventText, "concept": ConceptText,
                                   "scenario": ScenarioText}


# --- the language setting ------------------------------------------------------------------------


def language(chosen: str | None = None) -> str | None:
    """The language to show: ``chosen`` (``--lang``), else ``$FRONTIER_LAB_LANG``; None for the
    packs' own text (English). The system's ``$LANG`` is deliberately not read: a terminal set
    to French shows the game in English unless the player asks."""
    lang = (chosen or os.environ.get(LANG_ENV, "")).strip()
    return None if not lang or lang == ORIGINAL else lang


def language_note(locales: Locales, lang: str | None) -> str | None:
    """A sentence when no pack translates into ``lang`` (nor the language it falls back to):
    the game then shows the packs' own text."""
    if lang is None or any(code in locales.tables for code in fallbacks(lang)):
        return None
    known = ", ".join(locales.languages) or "none"
    return (f"no pack translates into '{lang}' (languages: {known}); the packs' text shows as "
            "written, in English")


def fallbacks(lang: str) -> list[str]:
    """The languages tried for a text, most precise first: pt-BR, then pt."""
    parts = lang.split("-")
    return ["-".join(parts[:n]) for n in range(len(parts), 0, -1)]


def shown_key(key: Key) -> str:
    """A text's key as a translator writes it: event."base.x".choices[1].note."""
    out = ""
    for i, part in enumerate(key):
        if isinstance(part, int):
            out += f"[{part}]"
        elif i == 1 and not re.fullmatch(r"[A-Za-z0-9_-]+", part):
            out += f'."{part}"'
        else:
            out += f".{part}" if out else part
    return out


# --- what can be translated ----------------------------------------------------------------------


def originals(events: Iterable[Any], glossary: Iterable[Any], scenarios: Iterable[Any]
              ) -> dict[Key, str]:
    """Every text a locale may translate, by key: each non-empty player-visible text of the
    events, glossary entries and scenarios given (pydantic models)."""
    out: dict[Key, str] = {}
    for ev in events:
        k: Key = ("event", ev.id)
        out[(*k, "title")] = ev.title
        out[(*k, "text")] = ev.text
        for i, c in enumerate(ev.choices):
            out[(*k, "choices", i, "label")] = c.label
            if c.note:
                out[(*k, "choices", i, "note")] = c.note
    for c in glossary:
        for name in ("term", "definition", "why_it_matters"):
            out[("concept", c.id, name)] = getattr(c, name)
    for s in scenarios:
        for name in ("title", "briefing", "score_description"):
            if getattr(s, name):
                out[("scenario", s.id, name)] = getattr(s, name)
        for i, objective in enumerate(s.objectives):
            out[("scenario", s.id, "objectives", i)] = objective
        for i, hint in enumerate(s.hints):
            out[("scenario", s.id, "hints", i)] = hint.text
    return out


def _flat(kind: str, ident: str, entry: _Model) -> dict[Key, str]:
    """A validated entry as key -> translated text."""
    out: dict[Key, str] = {}
    for name, value in entry:
        if isinstance(value, str):
            out[(kind, ident, name)] = value
        elif isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, str):
                    out[(kind, ident, name, i)] = item
                elif isinstance(item, ChoiceText):
                    out.update({(kind, ident, name, i, n): v for n, v in item if v is not None})
    return out


# --- the merged translations ---------------------------------------------------------------------


@dataclass(frozen=True)
class Coverage:
    """How much of one pack's text one language translates."""

    pack: str
    translated: int
    total: int
    missing: list[Key]


@dataclass
class Locales:
    """Every language's translations, merged in load order, and who owns each text."""

    tables: dict[str, dict[Key, str]] = field(default_factory=dict)  # lang -> key -> text
    owners: dict[tuple[str, str], str] = field(default_factory=dict)  # (kind, id) -> pack
    by: dict[str, set[str]] = field(default_factory=dict)  # lang -> the packs translating

    @property
    def languages(self) -> list[str]:
        return sorted(self.tables)

    def lookup(self, lang: str) -> Callable[[Key], str | None]:
        """The text of a key in ``lang`` (or the language it falls back to), else None."""
        chain = [self.tables[code] for code in fallbacks(lang) if code in self.tables]

        def get(key: Key) -> str | None:
            return next((table[key] for table in chain if key in table), None)

        return get

    def coverage(self, lang: str, texts: Mapping[Key, str]) -> list[Coverage]:
        """For each pack that owns text (in load order of first text), how much of it ``lang``
        translates, and the keys it does not."""
        get = self.lookup(lang)
        per: dict[str, tuple[list[int], list[Key]]] = {}
        for key in texts:
            pack = self.owners.get((str(key[0]), str(key[1])), "?")
            counts, missing = per.setdefault(pack, ([0, 0], []))
            counts[1] += 1
            if get(key) is None:
                missing.append(key)
            else:
                counts[0] += 1
        return [Coverage(pack, counts[0], counts[1], missing)
                for pack, (counts, missing) in per.items()]


# --- reading and checking the packs' locale files ------------------------------------------------


class LocaleReader:
    """Reads every pack's locale files in load order, checks them against the merged content
    and merges them, recording each problem and conflict."""

    def __init__(self, problems: list[Problem], conflicts: list[str],
                 ordered: Callable[[str, str], bool], events: Mapping[str, Any],
                 seen: Collection[str], glossary: Mapping[str, Any],
                 scenarios: Mapping[str, Any], owners: dict[tuple[str, str], str],
                 names: Collection[str], suggest_name: Callable[[str], str]):
        self.problems, self.conflicts, self.ordered = problems, conflicts, ordered
        self.known = {"event": events, "concept": glossary, "scenario": scenarios}
        self.suggestions: dict[str, Suggestions] = {}  # indexed when first needed
        self.seen = seen  # every event id defined, replaced or of the wrong shape
        self.names, self.suggest_name = names, suggest_name
        self.result = Locales(owners=owners)
        self.origin: dict[tuple[str, Key], tuple[str, Source]] = {}  # (lang, key) -> pack
        self.said: set[tuple[str, str, str, str]] = set()  # conflicts said: one per entry

    def read(self, pack: Pack) -> None:
        for relative in sorted(p for p in pack.files if p.parts[0] == LOCALES.name):
            if full(self.problems):
                return
            path = pack.path / relative
            lang = relative.stem
            if len(relative.parts) != 2:
                continue  # (folders within locales/ are not read, like events/)
            if not LANG.fullmatch(lang) or lang == ORIGINAL:
                why = ("English is the language of the pack's own files: write it there"
                       if lang == ORIGINAL else "a locale file is named by its language's "
                       "code, e.g. locales/fr.toml or locales/pt-BR.toml")
                self.problems.append(Problem(path, why))
                continue
            got = try_parse_toml(path, pack.files[relative], self.problems)
            if got is not None:
                self.file(pack, lang, path, *got)

    def file(self, pack: Pack, lang: str, path: Path, data: Any, text: str) -> None:
        src = Source(path, text, ())
        if isinstance(data, dict):
            data = self.unquoted(data, src)
        if validate_file(LocaleFile, data, path, text, self.problems) is None and not (
                isinstance(data, dict)):
            return
        table = self.result.tables.setdefault(lang, {})
        for kind in KINDS:
            entries = data.get(kind)
            for ident, raw in (entries.items() if isinstance(entries, dict) else []):
                if full(self.problems):
                    return
                try:
                    entry = MODELS[kind].model_validate(raw)
                except ValidationError:
                    continue  # reported with the whole file
                if not self.check(kind, ident, entry, src):
                    continue
                for key, value in _flat(kind, ident, entry).items():
                    self.merge(pack, lang, key, value, src, table)
        self.result.by.setdefault(lang, set()).add(pack.id)

    def unquoted(self, data: dict[str, Any], src: Source) -> dict[str, Any]:
        """``[event.base.x]`` (unquoted) reads as tables in tables: said plainly, and left out."""
        events = data.get("event")
        if not isinstance(events, dict):
            return data
        kept = {}
        for ident, raw in events.items():
            # (an event's own keys are never tables: tables in it are ids cut at their dot)
            if "." not in ident and isinstance(raw, dict) and raw and all(
                    isinstance(v, dict) for v in raw.values()):
                inner = next(iter(raw))
                self.problems.append(src.problem(
                    f"'event.{ident}.{inner}' reads as tables within tables: quote the event "
                    f"id, [event.\"{ident}.{inner}\"]", "event", ident, inner))
                continue
            kept[ident] = raw
        return {**data, "event": kept}

    def check(self, kind: str, ident: str, entry: _Model, src: Source) -> bool:
        """Whether the entry translates something loaded, its problems recorded."""
        label = f"{kind} '{ident[:MAX_NAME]}'"
        original = self.known[kind].get(ident)
        if original is None:
            if kind == "event" and ident in self.seen:
                return False  # replaced by a later pack (its replacement shows), or broken
            if kind not in self.suggestions:
                self.suggestions[kind] = Suggestions(self.known[kind])
            self.problems.append(src.problem(
                f"unknown {kind} '{ident[:MAX_NAME]}'{self.suggestions[kind](ident)}", kind,
                ident))
            return False
        before = len(self.problems)
        at: tuple[str, ...] = (kind, ident)
        if isinstance(entry, EventText):
            self.event_texts(entry, original, label, src, at)
        elif isinstance(entry, ScenarioText):
            for name in ("briefing", "score_description"):
                if getattr(entry, name) and not getattr(original, name):
                    self.said_at(src, f"{label}: the original has no {name} to translate",
                                 *at, name)
            for name, have in (("objectives", len(original.objectives)),
                               ("hints", len(original.hints))):
                if len(getattr(entry, name)) > have:
                    self.said_at(src, f"{label}: '{name}' has {len(getattr(entry, name))} "
                                      f"texts; the original has {have}", *at, name)
        return len(self.problems) == before

    def event_texts(self, entry: EventText, ev: Any, label: str, src: Source,
                    at: tuple[str, ...]) -> None:
        said: list[tuple[str, tuple[str | int, ...]]] = []
        if entry.title is not None:
            said += [(m, ("title",)) for m in placeholders.shown_as_written(entry.title,
                                                                            "its title")]
        if entry.text is not None:
            said += [(m, ("text",)) for m in placeholders.problems(
                entry.text, "its text", self.names, self.suggest_name,
                placeholders.names_in(ev.text))]
        if len(entry.choices) > len(ev.choices):
            said.append((f"the event has {len(ev.choices)} choices; 'choices' has "
                         f"{len(entry.choices)}", ("choices",)))
        for i, (c, original) in enumerate(zip(entry.choices, ev.choices, strict=False)):
            if c.label is not None:
                said += [(m, ("choices", i, "label")) for m in placeholders.shown_as_written(
                    c.label, f"choices[{i}].label")]
            if c.note is not None and not original.note:
                said.append((f"choices[{i}] has no note in the original to translate",
                             ("choices", i, "note")))
            elif c.note is not None:
                said += [(m, ("choices", i, "note")) for m in placeholders.problems(
                    c.note, f"choices[{i}].note", self.names, self.suggest_name,
                    placeholders.names_in(original.note))]
        for message, where in said:
            self.said_at(src, f"{label}: {message}", *at, *where)

    def said_at(self, src: Source, message: str, *where: str | int) -> None:
        if not full(self.problems):
            self.problems.append(src.problem(message, *where))

    def merge(self, pack: Pack, lang: str, key: Key, value: str, src: Source,
              table: dict[Key, str]) -> None:
        previous = self.origin.get((lang, key))
        if previous is not None and previous[0] != pack.id and not self.ordered(previous[0],
                                                                                 pack.id):
            kind, ident = str(key[0]), str(key[1])
            said = (lang, previous[0], kind, ident)
            if said not in self.said:
                self.said.add(said)
                self.conflicts.append(f"packs '{previous[0]}' and '{pack.id}' both translate "
                                      f"{kind} '{ident}' into {lang}")
                self.problems.append(src.problem(
                    f"conflict: pack '{previous[0]}' also translates {kind} '{ident}' into "
                    f"{lang} and neither pack loads after the other; add load_after to one of "
                    "them", kind, ident))
        self.origin[(lang, key)] = (pack.id, src)
        table[key] = value


# --- a content's text in a language ---------------------------------------------------------------


def translate_model(model: Any, kind: str, get: Callable[[Key], str | None]) -> Any:
    """An event, concept or scenario (a pydantic model) with its texts in the language of
    ``get``, each text it has no translation for kept; the model itself when nothing changes.
    Only text changes: ids, numbers and expressions are the original's."""
    k: Key = (kind, model.id)
    update: dict[str, Any] = {}
    for name in ("title", "text", "term", "definition", "why_it_matters", "briefing",
                 "score_description"):
        if name in type(model).model_fields and (found := get((*k, name))) is not None:
            update[name] = found
    if kind == "event":
        choices = [_copy(c, {n: t for n in ("label", "note")
                             if (t := get((*k, "choices", i, n))) is not None})
                   for i, c in enumerate(model.choices)]
        if any(a is not b for a, b in zip(choices, model.choices, strict=True)):
            update["choices"] = choices
    if kind == "scenario":
        objectives = [get((*k, "objectives", i)) or o for i, o in enumerate(model.objectives)]
        if objectives != model.objectives:
            update["objectives"] = objectives
        hints = [_copy(h, {"text": t} if (t := get((*k, "hints", i))) else {})
                 for i, h in enumerate(model.hints)]
        if any(a is not b for a, b in zip(hints, model.hints, strict=True)):
            update["hints"] = hints
    return _copy(model, update)


def _copy(model: Any, update: dict[str, Any]) -> Any:
    return model.model_copy(update=update) if update else model
