"""The class report as one self-contained HTML file: tables, and charts drawn by plotly.

Everything the page needs is inside it: the plotly.js library is inlined once (no CDN, no
network), each chart is a plotly figure serialised by plotly itself (which escapes ``<`` and
``/``, so a lab's name cannot end a script), and every other text from a save goes through
``html.escape``. The file opens from a USB stick in a classroom with no internet.

With the report's anonymised ``twin`` (``game.classroom.pseudonyms``), the page has a
**projector view** toggle (also opened by ``report.html#projector``): every name in the tables
and charts becomes the lab's pseudonym. The real names are still in the file; the files of
``class report --anonymise`` have none.
"""

from __future__ import annotations

import html
import math
import re
from typing import Any

from game.classroom.live_events import LiveEvent
from game.classroom.report import DECISIONS, ClassReport, Entry
from game.classroom.report_charts import (
    OUTCOME_COLOURS,
    OUTCOME_WORDS,
    OVER_TIME,
    concept_figure,
    decision_figure,
    label,
    leaderboard_figure,
    outcome_figure,
    picked_data,
    series_figure,
)
from game.packs import Content

CONFIG = {"displaylogo": False, "responsive": True, "showLink": False,
          "modeBarButtonsToRemove": ["sendDataToCloud"]}
STATUS_WORDS = {"finished": "finished", "running": "still running",
                "abandoned": "abandoned (stopped early)"}

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
tr.abandoned td { color: #777; }
.outcome { display: inline-block; padding: 0 .4rem; border-radius: .6rem; color: #fff;
           font-size: 12px; }
.tools { position: sticky; top: 0; background: #fff; padding: .4rem 0; z-index: 5;
         border-bottom: 1px solid #eee; }
body .pn, body.anon .nm { display: none; } body.anon .pn { display: inline; }
dl dt { font-weight: 600; margin-top: .5rem; } dl dd { margin-left: 1.2rem; }
@media print { .chart { page-break-inside: avoid; } nav, .tools { display: none; } }
"""


def render(report: ClassReport, content: Content, twin: ClassReport | None = None,
           events: list[LiveEvent] | None = None, pages: dict[str, str] | None = None) -> str:
    """The whole page; ``twin``: the anonymised report (the projector toggle), ``events``: the
    class's live events, ``pages``: each ranked file's student page (a link from its row)."""
    import plotly
    from plotly.offline import get_plotlyjs

    charts: list[tuple[str, Any, Any]] = []
    series_ids: dict[str, str] = {}

    def chart(make: Any, *args: Any, height: int = 380) -> str:
        ident = f"chart-{len(charts) + 1}"
        figs = [make(r, *args), make(twin, *args) if twin is not None else None]
        for fig in figs:
            if fig is not None:
                fig.update_layout(height=height, template="plotly_white",
                                  margin={"l": 60, "r": 20, "t": 50, "b": 50})
        charts.append((ident, figs[0], figs[1]))
        return f'<div class="chart" id="{ident}"></div>'

    def name(e: Entry, text: str | None = None) -> str:
        """A lab's name, and its pseudonym for the projector view."""
        real = esc(text if text is not None else e.lab)
        if twin is None:
            return real
        return f'<span class="nm">{real}</span><span class="pn">{esc(e.pseudonym)}</span>'

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
        '<nav><a href="#leaderboard">Leaderboard</a><a href="#same-quarter">Same quarter</a>'
        '<a href="#flagged">Flagged</a><a href="#outcomes">Outcomes</a>'
        '<a href="#live-events">Live events</a><a href="#over-time">Over time</a>'
        '<a href="#decisions">Decisions</a><a href="#concepts">Concepts</a>'
        + ('<a href="#students">Students</a>' if pages else "")
        + '<a href="#method">How this was made</a></nav>',
    ]
    if r.ranked:
        parts.append('<div class="tools">'
                     + ('<label><input type="checkbox" id="projector"> Projector view: '
                        'pseudonyms instead of names</label> · ' if twin is not None else "")
                     + '<label>Pick a lab to draw over time: <select id="pick">'
                     '<option value="">(none)</option>'
                     + "".join(f'<option value="{k}">{esc(label(e))}</option>'
                               for k, e in enumerate(r.ranked))
                     + "</select></label></div>")

    parts.append('<h2 id="leaderboard">Leaderboard</h2>')
    if r.ranked:
        parts.append("<p>Finished games first, then games still running, then abandoned games "
                     "(stopped early), each by score.</p>")
        parts.append(chart(leaderboard_figure, height=max(320, 60 + 22 * len(r.ranked))))
        parts.append(_leaderboard_table(r, name, pages or {}))
    else:
        parts.append("<p>No save verified, so nobody is ranked.</p>")

    parts.append('<h2 id="same-quarter">The labs at the same quarter</h2>')
    parts.append(_same_quarter(r, name))

    parts.append('<h2 id="flagged">Flagged saves (not ranked)</h2>')
    if r.flagged:
        parts.append(_flag_table(r.flagged, twin.flagged if twin else None, name))
    else:
        parts.append("<p>None: every save verified.</p>")
    if r.unsigned:
        parts.append('<h2 id="unsigned">Not signed by the class (practice; not ranked)</h2>')
        parts.append("<p>The class's server signs every game it plays with the class's key; "
                     "these were played elsewhere, or changed since.</p>")
        parts.append(_flag_table(r.unsigned, twin.unsigned if twin else None, name))

    parts.append('<h2 id="outcomes">Outcomes</h2>')
    if r.ranked:
        parts.append(chart(outcome_figure, height=340))

    if r.market_story:
        parts.append('<h2 id="market">The class\'s market: who took customers from whom</h2>')
        parts.append("<p>Each round's biggest move of the pooled market's customers, in "
                     "points of the market, and the labs, rivals or open-weight models it "
                     "came from.</p><ul>"
                     + "".join(f"<li>{html.escape(line)}</li>" for line in r.market_story)
                     + "</ul>")

    parts.append('<h2 id="live-events">Live events: who was hurt, who was helped</h2>')
    parts.append(_live_events(events or [], name))

    parts.append('<h2 id="over-time">The class over time</h2>')
    if r.ranked:
        parts.append("<p>Each chart draws the class's median (dashed) and the band holding "
                     "the middle 80% of the labs still playing (10th to 90th percentile), the "
                     "three leaders, and the lab picked in the menu above.</p>")
        for metric in OVER_TIME:
            series_ids[metric] = f"chart-{len(charts) + 1}"
            parts.append(chart(series_figure, metric, height=420))

    parts.append('<h2 id="decisions">Decisions compared</h2>')
    if r.ranked:
        parts.append("<p>Quartiles are by rank (Q1: the top quarter of the class). Each dot is "
                     "a lab.</p>")
        parts.append(chart(decision_figure, "capex_share", height=360))
        parts.append(chart(decision_figure, "rented_share", height=360))
        parts.append(_quartile_table(r))
    parts.append(_definitions())

    parts.append('<h2 id="concepts">Concepts met</h2>')
    counts = r.concept_counts()
    if counts:
        parts.append(chart(concept_figure, counts, height=max(320, 60 + 22 * len(counts))))
        parts.append("<table><tr><th>Rank</th><th>Lab</th><th>Concepts met (first met)</th></tr>")
        for e in r.ranked:
            met = ", ".join(f"{esc(c.term)} ({esc(c.first)})" for c in e.concepts) or "—"
            parts.append(f'<tr><td class="num">{e.rank}</td><td>{name(e)}</td>'
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

    if pages:
        parts.append('<h2 id="students">Student summaries</h2><p class="nm">One printable page '
                     "per student (and a Markdown copy beside it) to cite in the memo: their "
                     "lab's path, outcome and rank, the events they met and the sources behind "
                     "the figures. Hand each student their own.</p><ul class='nm'>")
        for e in r.ranked:
            if e.file in pages:
                parts.append(f'<li><a href="{esc(pages[e.file])}">'
                             f"{esc(e.student_name or e.student or e.lab)} — {esc(e.lab)}</a></li>")
        parts.append("</ul>")

    parts.append('<h2 id="method">How this report was made</h2>')
    parts.append(
        "<p>Each save holds the seed and every decision (plans, event choices, live events), "
        "not the results. The report replayed every save from its seed with the installed "
        "content and compared each quarter with what the save recorded; a save edited by hand, "
        "made with other content, or of another scenario is flagged above with the reason and "
        "never ranked. The charts and decision measures come from the replay, not from the "
        "file. The same data is in the CSV files beside this page.</p>")

    parts.append(f"<script>var CONFIG = {_script_safe(_json(CONFIG))}; var FIGS = {{}};")
    for ident, fig, anon in charts:
        other = _script_safe(anon.to_json()) if anon is not None else "null"
        parts.append(f"FIGS[{_js_string(ident)}] = [{_script_safe(fig.to_json())}, {other}];")
    names = [[label(e) for e in r.ranked], [label(e) for e in twin.ranked] if twin else None]
    data = picked_data(r) if r.ranked else {}
    parts.append(f"var SERIES = {_script_safe(_json(series_ids))}; "
                 f"var PICKED = {_script_safe(_json(data))}; "
                 f"var NAMES = {_script_safe(_json(names))};")
    parts.append(_SCRIPT)
    parts.append("</script></body></html>")
    return "\n".join(parts)


_SCRIPT = """
var anon = false;
function draw(id) {
  var f = FIGS[id][anon && FIGS[id][1] ? 1 : 0];
  Plotly.newPlot(id, f.data, f.layout, CONFIG);
}
function pick() {
  var sel = document.getElementById('pick');
  if (!sel) { return; }
  var i = sel.value === '' ? -1 : parseInt(sel.value, 10);
  var names = anon && NAMES[1] ? NAMES[1] : NAMES[0];
  Object.keys(SERIES).forEach(function (metric) {
    var id = SERIES[metric], n = document.getElementById(id).data.length;
    Plotly.restyle(id, {x: [i < 0 ? [] : PICKED.x[i]], y: [i < 0 ? [] : PICKED[metric][i]],
                        name: [i < 0 ? 'picked lab' : names[i]]}, [n - 1]);
  });
}
function setAnon(on) {
  anon = on;
  document.body.classList.toggle('anon', on);
  var names = anon && NAMES[1] ? NAMES[1] : NAMES[0];
  var sel = document.getElementById('pick');
  if (sel) { for (var k = 1; k < sel.options.length; k++) { sel.options[k].text = names[k - 1]; } }
  Object.keys(FIGS).forEach(draw);
  pick();
}
Object.keys(FIGS).forEach(draw);
var box = document.getElementById('projector');
if (box) {
  box.addEventListener('change', function () { setAnon(box.checked); });
  if (location.hash === '#projector') { box.checked = true; setAnon(true); }
}
var sel = document.getElementById('pick');
if (sel) { sel.addEventListener('change', pick); }
"""


# --- tables -----------------------------------------------------------------------------------


def _leaderboard_table(r: ClassReport, name: Any, pages: dict[str, str]) -> str:
    esc = html.escape
    head = ("<table><tr><th class='num'>Rank</th><th>Lab</th><th>Student</th><th>Status</th>"
            "<th>Outcome</th><th class='num'>Score</th><th class='num'>Quarters</th>"
            "<th>IPO filed</th><th class='num'>Cash</th><th class='num'>Valuation</th>"
            "<th class='num'>Ownership</th><th class='num'>Capex share</th>"
            "<th class='num'>Rented share</th><th>File</th></tr>")
    rows = [head]
    for e in r.ranked:
        f = e.final
        colour = OUTCOME_COLOURS.get(e.outcome, "#607d8b")
        who = e.student_name or e.student or "—"
        who = f"<a href='{esc(pages[e.file])}'>{esc(who)}</a>" if e.file in pages else esc(who)
        rows.append(
            f"<tr class='{e.status}'><td class='num'>{e.rank}</td><td>{name(e)}</td>"
            f"<td><span class='nm'>{who}</span><span class='pn'>—</span></td>"
            f"<td>{esc(STATUS_WORDS.get(e.status, e.status))}</td>"
            f"<td><span class='outcome' style='background:{colour}'>"
            f"{esc(OUTCOME_WORDS.get(e.outcome, e.outcome))}</span></td>"
            f"<td class='num'>{_n(e.score)}</td><td class='num'>{e.quarters}</td>"
            f"<td>{esc(e.ipo_filed or '—')}</td>"
            f"<td class='num'>{_money(f.get('cash'))}</td>"
            f"<td class='num'>{_money(f.get('valuation'))}</td>"
            f"<td class='num'>{_pct(f.get('ownership'))}</td>"
            f"<td class='num'>{_pct(e.decisions.get('capex_share'))}</td>"
            f"<td class='num'>{_pct(e.decisions.get('rented_share'))}</td>"
            f"<td>{name(e, e.file)}</td></tr>")
    rows.append("</table>")
    return "\n".join(rows)


def _flag_table(entries: list[Entry], twins: list[Entry] | None, name: Any) -> str:
    esc = html.escape
    rows = ["<table><tr><th>File</th><th>Lab</th><th>Scenario</th><th>Why</th></tr>"]
    for k, e in enumerate(entries):
        why = esc(e.reason or "")
        if twins is not None:
            why = (f"<span class='nm'>{why}</span>"
                   f"<span class='pn'>{esc(twins[k].reason or '')}</span>")
        rows.append(f'<tr class="flag"><td>{name(e, e.file)}</td><td>{name(e)}</td>'
                    f"<td>{esc(e.scenario)}</td><td>{why}</td></tr>")
    rows.append("</table>")
    return "\n".join(rows)


def _same_quarter(r: ClassReport, name: Any) -> str:
    if not r.same_quarter:
        return "<p>No game to compare.</p>"
    esc = html.escape
    rows = [f"<p>Every lab at quarter {r.at_quarter} ({esc(r.at_label)}): the last quarter every "
            "counted game reached (<code>--at-quarter N</code> picks another). Ranked by the "
            "stake then (ownership × valuation, the score before the outcome's weight); a lab "
            "that had ended holds its ending, and an abandoned game that stopped before is "
            "listed, not ranked.</p>",
            "<table><tr><th class='num'>Rank then</th><th>Lab</th><th>Then</th>"
            "<th class='num'>Cash</th><th class='num'>Valuation</th><th class='num'>Ownership"
            "</th><th class='num'>Stake</th><th class='num'>Sentiment</th>"
            "<th class='num'>Final rank</th></tr>"]
    for row in r.same_quarter:
        e = row["entry"]
        rows.append(f"<tr class='{e.status}'><td class='num'>{row['rank'] or '—'}</td>"
                    f"<td>{name(e)}</td><td>{esc(row['state'])}</td>"
                    f"<td class='num'>{_money(row['cash'])}</td>"
                    f"<td class='num'>{_money(row['valuation'])}</td>"
                    f"<td class='num'>{_pct(row['ownership'])}</td>"
                    f"<td class='num'>{_money(row['stake'])}</td>"
                    f"<td class='num'>{_n(row['sentiment'])}</td>"
                    f"<td class='num'>{e.rank}</td></tr>")
    rows.append("</table>")
    return "\n".join(rows)


def _live_events(events: list[LiveEvent], name: Any) -> str:
    if not events:
        return "<p>The class had no live events (<code>class inject</code> sends them).</p>"
    esc = html.escape
    parts = []
    for ev in events:
        i = ev.injection
        parts.append(f"<h3>{esc(ev.title)} <small>({esc(i.event)}, sent "
                     f"{i.time:%Y-%m-%d %H:%M} UTC)</small></h3>")
        if i.note:
            parts.append(f"<p>Your note: <em>{esc(i.note)}</em></p>")
        worst, best = ev.hurt_most(), ev.helped_most()
        m = ev.metric
        said = [f"{len(ev.hits)} of the {ev.games} ranked labs that could take it did."]
        if ev.uniform and ev.hits:
            said.append(f"It moved every lab's {esc(m)} by the same "
                        f"{_signed(ev.hits[0].effects.get(m))}: it hurt most the labs for "
                        "which that was the largest share.")
        if worst is not None:
            said.append(f"Hurt most: <strong>{name(worst.entry)}</strong> ("
                        f"{esc(m)} {_signed(worst.effects[m])} in {esc(worst.date)}, "
                        f"{_pct(-worst.share(m))} of its {esc(m)} then).")
        if best is not None:
            said.append(f"Helped most: <strong>{name(best.entry)}</strong> ("
                        f"{esc(m)} {_signed(best.effects[m])} in {esc(best.date)}).")
        if worst is None and best is None:
            said.append(f"It moved no lab's {esc(m)} in the quarter it landed.")
        parts.append("<p>" + " ".join(said) + "</p>")
        if ev.hits:
            parts.append("<table><tr><th>Lab</th><th>Landed</th><th class='num'>Cash</th>"
                         "<th class='num'>Valuation</th><th class='num'>Revenue</th>"
                         f"<th class='num'>Share of its {esc(m)}</th></tr>")
            hits = ev.ordered()
            shown = hits if len(hits) <= 12 else [*hits[:6], *hits[-6:]]
            for n, h in enumerate(shown):
                if len(hits) > 12 and n == 6:
                    parts.append(f"<tr><td colspan='6'>… {len(hits) - 12} more labs in "
                                 "live_events.csv</td></tr>")
                when = esc(h.date) + ("" if h.happened else " (its condition did not hold)")
                parts.append(f"<tr><td>{name(h.entry)}</td><td>{when}</td>"
                             + "".join(f"<td class='num'>{_signed(h.effects.get(k))}</td>"
                                       for k in ("cash", "valuation", "revenue"))
                             + f"<td class='num'>{_pct(h.share(m))}</td></tr>")
            parts.append("</table>")
    parts.append("<p>Each figure is the event's own line in the lab's ledger for the quarter it "
                 "landed (what the Why? panel shows): later quarters' knock-on effects are not "
                 "in it.</p>")
    return "\n".join(parts)


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
    """JSON for a script element: ``<``, ``>`` and ``&`` as escapes, as plotly writes them."""
    import json

    text = json.dumps(value, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _js_string(text: str) -> str:
    return _script_safe(_json(text))


def _script_safe(text: str) -> str:
    """Script text that cannot close the <script> element it sits in (in JavaScript strings,
    regular expressions and JSON, ``<\\/`` means ``</``)."""
    return re.sub(r"</(script)", r"<\\/\1", text, flags=re.IGNORECASE)


def _signed(x: Any) -> str:
    if not _ok(x):
        return "—"
    return ("+" if x > 0 else "") + _money(x) if x else "$0"
