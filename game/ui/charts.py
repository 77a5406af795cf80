"""Charts drawn with plotext (through textual-plotext): lines over quarters and fan charts.

Colours are named ANSI colours so the charts read on a 16-colour terminal, and the plot takes
the theme's background.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich.columns import Columns
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.geometry import Size
from textual.strip import Strip
from textual.widgets import Static
from textual_plotext import PlotextPlot

from game.text import printable

if TYPE_CHECKING:
    from game.session.game import Game

# plotext's names of the 16 ANSI colours (its "orange" is ANSI yellow; its "yellow" is not an ANSI
# colour at all), and the same colours as Rich names them, for the legends drawn beside the plots.
SERIES_COLOURS = ("cyan", "magenta", "orange", "green", "red", "blue")
RICH_NAMES = {"orange": "yellow", "white": "bright_white"}


class CachedPlot(PlotextPlot):
    """A plot drawn once per change of its data, size or theme, not on every repaint.

    Both of the costly steps are kept: plotext's build of the chart, and the conversion of its
    coloured text into the screen's lines (each cell its own style, ≈ 10 ms a chart here). A
    screen repaints its widgets often (a dialog closing over it repaints them all), and a chart
    whose data did not change then reuses its lines. ``_render_content`` is the step of
    Textual's ``Widget`` that makes the lines (Textual is pinned exactly; the snapshot tests
    draw these charts).
    """

    _version = 0
    _cached: tuple[object, object] | None = None
    _lines: tuple[object, list[Strip]] | None = None

    def on_unmount(self) -> None:
        # textual-plotext subscribes each plot to theme changes with a callback that holds the
        # plot, and the signal keeps the callback until the theme next changes: every closed
        # preview's three charts, with their drawn lines, stayed in memory (≈ 2 MB a quarter).
        self.app.theme_changed_signal.unsubscribe(self)

    def changed(self) -> None:
        self._version += 1
        self.refresh()

    def _key(self) -> tuple[object, ...]:
        return (self.size, self._version, self.app.theme)

    def render(self):  # type: ignore[override]
        key = self._key()
        if self._cached is None or self._cached[0] != key:
            self._cached = (key, super().render())
        return self._cached[1]

    def _render_content(self) -> None:
        key = (*self._key(), self.visual_style)
        if self._lines is None or self._lines[0] != key:
            super()._render_content()
            self._lines = (key, self._render_cache.lines)
            return
        self._render_cache = type(self._render_cache)(self.size, self._lines[1])
        self._dirty_regions.clear()


class _Plot(CachedPlot):
    """The plotting area of a chart (its legend is drawn beside it, never over the data).

    Its ticks fit its own size, known only once it is laid out: it is drawn when painted at a
    size it was not drawn for, once per data and size (drawn on its resize, a chart shown in a
    dialog was built twice, at no size and then at its own: a preview's three charts cost
    ≈ 20 ms each)."""

    DEFAULT_CSS = """
    _Plot { height: 1fr; }
    """

    drawn_at: Size | None = None  # the size the chart last drew its data at

    def _render_content(self) -> None:
        if self.drawn_at != self.size and isinstance(self.parent, _Chart):
            self.parent.draw()  # before the cache's key is taken: it holds the data's version
        super()._render_content()


class _Chart(Vertical):
    """A titled plot with its legend on a line of its own under it: plotext draws a legend
    inside the plot, over the lines it names, so the series are left unlabelled there and
    named here in their colours."""

    def __init__(self, title: str, *, id: str | None = None, classes: str | None = None):
        super().__init__(id=id, classes=classes)
        self.chart_title = title

    def compose(self) -> ComposeResult:
        yield _Plot()
        yield Static("", classes="legend")

    @property
    def plot(self) -> _Plot:
        return self.query_one(_Plot)

    def draw(self) -> None:
        """Draw the data last shown at the plot's present size (before the plot is laid out,
        its legend only: the plot draws itself when first painted)."""

    def _laid_out(self) -> bool:
        """Whether the plot is laid out, and so drawn now: it is marked drawn at its size."""
        plot = self.plot
        if not plot.size.area:
            return False
        plot.drawn_at = plot.size
        return True

    def _legend(self, entries: list[tuple[str, str]]) -> None:
        # columns, so that an entry wraps to the next line whole, never between mark and name
        self.query_one(".legend", Static).update(Columns(
            [Text.assemble(("━ ", f"bold {RICH_NAMES.get(colour, colour)}"), printable(name))
             for name, colour in entries],  # a pack's rival's model name, say
            padding=(0, 2)))


class LineChart(_Chart):
    """Named series over quarter labels."""

    DEFAULT_CSS = """
    LineChart { height: 1fr; min-height: 8; }
    LineChart .legend { height: auto; padding: 0 1; }
    """

    def __init__(self, title: str, *, id: str | None = None, classes: str | None = None):
        super().__init__(title, id=id, classes=classes)
        self._labels: list[str] = []
        self._series: dict[str, Sequence[float]] = {}

    def show(self, labels: list[str], series: dict[str, Sequence[float]]) -> None:
        self._labels, self._series = labels, series
        self.draw()

    def on_mount(self) -> None:
        self.draw()

    def draw(self) -> None:
        plot = self.plot
        plt = plot.plt
        plt.clear_data()
        plt.clear_figure()
        plt.title(self.chart_title)
        named = list(zip(self._series.items(), SERIES_COLOURS, strict=False))
        self._legend([(name, colour) for (name, _), colour in named])
        if not self._laid_out():
            return
        if not self._labels:
            plot.changed()
            return
        xs = list(range(len(self._labels)))
        for (_, ys), colour in named:
            plt.plot(xs, list(ys), color=colour, marker="braille")
        ticks = _ticks(len(xs), plot.size.width)
        plt.xticks(ticks, [self._labels[i] for i in ticks])
        _round_yticks(plt, [y for _, ys in self._series.items() for y in ys], plot.size.height)
        plot.changed()


class FanChart(_Chart):
    """A median line with its 10–90% and 25–75% bands, quarter by quarter."""

    DEFAULT_CSS = """
    FanChart { height: 1fr; min-height: 7; }
    FanChart .legend { height: auto; padding: 0 1; }
    """

    _data: tuple[list[str], tuple[Sequence[float], ...]] | None = None

    def show(self, labels: list[str], p10: Sequence[float], p25: Sequence[float],
             p50: Sequence[float], p75: Sequence[float], p90: Sequence[float]) -> None:
        self._data = (labels, (p10, p25, p50, p75, p90))
        self.draw()

    def draw(self) -> None:
        if self._data is None:
            return
        labels, (p10, p25, p50, p75, p90) = self._data
        plot = self.plot
        plt = plot.plt
        plt.clear_data()
        plt.clear_figure()
        plt.title(self.chart_title)
        self._legend([("median", "white"), ("25–75%", "cyan"), ("10–90%", "blue")])
        if not self._laid_out():
            return
        xs = list(range(len(labels)))
        for ys, colour in ((p90, "blue"), (p75, "cyan"), (p50, "white"), (p25, "cyan"),
                           (p10, "blue")):
            plt.plot(xs, list(ys), color=colour, marker="braille")
        ticks = _ticks(len(xs), plot.size.width)
        plt.xticks(ticks, [labels[i] for i in ticks])
        _round_yticks(plt, [*p10, *p90], plot.size.height)
        plot.changed()


def _ticks(n: int, width: int) -> list[int]:
    """Evenly spaced label positions, first and last included, that fit side by side (a
    quarter label takes 6 cells, and 11 a label keeps rounding from crowding two together,
    where plotext's placement varies from run to run), so the plot never has to drop one."""
    if n <= 1:
        return list(range(n))
    fit = max(2, min(n, (width - 8) // 11))
    return sorted({round(k * (n - 1) / (fit - 1)) for k in range(fit)})


def round_ticks(lo: float, hi: float, most: int) -> list[float]:
    """At most ``most`` round values (1, 2, 2.5 or 5 times a power of ten apart) from ``lo`` to
    ``hi``: plotext's own divide the range evenly, so they read 1,212 · 1,401 · 1,590."""
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return []
    if hi - lo <= 1e-12 * max(abs(lo), abs(hi), 1.0):
        return [lo]
    power = 10.0 ** math.floor(math.log10((hi - lo) / max(most - 1, 1)))
    for step in (m * power * scale for scale in (0.1, 1.0, 10.0) for m in (1, 2, 2.5, 5)):
        first, last = math.ceil(lo / step - 1e-9), math.floor(hi / step + 1e-9)
        if last - first + 1 <= most:  # the finest round step that fits
            return [k * step for k in range(first, last + 1)]
    return [lo, hi]  # not reached: ten times the even step always fits


def tick_label(value: float, step: float) -> str:
    """A tick's value with the decimals its step needs: '1,400', '2.5', '0.25'."""
    decimals = 0 if step >= 1 else min(6, -math.floor(math.log10(step) + 1e-9) + 1)
    text = f"{value:,.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _round_yticks(plt, values: list[float], height: int) -> None:
    """Round values on the y axis, one a third of the plot's height at most."""
    finite = [v for v in values if math.isfinite(v)]
    ticks = round_ticks(min(finite), max(finite), max(2, height // 3)) if finite else []
    if ticks:
        step = ticks[1] - ticks[0] if len(ticks) > 1 else 1.0
        plt.yticks(ticks, [tick_label(t, step) for t in ticks])


# --- the game's series, as the dashboard and the debrief draw them --------------------------

def capability_series(game: Game, points: list[dict[str, float]]) -> dict[str, list[float]]:
    series = {"You": [h["capability"] for h in points]}
    for rival in game.params.rivals:
        series[rival.model_name] = [h[f"rival.{rival.id}"] for h in points]
    return series


def money_series(points: list[dict[str, float]]) -> dict[str, list[float]]:
    return {"cash": [h["cash"] for h in points],
            "equity value/10": [h["valuation"] / 10 for h in points]}
