"""Checking each event against the merged packs, and compiling it for the director.

An event's model checks its shape; what it names is checked here, once every pack is merged: its
expressions (against the names of the state, the rivals and the flags), the events it schedules,
offers or follows up with (a replaced event is its replacement), the rivals its effects act on,
its glossary concept and the placeholders of its text and notes (and none in its title or
labels, which are shown as written). Each expression text is compiled once per load, however
many events repeat it.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import Any

from game.packs import effects as fx
from game.packs import placeholders
from game.packs.director import CompiledChoice, CompiledEvent
from game.packs.errors import MAX_NAME, Problem, Suggestions, did_you_mean, full
from game.packs.expressions import Compiled, ExprError, compile_expr
from game.packs.names import KnownNames, Name, Names
from game.packs.reading import Source
from game.packs.schema import ID, MAX_EFFECT_MAGNITUDE, Effect, EffectList, Event, UseEffect


class EventCompiler:
    """Checks and compiles the events of one load, recording every problem found."""

    def __init__(self, problems: list[Problem], events: Collection[str],
                 glossary: Collection[str], names: dict[str, Name], redirect: dict[str, str],
                 rivals: set[str], variables: Collection[str] = ()):
        self.problems = problems
        # Every event id in play (a replaced one is not), every concept id, every state name
        # and rival: indexed once for the problems' "did you mean".
        self.events = Suggestions(events)
        self.glossary = Suggestions(glossary)
        self.names = names
        self.known = KnownNames(names) if isinstance(names, Names) else Suggestions(names)
        self.redirect = redirect  # replaced event id -> its successor
        self.rivals = Suggestions(rivals)
        self.variables = Suggestions(variables)  # "var.ID" of every declared variable
        # Named effects lists: id -> compiled effects (None: the list itself is wrong, and
        # said so). Filled by the library before events compile.
        self.lists: dict[str, list[fx.CompiledEffect] | None] = {}
        self.expressions: dict[tuple[str, float], Compiled | ExprError] = {}

    def expr(self, value: Any, label: str, src: Source, *where: str | int,
             limit: float = 1e15) -> Compiled | None:
        """A compiled expression, or None (with a problem when it is wrong)."""
        if full(self.problems):
            return None
        if isinstance(value, str) and not value.strip():
            self.problems.append(src.problem(f"{label}: the expression is empty", *where))
            return None
        if not isinstance(value, str):
            return None
        key = (value, limit)
        if key not in self.expressions:  # one load compiles each text once
            try:
                self.expressions[key] = compile_expr(value, self.known, limit)
            except ExprError as exc:
                self.expressions[key] = exc
        found = self.expressions[key]
        if isinstance(found, ExprError):
            col_hint = f" (column {found.col} of the expression)" if found.col else ""
            self.problems.append(src.problem(f"{label}: {found.message}{col_hint}", *where))
            return None
        return found

    def target(self, event_id: Any, label: str, src: Source, *where: str | int) -> str:
        """The event a follow-up, schedule or offer names (its replacement, if replaced)."""
        event_id = self.redirect.get(event_id, event_id)
        if isinstance(event_id, str) and event_id not in self.events and not full(
                self.problems):
            hint = did_you_mean(event_id, self.events)
            self.problems.append(src.problem(f"{label}: unknown event id "
                                             f"'{event_id}'{hint}", *where))
        return event_id

    def effects(self, items: Any, label: str, src: Source, *where: str | int
                ) -> list[Compiled | None]:
        """Check a list of effects (as plain data); each one's compiled expression, if any."""
        out = []
        for k, e in enumerate(items if isinstance(items, list) else []):
            if full(self.problems):
                break
            e = e if isinstance(e, dict) else {}
            at = (*where, "effects", k)
            kind = e.get("type")
            if kind in ("rival_boost", "rival_delay", "rival_price") and isinstance(
                    e.get("rival"), str) and e["rival"] not in self.rivals:
                hint = did_you_mean(e["rival"], self.rivals)
                self.problems.append(src.problem(f"{label}: effect on unknown rival "
                                                 f"'{e['rival']}'{hint}", *at))
            if kind in ("add", "set") and e.get("target") in fx.MULTIPLY_ONLY:
                self.problems.append(src.problem(
                    f"{label}: '{e['target']}' can only be multiplied (type = "
                    "\"multiply\")", *at))
            target = e.get("target")
            if isinstance(target, str) and target.startswith("var.") and (
                    target not in self.variables):
                hint = did_you_mean(target, self.variables)
                self.problems.append(src.problem(
                    f"{label}: unknown variable '{target}'{hint}; declare it in the pack's "
                    "variables.toml", *at, "target"))
            if kind == "use":
                self.use(e.get("effects"), label, src, *at)
            if kind in ("schedule", "offer"):
                self.target(e.get("event"), label, src, *at)
            # A flag's value is true or false, never an expression: "no" there is one mistake
            # (its type, said already), not an unknown name as well.
            key = None if kind == "flag" else next((k for k in ("value", "factor", "size")
                                                    if isinstance(e.get(k), str)), None)
            out.append(self.expr(e[key], label, src, *at, key, limit=MAX_EFFECT_MAGNITUDE)
                       if key else None)
        return out

    def use(self, list_id: Any, label: str, src: Source, *where: str | int) -> None:
        """Check the list a use effect names: it exists, and is not used within a list."""
        if not isinstance(list_id, str) or full(self.problems):
            return
        if label.startswith("effects list"):
            self.problems.append(src.problem(
                f"{label}: a list cannot use another list; write its effects here",
                *where, "effects"))
        elif list_id not in self.lists:
            hint = did_you_mean(list_id, self.lists)
            self.problems.append(src.problem(f"{label}: unknown effects list '{list_id}'"
                                             f"{hint}; define it in a library.toml",
                                             *where, "effects"))

    def expand(self, effects: list[Effect], compiled: list[Compiled | None]
               ) -> list[fx.CompiledEffect]:
        """Compiled effects, each use effect replaced by its list's effects."""
        out: list[fx.CompiledEffect] = []
        for e, c in zip(effects, compiled, strict=True):
            if isinstance(e, UseEffect):
                out.extend(self.lists.get(e.effects) or [])
            else:
                out.append(fx.CompiledEffect(e, c))
        return out

    def compile_list(self, effects: EffectList, src: Source) -> list[fx.CompiledEffect] | None:
        """Check and compile a named effects list (``src`` at its table)."""
        before = len(self.problems)
        compiled = self.effects(effects.model_dump()["effects"], f"effects list "
                                f"'{effects.id[:MAX_NAME]}'", src)
        if len(self.problems) > before:
            return None
        return [fx.CompiledEffect(e, c) for e, c in zip(effects.effects, compiled, strict=True)]

    def texts(self, data: dict[str, Any], label: str, src: Source) -> None:
        """The placeholders of an event's text and its choices' notes (game.packs.placeholders),
        and none in its title or its choices' labels, which are shown as written."""
        found: list[tuple[list[str], tuple[str | int, ...]]] = []
        text = data.get("text")
        if isinstance(text, str):
            found.append((placeholders.problems(text, "its text", self.names, self.known),
                          ("text",)))
        title = data.get("title")
        if isinstance(title, str):
            found.append((placeholders.shown_as_written(title, "its title"), ("title",)))
        choices = data.get("choices")
        for i, c in enumerate(choices if isinstance(choices, list) else []):
            if not isinstance(c, dict):
                continue
            if isinstance(c.get("label"), str):
                found.append((placeholders.shown_as_written(c["label"], f"choices[{i}].label"),
                              ("choices", i, "label")))
            if isinstance(c.get("note"), str):
                found.append((placeholders.problems(c["note"], f"choices[{i}].note",
                                                    self.names, self.known),
                              ("choices", i, "note")))
        for messages, where in found:
            for message in messages:
                if full(self.problems):
                    return
                self.problems.append(src.problem(f"{label}: {message}", *where))

    def compile(self, ev: Event | None, src: Source, raw: dict[str, Any] | None = None
                ) -> CompiledEvent | None:
        """Check an event's expressions, references, concept and placeholders, and compile it.

        The checks walk the event as plain data — the validated event, or the raw table when
        its shape was wrong (``ev`` is None) — so an event with one structural mistake still
        has all its other problems reported. Only a valid event is compiled.
        """
        data: dict[str, Any] = ev.model_dump() if ev is not None else (raw or {})
        before = len(self.problems)
        label = f"event '{str(data.get('id', '?'))[:MAX_NAME]}'"

        def expr(value: Any, *where: str | int, limit: float = 1e15) -> Compiled | None:
            return self.expr(value, label, src, *where, limit=limit)

        def effects(items: Any, *where: str | int) -> list[Compiled | None]:
            return self.effects(items, label, src, *where)

        def follow_ups(items: Any, *where: str | int) -> list[tuple[str, int]]:
            return [(self.target(f.get("event"), label, src, *where, "follow_ups", j),
                     f.get("delay", 1))
                    for j, f in enumerate(items if isinstance(items, list) else [])
                    if isinstance(f, dict)]

        on = data.get("on")
        if isinstance(on, str) and on.startswith("rival_release.") and (
                on.split(".", 1)[1] not in self.rivals):
            hint = did_you_mean(on.split(".", 1)[1], self.rivals)
            self.problems.append(src.problem(f"{label}: on = '{on}' names unknown rival "
                                             f"'{on.split('.', 1)[1]}'{hint}", "on"))
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
        if isinstance(concept, str) and re.fullmatch(ID, concept) and concept not in self.glossary:
            hint = did_you_mean(concept, self.glossary)
            self.problems.append(src.problem(f"{label}: unknown glossary concept "
                                             f"'{concept}'{hint}", "concept"))
        self.texts(data, label, src)
        if ev is None or len(self.problems) > before:
            return None
        assert trigger is not None
        return CompiledEvent(
            ev, trigger,
            [(m.factor, cond) for m, (_, cond) in zip(ev.modifiers, modifiers, strict=True)
             if cond is not None],
            self.expand(ev.effects, event_effects),
            [CompiledChoice(choice=c, condition=cond, ai_weight=weight or compile_expr("1", ()),
                            effects=self.expand(c.effects, fxs),
                            follow_ups=ups)
             for c, (cond, weight, fxs, ups) in zip(ev.choices, choices, strict=True)],
            event_follow_ups,
        )
