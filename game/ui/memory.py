"""Memory a game has finished with, given back to the system.

A preview's projection (``game.session`` playing thousands of worlds ahead) allocates some 20 MB
for a moment. glibc's malloc keeps what is freed for the process's later use, and a served game
kept about 14 MB it no longer needed after its first preview: 0.8 GB of a host serving 60
students. ``give_back`` asks glibc to return the free pages (``malloc_trim``); a C library
without it (macOS, musl) is left alone.

``plug_textual_leaks`` mends a cache of Textual's (pinned exactly) that kept what it no longer
needed; the widgets' own leaks are mended where they are (game.ui.charts, game.ui.footer).
"""

from __future__ import annotations

import ctypes
import functools
from collections.abc import Callable

from textual._styles_cache import StylesCache
from textual.color import Color
from textual.style import Style


@functools.cache
def _trim() -> Callable[[int], int] | None:
    try:
        return ctypes.CDLL(None).malloc_trim  # type: ignore[no-any-return]  (the process's C library)
    except (OSError, AttributeError):
        return None


def give_back() -> None:
    """Return the process's free heap pages to the system, where the C library can."""
    trim = _trim()
    if trim is not None:
        trim(0)


@functools.lru_cache(1024)
def _inner_outer(base_background: Color, background: Color) -> tuple[Style, Style]:
    return Style(background=base_background + background), Style(background=base_background)


def _get_inner_outer(self: StylesCache, base_background: Color, background: Color
                     ) -> tuple[Style, Style]:
    return _inner_outer(base_background, background)


def plug_textual_leaks() -> None:
    """Textual's ``StylesCache.get_inner_outer`` is an ``lru_cache`` on a method, so its key holds
    the ``StylesCache``, each widget's cache of its drawn lines: the last 1,024 widgets drawn
    stayed in memory with their lines after they had gone (a preview's ~17 widgets, each time
    one was opened: 1–1.5 MB a preview). The same two styles, cached on the colours alone, which
    are all it reads."""
    StylesCache.get_inner_outer = _get_inner_outer  # type: ignore[method-assign]
