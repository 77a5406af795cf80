"""The class's live events in the report: when each came, the instructor's note, and whom it
hurt or helped most.

Each game's action log records the live events it took (a quarter's ``injected`` list), and the
quarter's ledger holds every event's own contribution to each headline metric under the event's
title (the line the Why? panel shows). For each of the class's injections (oldest first), a game
begun before it took it in the quarter whose ``injected`` list holds the event; the k-th such
quarter of a game is matched with the k-th injection of that event made after the game began
(an event injected twice arrives in two quarters). Its **effect** on the lab is that quarter's
ledger lines of the event: cash, valuation and revenue ($B). An event whose condition did not
hold for a lab (it took the injection, but the event did not happen) has no effect there.

"Hurt most" is the lab whose valuation the event lowered most (cash, when the event moved no
valuation); "helped most" the one it raised most. Labs it cost the same (an event's fixed cost)
are told apart by the share that cost was of the lab's value of the metric when the quarter
began: $1.2B hurts a lab holding $5B more than one holding $200B. The question the lesson
plan's debrief asks: who was hurt by the live event?
"""

from __future__ import annotations

from dataclasses import dataclass, field

from game.classroom.folder import Injection
from game.classroom.report import FLOWS, ClassReport, Entry
from game.packs import Content


@dataclass
class Hit:
    """What one live event did to one lab."""

    entry: Entry
    quarter: int  # the quarter it landed (0 = the first played)
    date: str  # its calendar quarter
    happened: bool  # False: the lab took it, but its condition did not hold
    effects: dict[str, float] = field(default_factory=dict)  # metric -> $B
    before: dict[str, float] = field(default_factory=dict)  # metric -> $B when it began

    def share(self, metric: str) -> float:
        """The effect as a share of the metric's value when the quarter began (0 if none)."""
        base = abs(self.before.get(metric) or 0.0)
        return self.effects.get(metric, 0.0) / base if base > 0 else 0.0


@dataclass
class LiveEvent:
    injection: Injection
    title: str
    hits: list[Hit]
    games: int  # ranked games that could take it (begun before it was sent, still running)

    @property
    def metric(self) -> str:
        """The metric "hurt" and "helped" are judged by: valuation, else cash."""
        moved = any(h.effects.get("valuation") for h in self.hits)
        return "valuation" if moved else "cash"

    def _key(self, h: Hit) -> tuple[float, float]:
        return round(h.effects.get(self.metric, 0.0), 6), h.share(self.metric)

    @property
    def uniform(self) -> bool:
        """It moved every lab's metric by the same amount."""
        return len({self._key(h)[0] for h in self.hits}) == 1

    def hurt_most(self) -> Hit | None:
        worst = min(self.hits, key=self._key, default=None)
        return worst if worst is not None and worst.effects.get(self.metric, 0.0) < 0 else None

    def helped_most(self) -> Hit | None:
        best = max(self.hits, key=self._key, default=None)
        return best if best is not None and best.effects.get(self.metric, 0.0) > 0 else None

    def ordered(self) -> list[Hit]:
        """The labs it reached, most hurt first."""
        return sorted(self.hits, key=self._key)


def live_events(report: ClassReport, content: Content) -> list[LiveEvent]:
    """Every live event of the class with its effect on each ranked lab that took it."""
    titles = {ce.event.id: ce.event.title for ce in content.events}
    found: dict[str, LiveEvent] = {
        i.id: LiveEvent(i, titles.get(i.event, i.event), [], 0) for i in report.injections}
    for e in report.ranked:
        begun = e.created.replace(microsecond=0) if e.created else None
        for event in {i.event for i in report.injections}:
            sent = [i for i in report.injections if i.event == event
                    and (begun is None or i.time.replace(microsecond=0) >= begun)]
            landed = [k for k, r in enumerate(e.records) if event in r.injected]
            for i in sent:
                if e.finished and e.updated and e.updated < i.time.replace(microsecond=0):
                    continue  # the game had ended before it was sent
                found[i.id].games += 1
            for i, k in zip(sent, landed, strict=False):
                title = titles.get(event, event)
                flows = e.flows[k] if k < len(e.flows) else {}
                effects = {m: flows.get(m, {}).get(title, 0.0) for m in FLOWS}
                start = e.timeline[k] if k < len(e.timeline) else {}
                found[i.id].hits.append(Hit(e, k, e.labels[k] if k < len(e.labels) else "",
                                            event in e.records[k].events, effects,
                                            {m: start.get(m, 0.0) for m in FLOWS}))
    return [found[i.id] for i in report.injections]
