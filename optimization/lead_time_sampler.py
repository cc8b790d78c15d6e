"""Supplier lead times for the policy simulator, in whole periods, deterministic for a seed.

Two laws:

    from mean and sd   L = round(G), G ~ Gamma(shape k = mean^2 / sd^2, scale = sd^2 / mean)
                       (the gamma is the usual lead-time law: positive and right-skewed; Silver,
                       Pyke & Thomas 2017, "Inventory and Production Management in Supply
                       Chains", 4th ed., sec. 6.10); sd = 0 gives the constant round(mean)
    from observations  L drawn uniformly with replacement from the observed lead times
                       (a bootstrap of receipts: keeps slips and gaps a parametric law smooths)

Rounding to the nearest period keeps the mean within half a period of the gamma's.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class LeadTimeSampler:
    mean: float
    sd: float = 0.0
    observed: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        if not (np.isfinite(self.mean) and self.mean >= 0):
            raise ValueError(f"a mean lead time must be >= 0 periods, got {self.mean}")
        if not (np.isfinite(self.sd) and self.sd >= 0):
            raise ValueError(f"a lead-time sd must be >= 0 periods, got {self.sd}")
        if any(days < 0 for days in self.observed):
            raise ValueError("an observed lead time cannot be negative")

    @classmethod
    def from_observed(cls, lead_times: np.ndarray | list[int]) -> LeadTimeSampler:
        """A bootstrap of observed whole-period lead times; mean and sd (ddof = 1) are the
        sample's, as a planner would learn them from receipts."""
        sample = np.asarray(lead_times)
        if sample.size == 0:
            raise ValueError("a lead-time bootstrap needs at least one observed lead time")
        if not np.array_equal(sample, np.rint(sample)):
            raise ValueError("observed lead times must be whole periods")
        sd = float(sample.std(ddof=1)) if sample.size > 1 else 0.0
        return cls(float(sample.mean()), sd, tuple(int(days) for days in sample))

    def draw(self, rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
        """Lead times (int64) of the given shape, by the law in the module docstring."""
        if self.observed:
            return rng.choice(np.array(self.observed, np.int64), size=shape)
        if self.sd == 0 or self.mean == 0:
            return np.full(shape, round(self.mean), np.int64)
        shape_k = (self.mean / self.sd) ** 2
        return np.rint(rng.gamma(shape_k, self.sd**2 / self.mean, shape)).astype(np.int64)
