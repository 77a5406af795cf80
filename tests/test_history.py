"""The historical check (issue 14): a strategy that does roughly what OpenAI did, played from
2023Q1, lands within 2x of the recorded run-rate, private valuation and rental price at the ends
of 2023, 2024 and 2025 (median world), and docs/ENGINE.md shows exactly that table."""

from __future__ import annotations

import pytest

from game.bots import history
from game.packs import load_content


@pytest.fixture(scope="module")
def rows() -> list[history.Row]:
    return history.check(load_content())


def test_every_recorded_figure_is_checked(rows: list[history.Row]) -> None:
    sc = load_content().scenarios[history.SCENARIO]
    recorded = [(p.quarter, m) for p in sc.history for m in history.METRICS
                if getattr(p, m) is not None]
    assert [(r.quarter, r.metric) for r in rows] == recorded
    assert {r.quarter for r in rows} == {"2023Q4", "2024Q4", "2025Q4"}


def test_the_median_world_lands_within_2x_of_history(rows: list[history.Row]) -> None:
    far = [f"{r.quarter} {r.metric}: {r.game:.3g} against {r.recorded:.3g} ({r.ratio:.2f}x)"
           for r in rows if not 0.5 <= r.ratio <= 2.0]
    assert not far, far


def test_engine_md_shows_the_table_the_code_computes(rows: list[history.Row]) -> None:
    text = history.DOC_PATH.read_text(encoding="utf-8")
    assert history.generated_section(text) == history.table(rows), (
        "docs/ENGINE.md's historical check is out of date: run `python -m game.bots.history`")
