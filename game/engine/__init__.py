"""The batched economy engine: numpy state over a world axis, one quarter at a time.

``step(state, plan, params, rng, quarter) -> (state, ledger)`` is the whole interface; see
docs/ENGINE.md for the equations, their sources and the order of a quarter.
"""

import warnings

from game.numerics import faster_code_in_use

if _avx512 := faster_code_in_use():  # (a script that imported numpy first)
    warnings.warn("numpy was imported before Frontier Lab, with code chosen for this processor "
                  f"({', '.join(_avx512)}): the game's numbers may then differ in the last bit "
                  "from other machines' and saves may not verify. Import game before numpy.",
                  stacklevel=2)

from game.engine.economy import Economy, compile_economy
from game.engine.ledger import METRICS, Ledger
from game.engine.params import EconomyParams
from game.engine.plan import Plan, PlanArrays, PlanError, resolve
from game.engine.rng import LIVE, PROJECTION, Rng
from game.engine.state import IPO_STAGES, OUTCOMES, State, initial_state
from game.engine.step import step

__all__ = [
    "IPO_STAGES",
    "LIVE",
    "METRICS",
    "OUTCOMES",
    "PROJECTION",
    "Economy",
    "EconomyParams",
    "Ledger",
    "Plan",
    "PlanArrays",
    "PlanError",
    "Rng",
    "State",
    "compile_economy",
    "initial_state",
    "resolve",
    "step",
]
