"""Content packs: TOML read, validated and explained like a compiler would."""

from game.packs.economy import DEFAULT_SCENARIO, load_economy, load_scenario_file, scenario_ids
from game.packs.errors import ContentError, Problem

__all__ = [
    "DEFAULT_SCENARIO",
    "ContentError",
    "Problem",
    "load_economy",
    "load_scenario_file",
    "scenario_ids",
]
