"""Frontier Lab: run a frontier AI lab's compute budget in the quarters before its IPO."""

from game.numerics import same_everywhere

same_everywhere()  # before numpy is imported: the same numbers on every machine (game.numerics)

__version__ = "0.1.0"
