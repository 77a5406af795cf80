"""Chains of events: which event schedules which, and the cycles among them.

An event schedules another with a follow-up (``follow_ups``, on the event or on a choice) or a
``schedule`` or ``offer`` effect (the event's own, or a choice's). A scheduled event happens
whatever its ``once``, ``cooldown`` and window say, only if its trigger holds on the day, so a
cycle (``a → b → a``, or an event that schedules itself) can go on to the end of the game. A
cycle in which every link is the event's own (not a choice's) and every trigger always holds
goes on for certain once started; one that a choice or a trigger can leave may be a design (a
deal offered again until accepted).

The cycles are found with Tarjan's strongly connected components, iteratively (a pack may hold
100,000 events): one cycle is spelt out for each component, the shortest through its event that
loads first.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from game.packs.director import CompiledEvent
from game.packs.schema import OfferEffect, ScheduleEffect


@dataclass(frozen=True)
class Link:
    """One event scheduling another."""

    source: str
    target: str
    delay: int  # quarters
    where: tuple[str | int, ...]  # the key of the source event that makes it (to locate it)
    by_choice: bool  # made by a choice, so only when the lab takes it


@dataclass(frozen=True)
class Cycle:
    links: tuple[Link, ...]  # from the first event back to it
    certain: bool  # every link the event's own and every trigger always holds: it never ends

    @property
    def events(self) -> list[str]:
        return [link.source for link in self.links] + [self.links[0].source]

    @property
    def period(self) -> int:
        return sum(link.delay for link in self.links)


def links(events: Sequence[CompiledEvent], redirects: Mapping[str, str]) -> list[Link]:
    """Every scheduling link between the loaded events, in load order."""
    known = {ce.id for ce in events}
    found = []

    def effects(ce: CompiledEvent, items: Sequence[object], at: tuple[str | int, ...],
                by_choice: bool) -> None:
        for k, e in enumerate(items):
            if isinstance(e, ScheduleEffect | OfferEffect):
                delay = e.delay if isinstance(e, ScheduleEffect) else 1
                found.append(Link(ce.id, redirects.get(e.event, e.event), delay,
                                  (*at, "effects", k), by_choice))

    for ce in events:
        ev = ce.event
        for j, (target, delay) in enumerate(ce.follow_ups):
            found.append(Link(ce.id, target, delay, ("follow_ups", j), False))
        effects(ce, ev.effects, (), False)
        for i, cc in enumerate(ce.choices):
            for j, (target, delay) in enumerate(cc.follow_ups):
                found.append(Link(ce.id, target, delay, ("choices", i, "follow_ups", j), True))
            effects(ce, cc.choice.effects, ("choices", i), True)
    return [link for link in found if link.target in known]


def cycles(events: Sequence[CompiledEvent], redirects: Mapping[str, str],
           always: Callable[[CompiledEvent], bool]) -> list[Cycle]:
    """One cycle for each group of events that schedule one another round in a circle, the
    shortest through the group's event that loads first. ``always`` says whether an event's
    trigger always holds. A group whose own links and triggers alone close a circle is given
    one of those circles (``certain``): it never ends."""
    order = {ce.id: i for i, ce in enumerate(events)}
    by_id = {ce.id: ce for ce in events}
    every = links(events, redirects)
    sure = [link for link in every if not link.by_choice and always(by_id[link.source])
            and always(by_id[link.target])]
    found: list[Cycle] = []
    covered: set[str] = set()
    for group in _components(sure, order):
        found.append(Cycle(_shortest(group, sure, order), True))
        covered |= group
    for group in _components(every, order):
        if not group & covered:
            found.append(Cycle(_shortest(group, every, order), False))
    return sorted(found, key=lambda c: order[c.links[0].source])


def _components(all_links: Sequence[Link], order: Mapping[str, int]) -> list[set[str]]:
    """The strongly connected components with a cycle (two events or more, or one that
    schedules itself), by Tarjan's algorithm without recursion."""
    graph: dict[str, list[str]] = {}
    looped: set[str] = set()
    for link in all_links:
        graph.setdefault(link.source, []).append(link.target)
        graph.setdefault(link.target, [])
        if link.source == link.target:
            looped.add(link.source)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[set[str]] = []
    for root in sorted(graph, key=order.__getitem__):
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, next_child = work.pop()
            if next_child == 0:
                index[node] = low[node] = len(index)
                stack.append(node)
                on_stack.add(node)
            children = graph[node]
            if next_child < len(children):
                work.append((node, next_child + 1))
                child = children[next_child]
                if child not in index:
                    work.append((child, 0))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            if work:  # back in the parent: carry the low-link up
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                group = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.add(member)
                    if member == node:
                        break
                if len(group) > 1 or node in looped:
                    groups.append(group)
    return groups


def _shortest(group: set[str], all_links: Sequence[Link], order: Mapping[str, int]
              ) -> tuple[Link, ...]:
    """The shortest cycle (fewest links) through the group's first event, within the group."""
    start = min(group, key=order.__getitem__)
    out: dict[str, list[Link]] = {}
    for link in all_links:
        if link.source in group and link.target in group:
            out.setdefault(link.source, []).append(link)
    came: dict[str, Link] = {}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for link in out.get(node, []):
            if link.target == start:
                path = [link]
                while path[0].source != start:
                    path.insert(0, came[path[0].source])
                return tuple(path)
            if link.target not in came:
                came[link.target] = link
                queue.append(link.target)
    raise AssertionError("a strongly connected group has a cycle through each of its events")
