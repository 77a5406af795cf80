"""Textual's footer, recomposed only when the keys it shows change.

Textual's ``Footer`` rebuilds its keys whenever its screen's bindings are updated: each time a
dialog closes over the screen, and each time focus moves. Every rebuild restyles every key, and
at the end of a quarter (the preview closes, an event dialog opens and closes) that came to a
third of the time from the key press to the new dashboard. This footer compares what it would
show with what it shows, and rebuilds only when they differ. When it does rebuild, it lets go
of the keys it removed (Textual's footer kept each one, through the watcher binding its
``compact`` to theirs).
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer


class SteadyFooter(Footer):
    """A ``Footer`` that skips rebuilds which would show the same keys."""

    _shown: tuple[object, ...] | None = None

    def bindings_changed(self, screen: Screen) -> None:
        will_rebuild = screen.app.app_focus and self.is_attached and screen is self.screen
        if will_rebuild:
            shown = _keys_shown(screen)
            if self._bindings_ready and shown == self._shown:
                return
            self._shown = shown
        super().bindings_changed(screen)

    def compose(self) -> ComposeResult:
        # Footer.compose binds each new key's ``compact`` to the footer's (``data_bind``): a
        # watcher on the footer, which Textual drops only when ``compact`` changes, and it never
        # does. The keys a rebuild removed are let go here, before the new ones are made: a
        # dozen keys and their drawn lines a quarter, for as long as the game ran.
        for watchers in getattr(self, "__watchers", {}).values():
            watchers[:] = [(node, callback) for node, callback in watchers
                           if node is self or node.is_attached]
        yield from super().compose()


def _keys_shown(screen: Screen) -> tuple[object, ...]:
    """Everything ``Footer.compose`` reads from the screen's active bindings."""
    return tuple((binding.key, binding.description, binding.action, binding.show, enabled,
                  tooltip) for _, binding, enabled, tooltip in screen.active_bindings.values())
