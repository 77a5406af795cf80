"""The order packs load in, and which pairs of packs that order settles.

Load order is explicit: ``depends`` and ``load_after`` give a topological order whose ties are
broken by pack id (never by folder or file name), and the base game loads before every other
pack. A cycle is reported, and the packs it holds up load last, by id. Two packs with no order
between them may not change the same thing (``game.packs.assembly`` reports it as a conflict),
so the order comes with the set of pairs it implies.
"""

from __future__ import annotations

import heapq

from game.packs.errors import Problem
from game.packs.reading import BASE, Pack
from game.packs.versions import requirement


def load_order(
    packs: dict[str, Pack], problems: list[Problem]
) -> tuple[list[Pack], set[tuple[str, str]]]:
    """Topological order (ties by id) and the set of (earlier, later) pairs it implies."""
    edges: dict[str, set[str]] = {pid: set() for pid in packs}
    if BASE in packs:  # every pack builds on the base game, so it loads after it
        edges[BASE] |= set(packs) - {BASE}
    for pid, pack in packs.items():
        for req in pack.manifest.depends + pack.manifest.load_after:
            parsed = requirement(req)
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
