"""Monte Carlo draws of the what-if's assumptions: triangular priors, or patience from the data.

Row 0 of every array is the central case (each prior at its mean); rows 1.. are the draws.
Patience is estimated when the contacts record abandonment: with exponential patience the
maximum-likelihood rate is abandonments / total time waited (every wait ends either in service,
censoring the patience, or in abandonment), and a Gamma(abandonments, 1 / waited) draw carries
its uncertainty. It is the relation P(Ab) = theta E[W] of the model (Mandelbaum & Zeltyn 2005,
section 4.6) solved for theta.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from cxroi.analyses.value.settings import WhatIfSettings
from cxroi.analyses.value.what_if_data import WhatIfData
from cxroi.results.model.scenario import Patience

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Priors:
    """Row 0 central (prior means), then one value per Monte Carlo draw."""

    hybrid_share: FloatArray
    failure_share: FloatArray
    shrinkage: FloatArray
    patience: FloatArray
    patience_info: Patience


def draw_priors(
    st: WhatIfSettings, data: WhatIfData, rng: np.random.Generator, draws: int
) -> Priors:
    s = _with_central(st.hybrid_ai_share.mean, st.hybrid_ai_share.draw(rng, draws))
    f = _with_central(st.failure_repeat_share.mean, st.failure_repeat_share.draw(rng, draws))
    k = _with_central(st.shrinkage.mean, st.shrinkage.draw(rng, draws))
    ab = data.abandonment
    if ab is not None and ab.abandoned > 0:
        # theta-hat = abandoned / waited; a Gamma(abandoned, 1 / waited) draw per Monte Carlo run
        theta = rng.gamma(ab.abandoned, 1.0 / ab.waited_seconds, draws)
        mean = ab.waited_seconds / ab.abandoned
        p = _with_central(mean, 1.0 / theta)
        info = Patience(
            "estimated",
            mean,
            f"{ab.abandoned} abandoned contacts over {ab.waited_seconds:.0f} s waited on live "
            "channels (exponential patience, maximum likelihood)",
        )
    else:
        pr = st.patience_seconds
        p = _with_central(pr.mean, pr.draw(rng, draws))
        why = "no abandoned contacts recorded" if ab is not None else "no abandonment in the data"
        info = Patience("assumed", pr.mean, f"{why}: triangular prior {pr.as_list()} seconds")
    return Priors(s, f, k, p, info)



def _with_central(prior_mean: float, sims: FloatArray) -> FloatArray:
    return np.concatenate([[prior_mean], sims])


__all__ = ["Priors", "draw_priors"]
