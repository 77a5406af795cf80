"""The New game dialog: scenario, lab name and seed.

Opened from the title screen before the game's modules are loaded, so it imports nothing heavy
at module level: the packs and the saves are read when the player submits.
"""

from __future__ import annotations

from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Select, Static

from game.ui.dialog import DIALOG_CSS, Dialog
from game.ui.format import plain
from game.ui.inputs import InOrderInput


class NewGameModal(Dialog[tuple[str, str, int] | None]):
    """Scenario, lab name and seed; dismissed with them, or None."""

    DEFAULT_CSS = DIALOG_CSS.format(name="NewGameModal") + """
    NewGameModal Label.name { width: 12; }
    NewGameModal Horizontal.row { height: 1; margin-bottom: 1; }
    NewGameModal Input, NewGameModal Select { width: 1fr; }
    NewGameModal #briefing { height: auto; max-height: 8; color: $text-muted; }
    NewGameModal .error { color: $error; }
    """
    BINDINGS = [Binding("escape", "cancel", "Back", id="new.cancel")]

    def __init__(self, content, fixed: tuple[str, int] | None = None,
                 class_dir: Path | None = None, secret_seed: bool = False) -> None:
        super().__init__()
        self.content = content
        self.fixed = fixed  # a class's scenario and seed: shown (unless secret), not chosen
        self.class_dir = class_dir
        self.secret_seed = secret_seed and fixed is not None

    def compose(self) -> ComposeResult:
        from game.packs import DEFAULT_SCENARIO

        scenarios = sorted(self.content.scenarios.values(), key=lambda s: s.id != DEFAULT_SCENARIO)
        if self.fixed is not None:
            scenarios = [self.content.scenarios[self.fixed[0]]]
        with Vertical():
            yield Label("New game", classes="title")
            with Horizontal(classes="row"):
                yield Label("Scenario", classes="name")
                yield Select([(plain(s.title), s.id) for s in scenarios], value=scenarios[0].id,
                             allow_blank=False, compact=True, id="scenario")
            with Horizontal(classes="row"):
                yield Label("Lab name", classes="name")
                yield InOrderInput("Frontier Lab", compact=True, max_length=40, id="lab")
            with Horizontal(classes="row"):
                yield Label("Seed", classes="name")
                seed = self.fixed[1] if self.fixed else scenarios[0].default_seed()
                shown = "the class's own (secret)" if self.secret_seed else str(seed)
                yield InOrderInput(shown, compact=True, id="seed",
                                   disabled=self.fixed is not None)
            yield Static("", classes="error", id="error")
            yield Static("", id="briefing")
            with Horizontal(classes="buttons"):
                yield Button("Start", variant="primary", id="start")
                yield Button("Back", id="back")

    def on_mount(self) -> None:
        self._brief(str(self.query_one("#scenario", Select).value))
        # the lab's name first, all of it selected: what is typed replaces "Frontier Lab", and
        # enter starts (focus on Start made "press n, type a name, enter" start the default)
        self.query_one("#lab", Input).focus()

    @on(Select.Changed, "#scenario")
    def _scenario(self, message: Select.Changed) -> None:
        seed = self.query_one("#seed", Input)
        if self.fixed is None and seed.value.strip() == str(self._seed_for):
            # still the last scenario's own seed: this one's (the tutorial plays seed 21)
            seed.value = str(self.content.scenarios[str(message.value)].default_seed())
        self._brief(str(message.value))

    def _brief(self, scenario_id: str) -> None:
        sc = self.content.scenarios[scenario_id]
        self._seed_for = sc.default_seed()
        self.query_one("#briefing", Static).update(plain(" ".join(sc.briefing.split())))

    @on(Input.Submitted)
    @on(Button.Pressed, "#start")
    def _submit(self) -> None:
        lab = self.query_one("#lab", Input).value.strip()
        seed_text = self.query_one("#seed", Input).value.strip().replace(",", "")
        error = self.query_one("#error", Static)
        if not lab:
            error.update("Give the lab a name.")
            return
        if self.fixed is not None:
            seed_text = str(self.fixed[1])  # the class's (shown, or kept secret)
        if not seed_text.isdigit():
            error.update(f"The seed must be a whole number of zero or more, not '{seed_text}'.")
            return
        scenario = str(self.query_one("#scenario", Select).value)
        if self.class_dir is not None:
            from game.session.saves.folder import save_path
            from game.session.store import taken_by_another

            if taken_by_another(save_path(self.class_dir, lab, scenario)):
                error.update(plain(f"A classmate already plays as '{lab}': choose another "
                                   "lab name."))
                return
        self.close((scenario, lab, int(seed_text)))

    @on(Button.Pressed, "#back")
    def action_cancel(self) -> None:
        self.close(None)
