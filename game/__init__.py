"""Frontier Lab: run a frontier AI lab's compute budget in the quarters before its IPO."""

__version__ = "0.1.0"
