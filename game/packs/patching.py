"""Entries of a list changed by id across packs: GPU generations, rivals and glossary concepts.

A pack adds entries (``[[gpu]]``, ``[[rival]]``, ``[[concept]]``) and changes the entries of
packs loaded before it by id, with a table of only the keys to change: ``[gpu_patch.NAME]``,
``[rival_patch.ID]``, ``[concept_patch.ID]``. The entry is then checked whole against its model,
so a value out of bounds is reported in the words of the file that defined it, at the line of the
patch. Every key keeps the packs that set it, in load order: its provenance, which ``packs list``
shows.

Defining an entry sets every key of it. Two packs setting one key of one entry with no order
between them is a conflict, as two packs setting one key of economy.toml are; so is a patch of an
entry that a pack defined with no order between the two (only the alphabet would have decided
that the definition comes first). The base pack loads before every other, so its entries are
free to patch. A patch of an id that no earlier pack defines is reported once every pack is in:
with a "did you mean", or with the pack that defines it too late.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError

from game.packs.errors import MAX_NAME, Problem, Suggestions, did_you_mean, full
from game.packs.reading import BASE, Source

M = TypeVar("M", bound=BaseModel)
_BARE = re.compile(r"[A-Za-z0-9_-]+")


def bare_key(key: str) -> str:
    """A TOML key as written in a table's header: bare when it can be, else quoted."""
    return key if _BARE.fullmatch(key) else json.dumps(key, ensure_ascii=False)


@dataclass
class _Entry(Generic[M]):
    value: M
    pack: str  # the pack that defined it
    src: Source  # its table, where it was defined
    setters: dict[str, tuple[str, Source]] = field(default_factory=dict)  # key -> last patch


@dataclass(frozen=True)
class _Pending:
    """A patch of an id that no pack loaded before it defines."""

    entry_id: str
    pack: str
    src: Source


class Entries(Generic[M]):
    """One kind of entry across the packs, by id, in the order the packs defined them."""

    def __init__(self, kind: str, table: str, model: type[M], key: str = "id") -> None:
        self.kind = kind  # what the messages call one: "rival", "GPU generation"
        self.table = table  # the name of its patch tables: "rival_patch"
        self.model = model
        self.key = key  # the field that is its id
        self._entries: dict[str, _Entry[M]] = {}
        self._history: dict[tuple[str, str], list[str]] = {}  # (id, key) -> packs that set it
        self._pending: list[_Pending] = []

    def __contains__(self, entry_id: object) -> bool:
        return entry_id in self._entries

    def __len__(self) -> int:
        return len(self._entries)

    def values(self) -> list[M]:
        return [e.value for e in self._entries.values()]

    def located(self) -> dict[str, tuple[M, Source]]:
        """id -> (entry, where it was defined)."""
        return {k: (e.value, e.src) for k, e in self._entries.items()}

    def where_set(self, entry_id: str, key: str) -> Source:
        """Where an entry's key was last set: its last patch of that key, or its definition."""
        entry = self._entries[entry_id]
        return entry.setters.get(key, (entry.pack, entry.src))[1]

    def add(self, value: M, pack: str, src: Source, problems: list[Problem]) -> bool:
        """A new entry, defined at src (its table); False, with a problem, if the id is taken."""
        entry_id = getattr(value, self.key)
        other = self._entries.get(entry_id)
        if other is not None:
            shown = entry_id[:MAX_NAME]
            problems.append(src.problem(
                f"{self.kind} '{shown}' is already defined by pack '{other.pack}' "
                f"({other.src.path}); give a new {self.key}, or change that one with a "
                f"[{self.table}.{bare_key(shown)}] table", self.key))
            return False
        self._entries[entry_id] = _Entry(value, pack, src)
        return True

    def patch(self, entry_id: str, change: Mapping[str, Any], pack: str, src: Source,
              ordered: Callable[[str, str], bool], problems: list[Problem],
              conflicts: list[str]) -> None:
        """Set the keys in ``change`` (already of the right types) of one entry; src is the
        patch's table. The entry changes only if it still holds whole."""
        entry = self._entries.get(entry_id)
        if entry is None:
            self._pending.append(_Pending(entry_id, pack, src))
            return
        name = f"{self.kind} '{entry_id[:MAX_NAME]}'"
        told: set[str] = set()  # one conflict a pack, however many of its keys this patch sets
        for key in change:
            previous = entry.setters.get(key, (entry.pack, entry.src))[0]
            if previous == BASE or ordered(previous, pack) or previous in told:
                continue
            told.add(previous)
            if previous == entry.pack:
                conflicts.append(f"pack '{pack}' changes {name} of pack '{previous}', with no "
                                 "order between them")
                said = f"defines {name}"
            else:
                conflicts.append(f"packs '{previous}' and '{pack}' both set {name} {key}")
                said = f"also sets '{key}' of {name}"
            problems.append(src.problem(
                f"conflict: pack '{previous}' {said} and neither pack loads after the other; "
                "add load_after to one of them", key))
        try:
            value = self.model.model_validate({**entry.value.model_dump(), **change})
        except ValidationError as exc:
            for err in exc.errors():
                if full(problems):
                    return
                loc = tuple(err["loc"])
                shown = ".".join(str(p) for p in loc if not isinstance(p, int))
                problems.append(src.problem(
                    f"'{self.table}.{entry_id[:MAX_NAME]}.{shown}': "
                    f"{err['msg'].removeprefix('Value error, ')}", *loc))
            return
        entry.value = value
        for key in change:
            entry.setters[key] = (pack, src)
            self._history.setdefault((entry_id, key), [entry.pack]).append(pack)

    def report_pending(self, problems: list[Problem]) -> None:
        """Each patch of an id no earlier pack defined: a pack that defines it later, or the
        closest id defined."""
        known = Suggestions(self._entries)
        for p in self._pending:
            if full(problems):
                return
            name = f"{self.kind} '{p.entry_id[:MAX_NAME]}'"
            later = self._entries.get(p.entry_id)
            if later is not None:
                problems.append(p.src.problem(
                    f"{name} is defined by pack '{later.pack}', which loads after pack "
                    f"'{p.pack}': add \"{later.pack}\" to load_after in {p.pack}'s pack.toml"))
            else:
                problems.append(p.src.problem(
                    f"unknown {name} to change{did_you_mean(p.entry_id, known)}"))

    def provenance(self) -> list[tuple[str, list[str]]]:
        """(what, the packs that set it in load order) for every key a pack changed."""
        return [(f"{self.kind} '{entry_id}' {key}", packs)
                for (entry_id, key), packs in self._history.items()]
