"""What a scenario refers to, checked against the merged packs.

A scenario's model checks the scenario alone; the packs it needs, the events it scripts, the
rivals it overrides and whether its quarters fall within its horizon are known only once every
pack is loaded. These are checked on the file as read, so that a scenario with a mistake of shape
still has every other mistake reported at its line.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import Any

from game.packs.errors import MAX_NAME, Problem, Suggestions, did_you_mean, full
from game.packs.reading import Source


def check_scenario_references(data: Any, src: Source, packs: set[str],
                              events: Collection[str] | Suggestions, rivals: list[str],
                              problems: list[Problem]) -> None:
    """What a scenario's model cannot check alone, checked on the file as read (so a file
    with a mistake of shape still has these reported): its required packs, the scripted
    event ids, quarters within the horizon, and the rival ids it overrides."""
    if not isinstance(data, dict):
        return
    # Quoted by each of its problems: never more than a name's length of it.
    label = (f"scenario '{data['id'][:MAX_NAME]}'" if isinstance(data.get("id"), str)
             else "scenario")
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
        if isinstance(pid, str) and pid not in packs and not full(problems):
            problems.append(src.problem(
                f"{label} needs pack '{pid}', which is not installed"
                f"{did_you_mean(pid, packs)}", "packs", i))
    seen: set[tuple[Any, str]] = set()
    for i, item in items("scripted"):
        if full(problems):
            return
        quarter, event = item.get("quarter"), item.get("event")
        if past(quarter):
            problems.append(src.problem(
                f"{label}: scripted event '{event}' at quarter {quarter} is past the horizon "
                f"(quarters run from 0 to {horizon - 1}; horizon_quarters = {horizon})",
                "scripted", i, "quarter"))
        if not isinstance(event, str):
            continue
        if event not in events:
            problems.append(src.problem(
                f"{label}: unknown scripted event '{event}'{did_you_mean(event, events)}",
                "scripted", i, "event"))
        elif (quarter, event) in seen:
            problems.append(src.problem(
                f"{label}: '{event}' is scripted twice at quarter {quarter}",
                "scripted", i, "event"))
        seen.add((quarter, event))
    for i, hint in items("hints"):
        if full(problems):
            return
        if past(hint.get("quarter")):
            problems.append(src.problem(
                f"{label}: a hint at quarter {hint['quarter']} is past the horizon (quarters "
                f"run from 0 to {horizon - 1}; horizon_quarters = {horizon})",
                "hints", i, "quarter"))
    start = data.get("start")
    for i, point in items("history"):
        if full(problems):
            return
        label_q = point.get("quarter")
        if not (isinstance(start, str) and isinstance(label_q, str)
                and re.match(r"^\d{4}Q[1-4]$", start) and re.match(r"^\d{4}Q[1-4]$",
                                                                    label_q)):
            continue
        q = (int(label_q[:4]) * 4 + int(label_q[5])) - (int(start[:4]) * 4 + int(start[5]))
        if horizon is not None and not 0 <= q < horizon:
            problems.append(src.problem(
                f"{label}: history for {label_q} is outside the game ({start} and the "
                f"{horizon - 1} quarters after it)", "history", i, "quarter"))
    overrides = data.get("rivals")
    for rid in overrides if isinstance(overrides, dict) else {}:
        if rid not in rivals and not full(problems):
            problems.append(src.problem(
                f"{label}: unknown rival '{rid}'{did_you_mean(rid, rivals)}; rivals: "
                f"{', '.join(rivals)}", "rivals", rid))
