"""What a price costs a provider in its customers' eyes: the price term of demand's logit.

game.engine.demand explains the term (a price judged against the going rate, with loss
aversion); it lives here because the brands' calibration to the labs' real starting shares
(game.engine.economy), which demand's state is built from, weighs prices with it too.
"""

from __future__ import annotations

import numpy as np

from game.engine.params import DemandParams


def price_utility(d: DemandParams, price: np.ndarray | float) -> np.ndarray:
    """−β_p · ℓ(p) · ln p for a price relative to the going rate: more above it than below."""
    log_p = np.log(price)
    return -d.price_weight * np.where(log_p > 0.0, d.overprice_aversion, 1.0) * log_p
