"""What every dialog shares: its look (a bordered box in the middle of the screen, a bold title, a
row of buttons) and answering once. Light on purpose: the title screen's New game dialog uses it
before the game's modules load.
"""

from __future__ import annotations

from typing import TypeVar

from textual.screen import ModalScreen

R = TypeVar("R")

DIALOG_CSS = """
{name} {{ align: center middle; }}
{name} > Vertical {{
    width: 90%; max-width: 110; height: auto; max-height: 95%;
    border: thick $primary; background: $surface; padding: 0 1;
}}
{name} .title {{ text-style: bold; margin-bottom: 1; }}
{name} .buttons {{ height: auto; margin-top: 1; }}
{name} .buttons Button {{ margin-right: 1; }}
{name} .note {{ color: $text-muted; }}
"""


class Dialog(ModalScreen[R]):
    """A modal dialog that answers once.

    A held key repeats faster than a dialog leaves the screen: a second Enter can select again,
    and Textual's ``dismiss`` pops whatever screen is on top, which by then is the one beneath.
    ``close`` dismisses only an open dialog, once; ``is_open`` tells an action whether it may
    still act (a worker's result arriving after the dialog went is dropped the same way).
    """

    _answered = False

    @property
    def is_open(self) -> bool:
        return not self._answered and self.is_attached and self.app.screen is self

    def close(self, result: R | None = None) -> None:
        if not self.is_open:
            return
        self._answered = True
        self.dismiss(result)

    async def action_dismiss(self, result: R | None = None) -> None:
        self.close(result)
