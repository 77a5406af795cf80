"""The look every dialog shares: a bordered box in the middle of the screen, a bold title, a row
of buttons. Light on purpose: the title screen's New game dialog uses it before the game's modules
load.
"""

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
