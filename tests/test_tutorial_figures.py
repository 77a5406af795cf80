"""The figures the tutorial and the base pack's IPO texts quote are the engine's (issue 14: no text
quotes a number the engine no longer produces).

Each rule finds one figure by the words around it and says where the figure comes from: a
parameter, the state on day one, or a short run. Every number written in digits in a tutorial hint
must be claimed by a rule, so a hint cannot gain a figure that nothing checks. When a rule fails,
change the text to the engine's figure (or to a placeholder), never the rule's tolerance.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pytest

from game.bots import STRATEGIES, play
from game.engine import compile_economy, initial_state, market
from game.engine.params import SECONDS_PER_QUARTER
from game.engine.state import IPO
from game.packs import Content, load_content

WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
         "eight": 8, "nine": 9, "ten": 10}


def number(text: str) -> float:
    """A figure as written: '25,000', '1.30', 'two'."""
    return float(WORDS[text.lower()]) if text.lower() in WORDS else float(text.replace(",", ""))


@dataclass(frozen=True)
class Rule:
    """A figure in a text: the words that find it (one group per figure) and what it must be."""

    pattern: str
    expected: Callable[[Content], float | tuple[float, ...]]
    rel: float = 0.0  # relative tolerance: 0 for a parameter quoted as it is

    def check(self, text: str, content: Content) -> tuple[int, int]:
        """Assert the figure holds; returns the span of the match."""
        m = re.search(self.pattern, text, re.S)
        assert m is not None, f"the text no longer says /{self.pattern}/:\n{text}"
        got = [number(g) if re.fullmatch(r"[\d.,]+|[A-Za-z]+", g) else g for g in m.groups()]
        want = self.expected(content)
        want = list(want) if isinstance(want, tuple) else [want]
        for g, w in zip(got, want, strict=True):
            if isinstance(w, str):
                assert g == w, f"/{self.pattern}/ quotes {g}; the engine says {w}"
            else:
                assert g == pytest.approx(w, rel=self.rel), (
                    f"/{self.pattern}/ quotes {g}; the engine says {w:.4g}")
        return m.span()


@pytest.fixture(scope="module")
def content() -> Content:
    return load_content()


def _tutorial(content: Content):
    return content.params("tutorial")


def _h100_price(content: Content) -> float:
    params = _tutorial(content)
    econ = compile_economy(params)
    return float(econ.gpu_price[econ.row(0)][econ.gpu_names.index("H100")])


def _rental(content: Content, scenario: str = "tutorial") -> float:
    params = content.params(scenario)
    econ = compile_economy(params)
    rental, _ = market.rental_price(econ, 0, initial_state(params, 1))
    return float(rental[0])


def _ten_times(content: Content) -> float:
    """Capability points ten times a run's compute buys (the Training tab's first rows)."""
    params = _tutorial(content)
    econ = compile_economy(params)
    state = initial_state(params, 1)
    eff = 10.0 ** float(state.algo_log_eff[0])
    k = params.training.tokens_per_parameter
    caps = econ.capability(np.array([2e27, 2e28]) * eff, k, eff)
    return float(caps[1] - caps[0])


# --- the tutorial's hints --------------------------------------------------------------------

HINT_RULES: dict[str, list[Rule]] = {
    "procurement": [
        Rule(r"an H100's ~\$([\d,]+)", _h100_price, rel=0.05),
        Rule(r"([\d.]+) years of leasing", lambda c: _tutorial(c).fleet.server_life_years),
        Rule(r"leasing one at ~\$([\d.]+) an hour", _rental, rel=0.05),
    ],
    "allocation": [
        Rule(r"the shares sum to (\d+)%", lambda c: 100.0),  # Plan refuses anything else
    ],
    "training": [],  # "ten times the compute": test_the_training_hint_holds
    "pricing": [],  # "several-fold a year": tests/test_stylised_facts.py holds it (at least 3×)
    "finance": [
        Rule(r"a round is a coin flip at (\d+)",
             lambda c: _tutorial(c).finance.round_sentiment_mid),
        Rule(r"(\w+) quarters later the underwriters open a book",
             lambda c: _tutorial(c).ipo.filing_quarters),
        Rule(r"sentiment is at least (\d+)", lambda c: _tutorial(c).ipo.min_sentiment),
        Rule(r"trailing revenue at least \$(\d+)B", lambda c: _tutorial(c).ipo.min_ttm_revenue),
        Rule(r"weigh your burn ([\d.]+) times as hard", lambda c: _tutorial(c).ipo.scrutiny),
    ],
}


def test_every_figure_in_the_tutorials_hints_is_the_engines(content: Content) -> None:
    hints = content.scenarios["tutorial"].hints
    assert {h.topic for h in hints} <= set(HINT_RULES)
    for topic, rules in HINT_RULES.items():
        text = " ".join(h.text for h in hints if h.topic == topic)
        claimed = [rule.check(text, content) for rule in rules]
        for m in re.finditer(r"\d[\d,.]*\d|\d", text):
            assert any(a <= m.start() < b for a, b in claimed), (
                f"the {topic} hint quotes {m.group()} and no rule in this test checks it: add one "
                "that names where the figure comes from")


def test_the_training_hint_holds(content: Content) -> None:
    """'Ten times the compute buys a clearly better model': about +100 capability points, the
    dashboard's 'clearly better'."""
    text = " ".join(h.text for h in content.scenarios["tutorial"].hints if h.topic == "training")
    assert "ten times the compute buys a clearly better model" in " ".join(text.split())
    assert 50 <= _ten_times(content) <= 150, f"10× compute buys {_ten_times(content):.0f} points"


def _bots_listing(content: Content) -> tuple[float, float, str, str]:
    """(bots that list, bots, first and last listing quarter) with the tutorial's own seed."""
    params = _tutorial(content)
    seed = content.scenarios["tutorial"].default_seed()
    when = []
    for strategy in STRATEGIES.values():
        run = play(params, strategy, seed, 1,
                   events=content.director_for("tutorial", chooser=strategy))
        if run.state.outcome[0] == IPO:
            when.append(int(run.state.quarter_ended[0]))
    return (float(len(when)), float(len(STRATEGIES)), params.calendar(min(when)),
            params.calendar(max(when)))


NOTES_RULES = [
    Rule(r"a fixed seed \((\d+)\)", lambda c: float(c.scenarios["tutorial"].seed)),
    Rule(r"(\d+) quarters, calm pacing", lambda c: c.scenarios["tutorial"].horizon_quarters),
    Rule(r"\(\$(\d+)B of\s+cash", lambda c: c.scenarios["tutorial"].start_state.cash),
    Rule(r"no debt, sentiment (\d+)", lambda c: c.scenarios["tutorial"].start_state.sentiment),
    Rule(r"a (\w+)-year run of leases",
         lambda c: c.scenarios["tutorial"].start_state.lease_quarters_left / 4),
    Rule(r"The book needs \$(\d+)B of trailing revenue",
         lambda c: _tutorial(c).ipo.min_ttm_revenue),
    Rule(r"sentiment of at least (\d+) through", lambda c: _tutorial(c).ipo.min_sentiment),
    Rule(r"\((\w+) of the (\w+) bots\s+list between (\d{4}Q\d) and (\d{4}Q\d)\)", _bots_listing),
]


def test_the_tutorials_instructor_notes_hold(content: Content) -> None:
    notes = content.scenarios["tutorial"].instructor_notes
    for rule in NOTES_RULES:
        rule.check(notes, content)
    params = _tutorial(content)
    start_ttm = float(initial_state(params, 1).ttm_revenue[0])
    assert "more than twice the\nstart's" in notes or "more than twice the start's" in notes
    assert params.ipo.min_ttm_revenue > 2 * start_ttm


# --- the base pack's texts about the IPO, and what they quote ----------------------------------


def _base(content: Content):
    return content.params("ipo-window")


def _note(content: Content, event_id: str, label: str) -> str:
    event = next(ce.event for ce in content.events if ce.id == event_id)
    return next(ch.note for ch in event.choices if ch.label == label)


def _text(content: Content, event_id: str) -> str:
    return next(ce.event.text for ce in content.events if ce.id == event_id)


def _lease_rise(content: Content) -> float:
    """$B a quarter that 10% on a million leased H100e adds at the default scenario's rental."""
    return 0.1 * 1e6 * _rental(content, "ipo-window") * SECONDS_PER_QUARTER / 3600 / 1e9


EVENT_RULES: list[tuple[Callable[[Content], str], Rule]] = [
    (lambda c: _text(c, "base.ipo_bankers_pitch"),
     Rule(r"weigh growth about\s+([\d.]+) times as much as margin",
          lambda c: _base(c).valuation.rule_of_x_growth_weight)),
    (lambda c: _note(c, "base.ipo_bankers_pitch", "Hire the banks and prepare the filing"),
     Rule(r"(\w+) quarters later the underwriters open a book",
          lambda c: _base(c).ipo.filing_quarters)),
    (lambda c: _note(c, "base.ipo_bankers_pitch", "Hire the banks and prepare the filing"),
     Rule(r"weigh your burn ([\d.]+) times as hard", lambda c: _base(c).ipo.scrutiny)),
    (lambda c: _note(c, "base.cloud_partner_terms", "Accept: pay more, gain freedom"),
     Rule(r"is about \$([\d.]+)B a quarter", _lease_rise, rel=0.3)),
    (lambda c: _note(c, "base.board_cost_review", "Cut 10% of staff"),
     Rule(r"At ~\$(\d+)M a head a year",
          lambda c: _base(c).finance.staff_cost_per_head_year * 1000)),
    (lambda c: _text(c, "base.ipo_roadshow_depreciation"),
     Rule(r"over ([\d.]+) years when each\s+generation brings about ([\d.]+)x more FLOP",
          lambda c: (_base(c).fleet.server_life_years,
                     _base(c).market.price_performance_per_year))),
]


@pytest.mark.parametrize("i", range(len(EVENT_RULES)), ids=lambda i: EVENT_RULES[i][1].pattern)
def test_the_ipo_texts_quote_the_engines_figures(content: Content, i: int) -> None:
    text, rule = EVENT_RULES[i]
    rule.check(text(content), content)


def test_the_ipo_bars_are_placeholders(content: Content) -> None:
    """A scenario may set its own bars for the book (ai-bust and openai-2023 do), and an event can
    happen in any scenario: texts name the bars by placeholder, never by a number."""
    assert "{ipo_min_ttm_revenue}" in _text(content, "base.ipo_bankers_pitch")
    assert "{ipo_min_sentiment}" in _text(content, "base.ipo_bankers_pitch")
    assert "{ipo_min_sentiment}" in _text(content, "base.ipo_window_wobbles")
    bar = re.compile(r"run-rate of at least \$\d|\b(?:listing|book)\b[^.;]*\bneeds? \$?\d"
                     r"|sentiment (?:is |holds )?(?:above|at least|at) \d")
    for ce in content.events:
        for text in (ce.event.text, *(ch.note for ch in ce.event.choices)):
            assert not bar.search(" ".join(text.split())), (ce.id, text)
