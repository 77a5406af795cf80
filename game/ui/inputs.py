"""Text inputs that take a burst of keys in the order they were typed.

Textual 8's ``Input`` types a printable key as it arrives but runs a bound key (backspace, the
arrows, home, end, ctrl+u …) only after the key has bubbled up to the app. Keys that come faster
than that round trip — a paste-like burst from tmux, a fast typist, or any typing while the app
is busy redrawing the tabs' previews — are applied out of order: End, Backspace, "12" on a field
holding "0" left "1" rather than "12" (Textual issue #6605). ``InOrderInput`` runs the input's
own bindings as each key arrives, so every key acts in turn. Where Textual's animations are
off, the cursor does not blink either.
"""

from __future__ import annotations

from textual import events
from textual.widgets import Input


class InOrderInput(Input):
    """An ``Input`` whose editing keys act in the order they were typed."""

    async def _on_key(self, event: events.Key) -> None:
        # Textual calls this before Input._on_key, which is skipped once the default is prevented.
        # Priority bindings (the app's) were checked before the key reached the input.
        for binding in self._bindings.key_to_bindings.get(event.key, ()):
            if not binding.priority and await self.app.run_action(binding.action, self):
                event.prevent_default()
                event.stop()  # handled: the app must not run the binding again
                return

    def on_mount(self) -> None:
        # A steady cursor where motion is off (``TEXTUAL_ANIMATIONS=none``, as served games run):
        # a blinking one redraws its input twice a second, a frame sent to the browser each time.
        if self.app.animation_level == "none":
            self.cursor_blink = False
