"""The class report as one self-contained HTML file: tables, and charts drawn by plotly.

Everything the page needs is inside it: the plotly.js library is inlined once (no CDN, no
network), each chart is a plotly figure serialised by plotly itself (which escapes ``<`` and
``/``, so a lab's name cannot end a script), and every other text from a save goes through
``html.escape``. The file opens from a USB stick in a classroom with no internet.
"""

from __future__ import annotations

import html
import math
import re
from typing import Any

from game.classroom.report import DECISIONS, SERIES, ClassReport, Entry
from game.packs import Content

OUTCOME_COLOURS = {
    "ipo": "#2e7d32", "horizon": "#1565c0", "running": "#9e9e9e", "irrelevant": "#ef6c00",
    "ousted": "#ad1457", "bankrupt": "#c62828",
}
OUTCOME_WORDS = {
    "ipo": "listed (IPO)", "horizon": "still private at the horizon", "running": "not finished",
    "irrelevant": "fell behind (irrelevant)", "ousted": "ousted by the board",
    "bankrupt": "ran out of cash",
}
SERIES_TITLES = {"cash": "Cash ($B)", "sentiment": "Investor sentiment (0–100)",
                 "capability": "Capability (index)"}
CONFIG = {"displaylogo": False, "responsive": True, "showLink": False,
          "modeBarButtonsToRemove": ["sendDataToCloud"]}

_CSS = """
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0 auto;
       max-width: 1100px; padding: 0 1.2rem 3rem; color: #1d1d1f; }
h1 { margin: 1.4rem 0 .2rem; } h2 { margin-top: 2.2rem; border-bottom: 1px solid #ddd; }
.meta { color: #555; } nav a { margin-right: .9rem; }
table { border-collapse: collapse; width: 100%; margin: .6rem 0; font-size: 14px; }
th, td { padding: .25rem .5rem; border-bottom: 1px solid #eee; text-align: left;
         vertical-align: top; }
th { background: #f6f6f6; position: sticky; top: 0; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.flag td { background: #fff4f4; } .chart { width: 100%; min-height: 360px; }
.outcome { display: inline-block; padding: 0 .4rem; border-radius: .6rem; color: #fff;
           font-size: 12px; }
dl dt { font-weight: 600; margin-top: .5rem; } dl dd { margin-left: 1.2rem; }
@media print { .chart { page-break-inside: avoid; } nav { display: none; } }
"""


def render(report: ClassReport, content: Content) -> str:
    """The whole page."""
    import plotly
    from plotly.offline import get_plotlyjs

    charts: list[tuple[str, Any]] = []

    def chart(fig: Any, height: int = 380) -> str:
        ident = f"chart-{len(charts) + 1}"
        fig.update_layout(height=height, template="plotly_white",
                          margin={"l": 60, "r": 20, "t": 50, "b": 50})
        charts.append((ident, fig))
        return f'<div class="chart" id="{ident}"></div>'

    esc = html.escape
    r = report
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>Class report: {esc(r.scenario_title)}</title>",
        f"<style>{_CSS}</style>",
        f"<script>/* plotly.js, bundled by plotly {esc(plotly.__version__)} (MIT licence) */\n"
        f"{_script_safe(get_plotlyjs())}</script>",
        "</head><body>",
        f"<h1>Class report: {esc(r.scenario_title)}</h1>",
        f'<p class="meta">Scenario <code>{esc(r.scenario)}</code>'
        + (f", seed {r.seed}" if r.seed is not None else "")
        + f" · {len(r.entries)} saves: {len(r.ranked)} ranked, {len(r.flagged)} flagged"
        + (f", {len(r.unsigned)} not signed by the class" if r.unsigned else "")
        + f" · generated {r.generated:%Y-%m-%d %H:%M} UTC in {r.seconds:.1f} s"
        " · every ranked game was replayed from its seed and matched its save exactly.</p>",
        '<nav><a href="#leaderboard">Leaderboard</a><a href="#flagged">Flagged</a>'
        '<a href="#outcomes">Outcomes</a><a href="#over-time">Over time</a>'
        '<a href="#decisions">Decisions</a><a href="#concepts">Concepts</a>'
        '<a href="#method">How this was made</a></nav>',
    ]

    parts.append('<h2 id="leaderboard">Leaderboard</h2>')
    if r.ranked:
        parts.append(chart(_leaderboard_figure(r), height=max(320, 60 + 22 * len(r.ranked))))
        parts.append(_leaderboard_table(r))
    else:
        parts.append("<p>No save verified, so nobody is ranked.</p>")

    parts.append('<h2 id="flagged">Flagged saves (not ranked)</h2>')
    if r.flagged:
        parts.append("<table><tr><th>File</th><th>Lab</th><th>Scenario</th><th>Why</th></tr>")
        for e in r.flagged:
            parts.append(f'<tr class="flag"><td>{esc(e.file)}</td><td>{esc(e.lab)}</td>'
                         f"<td>{esc(e.scenario)}</td><td>{esc(e.reason or '')}</td></tr>")
        parts.append("</table>")
    else:
        parts.append("<p>None: every save verified.</p>")
    if r.unsigned:
        parts.append('<h2 id="unsigned">Not signed by the class (practice; not ranked)</h2>')
        parts.append("<p>The class's server signs every game it plays with the class's key; "
                     "these were played elsewhere, or changed since.</p>")
        parts.append("<table><tr><th>File</th><th>Lab</th><th>Scenario</th><th>Why</th></tr>")
        for e in r.unsigned:
            parts.append(f'<tr class="flag"><td>{esc(e.file)}</td><td>{esc(e.lab)}</td>'
                         f"<td>{esc(e.scenario)}</td><td>{esc(e.reason or '')}</td></tr>")
        parts.append("</table>")

    parts.append('<h2 id="outcomes">Outcomes</h2>')
    if r.ranked:
        parts.append(chart(_outcome_figure(r), height=340))

    parts.append('<h2 id="over-time">Each lab over time</h2>')
    parts.append("<p>Click a name in a legend to hide that lab; double-click to show it "
                 "alone.</p>")
    for metric in SERIES:
        if r.ranked:
            parts.append(chart(_series_figure(r, metric), height=420))

    parts.append('<h2 id="decisions">Decisions compared</h2>')
    if r.ranked:
        parts.append("<p>Quartiles are by rank (Q1: the top quarter of the class). Each dot is "
                     "a lab.</p>")
        parts.append(chart(_decision_figure(r, "capex_share"), height=360))
        parts.append(chart(_decision_figure(r, "rented_share"), height=360))
        parts.append(_quartile_table(r))
    parts.append(_definitions())

    parts.append('<h2 id="concepts">Concepts met</h2>')
    counts = r.concept_counts()
    if counts:
        parts.append(chart(_concept_figure(r, counts), height=max(320, 60 + 22 * len(counts))))
        parts.append("<table><tr><th>Rank</th><th>Lab</th><th>Concepts met (first met)</th></tr>")
        for e in r.ranked:
            met = ", ".join(f"{esc(c.term)} ({esc(c.first)})" for c in e.concepts) or "—"
            parts.append(f'<tr><td class="num">{e.rank}</td><td>{esc(e.lab)}</td>'
                         f"<td>{met}</td></tr>")
        parts.append("</table><h3>The concepts, for the debrief</h3><dl>")
        for cid, term, n in counts:
            concept = content.glossary.get(cid)
            if concept is not None:
                parts.append(f"<dt>{esc(term)} <small>({n} of {len(r.ranked)} labs)</small></dt>"
                             f"<dd>{esc(concept.definition)} <em>{esc(concept.why_it_matters)}"
                             "</em></dd>")
        parts.append("</dl>")
    else:
        parts.append("<p>No events with a glossary concept happened in the ranked games.</p>")

    parts.append('<h2 id="method">How this report was made</h2>')
    parts.append(
        "<p>Each save holds the seed and every decision (plans, event choices, live events), "
        "not the results. The report replayed every save from its seed with the installed "
        "content and compared each quarter with what the save recorded; a save edited by hand, "
        "made with other content, or of another scenario is flagged above with the reason and "
        "never ranked. The charts and decision measures come from the replay, not from the "
        "file. The same data is in the CSV files beside this page.</p>")

    parts.append(f"<script>var CONFIG = {_script_safe(_json(CONFIG))};")
    for ident, fig in charts:
        parts.append(f"(function () {{ var f = {_script_safe(fig.to_json())}; "
                     f"Plotly.newPlot({_js_string(ident)}, f.data, f.layout, CONFIG); }})();")
    parts.append("</script></body></html>")
    return "\n".join(parts)


# --- figures ----------------------------------------------------------------------------------


def _label(e: Entry) -> str:
    return f"{e.rank}. {e.lab}"


def _leaderboard_figure(r: ClassReport) -> Any:
    import plotly.graph_objects as go

    fig = go.Figure()
    for outcome in dict.fromkeys(e.outcome for e in r.ranked):
        group = [e for e in r.ranked if e.outcome == outcome]
        fig.add_trace(go.Bar(
            x=[e.score for e in group], y=[_label(e) for e in group], orientation="h",
            name=OUTCOME_WORDS.get(outcome, outcome),
            marker_color=OUTCOME_COLOURS.get(outcome, "#607d8b"),
            hovertemplate="%{y}: score %{x:,.1f}<extra>%{fullData.name}</extra>"))
    fig.update_layout(title="Score (the scenario's formula), best first", barmode="overlay",
                      legend_title_text="Outcome")
    fig.update_yaxes(categoryorder="array",
                     categoryarray=[_label(e) for e in reversed(r.ranked)])
    return fig


def _outcome_figure(r: ClassReport) -> Any:
    import plotly.graph_objects as go

    counts = r.outcomes()
    fig = go.Figure(go.Bar(
        x=[OUTCOME_WORDS.get(o, o) for o in counts], y=list(counts.values()),
        marker_color=[OUTCOME_COLOURS.get(o, "#607d8b") for o in counts],
        text=list(counts.values()), textposition="auto",
        hovertemplate="%{x}: %{y} labs<extra></extra>"))
    fig.update_layout(title="How the class's games ended", yaxis_title="labs")
    return fig


def _series_figure(r: ClassReport, metric: str) -> Any:
    import plotly.graph_objects as go

    fig = go.Figure()
    for e in r.ranked:
        fig.add_trace(go.Scatter(
            x=e.labels, y=[p.get(metric) for p in e.timeline], mode="lines+markers",
            name=_label(e), legendgroup=e.lab, marker={"size": 4},
            line={"width": 1.6 if (e.rank or 99) <= 3 else 1.0},
            hovertemplate=f"%{{fullData.name}}<br>%{{x}}: %{{y:,.1f}}<extra>{metric}</extra>"))
    fig.update_layout(title=SERIES_TITLES.get(metric, metric) + " at the start of each quarter",
                      hovermode="closest")
    return fig


def _decision_figure(r: ClassReport, key: str) -> Any:
    import plotly.graph_objects as go

    fig = go.Figure()
    for q in (1, 2, 3, 4):
        group = [e for e in r.ranked if e.quartile == q and e.decisions.get(key) is not None]
        if not group:
            continue
        fig.add_trace(go.Box(
            y=[e.decisions[key] for e in group], name=f"Q{q}", boxpoints="all", jitter=0.4,
            pointpos=0, text=[_label(e) for e in group],
            hovertemplate="%{text}: %{y:.0%}<extra></extra>"))
    fig.update_layout(title=DECISIONS[key] + " by quartile of the ranking", showlegend=False,
                      yaxis_tickformat=".0%")
    return fig


def _concept_figure(r: ClassReport, counts: list[tuple[str, str, int]]) -> Any:
    import plotly.graph_objects as go

    fig = go.Figure(go.Bar(
        x=[n for _, _, n in counts], y=[term for _, term, _ in counts], orientation="h",
        marker_color="#5e35b1", hovertemplate="%{y}: met by %{x} labs<extra></extra>"))
    fig.update_layout(title="Concepts the class met through events (labs that met each)")
    fig.update_yaxes(autorange="reversed")
    return fig


# --- tables -----------------------------------------------------------------------------------


def _leaderboard_table(r: ClassReport) -> str:
    esc = html.escape
    head = ("<table><tr><th class='num'>Rank</th><th>Lab</th><th>Outcome</th>"
            "<th class='num'>Score</th><th class='num'>Quarters</th><th>IPO filed</th>"
            "<th class='num'>Cash</th><th class='num'>Valuation</th>"
            "<th class='num'>Ownership</th><th class='num'>Capex share</th>"
            "<th class='num'>Rented share</th><th>File</th></tr>")
    rows = [head]
    for e in r.ranked:
        f = e.final
        colour = OUTCOME_COLOURS.get(e.outcome, "#607d8b")
        rows.append(
            f"<tr><td class='num'>{e.rank}</td><td>{esc(e.lab)}</td>"
            f"<td><span class='outcome' style='background:{colour}'>"
            f"{esc(OUTCOME_WORDS.get(e.outcome, e.outcome))}</span></td>"
            f"<td class='num'>{_n(e.score)}</td><td class='num'>{e.quarters}</td>"
            f"<td>{esc(e.ipo_filed or '—')}</td>"
            f"<td class='num'>{_money(f.get('cash'))}</td>"
            f"<td class='num'>{_money(f.get('valuation'))}</td>"
            f"<td class='num'>{_pct(f.get('ownership'))}</td>"
            f"<td class='num'>{_pct(e.decisions.get('capex_share'))}</td>"
            f"<td class='num'>{_pct(e.decisions.get('rented_share'))}</td>"
            f"<td>{esc(e.file)}</td></tr>")
    rows.append("</table>")
    return "\n".join(rows)


def _quartile_table(r: ClassReport) -> str:
    esc = html.escape
    rows = ["<table><tr><th>Quartile</th><th class='num'>Labs</th><th class='num'>Scores</th>"
            + "".join(f"<th class='num'>{esc(t)}</th>" for t in DECISIONS.values())
            + "<th>Outcomes</th></tr>"]
    for q in r.quartiles():
        cells = []
        for key in DECISIONS:
            v = q[key]
            cells.append(_pct(v) if key.endswith("share") else
                         _money(v) if key in ("equity_raised", "debt_drawn") else _n(v, 2))
        outcomes = ", ".join(f"{esc(OUTCOME_WORDS.get(o, o))} {n}"
                             for o, n in q["outcomes"].items())
        rows.append(f"<tr><td>{q['quartile']}</td><td class='num'>{q['students']}</td>"
                    f"<td class='num'>{_n(q['worst_score'])}–{_n(q['best_score'])}</td>"
                    + "".join(f"<td class='num'>{c}</td>" for c in cells)
                    + f"<td>{outcomes}</td></tr>")
    rows.append("</table>")
    return "\n".join(rows)


def _definitions() -> str:
    return """<h3>What the measures mean</h3><dl>
<dt>Capex share of spending</dt><dd>(GPU purchases + data-center construction) ÷ everything the
lab spent (those, plus leases, spot compute, power, data-center operations, staff, other operating
costs, lease-break penalties and interest), over the whole game, from the engine's cash ledger.
High: the lab bought its compute; low: it rented it.</dd>
<dt>Rented share of compute spending</dt><dd>(leases + spot compute) ÷ all compute spending
(leases, spot, GPU purchases, data-center construction, power and data-center operations).</dd>
<dt>Training share, research share</dt><dd>The mean share of compute the lab's plans gave to
training runs and to research.</dd>
<dt>Price</dt><dd>The mean price the plans set; 1 is the market's list price.</dd>
<dt>Equity raised, debt drawn</dt><dd>Over the whole game, in $B; debt includes automatic draws
on the credit line.</dd>
</dl>"""


# --- formatting -------------------------------------------------------------------------------


def _ok(x: Any) -> bool:
    return isinstance(x, int | float) and math.isfinite(x)


def _n(x: Any, digits: int = 1) -> str:
    return f"{x:,.{digits}f}" if _ok(x) else "—"


def _pct(x: Any) -> str:
    return f"{100 * x:.0f}%" if _ok(x) else "—"


def _money(x: Any) -> str:
    if not _ok(x):
        return "—"
    sign = "−" if x < 0 else ""
    x = abs(x)
    return f"{sign}${x / 1000:,.2f}T" if x >= 1000 else f"{sign}${x:,.1f}B"


def _json(value: Any) -> str:
    import json

    return json.dumps(value, separators=(",", ":"))


def _js_string(text: str) -> str:
    return _script_safe(_json(text))


def _script_safe(text: str) -> str:
    """Script text that cannot close the <script> element it sits in (in JavaScript strings,
    regular expressions and JSON, ``<\\/`` means ``</``)."""
    return re.sub(r"</(script)", r"<\\/\1", text, flags=re.IGNORECASE)
