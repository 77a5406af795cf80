"""Scripted strategies behind one small interface, and the loop that plays them."""

from game.bots.runner import Run, play
from game.bots.strategies import STRATEGIES, Policy, Stance, Strategy

__all__ = ["STRATEGIES", "Policy", "Run", "Stance", "Strategy", "play"]
