"""The class report's charts (plotly figures), readable at 60 labs.

The over-time charts never draw a line per lab: each draws the class's **median** and the band
from the 10th to the 90th percentile of the labs still playing at that quarter, the
``LEADERS`` best-ranked labs, and one line for the lab picked in the page's menu (a student's
own, or one to discuss): at most ``LEADERS + 2`` lines and the band, whether the class has 5
labs or 60. Valuation and the stake (ownership × valuation) are drawn on a log scale, so one
lab's IPO does not flatten everyone else's line (a zero or negative value is left out there).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from game.classroom.report import DECISIONS, ClassReport, Entry

OUTCOME_COLOURS = {
    "ipo": "#2e7d32", "horizon": "#1565c0", "running": "#9e9e9e", "irrelevant": "#ef6c00",
    "ousted": "#ad1457", "bankrupt": "#c62828",
}
OUTCOME_WORDS = {
    "ipo": "listed (IPO)", "horizon": "still private at the horizon", "running": "not finished",
    "irrelevant": "fell behind (irrelevant)", "ousted": "ousted by the board",
    "bankrupt": "ran out of cash",
}
OVER_TIME: dict[str, tuple[str, bool]] = {
    "cash": ("Cash ($B)", False),
    "valuation": ("Valuation ($B, log scale)", True),
    "stake": ("Stake: ownership × valuation ($B, log scale; the score before the outcome's "
              "weight)", True),
    "sentiment": ("Investor sentiment (0–100)", False),
    "capability": ("Capability (index)", False),
}
"""Over-time metric -> (title, log scale)."""
LEADERS = 3
LEADER_COLOURS = ("#1b5e20", "#0d47a1", "#4a148c")
SELECTED_COLOUR = "#e65100"


def values(e: Entry, metric: str) -> list[float | None]:
    """The lab's value of an over-time metric at the start of each quarter."""
    if metric == "stake":
        return [p["ownership"] * p["valuation"] if "ownership" in p and "valuation" in p
                else None for p in e.timeline]
    return [p.get(metric) for p in e.timeline]


def _shown(v: float | None, log: bool) -> float | None:
    return None if v is None or (log and v <= 0) else v


def series_figure(r: ClassReport, metric: str) -> Any:
    """The class's median and 10–90% band, the leaders, and the picked lab's (empty) line."""
    import plotly.graph_objects as go

    title, log = OVER_TIME[metric]
    longest = max(r.ranked, key=lambda e: len(e.labels))
    x = longest.labels
    low, mid, high = [], [], []
    for q in range(len(x)):
        at = [v for e in r.ranked if len(e.timeline) > q
              if (v := _shown(values(e, metric)[q], log)) is not None]
        if len(at) < 2:
            low.append(None), mid.append(at[0] if at else None), high.append(None)
            continue
        p10, p50, p90 = np.percentile(at, [10, 50, 90])
        low.append(float(p10)), mid.append(float(p50)), high.append(float(p90))
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=x, y=high, mode="lines", line={"width": 0}, showlegend=False,
                             name="90th percentile", hoverinfo="skip"))
    fig.add_trace(go.Scatter(x=x, y=low, mode="lines", line={"width": 0}, fill="tonexty",
                             fillcolor="rgba(120,144,156,0.25)", name="10–90% of the labs",
                             hoverinfo="skip"))
    fig.add_trace(go.Scatter(x=x, y=mid, mode="lines", name="the class's median",
                             line={"color": "#37474f", "width": 2.5, "dash": "dash"},
                             hovertemplate="median %{x}: %{y:,.1f}<extra></extra>"))
    for e, colour in zip(r.ranked[:LEADERS], LEADER_COLOURS, strict=False):
        fig.add_trace(go.Scatter(
            x=e.labels, y=[_shown(v, log) for v in values(e, metric)], mode="lines+markers",
            name=label(e), marker={"size": 4}, line={"color": colour, "width": 1.6},
            hovertemplate="%{fullData.name}<br>%{x}: %{y:,.1f}<extra></extra>"))
    fig.add_trace(go.Scatter(x=[], y=[], mode="lines+markers", name="picked lab",
                             line={"color": SELECTED_COLOUR, "width": 3}, marker={"size": 6},
                             hovertemplate="%{fullData.name}<br>%{x}: %{y:,.1f}<extra></extra>"))
    fig.update_layout(title=title + " at the start of each quarter", hovermode="closest",
                      legend={"orientation": "h", "y": -0.18})
    if log:
        fig.update_yaxes(type="log")
    return fig


def picked_data(r: ClassReport) -> dict[str, Any]:
    """Each ranked lab's over-time values, for the page's menu (the picked lab's line)."""
    return {"x": [e.labels for e in r.ranked],
            **{m: [[_shown(v, log) for v in values(e, m)] for e in r.ranked]
               for m, (_, log) in OVER_TIME.items()}}


def label(e: Entry) -> str:
    return f"{e.rank}. {e.lab}"


def leaderboard_figure(r: ClassReport) -> Any:
    import plotly.graph_objects as go

    fig = go.Figure()
    for outcome in dict.fromkeys(e.outcome for e in r.ranked):
        group = [e for e in r.ranked if e.outcome == outcome]
        fig.add_trace(go.Bar(
            x=[e.score for e in group], y=[label(e) for e in group], orientation="h",
            name=OUTCOME_WORDS.get(outcome, outcome),
            marker_color=OUTCOME_COLOURS.get(outcome, "#607d8b"),
            hovertemplate="%{y}: score %{x:,.1f}<extra>%{fullData.name}</extra>"))
    fig.update_layout(title="Score (the scenario's formula), best first", barmode="overlay",
                      legend_title_text="Outcome")
    fig.update_yaxes(categoryorder="array",
                     categoryarray=[label(e) for e in reversed(r.ranked)])
    return fig


def outcome_figure(r: ClassReport) -> Any:
    import plotly.graph_objects as go

    counts = r.outcomes()
    fig = go.Figure(go.Bar(
        x=[OUTCOME_WORDS.get(o, o) for o in counts], y=list(counts.values()),
        marker_color=[OUTCOME_COLOURS.get(o, "#607d8b") for o in counts],
        text=list(counts.values()), textposition="auto",
        hovertemplate="%{x}: %{y} labs<extra></extra>"))
    fig.update_layout(title="How the class's games ended", yaxis_title="labs")
    return fig


def decision_figure(r: ClassReport, key: str) -> Any:
    import plotly.graph_objects as go

    fig = go.Figure()
    for q in (1, 2, 3, 4):
        group = [e for e in r.ranked if e.quartile == q and e.decisions.get(key) is not None]
        if not group:
            continue
        fig.add_trace(go.Box(
            y=[e.decisions[key] for e in group], name=f"Q{q}", boxpoints="all", jitter=0.4,
            pointpos=0, text=[label(e) for e in group],
            hovertemplate="%{text}: %{y:.0%}<extra></extra>"))
    fig.update_layout(title=DECISIONS[key] + " by quartile of the ranking", showlegend=False,
                      yaxis_tickformat=".0%")
    return fig


def concept_figure(r: ClassReport, counts: list[tuple[str, str, int]]) -> Any:
    import plotly.graph_objects as go

    fig = go.Figure(go.Bar(
        x=[n for _, _, n in counts], y=[term for _, term, _ in counts], orientation="h",
        marker_color="#5e35b1", hovertemplate="%{y}: met by %{x} labs<extra></extra>"))
    fig.update_layout(title="Concepts the class met through events (labs that met each)")
    fig.update_yaxes(autorange="reversed")
    return fig
