"""Content packs: TOML read, validated and explained like a compiler would."""

from game.packs.economy import DEFAULT_SCENARIO, load_economy
from game.packs.errors import ContentError, Problem
from game.packs.loader import Content, check, load_content

__all__ = [
    "DEFAULT_SCENARIO",
    "Content",
    "ContentError",
    "Problem",
    "check",
    "load_content",
    "load_economy",
]
