"""The ledger: every change of a headline metric as named contributions that sum to it exactly.

``Ledger`` maps a metric ("cash", "sentiment", "valuation", "revenue", "capability", "ownership",
"debt") to an ordered dict of contributions, each an array over worlds. The engine builds each
metric's new value *from* its contributions, so the sum is the change by construction; tests check
it to 1e-9. The UI's "Why?" panel and the debrief read a world's column.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

METRICS = ("cash", "sentiment", "valuation", "revenue", "capability", "ownership", "debt")


@dataclass(slots=True)
class Ledger:
    entries: dict[str, dict[str, np.ndarray]] = field(
        default_factory=lambda: {m: {} for m in METRICS}
    )

    def add(self, metric: str, name: str, values: np.ndarray) -> np.ndarray:
        """Record a contribution (adding to one of the same name) and return it."""
        book = self.entries[metric]
        book[name] = book[name] + values if name in book else values
        return values

    def total(self, metric: str) -> np.ndarray | float:
        book = self.entries[metric]
        return sum(book.values()) if book else 0.0

    def prepend(self, earlier: Ledger) -> None:
        """Put another ledger's contributions first (adding to any of the same name)."""
        for metric, book in self.entries.items():
            if not earlier.entries[metric]:
                continue
            merged = dict(earlier.entries[metric])
            for name, values in book.items():
                merged[name] = merged[name] + values if name in merged else values
            self.entries[metric] = merged

    def mask(self, alive: np.ndarray) -> None:
        """Zero every contribution in worlds that had already ended."""
        for book in self.entries.values():
            for name, values in book.items():
                book[name] = np.where(alive, values, 0.0)

    def for_world(self, k: int, metric: str) -> list[tuple[str, float]]:
        """A world's non-zero contributions to a metric, largest first."""
        rows = [(name, float(v[k])) for name, v in self.entries[metric].items()]
        return sorted((r for r in rows if r[1] != 0.0), key=lambda r: -abs(r[1]))
